"""The conversation pane: the transcript, the stream that writes answers into it, and the filer
that keeps them; or, while there is no model at all, the way to train one.

The screen hands it a model (`open`) and each reading it asks (`speak`); the pane shows the
question, streams the answer (widgets/answer_stream.py) and files it with the conversation it was
asked in (widgets/conversation_filer.py). `AnswerStream.Ended` and `ConversationFiler.WantsModel`
go on up to the screen, which says whether the oracle speaks and loads models.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical

from oracle.engine import OracleError, SampleSettings
from oracle.tui.history import Conversation, Exchange
from oracle.tui.widgets.answer_stream import AnswerStream
from oracle.tui.widgets.conversation_filer import ConversationFiler
from oracle.tui.widgets.model_picker import welcome
from oracle.tui.widgets.oracle_bar import NoOracle
from oracle.tui.widgets.transcript import Transcript


class ConversationPane(Vertical):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.stream = AnswerStream()
        self.filer = ConversationFiler()

    def compose(self) -> ComposeResult:
        yield NoOracle(id="empty").set_styles(display="none")  # until the models are listed: no flash of it
        yield Transcript(id="transcript")
        yield self.stream
        yield self.filer

    def show_models(self, there_are: bool) -> None:
        """Models or none: the conversation, or the way to train one."""
        self.query_one(NoOracle).display = not there_are
        self.query_one(Transcript).display = there_are

    def open(self, oracle, conversation: Conversation | None = None) -> None:
        """Talk with `oracle`: show `conversation`, by default the one last held with it."""
        self.stream.stop()
        self.query_one(Transcript).welcome = welcome(oracle)
        self.filer.show(*((conversation, []) if conversation is not None else self.filer.current(oracle.name)))

    def ask(self, oracle, question: str, settings: SampleSettings, seed: int | None = None, replay: bool = False,
            remember: bool = False, context: str | None = None, **how) -> bool:
        """Ask `oracle` (stopping the answer speaking) and stream its answer; False, with why told, if it cannot.

        `remember`: the oracle reads the exchange before ahead of the question (a remembered conversation);
        `context`: what a replay's answer read ahead of its question (kept with the exchange)."""
        self.stream.stop()
        if context is None:
            context = self.filer.context() if remember else ""
        try:
            reading = oracle.ask(context + question, settings, seed, **how)
        except OracleError as err:
            self.notify(str(err), severity="error")
            return False
        self.speak(question, reading, replay, context)
        return True

    def speak(self, question: str, reading, replay: bool = False, context: str = "") -> None:
        """Show `question` and stream `reading`'s answer below it; it is filed when it ends."""
        exchange = Exchange(question, "", reading.record(), notice=reading.notice, replay=replay, context=context)
        self.filer.begin(reading, exchange)
        self.stream.speak(reading, self.query_one(Transcript).begin(exchange))

    def on_answer_stream_ended(self, event: AnswerStream.Ended) -> None:
        self.filer.file(event.reading, event.placeholder, event.exchange)  # and on to the screen

    def on_conversation_filer_switched(self, event: ConversationFiler.Switched) -> None:
        event.stop()
        self.stream.stop()
