"""The `?` screen: every key of the screen it was opened from (the footer has room for a few), the
way to the other screens, and what the screen is for. Esc, q or ? closes it.

It is built from the screens' own bindings, so a key added to a screen is listed here too.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from oracle.tui.widgets.nav import screen_keys

EVERYWHERE = [("?", "this help (in a text box: on an empty one)"), ("ctrl+p", "commands: every action by name, themes"),
              ("tab / shift+tab", "move between fields and buttons"), ("ctrl+q", "quit")]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f10", "close", "Close")]

    def __init__(self, screen) -> None:
        super().__init__(id="help-screen")
        self.for_screen = screen

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help-box"):
            yield Static(self._contents())

    def _contents(self) -> Table:
        app, screen = self.app, self.for_screen
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        title = getattr(screen, "HELP_TITLE", screen.__class__.__name__.replace("Screen", ""))
        table.add_row(Text(title, style="bold underline"), Text("Esc closes this help", style="dim"))
        about = " ".join(line.strip() for line in getattr(screen, "HELP", "").split())
        if about:
            table.add_row("", Text(about, style="italic"))
        table.add_row("", "")
        for binding in _bindings(screen):
            table.add_row(key_display(app, binding), binding.tooltip or binding.description)
        for key, words in getattr(screen, "HELP_KEYS", []):
            table.add_row(key, words)
        table.add_row("", "")
        table.add_row(Text("Screens", style="bold underline"), "")
        for _name, key, label in screen_keys(app):
            table.add_row(key, label)
        table.add_row("", "")
        table.add_row(Text("Everywhere", style="bold underline"), "")
        for key, words in EVERYWHERE:
            table.add_row(key, words)
        return table

    def action_close(self) -> None:
        self.dismiss(None)


def key_display(app, binding: Binding) -> str:
    """Every key of a binding, as the footer writes each: "^↓ / f5"."""
    keys = [k.strip() for k in binding.key.split(",")]
    return " / ".join(app.get_key_display(Binding(k, binding.action, binding.description)) for k in keys)


def _bindings(screen) -> list[Binding]:
    """The screen's own bindings with a description, shown in the footer or not, once per action."""
    seen, found = set(), []
    for binding in getattr(screen, "BINDINGS", []):
        if isinstance(binding, Binding) and binding.description and binding.action not in seen:
            seen.add(binding.action)
            found.append(binding)
    return found
