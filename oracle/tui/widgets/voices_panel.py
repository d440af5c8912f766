"""The voices beside the conversation: one weight per voice of the active model.

Shown only for a voiced model (one trained on several sources). Each weight is a number of at
least 0; the blend is the weights normalised (the shares show next to the names), and all zeros
mean "any voice". A change posts `VoicesPanel.Changed`: the screen hands it to the reading that is
speaking (`Reading.set_voice`), so the voice changes from the next character; the next question
starts in it too.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Static

from oracle.engine import format_blend
from oracle.visible import visible


class VoicesPanel(VerticalScroll, can_focus=False):  # its fields are the Tab stops, not the panel
    DEFAULT_CSS = "VoicesPanel .voices-list { height: auto; }"

    class Changed(Message):
        def __init__(self, blend: dict[str, float] | None) -> None:
            super().__init__()
            self.blend = blend

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.names: list[str] = []
        self.labels: list[Label] = []
        self.weights: dict[str, float] = {}
        self.display = False  # until a voiced model is shown

    def compose(self) -> ComposeResult:
        yield Static("Voices", classes="panel-title")
        self.fields_box = Vertical(classes="voices-list")
        yield self.fields_box
        yield Static("", id="voices-blend", classes="voices-hint")

    def show_oracle(self, oracle) -> None:
        """Offer the voices of `oracle` (None or an unvoiced model hides the panel), all at weight 0."""
        names = list(getattr(oracle, "voices", []) or [])
        self.display = bool(names)
        if names == self.names:
            return
        self.names, self.weights = names, {name: 0.0 for name in names}
        # A new list in a new box: removing widgets finishes only later, so fields mounted beside the
        # old ones under the same ids (voice-0...) would clash (DuplicateIds) when one voiced model
        # follows another.
        self.fields_box.remove()
        # Voice names are corpus names from the model's files: Text through `visible`, never markup or raw
        # controls (an OSC in one retitled the terminal).
        self.labels = [Label(Text(visible(name)), id=f"voice-label-{i}", classes="voice-label") for i, name in enumerate(names)]
        fields = []
        for i, (name, label) in enumerate(zip(names, self.labels)):
            tip = Text(visible(f"weight of {name} (0 or more; shares are normalised)"))
            fields += [label, Input("0", id=f"voice-{i}", compact=True, tooltip=tip)]
        self.fields_box = Vertical(*fields, classes="voices-list")
        self.mount(self.fields_box, after=self.query_one(".panel-title"))
        self._show_blend()

    @property
    def blend(self) -> dict[str, float] | None:
        """The chosen blend, normalised (None: any voice)."""
        total = sum(self.weights.values())
        if total <= 0:
            return None
        return {name: w / total for name, w in self.weights.items() if w > 0}

    def on_input_changed(self, event: Input.Changed) -> None:
        ident = event.input.id or ""
        if not ident.startswith("voice-"):
            return
        event.stop()
        index = int(ident.removeprefix("voice-"))
        try:
            value = float(event.value or "0")
            ok = math.isfinite(value) and value >= 0
        except ValueError:
            ok = False
        event.input.set_class(not ok, "invalid")
        if not ok:
            self.query_one("#voices-blend", Static).update(Text(visible(f"{self.names[index]}: a weight is a number of 0 or more")))
            return
        self.weights[self.names[index]] = value
        self._show_blend()
        self.post_message(self.Changed(self.blend))

    def _show_blend(self) -> None:
        blend = self.blend or {}
        for name, label in zip(self.names, self.labels):
            share = f" {blend[name]:.0%}" if name in blend else ""
            label.update(Text(visible(f"{name}{share}")))
        self.query_one("#voices-blend", Static).update(
            Text(visible("speaking in: " + format_blend(self.blend) + ("" if self.blend else " (all weights 0)"))))
