"""The Oracle screen: ask at the bottom, the answer streams in above, one character at a time.

The screen composes the parts and asks: the answer stream (widgets/answer_stream.py) speaks a
reading in a worker, the conversation filer (widgets/conversation_filer.py) keeps the open
conversation and files each answer, and the model picker (widgets/model_picker.py) lists the
models. Esc stops the answer; the temperature keys change `reading.settings.temperature` while it
speaks.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Switch

from oracle.engine import Oracle, SampleSettings
from oracle.tui import preferences
from oracle.tui.history import Conversation
from oracle.tui.speaking import SpeechControl, save_card, toggle_speech
from oracle.tui.typed import oracle_app
from oracle.tui.widgets.answer_stream import AnswerStream
from oracle.tui.widgets.conversation_filer import ConversationFiler, replay_of
from oracle.tui.widgets.conversation_pane import ConversationPane
from oracle.tui.widgets.conversation_shelf import ConversationKeys, ConversationShelf
from oracle.tui.widgets.form_fields import NumberInput
from oracle.tui.widgets.model_picker import ModelPicker
from oracle.tui.widgets.nav import NavBar
from oracle.tui.widgets.oracle_bar import OracleBar
from oracle.tui.widgets.question_box import QuestionBox
from oracle.tui.widgets.reading_controls import ReadingControls
from oracle.tui.widgets.settings_panel import SettingsPanel
from oracle.tui.widgets.transcript import Transcript
from oracle.tui.widgets.voices_panel import VoicesPanel

HELP = """Ask a question in the box at the bottom and press Enter: the oracle answers in the voice of
the texts it was trained on, one character at a time. Each answer notes its seed and settings.
A model trained on several texts lists its voices at the right: Tab to a voice's weight and type a
number (all 0: any voice); the blend changes from the next character, even in mid-answer."""
HELP_KEYS = [("enter", "ask the question in the box"), ("ctrl+j / shift+enter", "a new line in the question")]
# The screen's keys (the help and the palette list them; the footer shows those with show=True).
KEYS: list[Binding | tuple[str, str] | tuple[str, str, str]] = [  # the type Screen.BINDINGS declares
    # From anywhere on the screen: stop the answer, and back to the question box.
    Binding("escape", "back", "Stop · back"),
    Binding("ctrl+r", "ask_again", "Again", tooltip="ask the last question again, with a new seed"),
    Binding("f4", "toggle_settings", "Settings", tooltip="show or hide the reading settings (top-k, length, stop...)"),
    # In the top bar's "(^↓ ^↑)", the help (?) and the command palette rather than the narrow footer:
    # Priority, or the question box would take F6 (it selects a line there).
    Binding("ctrl+down,f5", "temperature(-1)", "Cooler (temperature down)", show=False, priority=True),
    Binding("ctrl+up,f6", "temperature(1)", "Hotter (temperature up)", show=False, priority=True),
    Binding("ctrl+o", "choose_model", "Switch model", show=False),
    Binding("ctrl+s", "export", "Export to Markdown", show=False),
    # Priority, as F5 and F6: the question box would otherwise take them.
    Binding("f7", "card", "Save as a card", show=False, priority=True,
            tooltip="the clicked exchange, else the last answer, as an SVG or PNG card"),
    Binding("f8", "toggle_speech", "Speak answers", show=False, priority=True,
            tooltip="speak answers aloud as they stream (espeak-ng); Esc stops"),
    Binding("ctrl+n", "new_conversation", "New conversation", show=False),
    Binding("ctrl+l", "conversations", "Conversations: reopen, search, export, delete", show=False),
    Binding("ctrl+b", "shelf", "Conversations beside the chat (wide windows)", show=False),
    # Priority: the question box would otherwise take them to move its cursor.
    Binding("pageup", "scroll_conversation(-1)", "Scroll up", show=False, priority=True,
            tooltip="scroll the conversation up, even while typing"),
    Binding("pagedown", "scroll_conversation(1)", "Scroll down", show=False, priority=True,
            tooltip="scroll the conversation down, even while typing"),
]


class OracleScreen(ConversationKeys, Screen):
    HELP, HELP_KEYS, BINDINGS = HELP, HELP_KEYS, KEYS  # declared above, as data

    speaking: reactive[bool] = reactive(False)
    pondering: reactive[bool] = reactive(False)  # speaking, but no character on screen yet

    def __init__(self) -> None:
        super().__init__(id="oracle-screen")
        self.oracle: Oracle | None = None
        self.controls = ReadingControls(id="side")  # temperature, settings and voices: one column at the right
        self.pane = ConversationPane(id="conversation")
        self.stream, self.filer = self.pane.stream, self.pane.filer
        self.speech = self.stream.voice = SpeechControl()  # "speak answers" (F8): the stream feeds it
        self.waiting: dict | None = None  # a question asked before that model was ready: asked once it is

    reading = property(lambda self: self.stream.reading)
    reading_worker = property(lambda self: self.stream.worker)
    conversation = property(lambda self: self.filer.conversation)
    exchanges = property(lambda self: self.filer.exchanges)
    eye_unit = property(lambda self: self.stream.eye_unit)
    temperature = property(lambda self: self.controls.temperature)
    loading_model = property(lambda self: self.query_one(ModelPicker).pending if self.children else None)

    def compose(self) -> ComposeResult:
        yield NavBar("oracle")
        yield OracleBar(id="oracle-bar")
        with Horizontal(id="oracle-body"):
            yield ConversationShelf(self.filer, id="shelf")
            yield self.pane
            yield self.controls
        yield QuestionBox(id="ask")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "consult"
        self.stream.pace = getattr(self.app, "pace", 0.0)
        self.query_one("#ask", QuestionBox).focus()
        self._show_state()  # "loading models": they are listed once the first frame is drawn
        self.call_after_refresh(getattr(self.app, "first_screen_ready", lambda: None))
        if preferences.load().speak is True:
            self.action_toggle_speech(quiet=True)

    def on_screen_resume(self) -> None:
        # At the start, once the first frame is drawn (OracleApp.on_ready): the question box shows first.
        if not self.speaking and oracle_app(self).drawn:
            self.controls.mount_panel()
            self.refresh_models()

    # ---- models ------------------------------------------------------------------------------

    def refresh_models(self) -> None:
        """Fill the model picker; it loads the active model if it changed (or vanished)."""
        entries = self.query_one(ModelPicker).refresh_models(self.oracle.name if self.oracle else None)
        self.pane.show_models(bool(entries))
        if not entries:
            self.oracle = None
        self._show_state()

    def use_model(self, name: str, conversation: Conversation | None = None) -> None:
        """Switch to `name`: it loads in a worker while this screen stays drawn and takes the question."""
        self.stream.stop()
        self.query_one(ModelPicker).load(name, conversation)
        self._show_state()

    def on_model_picker_loaded(self, event: ModelPicker.Loaded) -> None:
        self.query_one(ModelPicker).taken(event.name)
        if self.speaking and event.conversation is None and self.oracle is not None and event.name == self.oracle.name:
            return  # the model in use loaded again (a list refreshed meanwhile): the answer speaking goes on
        waiting, self.waiting = self.waiting, None
        if event.oracle is not None:
            self.oracle = event.oracle
            self.controls.show_oracle(event.oracle)
            self.pane.open(event.oracle, event.conversation)
        self._show_state()
        if waiting is not None and event.oracle is not None:
            self.call_after_refresh(lambda: self.ask(**waiting))  # after the voices panel has shown this model

    def on_model_picker_chosen(self, event: ModelPicker.Chosen) -> None:
        self.use_model(event.name)  # the picker hands the focus back to the question

    def action_choose_model(self) -> None:
        if not self.query_one(ModelPicker).open():
            self.notify("There is no model to switch to yet: train one on the Train screen (F2).", severity="warning")

    def action_scroll_conversation(self, direction: int) -> None:
        self.query_one(Transcript).page(direction)

    # ---- asking ------------------------------------------------------------------------------

    def on_question_box_submitted(self, event: QuestionBox.Submitted) -> None:
        self.ask(event.question)

    def on_transcript_ask(self, event: Transcript.Ask) -> None:
        self.ask(**event.how)

    def ask(self, question: str, seed: int | None = None, settings: SampleSettings | None = None,
            voice: dict | None = None, replay: bool = False, **how) -> None:
        """Ask `question`; `how`: a replay's `changes` and `prime` (Oracle.ask's)."""
        if not self.query_one(ModelPicker).listed:  # typed before the first frame was drawn: the models first
            self.refresh_models()
        if self.loading_model is not None:  # asked before the model is ready: it waits for it, and says so
            self.waiting = dict(question=question, seed=seed, settings=settings, voice=voice, replay=replay, **how)
            self.notify(f"{self.loading_model[0]} is still loading: your question is asked as soon as it is ready.", timeout=4)
            return
        if self.oracle is None:
            self.notify("There is no model to ask yet: train one on the Train screen (F2).", severity="warning")
            return
        settings = settings or self.controls.settings()
        blend = self.controls.blend if voice is None else voice  # {}: any voice
        if self.pane.ask(self.oracle, question, settings, seed, replay, voice=blend, remember=self.controls.remembering, **how):
            self.controls.remember(settings)
            self.speaking = self.pondering = True

    def on_answer_stream_began(self, event: AnswerStream.Began) -> None:
        self.pondering = False

    def on_answer_stream_ended(self, event: AnswerStream.Ended) -> None:
        self.speaking = self.stream.speaking  # filed by the pane on its way here
        self.pondering = self.pondering and self.speaking

    def action_back(self) -> None:
        self.stream.stop()
        self.query_one(QuestionBox).focus()

    action_stop = action_back  # the palette's "Stop the answer"

    def on_key(self, event: events.Key) -> None:
        # Text typed where no text goes (a list, a panel) is meant for the question: it goes there,
        # so nothing typed is lost, and a "?" in it is a question mark rather than the help.
        box = self.query_one(QuestionBox)
        if event.is_printable and event.character not in (None, " ") and box.takes(self.focused, event.key):
            event.stop()
            event.prevent_default()
            box.type(event.character)

    def on_number_input_stray(self, event: NumberInput.Stray) -> None:
        self.query_one(QuestionBox).type(event.character)  # typed in a number field: the question's

    def shutdown(self) -> None:
        self.stream.cancel()
        self.speech.close()
        self.controls.remember()

    def action_ask_again(self) -> None:
        if self.filer.last_question is None:
            self.notify("Ask something first; then this key asks it again with a new seed.")
            return
        self.ask(self.filer.last_question)

    def replay_last(self) -> None:
        """Ask the last question again with the very same seed and settings: the same answer."""
        if not self.exchanges:
            self.notify("Nothing to replay yet.")
            return
        self.ask(**replay_of(self.exchanges[-1]))

    # ---- settings ----------------------------------------------------------------------------

    def on_settings_panel_pace_chosen(self, event: SettingsPanel.PaceChosen) -> None:
        oracle_app(self).pace = self.stream.pace = event.pace  # from the next answer on

    def on_voices_panel_changed(self, event: VoicesPanel.Changed) -> None:
        self.stream.set_voice(event.blend)

    def action_temperature(self, direction: int) -> None:
        value = self.controls.nudge(direction)
        if self.reading is not None:
            self.reading.settings.temperature = value  # takes effect from the next character
        self._show_state()

    def watch_speaking(self, speaking: bool) -> None:
        self._show_state()

    def watch_pondering(self, pondering: bool) -> None:
        self._show_state()

    def _show_state(self) -> None:
        if not self.children:  # not composed yet
            return
        loading = self.loading_model[0] if self.loading_model else (None if self.query_one(ModelPicker).listed else "models")
        self.query_one(OracleBar).show_state(self.temperature, self.speaking, self.oracle is not None, loading,
                                             pondering=self.pondering)

    def action_toggle_settings(self) -> None:
        self.controls.toggle_settings()

    def action_toggle_speech(self, quiet: bool = False) -> None:
        toggle_speech(self, quiet)

    def on_switch_changed(self, event: Switch.Changed) -> None:
        if event.switch.id == "set-speak" and event.value != self.speech.on:
            self.action_toggle_speech()

    def action_card(self) -> None:
        save_card(self)

    # ---- conversations -----------------------------------------------------------------------

    def on_conversation_filer_wants_model(self, event: ConversationFiler.WantsModel) -> None:
        self.use_model(event.conversation.model, event.conversation)
