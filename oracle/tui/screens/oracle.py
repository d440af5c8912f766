"""The Oracle screen: ask at the bottom, the answer streams in above, one character at a time.

The answer comes from `Oracle.ask()` (a `Reading`) iterated in a thread worker; characters are
posted to the transcript a few dozen times a second as messages, so the UI never waits on the model
and the model never waits on the UI (one chunk is in flight at a time; text that comes meanwhile
joins the next one). Esc calls `reading.stop()`; the temperature keys change
`reading.settings.temperature` while it speaks.
"""

from __future__ import annotations

import gc
import threading
import time
import weakref
from dataclasses import replace

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Button, Footer, Select, Static
from textual.worker import get_current_worker

from oracle.engine import OracleError, SampleSettings, paths, store
from oracle.tui import history, preferences
from oracle.tui.history import Conversation, Exchange
from oracle.tui.widgets.model_select import ModelSelect
from oracle.tui.widgets.nav import NavBar
from oracle.tui.widgets.question_box import QuestionBox
from oracle.tui.widgets.settings_panel import SettingsPanel
from oracle.tui.widgets.transcript import ExchangeView, Transcript
from oracle.tui.widgets.voices_panel import VoicesPanel
from oracle.visible import visible

FLUSH_SECONDS = 1 / 30  # how often streamed characters reach the screen
TEMPERATURE_STEP = 0.1


class OracleScreen(Screen):
    HELP = """Ask a question in the box at the bottom and press Enter: the oracle answers in the voice of
    the texts it was trained on, one character at a time. Each answer notes its seed and settings.
    A model trained on several texts lists its voices at the right: Tab to a voice's weight and type a
    number (all 0: any voice); the blend changes from the next character, even in mid-answer."""
    HELP_KEYS = [("enter", "ask the question in the box"), ("ctrl+j / shift+enter", "a new line in the question")]
    BINDINGS = [
        Binding("escape", "stop", "Stop"),
        Binding("ctrl+r", "ask_again", "Again", tooltip="ask the last question again, with a new seed"),
        Binding("f4", "toggle_settings", "Settings", tooltip="show or hide the reading settings (top-k, length, stop...)"),
        # In the top bar's "(^↓ ^↑)", the help (?) and the command palette rather than the narrow footer:
        # Priority, or the question box would take F6 (it selects a line there).
        Binding("ctrl+down,f5", "temperature(-1)", "Cooler (temperature down)", show=False, priority=True),
        Binding("ctrl+up,f6", "temperature(1)", "Hotter (temperature up)", show=False, priority=True),
        Binding("ctrl+o", "choose_model", "Switch model", show=False),
        Binding("ctrl+s", "export", "Export to Markdown", show=False),
        Binding("ctrl+n", "new_conversation", "New conversation", show=False),
        Binding("ctrl+l", "conversations", "Conversations: reopen, search, export, delete", show=False),
        # Priority: the question box would otherwise take them to move its cursor.
        Binding("pageup", "scroll_conversation(-1)", "Scroll up", show=False, priority=True,
                tooltip="scroll the conversation up, even while typing"),
        Binding("pagedown", "scroll_conversation(1)", "Scroll down", show=False, priority=True,
                tooltip="scroll the conversation down, even while typing"),
    ]

    temperature: reactive[float] = reactive(SampleSettings().temperature, init=False)
    speaking: reactive[bool] = reactive(False)

    def __init__(self) -> None:
        super().__init__(id="oracle-screen")
        self.oracle = None
        self.conversation: Conversation | None = None
        # The newest exchanges of the conversation (read when it opened) and those asked since; older
        # ones are read by the transcript only when the reader scrolls up to them.
        self.exchanges: list[Exchange] = []
        self.conversation_of: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # reading -> where it is filed
        self.reading = None
        self.view: ExchangeView | None = None
        self.last_question: str | None = None
        self.stopped_readings: weakref.WeakSet = weakref.WeakSet()  # readings the reader cut short
        self.saved_settings = preferences.reading_settings()  # as the reader left them last time
        self.set_reactive(OracleScreen.temperature, self.saved_settings.temperature)
        self.reading_worker = None  # the thread streaming the current answer, kept so quitting can cancel it
        self.choosing_model = False  # Ctrl+O opened the model list: focus returns to the question after
        self.eye_unit = None  # (model, layer, unit, kind) to colour streaming answers by: set on the Eye screen (s)

    def compose(self) -> ComposeResult:
        yield NavBar("oracle")
        with Horizontal(id="oracle-bar"):
            yield Horizontal(id="model-slot")  # holds the model list once there are models (no blank entry)
            yield Static("", id="temperature")
            yield Static("", id="speaking")
        with Horizontal(id="oracle-body"):
            with Vertical(id="conversation"):
                with Vertical(id="empty"):
                    yield Static("", id="empty-text")
                    yield Button("Train an oracle (F2)", variant="primary", id="go-train")
                yield Transcript(id="transcript")
            yield SettingsPanel(replace(self.saved_settings), id="settings", classes="hidden")
            yield VoicesPanel(id="voices")
        yield QuestionBox(id="ask")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "consult"
        self.refresh_models()
        self.query_one("#ask", QuestionBox).focus()

    def on_screen_resume(self) -> None:
        if not self.speaking:
            self.refresh_models()

    # ---- models ------------------------------------------------------------------------------

    def refresh_models(self) -> None:
        """Fill the model switcher and load the active model if it changed (or vanished)."""
        try:
            entries = [e for e in store.list_models() if e.error is None]
            active = store.active_name()
        except OracleError as err:
            self.notify(str(err), severity="error")
            entries, active = [], None
        options = [(f"{e.name} (shipped)" if e.shipped else e.name, e.name) for e in entries]
        self._fill_model_list(options, active)
        self.query_one("#empty").display = not entries
        self.query_one("#transcript").display = bool(entries)
        if not entries:
            self.oracle = None
            shipped = paths.shipped_models_dir()
            self.query_one("#empty-text", Static).update(
                "No oracle yet. An oracle is a small network trained on texts you choose.\n\n"
                "Press F2 (or the button) to train one: the quick recipe on a bundled text takes a few minutes.\n"
                f"The shipped default oracle would be found in {shipped}, but it is not there.")
            self._show_state()
            return
        if self.oracle is None or self.oracle.name != active or not any(e.name == active for e in entries):
            self.use_model(active)

    def _fill_model_list(self, options: list[tuple[str, str]], active: str | None) -> None:
        """The model list offers the models there are and nothing else: no blank "no model" entry."""
        slot = self.query_one("#model-slot")
        found = slot.query(ModelSelect)
        if not options:
            found.remove()
        elif not found:
            select = ModelSelect(options, active, id="model-select")
            slot.mount(select)
            self.watch(select, "expanded", self._model_list_closed, init=False)
        else:
            found.first().sync(active)

    def use_model(self, name: str, conversation: Conversation | None = None) -> None:
        self.action_stop()
        try:
            store.set_active(name)
            self.oracle = store.load(name)
            # The model's tables (words, vocabulary) are long-lived objects: keep the garbage collector
            # from walking them again on every collection while answers stream and pages are drawn.
            gc.freeze()
        except OracleError as err:
            self.notify(str(err), severity="error", title="Cannot use this model")
            return
        self.query_one(VoicesPanel).show_oracle(self.oracle)
        notices: list[str] = []
        if conversation is None:
            try:
                conversation, notices = history.current(name)
            except OracleError as err:
                conversation, notices = history.new(name), [str(err)]
        self.show_conversation(conversation, notices)
        for select in self.query(ModelSelect):
            select.sync(name)  # reads the models again: this one may be newer than the list
        self._show_state()

    def show_conversation(self, conversation: Conversation, notices: list[str] = ()) -> None:
        """Show the newest exchanges of `conversation`; the transcript reads older ones when scrolled to."""
        recent, more = conversation.page(conversation.count, Transcript.PAGE)
        for notice in [*notices, *more]:
            self.notify(notice, severity="warning", timeout=8)
        self.conversation, self.exchanges = conversation, recent
        self.last_question = recent[-1].question if recent else None
        self.query_one(Transcript).show(conversation, recent, self._welcome(conversation.model))

    def _welcome(self, name: str) -> str:
        corpora = visible(", ".join(c.get("name", "?") for c in self.oracle.meta.get("corpora", []))) or "its texts"
        text = f"Ask {name} anything and press Enter: it answers in the voice of {corpora}, one character at a time."
        try:
            shipped = store.find(name).shipped
        except OracleError:
            shipped = False
        if shipped:
            text += "\nThis is the shipped default oracle. Train your own on the Train screen (F2)."
        return text

    def on_select_changed(self, event: Select.Changed) -> None:
        # Refilling the list (after a rename or a delete) passes through its first entry before it
        # settles on the active model: only a change the list still shows is the reader's pick.
        if event.select.id == "model-select" and isinstance(event.value, str) and event.value == event.select.value:
            if self.oracle is None or event.value != self.oracle.name:
                self.use_model(event.value)
                self.query_one("#ask", QuestionBox).focus()  # the next thing typed is a question, not a search

    def action_choose_model(self) -> None:
        selects = self.query("#model-select").results(Select)
        select = next(selects, None)
        if select is None:
            self.notify("There is no model to switch to yet: train one on the Train screen (F2).", severity="warning")
            return
        select.focus()
        select.expanded = True
        self.choosing_model = True

    def _model_list_closed(self, expanded: bool) -> None:
        if not expanded and self.choosing_model:  # picked or dismissed: back to the question either way
            self.choosing_model = False
            # After the list has put the focus back on itself, which it does once closed.
            self.call_after_refresh(self.query_one("#ask", QuestionBox).focus)

    def action_scroll_conversation(self, direction: int) -> None:
        transcript = self.query_one(Transcript)
        if direction < 0:
            transcript.page_up()  # at the top of what is shown, reads the exchanges before it
        else:
            transcript.scroll_page_down()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "go-train":
            self.app.action_show("train")

    # ---- asking ------------------------------------------------------------------------------

    def on_question_box_submitted(self, event: QuestionBox.Submitted) -> None:
        question = event.question
        if not question.strip():  # as `oracle ask` does with an empty question
            self.notify("Type a question first, then press Enter.", timeout=3)
            return
        event.box.value = ""
        self.ask(question)

    def ask(self, question: str, seed: int | None = None, settings: SampleSettings | None = None,
            changes: list[dict] | None = None, voice: dict | None = None, prime: str | None = None) -> None:
        if self.oracle is None:
            self.notify("There is no model to ask yet: train one on the Train screen (F2).", severity="warning")
            return
        self.action_stop()
        panel = self.query_one(SettingsPanel)
        settings = settings or replace(panel.settings, temperature=round(self.temperature, 2))
        try:
            blend = self.query_one(VoicesPanel).blend if voice is None else voice  # {}: any voice
            reading = self.oracle.ask(question, settings, seed, changes=changes, voice=blend, prime=prime)
        except OracleError as err:
            self.notify(str(err), severity="error")
            return
        self.reading, self.last_question = reading, question
        self._remember_settings(settings)
        # The exchange takes its place now, so a stopped earlier answer that finishes late keeps its order.
        exchange = Exchange(question, "", reading.record(), notice=reading.notice)
        self.exchanges.append(exchange)
        self.conversation_of[reading] = self.conversation
        self.view = self.query_one(Transcript).begin(exchange)
        if self.eye_unit is not None:  # the Eye screen asked for answers on the colours of one unit
            from oracle.tui.widgets.eye_colours import AnswerPainter

            self.view.painter = AnswerPainter.for_reading(reading, self.eye_unit)
        self.speaking = True
        self.reading_worker = self._stream(reading, self.view)

    class Said(Message):
        """Characters the oracle said, for the answer being written (posted from the reading's thread)."""

        bubble = False

        def __init__(self, view: ExchangeView, text: str, shown: threading.Event) -> None:
            super().__init__()
            self.view, self.text, self.shown = view, text, shown

    def on_oracle_screen_said(self, message: Said) -> None:
        message.view.add(message.text)
        message.shown.set()

    @work(thread=True, group="reading", exit_on_error=False)  # not exclusive: a stopped answer still finishes and is filed
    def _stream(self, reading, view: ExchangeView) -> None:
        worker = get_current_worker()
        pace = getattr(self.app, "pace", 0.0)
        buffer, last = "", time.monotonic()
        shown = threading.Event()  # set when the last posted chunk is on screen: one chunk in flight at a time
        shown.set()
        try:
            for ch in reading:
                buffer += ch
                if pace:
                    time.sleep(1 / pace)
                now = time.monotonic()
                if worker.is_cancelled:
                    reading.stop()
                    break
                if now - last >= FLUSH_SECONDS and shown.is_set():
                    shown.clear()
                    if not self.post_message(self.Said(view, buffer, shown)):
                        reading.stop()  # the app closed while the oracle spoke: nobody is listening any more
                        return
                    buffer, last = "", now
        except Exception as err:  # an engine failure (torch raises RuntimeError for most) ends the reading, not the app
            if self._caught_up(shown, worker):
                self._deliver(self._failed, reading, view, buffer, err)
            return
        if not worker.is_cancelled and self._caught_up(shown, worker):
            self._deliver(self._finished, reading, view, buffer)

    def _caught_up(self, shown: threading.Event, worker) -> bool:
        """Wait until the chunk in flight is on screen, so the answer's end follows it; False if nobody will show it."""
        while not shown.wait(0.1):
            if worker.is_cancelled or not self.app.is_running:
                return False
        return True

    def _deliver(self, callback, *args) -> bool:
        """Run `callback` on the app's thread and wait for it; False once the app has stopped running."""
        try:
            self.app.call_from_thread(callback, *args)
        except RuntimeError:  # call_from_thread's word for "the app is not running"
            return False
        return True

    def _failed(self, reading, view: ExchangeView, rest: str, err: Exception) -> None:
        """The reading broke off: keep what it said, say why in one sentence, and listen again."""
        self.notify(f"The oracle fell silent: {err.__class__.__name__}: {err}", severity="error", title="Reading failed")
        self.stopped_readings.add(reading)
        self._finished(reading, view, rest)

    def _finished(self, reading, view: ExchangeView, rest: str) -> None:
        view.add(rest)
        exchange = Exchange(view.exchange.question, reading.text, reading.record(),
                            stopped=reading in self.stopped_readings, notice=reading.notice)
        placeholder = view.exchange
        view.finish(exchange)
        if self.reading is reading:
            self.reading, self.speaking = None, False
        # Filed with the conversation it was asked in, even if the reader has moved to another since.
        conversation = self.conversation_of.pop(reading, None)
        if conversation is None:
            return
        here = self.conversation is not None and conversation.id == self.conversation.id
        if here:
            self.exchanges = [exchange if e is placeholder else e for e in self.exchanges]
        try:
            conversation.append(exchange, make_current=here)  # one part of at most 100 exchanges is rewritten
        except OracleError as err:
            self.notify(str(err), severity="error")

    def action_stop(self) -> None:
        if self.reading is not None:
            self.stopped_readings.add(self.reading)
            self.reading.stop()

    def shutdown(self) -> None:
        self.action_stop()
        if self.reading_worker is not None:
            self.reading_worker.cancel()
        self._remember_settings(replace(self.query_one(SettingsPanel).settings, temperature=round(self.temperature, 2)))

    def _remember_settings(self, settings: SampleSettings) -> None:
        """Keep the reading settings for the next launch (asked with, or left when quitting)."""
        try:
            preferences.save_reading_settings(settings)
        except (OracleError, OSError):
            pass  # a read-only home costs the preference, never the answer or the exit

    def action_ask_again(self) -> None:
        if self.last_question is None:
            self.notify("Ask something first; then this key asks it again with a new seed.")
            return
        self.ask(self.last_question)

    def replay_last(self) -> None:
        """Ask the last question again with the very same seed and settings: the same answer."""
        if not self.exchanges:
            self.notify("Nothing to replay yet.")
            return
        last = self.exchanges[-1]
        # The settings it started with, then every change made while it spoke, at the same characters.
        self.ask(last.question, seed=last.record.get("seed"), settings=SampleSettings.from_record(last.record["settings"]),
                 changes=last.record.get("changes"), voice=last.record.get("voice") or {},
                 prime=last.record.get("prime", "float32"))

    # ---- settings and export -----------------------------------------------------------------

    def on_voices_panel_changed(self, event: VoicesPanel.Changed) -> None:
        if self.reading is not None:
            try:
                self.reading.set_voice(event.blend)  # from the next character
            except OracleError as err:
                self.notify(str(err), severity="error")

    def action_temperature(self, direction: int) -> None:
        self.temperature = min(3.0, max(0.0, round(self.temperature + direction * TEMPERATURE_STEP, 2)))

    def watch_temperature(self, value: float) -> None:
        if self.reading is not None:
            self.reading.settings.temperature = value  # takes effect from the next character
        self.query_one(SettingsPanel).settings.temperature = value
        self._show_state()

    def watch_speaking(self, speaking: bool) -> None:
        self._show_state()

    def _show_state(self) -> None:
        if not self.children:  # not composed yet
            return
        self.query_one("#temperature", Static).update(f"temperature {self.temperature:.2f}  (^↓ ^↑)")
        label = self.query_one("#speaking", Static)
        label.update("● speaking…" if self.speaking else ("○ listening" if self.oracle else "○ no oracle"))
        label.set_class(self.speaking, "speaking")

    def action_toggle_settings(self) -> None:
        self.query_one(SettingsPanel).toggle_class("hidden")

    def action_export(self) -> None:
        from pathlib import Path

        from oracle.tui.screens.modals import PromptModal

        if self.conversation is None or not self.conversation.count:
            self.notify("There is no conversation to export yet.", severity="warning")
            return
        name, exchanges = self.conversation.model, self.conversation  # read part by part when written

        def done(dest: str | None) -> None:
            if dest:
                try:
                    written = history.export_markdown(name, exchanges, Path(dest))
                except OracleError as err:
                    self.notify(str(err), severity="error")
                else:
                    self.notify(f"Conversation exported to {written}.")

        default = str(Path.cwd() / f"{name}-conversation.md")
        self.app.push_screen(PromptModal("Export the conversation to Markdown file:", default, paths=True), done)

    # ---- the list of conversations -----------------------------------------------------------

    def action_new_conversation(self) -> None:
        if self.oracle is None:
            self.notify("There is no model to talk with yet: train one on the Train screen (F2).", severity="warning")
            return
        self.action_stop()
        kept = self.conversation is not None and self.conversation.count > 0
        self.show_conversation(history.new(self.oracle.name))
        if kept:
            self.notify("A new conversation begins. The earlier one is kept: Ctrl+L lists them all.")

    def action_conversations(self) -> None:
        from oracle.tui.screens.conversations import ConversationsScreen

        self.app.push_screen(ConversationsScreen(self.conversation), self._conversation_chosen)

    def _conversation_chosen(self, chosen: Conversation | str | None) -> None:
        if chosen == "new":
            self.action_new_conversation()
        elif isinstance(chosen, Conversation):
            self.open_conversation(chosen)
        elif self.conversation is not None and self.conversation.count and not self.conversation.exists():
            self.show_conversation(history.new(self.conversation.model))  # the one shown was deleted

    def open_conversation(self, conversation: Conversation) -> None:
        """Reopen a listed conversation, with the model it was held with."""
        if self.oracle is None or conversation.model != self.oracle.name:
            try:
                store.find(conversation.model)
            except OracleError:
                self.notify(f"That conversation was with the model {conversation.model}, which is not here any more: "
                            "it can still be read in an export (Ctrl+L, then e).", severity="warning", timeout=8)
                return
            self.use_model(conversation.model, conversation)
        else:
            self.action_stop()
            self.show_conversation(conversation)
        history.make_current(conversation)
