"""The conversation as the reader sees it: each question, its streamed answer, and how to replay it."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Group
from rich.padding import Padding
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static, TextArea

from oracle.tui.exchange_text import describe_record
from oracle.tui.history import Conversation, Exchange
from oracle.visible import visible


class ExchangeView(Widget):
    """One question and its answer; the answer grows while the oracle speaks.

    An exchange asked in this session is three Statics (question, answer, footnote), so that the
    answer alone repaints as it grows. One read back from the conversation (`past`) draws the same
    three as one widget instead of four, so a page of them is cheaper to build and lay out.
    """

    DEFAULT_CSS = """
    ExchangeView { height: auto; }
    ExchangeView > .exchange--question { color: $secondary; text-style: bold; }
    ExchangeView > .exchange--footnote { color: $text-muted; text-style: italic; }
    ExchangeView.selected { background: $boost; }
    """
    COMPONENT_CLASSES = {"exchange--question", "exchange--footnote"}

    def __init__(self, exchange: Exchange, speaking: bool = False, past: bool = False) -> None:
        super().__init__(classes="exchange")
        self.past = past
        self.exchange = exchange
        self.answer = exchange.answer
        self.painter: Callable[[str], Text] | None = None  # colours the answer by one unit while it streams (eye_colours.AnswerPainter)
        self.answer_lines = -1  # lines the answer took at the last layout
        self.set_class(speaking, "speaking")

    def compose(self) -> ComposeResult:
        if self.past:
            return
        yield Static(self._question_text(), classes="question")
        yield Static(self._answer_text(), classes="answer")
        yield Static(Text(self._footnote()), classes="footnote")

    def render(self) -> Group | str:
        if not self.past:
            return ""  # the Statics above draw it
        footnote = Text(self._footnote(), style=self.get_component_rich_style("exchange--footnote"))
        return Group(self._question_text(self.get_component_rich_style("exchange--question")),
                     Padding(self._answer_text(), (0, 0, 0, 2)), Padding(footnote, (0, 0, 0, 2)))

    def _question_text(self, style="") -> Text:
        return Text("? ", style=style) + Text(visible(self.exchange.question.strip()) or "(silence)", style=style)

    def _answer_text(self) -> Text:
        shown = visible(self.answer.strip("\n"))  # one stand-in per control character: the painter's offsets still hold
        text = self.painter(shown) if self.painter else Text(shown)
        if self.has_class("speaking"):
            text.append("▌", style="blink")
        return text

    def _footnote(self) -> str:
        if self.has_class("speaking"):
            return "the oracle is speaking… (Esc stops)"
        extra = f" · {self.exchange.notice}" if self.exchange.notice else ""
        # The record comes from a file (model and voice names): stand-ins, and Text where it is shown, not markup.
        return visible(describe_record(self.exchange.record, self.exchange.stopped, self.exchange.replay,
                               self.exchange.context) + extra)

    def on_click(self) -> None:
        """A click marks this exchange as the one F7 makes a card of; a second click unmarks it."""
        chosen = not self.has_class("selected")
        for view in self.screen.query("ExchangeView.selected"):
            view.remove_class("selected")
        self.set_class(chosen, "selected")

    def add(self, chars: str) -> None:
        self.answer += chars
        self._show_answer()

    def _show_answer(self) -> None:
        """Repaint the answer, and lay out the page only when the answer gains a line.

        A layout arranges every exchange shown; a repaint touches this answer alone. Streamed
        characters mostly extend the last line, so most of them cost a repaint only."""
        if self.past or not self.query(".answer"):
            return  # not composed yet (an answer that ended before its view was mounted): compose shows it
        answer = self.query_one(".answer", Static)
        answer.update(self._answer_text(), layout=False)
        width = answer.content_size.width
        lines = answer.get_content_height(answer.content_size, answer.content_size, width) if width else -1
        if lines != self.answer_lines or lines < 0:
            self.answer_lines = lines
            answer.refresh(layout=True)

    def finish(self, exchange: Exchange) -> None:
        self.exchange, self.answer = exchange, exchange.answer
        self.remove_class("speaking")
        if self.past or not self.query(".answer"):
            self.refresh()  # not composed yet: compose draws the finished exchange; a past one renders itself
            return
        self.query_one(".answer", Static).update(self._answer_text())
        self.query_one(".footnote", Static).update(Text(self._footnote()))


class EarlierMarker(Static):
    """The top line of a long conversation: how many exchanges lie above, loaded as you scroll up."""

    def on_click(self) -> None:
        transcript = self.parent
        if isinstance(transcript, Transcript):
            transcript.call_later(transcript.load_older)


class Transcript(VerticalScroll):
    """Scrolls above the question box and stays pinned to the newest text (until you scroll up).

    With the focus (Tab, or a click on an exchange), Up and Down pick an exchange (the one lit, also
    the one F7 makes a card of): c copies its answer, a asks its question again with a new seed,
    r replays it exactly, e puts its question in the box to edit; Esc goes back to the question.

    Only the newest PAGE exchanges are built when a conversation opens; reaching the top (scrolling,
    PageUp, or a click on the marker) reads and builds the PAGE before them. Start-up, and the
    layout each streamed character causes, therefore cost the same for 10 exchanges or 10,000.
    """

    BINDINGS = [
        Binding("up", "pick(-1)", "Earlier", show=False),
        Binding("down", "pick(1)", "Later", show=False),
        # Short words: the footer also holds the screen's keys (the help lists these in full).
        Binding("c", "copy", "Copy", tooltip="copy this answer"),
        Binding("a", "again", "Re-ask", tooltip="ask this question again, with a new seed"),
        Binding("r", "replay", "Replay", tooltip="this answer again, exactly"),
        Binding("e", "edit", "Edit", tooltip="this question into the box, to edit and ask"),
    ]

    class Ask(Message):
        """Ask again from an exchange: `how` holds OracleScreen.ask's arguments."""

        def __init__(self, how: dict) -> None:
            super().__init__()
            self.how = how

    PAGE = 12  # a few screens of answers: enough to fill a tall terminal, cheap to build
    KEEP = 3 * PAGE  # views kept when a new answer starts; older ones are read again if scrolled back to

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.conversation: Conversation | None = None
        self.first = 0  # index in the conversation of the oldest exchange shown
        self.reading_older = False
        self.filling = False  # just shown: read older pages until the view is full (or there are none)
        self.welcome = ""  # shown above an empty conversation: set with the model

    def on_mount(self) -> None:
        self.anchor()

    # ---- the exchange picked -------------------------------------------------------------------

    def picked(self) -> ExchangeView | None:
        """The exchange lit (clicked or picked with Up/Down), else the newest; None while there is none."""
        views = list(self.query(ExchangeView))
        return next((v for v in views if v.has_class("selected")), views[-1] if views else None)

    def on_focus(self) -> None:
        view = self.picked()
        if view is not None and not view.has_class("selected"):
            view.add_class("selected")
            self.scroll_to_widget(view, animate=False)

    def action_pick(self, step: int) -> None:
        views, view = list(self.query(ExchangeView)), self.picked()
        if view is None:
            return
        index = min(len(views) - 1, max(0, views.index(view) + step))
        if index == 0 and step < 0 and self.first > 0:
            self.load_older()  # the one before is not built yet: read it, then Up again reaches it
        view.remove_class("selected")
        views[index].add_class("selected")
        self.scroll_to_widget(views[index], animate=False)

    def action_copy(self) -> None:
        view = self.picked()
        if view is not None and view.exchange.answer:
            self.app.copy_to_clipboard(view.exchange.answer)  # OSC 52: the terminal's clipboard, where it has one
            self.notify("The answer is copied (where the terminal allows it).", timeout=3)

    def action_again(self) -> None:
        if (view := self.picked()) is not None:
            self.post_message(self.Ask({"question": view.exchange.question}))

    def action_replay(self) -> None:
        from oracle.tui.widgets.conversation_filer import replay_of

        if (view := self.picked()) is not None and view.exchange.record.to_dict():  # an exchange with a record to replay
            self.post_message(self.Ask(replay_of(view.exchange)))

    def action_edit(self) -> None:
        if (view := self.picked()) is not None:  # into the question box below, to edit and ask
            box = self.screen.query_one("#ask", TextArea)
            box.load_text(view.exchange.question)
            box.move_cursor(box.document.end)
            box.focus()

    def show(self, conversation: Conversation | None, exchanges: list[Exchange]) -> None:
        """Show `exchanges`, the newest of `conversation`; older ones are read when scrolled to."""
        self.conversation = conversation
        self.first = (conversation.count - len(exchanges)) if conversation is not None else 0
        self.reading_older, self.filling = False, True
        self.remove_children()
        if self.first > 0:
            self.mount(EarlierMarker(self._marker_text(), classes="earlier"))
        if not exchanges and self.welcome:
            self.mount(Static(Text(self.welcome), classes="welcome"))  # corpus names: text, not markup
        views = [ExchangeView(e, past=True) for e in exchanges]
        self.mount_all(views)
        self.anchor()
        self.call_after_refresh(self._laid_out, views[:1], None)

    def _marker_text(self) -> str:
        if self.first <= 0:
            return "The beginning of this conversation."
        return f"↑ {self.first:,} earlier exchange{'s' if self.first != 1 else ''}: scroll up (or click here) to read them"

    def _laid_out(self, new: list[ExchangeView], place: tuple[ExchangeView, int] | None, tries: int = 0) -> None:
        """Once new views have their place on the page (heights, scroll limits), keep the reader's place."""
        pending = new and (new[0].virtual_region.height == 0 or
                           (place is not None and place[0].virtual_region.y <= new[0].virtual_region.y))
        if pending and tries < 100 and self.is_mounted:  # layout runs on the next frame, not the next message
            self.set_timer(0.01, lambda: self._laid_out(new, place, tries + 1))
            return
        self.reading_older = False
        if place is not None and not self.filling:  # the exchange that was on top stays where it was on screen
            view, offset = place
            self.scroll_to(y=view.virtual_region.y - offset, animate=False, immediate=True)
        if self.filling:
            if self.first > 0 and self.max_scroll_y == 0:  # all of it fits: nothing to scroll up with
                self.load_older()
            else:
                self.filling = False

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value <= 0 < old_value and not self.filling:
            self.call_later(self.load_older)

    def on_mouse_scroll_up(self, event) -> None:
        if self.scroll_y <= 0:  # already at the top: scrolling up again asks for more
            self.call_later(self.load_older)

    def page(self, direction: int) -> None:
        """PageUp (-1) or PageDown (1)."""
        if direction < 0:
            self.page_up()
        else:
            self.scroll_page_down()

    def page_up(self) -> None:
        """PageUp: scroll, or at the top read the page before."""
        if self.scroll_y <= 0:
            self.load_older()
        else:
            self.scroll_page_up()

    def load_older(self) -> None:
        """Put the PAGE exchanges before the oldest shown above it, keeping the text in view where it was."""
        if self.reading_older or self.conversation is None or self.first <= 0:
            return
        older, notices = self.conversation.page(self.first, self.PAGE)
        for notice in notices:
            self.notify(notice, severity="warning", timeout=8)
        self.first = max(0, self.first - self.PAGE)
        marker = self.query_one(EarlierMarker)
        marker.update(self._marker_text())
        if not older:
            return
        top = next(iter(self.query(ExchangeView)), None)
        place = (top, top.virtual_region.y - round(self.scroll_y)) if top is not None else None
        views = [ExchangeView(e, past=True) for e in older]
        self.reading_older = True
        self.mount_all(views, after=marker)
        self.call_after_refresh(self._laid_out, views, place)

    def begin(self, exchange: Exchange) -> ExchangeView:
        self.query(".welcome").remove()
        self._forget_far_above()
        view = ExchangeView(exchange, speaking=True)
        self.mount(view)
        self.anchor()
        return view

    def _forget_far_above(self) -> None:
        """After reading far back, a new question drops the oldest views (each streamed character
        lays out every view), so the cost of speaking stays that of KEEP views, not of all read."""
        views = list(self.query(ExchangeView))
        extra = len(views) - self.KEEP
        if extra <= 0 or self.conversation is None:
            return
        self.first += extra  # the views on top are saved exchanges first, first + 1, ... in order
        self.remove_children(views[:extra])
        markers = self.query(EarlierMarker)
        if markers:
            markers.first().update(self._marker_text())
        else:
            self.mount(EarlierMarker(self._marker_text(), classes="earlier"), before=0)
