"""The answer stream: speaks one reading at a time into its place in the transcript.

The answer comes from `Oracle.ask()` (a `Reading`) iterated in a thread worker; characters reach
the transcript a few dozen times a second as messages, so the UI never waits on the model and the
model never waits on the UI. Back-pressure: one chunk is in flight at a time, and text that comes
meanwhile joins the next one. When the reading ends (finished, stopped or failed) the stream
finishes the view and posts `AnswerStream.Ended` with the exchange to file; the screen files it.

A stopped answer still runs to its end in its worker (the reading stops at once) and is filed,
so an answer cut short keeps its place in the conversation.
"""

from __future__ import annotations

import queue
import threading
import time
import weakref
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message
from textual.widget import Widget
from textual.worker import Worker, get_current_worker

from oracle.engine import OracleError, Pacer
from oracle.tui.history import Exchange, now
from oracle.tui.widgets.transcript import ExchangeView

if TYPE_CHECKING:
    from oracle.tui.speaking import SpeechControl

FLUSH_SECONDS = 1 / 30  # how often streamed characters reach the screen
_DONE = object()


READ_AHEAD = 16  # characters the reading may run ahead of the screen


def read_ahead(reading, limit: int = READ_AHEAD):
    """The reading's characters, read in a thread of their own up to `limit` ahead of what is taken:
    a character that took long to read does not hold the next ones back from their time, and a
    temperature or voice change still lands within a few characters of where the reader made it
    (the reading applies it at its next step). A failure of the reading is raised here."""
    chars: queue.Queue = queue.Queue(maxsize=limit)
    done = threading.Event()  # set when nobody takes characters any more

    def put(item) -> bool:
        while not done.is_set():
            try:
                chars.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for ch in reading:
                if not put(ch):
                    return
        except Exception as err:  # handed over, to end the answer where it is taken
            put(err)
            return
        put(_DONE)

    threading.Thread(target=produce, name="oracle-read-ahead", daemon=True).start()
    try:
        while (item := chars.get()) is not _DONE:
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        done.set()


class AnswerStream(Widget):
    """Not drawn: holds the reading that speaks, its worker, and the readings the reader cut short."""

    DEFAULT_CSS = "AnswerStream { display: none; }"

    class Said(Message):
        """Characters the oracle said, for the answer being written (posted from the reading's thread)."""

        bubble = False

        def __init__(self, view: ExchangeView, text: str, shown: threading.Event) -> None:
            super().__init__()
            self.view, self.text, self.shown = view, text, shown

    class Began(Message):
        """The answer's first characters reached the screen: until then the oracle was pondering
        (drafting and ranking its candidates)."""

    class Ended(Message):
        """A reading ended: `exchange` replaces `placeholder` (what was shown while it spoke)."""

        def __init__(self, reading, placeholder: Exchange, exchange: Exchange) -> None:
            super().__init__()
            self.reading, self.placeholder, self.exchange = reading, placeholder, exchange

    def __init__(self, pace: float = 0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.pace = pace  # characters per second; 0: as fast as the model goes
        self.reading = None  # the reading speaking now, if any
        self.worker: Worker | None = None  # its thread, kept so quitting can cancel it
        self.stopped: weakref.WeakSet = weakref.WeakSet()  # readings the reader cut short
        self.eye_unit: tuple | None = None  # (model, layer, unit, kind) to colour answers by: chosen on the Eye screen (s)
        self.voice: SpeechControl | None = None  # speaks the answer's sentences as they appear (tui/speaking.py), if set
        self.view: ExchangeView | None = None  # where the reading speaking now is written
        self.began = False  # whether its first characters are on screen

    @property
    def speaking(self) -> bool:
        return self.reading is not None

    def speak(self, reading, view: ExchangeView) -> None:
        """Stop the answer speaking (if any) and stream `reading` into `view`."""
        self.stop()
        if self.eye_unit is not None:
            from oracle.tui.widgets.eye_colours import AnswerPainter  # numpy work only the Eye's users pay for

            view.painter = AnswerPainter.for_reading(reading, self.eye_unit)
        self.reading, self.view, self.began = reading, view, False
        if self.voice is not None:
            self.voice.begin(reading.voice)
        self.worker = self._stream(reading, view)

    def stop(self) -> None:
        if self.voice is not None:
            self.voice.stop()  # Esc, or a new question, silences the voice even after the answer is written
        if self.reading is not None:
            self.stopped.add(self.reading)
            self.reading.stop()

    def cancel(self) -> None:
        """Quitting: stop the reading and its worker, which then files nothing."""
        self.stop()
        if self.worker is not None:
            self.worker.cancel()

    def set_voice(self, blend: dict[str, float] | None) -> None:
        """The voice of the answer speaking changes from its next character."""
        if self.reading is not None:
            try:
                self.reading.set_voice(blend)
            except OracleError as err:
                self.notify(str(err), severity="error")
                return
            if self.voice is not None:
                self.voice.follow(blend)  # its next sentences are spoken in the new blend's voice too

    def on_answer_stream_said(self, message: Said) -> None:
        message.view.add(message.text)
        if message.view is self.view and not self.began:
            self.began = True
            self.post_message(self.Began())
        if self.voice is not None and message.view is self.view:  # not a stopped answer's last words
            self.voice.heard(message.text)
        message.shown.set()

    @work(thread=True, group="reading", exit_on_error=False)  # not exclusive: a stopped answer still finishes and is filed
    def _stream(self, reading, view: ExchangeView) -> None:
        worker = get_current_worker()
        said = 0  # characters taken for the screen
        pacer = Pacer(self.pace)  # each character due on a schedule: late ones go out together, in one frame
        buffer, last = "", time.monotonic()
        shown = threading.Event()  # set when the last posted chunk is on screen: one chunk in flight at a time
        shown.set()
        try:
            for n, ch in enumerate(read_ahead(reading), start=1):
                pacer.wait(n)
                if reading in self.stopped:  # Esc: the answer ends where the reader saw it (the rest read ahead goes)
                    break
                said = n
                buffer += ch
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
            self._deliver(self._finished, reading, view, buffer, said)

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
        self.stopped.add(reading)
        self._finished(reading, view, rest)

    def _finished(self, reading, view: ExchangeView, rest: str, said: int | None = None) -> None:
        """`said`: how many of the reading's characters were shown (all, by default)."""
        view.add(rest)
        if self.voice is not None and view is self.view and reading not in self.stopped:
            self.voice.heard(rest)
            self.voice.finish()
        problem = self.voice.problem() if self.voice is not None else None  # espeak-ng had no sound device...
        if problem:
            self.notify(problem, severity="warning", timeout=8)
        exchange = Exchange(view.exchange.question, reading.text[:said], reading.record(),
                            stopped=reading in self.stopped, notice=reading.notice, replay=view.exchange.replay,
                            context=view.exchange.context, asked=now())  # stamped as it ends: its view and its file share the time
        placeholder = view.exchange
        view.finish(exchange)
        if self.reading is reading:
            self.reading = None
        self.post_message(self.Ended(reading, placeholder, exchange))
