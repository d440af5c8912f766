"""The top line of every screen: the app's name and a tab per screen with its key, the current one lit.

It replaces Textual's Header so the way to every screen stays visible at any width (the footer
has room for the screen's own keys only). The tabs come from the app's `show('...')` bindings, so
a screen added there gets its tab here; a click on a tab goes there too.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from oracle.tui.typed import oracle_app


def screen_keys(app) -> list[tuple[str, str, str]]:
    """(screen name, key shown, label) for every screen the app binds a key to, in binding order."""
    found = []
    for binding in getattr(app, "BINDINGS", []):
        action = getattr(binding, "action", "")
        if action.startswith("show(") and action.endswith(")"):
            name = action[5:-1].strip("'\"")
            key = app.get_key_display(binding)
            found.append((name, key, binding.description))
    return found


class NavBar(Static):
    """One line: "Oracle  F1 Oracle  F2 Train  F3 Models          ? help  ^p commands"."""

    def __init__(self, here: str) -> None:
        super().__init__(id="nav")
        self.here = here

    def on_mount(self) -> None:
        self.update(self.render_tabs())

    def render_tabs(self) -> Text:
        text = Text("✦ Oracle ", style="bold")
        for name, key, label in screen_keys(self.app):
            text.append(" ")
            text.append(f" {key} {label} ", style="reverse bold" if name == self.here else "")
        text.append("   ? help", style="dim")
        return text

    def on_click(self, event) -> None:
        # Which tab was clicked: walk the same layout render_tabs() drew.
        x = event.x - len("✦ Oracle ")
        for name, key, label in screen_keys(self.app):
            width = len(f" {key} {label} ") + 1
            if 0 <= x < width:
                oracle_app(self).action_show(name)
                return
            x -= width
        if x >= 3:
            oracle_app(self).action_help()
