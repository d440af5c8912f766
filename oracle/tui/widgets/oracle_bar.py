"""The Oracle screen's second line and its empty state.

`OracleBar`: the model picker, the temperature gauge with its keys, and whether the oracle speaks.
`NoOracle`: what the screen shows instead of a conversation while there is no model at all.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from oracle.engine import paths
from oracle.tui.typed import oracle_app
from oracle.tui.widgets.model_picker import ModelPicker
from oracle.visible import visible


class OracleBar(Horizontal):
    def compose(self) -> ComposeResult:
        yield ModelPicker(id="model-slot")  # holds the model list once there are models (no blank entry)
        yield Static("", id="temperature")
        yield Static("", id="speaking")

    def show_state(self, temperature: float, speaking: bool, oracle: bool, loading: str | None = None,
                   pondering: bool = False) -> None:
        """`pondering`: speaking, but drafting and ranking before its first character."""
        self.query_one("#temperature", Static).update(f"temperature {temperature:.2f}  (^↓ ^↑)")
        label = self.query_one("#speaking", Static)
        idle = f"◌ loading {visible(loading)}…" if loading else ("○ listening" if oracle else "○ no oracle")
        label.update(("◐ pondering…" if pondering else "● speaking…") if speaking else idle)
        label.set_class(speaking, "speaking")


class NoOracle(Vertical):
    def compose(self) -> ComposeResult:
        yield Static("", id="empty-text")
        yield Button("Train an oracle (F2)", variant="primary", id="go-train")

    def on_mount(self) -> None:
        self.query_one("#empty-text", Static).update(
            "No oracle yet. An oracle is a small network trained on texts you choose.\n\n"
            "Press F2 (or the button) to train one: the quick recipe on a bundled text takes a few minutes.\n"
            f"The shipped default oracle would be found in {paths.shipped_models_dir()}, but it is not there.")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "go-train":
            event.stop()
            oracle_app(self).action_show("train")
