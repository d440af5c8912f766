"""Small modal dialogs: ask for one line of text (a name or a path), or confirm a risky action."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from oracle.engine import NameTaken, OracleError, paths
from oracle.tui.widgets.path_suggester import PathSuggester


def export_path(filename: str) -> str:
    """The path an export dialog offers: in Documents, else ORACLE_HOME/exports (not the working folder)."""
    try:
        folder = paths.exports_dir()
    except OracleError:
        folder = Path.home()
    return str(folder / filename)


class PromptModal(ModalScreen[str | None]):
    """One labelled input; Enter answers with its text, Esc answers None.

    With `act`, the answer is acted on first: an OracleError it raises is shown inside the dialog,
    which stays open with the text as typed, so a refused name is corrected rather than retyped.
    With `replace` too, a name that is taken can also be replaced: a "Replace" button acts with
    `replace(text)` instead. It shows once `act` finds the name taken, or from the start when
    `replace_label` names what it replaces (an import whose own name is taken).
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, value: str = "", placeholder: str = "", paths: bool = False,
                 act: Callable[[str], object] | None = None, replace: Callable[[str], str | None] | None = None,
                 replace_label: str | None = None, ok: str = "OK") -> None:
        super().__init__()
        self.title_text, self.value, self.placeholder, self.paths, self.act = title, value, placeholder, paths, act
        self.replace, self.replace_label, self.ok = replace, replace_label, ok

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input",
                        suggester=PathSuggester() if self.paths else None)
            yield Static("", id="prompt-error", classes="error-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.ok, variant="primary", id="ok")
                if self.replace is not None:
                    button = Button(self.replace_label or "Replace it", variant="error", id="replace")
                    button.display = self.replace_label is not None
                    yield button
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._answer(event.value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self._answer(self.query_one(Input).value)
        elif event.button.id == "replace":
            self._answer(self.query_one(Input).value, replacing=True)
        else:
            self.dismiss(None)

    def _answer(self, text: str, replacing: bool = False) -> None:
        text = text.strip()
        act = self.replace if replacing else self.act
        if (text or replacing) and act is not None:
            try:
                done = act(text)
            except OracleError as err:
                self.query_one("#prompt-error", Static).update(str(err))
                if isinstance(err, NameTaken) and self.replace is not None and not replacing:
                    button = self.query_one("#replace", Button)
                    button.label = self.replace_label or f"Replace {text}"
                    button.display = True
                self.query_one(Input).focus()
                return
            text = done if isinstance(done, str) else text
        self.dismiss(text or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmModal(ModalScreen[bool]):
    """A yes/no question whose safe answer (No) has the focus."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("y", "yes", "Yes"),
                Binding("left", "app.focus_previous", "Previous button", show=False),
                Binding("right", "app.focus_next", "Next button", show=False)]

    def __init__(self, question: str, yes: str = "Yes") -> None:
        super().__init__()
        self.question, self.yes = question, yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.yes, variant="error", id="yes")
                yield Button("No", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
