"""The sampling settings beside the conversation: top-k, top-p, length, min length, stop rule,
real words (corpus or free spelling), how strongly to heed the question's words, how many
candidates to draw for each sentence, and how hard to lean on the question and the voice
(guidance); and the pace the answer is spoken at, which is no part of the reading (a record never
names it).

Each edit is checked by `SampleSettings.validate()` (the engine's rule, not a copy of it); a bad
value shows the engine's sentence inline and the last good settings stay in use.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Select, Static, Switch

from oracle.engine import STOP_RULES, WORD_MODES, Delivery, OracleError, SampleSettings, specs
from oracle.tui import preferences
from oracle.tui.widgets.form_fields import read_settings, setting_widgets

# The reading settings this panel shows; labels, help and rules come from SampleSettings' declarations.
# (The temperature has its own keys and gauge on the Oracle screen.)
FIELDS = ("top_k", "top_p", "length", "min_length", "heed", "candidates", "guidance")


class SettingsPanel(VerticalScroll, can_focus=False):  # its fields are the Tab stops, not the panel
    class PaceChosen(Message):
        """A new valid pace was typed (characters per second; 0: as fast as the model goes)."""

        def __init__(self, pace: float) -> None:
            super().__init__()
            self.pace = pace

    def __init__(self, settings: SampleSettings | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.settings = settings if settings is not None else preferences.reading_settings()  # as left last time
        self.delivery = Delivery()  # the app's pace, read when the panel is drawn

    @staticmethod
    def remember(settings: SampleSettings) -> None:
        """Keep the reading settings for the next launch (asked with, or left when quitting)."""
        try:
            preferences.save_reading_settings(settings)
        except (OracleError, OSError):
            pass  # a read-only home costs the preference, never the answer or the exit

    def compose(self) -> ComposeResult:
        self.delivery = Delivery(pace=getattr(self.app, "pace", self.delivery.pace))
        yield Static("Reading settings", classes="panel-title")
        for label, field in setting_widgets(self.settings, FIELDS, "set-", hand_on=True):
            yield label
            yield field
        yield Label(specs(SampleSettings)["stop"].label)
        yield Select([(rule, rule) for rule in STOP_RULES], value=self.settings.stop, allow_blank=False,
                     id="set-stop", compact=True)
        yield Label(specs(SampleSettings)["words"].label)
        yield Select([(mode, mode) for mode in WORD_MODES], value=self.settings.words, allow_blank=False,
                     id="set-words", compact=True)
        for label, field in setting_widgets(self.delivery, ("pace",), "set-", hand_on=True):
            yield label
            yield field
        yield Static("", id="settings-error", classes="error-text")
        yield Label("remember the last exchange")  # off: each answer reads its question alone
        yield Switch(False, id="set-remember", tooltip="the oracle reads the exchange before ahead of the question")
        yield Label("speak answers (F8)")
        speaking = getattr(getattr(self.screen, "speech", None), "on", False)  # turned on before the panel was mounted
        yield Switch(speaking, id="set-speak")  # the Oracle screen turns speech on and off

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._revalidate()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._revalidate()

    def _revalidate(self) -> None:
        error = self.query_one("#settings-error", Static)
        try:
            values = read_settings(self, SampleSettings, FIELDS, "set-")
            values["stop"] = self.query_one("#set-stop", Select).value
            values["words"] = self.query_one("#set-words", Select).value
            candidate = SampleSettings(temperature=self.settings.temperature, **values).validate()
            delivery = Delivery(**read_settings(self, Delivery, ("pace",), "set-")).validate()
        except OracleError as err:
            error.update(str(err))
            self.add_class("invalid")
            return
        error.update("")
        self.remove_class("invalid")
        self.settings = candidate
        if delivery != self.delivery:
            self.delivery = delivery
            try:
                preferences.save(pace=delivery.pace)  # the next launch speaks at this pace too
            except (OracleError, OSError):
                pass  # a read-only home costs the preference, never the pace
            self.post_message(self.PaceChosen(delivery.pace))
