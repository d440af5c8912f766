"""How the next answer is read: the temperature (its keys and gauge), the reading settings (F4)
and the voices of a voiced model, in one column at the right of the conversation.

The column holds the one copy of the settings the screen asks with (`settings()`), keeps them for
the next launch (`remember()`); the screen hands a new temperature to the answer speaking at once
(`nudge()` returns it), and voices post `VoicesPanel.Changed` for it to hand on.
"""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Switch

from oracle.engine import SampleSettings
from oracle.tui.widgets.settings_panel import SettingsPanel
from oracle.tui.widgets.voices_panel import VoicesPanel

TEMPERATURE_STEP = 0.1


class ReadingControls(Vertical):
    temperature: reactive[float] = reactive(SampleSettings().temperature, init=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.panel = SettingsPanel(id="settings", classes="hidden")  # as the reader left them last time
        self.set_reactive(ReadingControls.temperature, self.panel.settings.temperature)

    def compose(self) -> ComposeResult:
        yield VoicesPanel(id="voices")  # the settings panel comes once the first frame is drawn (mount_panel)

    def mount_panel(self) -> None:
        """Mount the settings panel (hidden until F4): its twenty-odd fields cost the first frame ~50 ms."""
        if self.panel.parent is None:
            self.mount(self.panel, before=0)

    def settings(self) -> SampleSettings:
        """The settings to ask with now."""
        return replace(self.panel.settings, temperature=round(self.temperature, 2))

    @property
    def remembering(self) -> bool:
        """A remembered conversation: the oracle reads the exchange before ahead of each question."""
        return self.panel.is_mounted and self.panel.query_one("#set-remember", Switch).value

    @property
    def blend(self) -> dict[str, float] | None:
        return self.query_one(VoicesPanel).blend

    def show_oracle(self, oracle) -> None:
        self.query_one(VoicesPanel).show_oracle(oracle)

    def toggle_settings(self) -> None:
        self.panel.toggle_class("hidden")

    def nudge(self, direction: int) -> float:
        """One step cooler (-1) or hotter (1), between 0 and 3: the new temperature."""
        self.temperature = min(3.0, max(0.0, round(self.temperature + direction * TEMPERATURE_STEP, 2)))
        return self.temperature

    def watch_temperature(self, value: float) -> None:
        self.panel.settings.temperature = value

    def remember(self, settings: SampleSettings | None = None) -> None:
        """Keep `settings` (by default those shown) for the next launch."""
        self.panel.remember(settings or self.settings())
