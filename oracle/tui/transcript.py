"""The conversation as the reader sees it: each question, its streamed answer, and how to replay it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from oracle.engine.history import Exchange


def describe_record(record: dict, stopped: bool = False) -> str:
    s = record.get("settings") or {}
    parts = [f"seed {record.get('seed', '?')}", f"temperature {s.get('temperature', '?')}"]
    if s.get("top_k"):
        parts.append(f"top-k {s['top_k']}")
    if s.get("top_p", 1.0) < 1.0:
        parts.append(f"top-p {s['top_p']}")
    parts.append(f"stop: {s.get('stop', '?')}")
    if s.get("words") == "corpus":
        parts.append("real words")
    if s.get("heed"):
        parts.append(f"heed {s['heed']}")
    if record.get("changes"):
        parts.append(f"{len(record['changes'])} change(s) while speaking")
    if stopped:
        parts.append("stopped")
    return f"{record.get('model', '?')} · " + " · ".join(parts)


class ExchangeView(Vertical):
    """One question and its answer; the answer grows while the oracle speaks."""

    def __init__(self, exchange: Exchange, speaking: bool = False) -> None:
        super().__init__(classes="exchange")
        self.exchange = exchange
        self.answer = exchange.answer
        self.set_class(speaking, "speaking")

    def compose(self) -> ComposeResult:
        yield Static(Text("? ") + Text(self.exchange.question.strip() or "(silence)"), classes="question")
        yield Static(self._answer_text(), classes="answer")
        yield Static(self._footnote(), classes="footnote")

    def _answer_text(self) -> Text:
        text = Text(self.answer.strip("\n"))
        if self.has_class("speaking"):
            text.append("▌", style="blink")
        return text

    def _footnote(self) -> str:
        if self.has_class("speaking"):
            return "the oracle is speaking… (Esc stops)"
        extra = f" · {self.exchange.notice}" if self.exchange.notice else ""
        return describe_record(self.exchange.record, self.exchange.stopped) + extra

    def add(self, chars: str) -> None:
        self.answer += chars
        self.query_one(".answer", Static).update(self._answer_text())

    def finish(self, exchange: Exchange) -> None:
        self.exchange, self.answer = exchange, exchange.answer
        self.remove_class("speaking")
        self.query_one(".answer", Static).update(self._answer_text())
        self.query_one(".footnote", Static).update(self._footnote())


class Transcript(VerticalScroll):
    """Scrolls above the question box and stays pinned to the newest text (until you scroll up)."""

    def on_mount(self) -> None:
        self.anchor()

    def show(self, exchanges: list[Exchange], welcome: str = "") -> None:
        self.remove_children()
        if not exchanges and welcome:
            self.mount(Static(welcome, classes="welcome"))
        self.mount_all([ExchangeView(e) for e in exchanges])
        self.anchor()

    def begin(self, exchange: Exchange) -> ExchangeView:
        self.query(".welcome").remove()
        view = ExchangeView(exchange, speaking=True)
        self.mount(view)
        self.anchor()
        return view
