"""The conversation filer: which conversation is open, its exchanges, and where each answer is filed.

An answer is filed with the conversation it was asked in, even if the reader has moved to another
one (or another model) before it ended. The filer shows the open conversation in the transcript,
starts new ones, exports, and opens the list of them all (Ctrl+L). A conversation picked there that
was held with another model comes back as `ConversationFiler.WantsModel`: loading a model is the
screen's business. `Switched` says another conversation is shown (the screen stops the answer).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from pathlib import Path

from textual.message import Message
from textual.widget import Widget

from oracle.engine import OracleError, SampleSettings, store
from oracle.tui import history
from oracle.tui.history import Conversation, Exchange
from oracle.tui.widgets.transcript import Transcript

CONTEXT_CHARS = 2000  # of the exchange before: an LSTM's state forgets far more than this anyway


def replay_of(exchange: Exchange) -> dict:
    """How to ask `exchange`'s question again for the very same answer (`OracleScreen.ask`'s arguments):
    the settings it started with, then every change made while it spoke, at the same characters."""
    record = exchange.record
    return dict(question=exchange.question, seed=record.seed, settings=record.settings or SampleSettings.from_record({}),
                changes=list(record.changes), voice=record.voice or {}, prime=record.prime or "float32", replay=True,
                context=exchange.context)


class ConversationFiler(Widget):
    """Not drawn: the open conversation and the answers on their way into one."""

    DEFAULT_CSS = "ConversationFiler { display: none; }"

    class WantsModel(Message):
        """The reader picked `conversation`, held with another model than the one in use."""

        def __init__(self, conversation: Conversation) -> None:
            super().__init__()
            self.conversation = conversation

    class Switched(Message):
        """Another conversation is shown."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.conversation: Conversation | None = None
        # The newest exchanges of the conversation (read when it opened) and those asked since; older
        # ones are read by the transcript only when the reader scrolls up to them.
        self.exchanges: list[Exchange] = []
        self.last_question: str | None = None
        self.asked_in: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # reading -> its conversation

    def current(self, model: str) -> tuple[Conversation, list[str]]:
        """The conversation last held with `model` (a new one if it cannot be read, with why)."""
        try:
            return history.current(model)
        except OracleError as err:
            return history.new(model), [str(err)]

    def show(self, conversation: Conversation, notices: Sequence[str] = ()) -> None:
        """Show the newest exchanges of `conversation`; the transcript reads older ones when scrolled to."""
        recent, more = conversation.page(conversation.count, Transcript.PAGE)
        for notice in [*notices, *more]:
            self.notify(notice, severity="warning", timeout=8)
        self.conversation, self.exchanges = conversation, recent
        self.last_question = recent[-1].question if recent else None
        self.screen.query_one(Transcript).show(conversation, recent)

    def begin(self, reading, exchange: Exchange) -> None:
        """An answer begins: it takes its place now, so a stopped earlier one that ends late keeps its order."""
        self.exchanges.append(exchange)
        self.last_question = exchange.question
        self.asked_in[reading] = self.conversation

    def context(self) -> str:
        """The exchange before, as the oracle reads it ahead of the next question (a remembered conversation)."""
        said = next((e for e in reversed(self.exchanges) if e.answer), None)
        return "" if said is None else f"{said.question.strip()}\n{said.answer.strip()}\n\n"[-CONTEXT_CHARS:]

    def file(self, reading, placeholder: Exchange, exchange: Exchange) -> None:
        """File the ended answer with the conversation it was asked in (an error is told, the answer kept on screen)."""
        conversation = self.asked_in.pop(reading, None)
        if conversation is None:
            return
        here = self.conversation is not None and conversation.id == self.conversation.id
        if here:
            self.exchanges = [exchange if e is placeholder else e for e in self.exchanges]
        try:
            conversation.append(exchange, make_current=here)  # one part of at most 100 exchanges is rewritten
        except OracleError as err:
            self.notify(str(err), severity="error")

    def export(self) -> None:
        from oracle.tui.screens.modals import PromptModal, export_path

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

        default = export_path(f"{name}-conversation.md")
        self.app.push_screen(PromptModal("Export the conversation to Markdown file:", default, paths=True), done)

    def start_new(self) -> None:
        """A new conversation with the model of the open one; the open one is kept."""
        if self.conversation is None:
            self.notify("There is no model to talk with yet: train one on the Train screen (F2).", severity="warning")
            return
        kept = self.conversation.count > 0
        self.show(history.new(self.conversation.model))
        self.post_message(self.Switched())
        if kept:
            self.notify("A new conversation begins. The earlier one is kept: Ctrl+L lists them all.")

    def list_all(self) -> None:
        """Ctrl+L: the list of conversations, to reopen, search, export or delete them."""
        from oracle.tui.screens.conversations import ConversationsScreen

        self.app.push_screen(ConversationsScreen(self.conversation), self._picked)

    def _picked(self, chosen: Conversation | str | None) -> None:
        if chosen == "new":
            self.start_new()
        elif isinstance(chosen, Conversation):
            self.reopen(chosen)
        elif self.conversation is not None and self.conversation.count and not self.conversation.exists():
            self.show(history.new(self.conversation.model))  # the one shown was deleted

    def reopen(self, conversation: Conversation) -> None:
        """Reopen a listed conversation; one held with another model asks the screen for that model."""
        if self.conversation is None or conversation.model != self.conversation.model:
            try:
                store.find(conversation.model)
            except OracleError:
                self.notify(f"That conversation was with the model {conversation.model}, which is not here any more: "
                            "it can still be read in an export (Ctrl+L, then e).", severity="warning", timeout=8)
                return
            self.post_message(self.WantsModel(conversation))
        else:
            self.show(conversation)
            self.post_message(self.Switched())
        history.make_current(conversation)
