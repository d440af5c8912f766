"""A long conversation in the real app: only the newest exchanges are built, scrolling up reads the
older ones, a new conversation starts empty, and the list reopens, searches, exports and deletes."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from oracle.engine import ReadingRecord
from oracle.tui import history
from oracle.tui.app import make_app
from oracle.tui.history import Exchange
from oracle.tui.screens.conversations import ConversationsScreen
from oracle.tui.widgets.transcript import EarlierMarker, ExchangeView, Transcript

from .conftest import wait_until

pytestmark = pytest.mark.asyncio
RECORD = ReadingRecord.read({"model": "tiny", "seed": 1, "settings": {"temperature": 0.7, "top_k": 0, "top_p": 1.0, "length": 80,
                                                   "stop": "sentence", "min_length": 10}})
LONG = 1000


def long_conversation() -> history.Conversation:
    return history.save("tiny", [Exchange(f"q{i}", f"answer {i}: the fear of the lord\nis the beginning", RECORD)
                                 for i in range(LONG)])


def questions(app) -> list[str]:
    return [v.exchange.question for v in app.oracle_screen.query(ExchangeView)]


async def test_scrolling_up_reads_older_exchanges_and_a_new_conversation_starts_empty(tiny_model):
    old = long_conversation()
    page = Transcript.PAGE
    app = make_app(pace=0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.oracle_screen
        await wait_until(pilot, lambda: questions(app), what="the conversation")
        await pilot.pause()
        assert questions(app) == [f"q{i}" for i in range(LONG - page, LONG)]  # the newest page only
        transcript = screen.query_one(Transcript)
        assert f"{LONG - page:,} earlier exchanges" in str(transcript.query_one(EarlierMarker).render())
        assert transcript.scroll_y == transcript.max_scroll_y > 0  # pinned to the newest answer

        top = questions(app)[0]
        for _ in range(60):  # PageUp from the question box, as a reader would, until the older page arrives
            if len(questions(app)) > page:
                break
            await pilot.press("pageup")
            await pilot.pause(0.05)
        await wait_until(pilot, lambda: not transcript.reading_older, what="the older page")
        assert questions(app) == [f"q{i}" for i in range(LONG - 2 * page, LONG)]  # one more page, in order
        assert transcript.scroll_y > 0  # the reader's place was kept, not thrown to the top (which would read on)
        kept = next(v for v in screen.query(ExchangeView) if v.exchange.question == top)
        assert transcript.scroll_y <= kept.virtual_region.y  # the exchange that was at the top is still below the fold line
        assert f"{LONG - 2 * page:,} earlier" in str(transcript.query_one(EarlierMarker).render())

        transcript.KEEP = 20  # a new question drops the views read far above (here: beyond 20)
        await pilot.press(*"more", "enter")
        await wait_until(pilot, lambda: not screen.speaking and screen.exchanges[-1].question == "more"
                         and screen.exchanges[-1].answer, what="the answer")
        assert questions(app) == [f"q{i}" for i in range(LONG - 20, LONG)] + ["more"]
        assert f"{LONG - 20:,} earlier" in str(transcript.query_one(EarlierMarker).render())
        assert history.open_conversation(old.id).count == LONG + 1  # filed at the end of the old conversation

        await pilot.press("ctrl+n")  # a new conversation: empty, the old one kept
        await pilot.pause()
        assert questions(app) == [] and screen.query(".welcome") and not screen.query(EarlierMarker)
        await pilot.press(*"hello", "enter")
        await wait_until(pilot, lambda: not screen.speaking and screen.exchanges and screen.exchanges[-1].answer,
                         what="the answer")
        new = screen.conversation
        assert new.id != old.id and new.count == 1 and [e.question for e in new] == ["hello"]
        assert history.open_conversation(old.id).count == LONG + 1  # untouched by the new one

        await pilot.press("ctrl+l")  # the list: both, newest first; search finds the old one by its words
        await wait_until(pilot, lambda: isinstance(app.screen, ConversationsScreen), what="the list")
        listing = app.screen
        table = listing.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count == 2, what="two conversations")
        assert [c.id for c in listing.shown] == [new.id, old.id]
        await pilot.press(*"ANSWER 500:")  # the search box has the focus
        await wait_until(pilot, lambda: [c.id for c in listing.shown] == [old.id], what="the search")
        assert "answer 500:" in str(table.get_row_at(0)[-1])
        await pilot.press("enter", "enter")  # to the list, then open the highlighted one
        await wait_until(pilot, lambda: app.screen is screen and screen.conversation.id == old.id, what="the old one")
        await pilot.pause()
        assert questions(app)[-2:] == [f"q{LONG - 1}", "more"] and len(questions(app)) == page
    assert history.current("tiny")[0].id == old.id  # and the next launch opens it again


async def test_list_exports_and_deletes(tiny_model, tmp_path):
    old = long_conversation()
    other = history.save("tiny", [Exchange("short one", "yes", RECORD)])
    app = make_app(pace=0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.oracle_screen
        await wait_until(pilot, lambda: questions(app) == ["short one"], what="the current conversation")
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: isinstance(app.screen, ConversationsScreen) and app.screen.shown, what="the list")
        listing = app.screen
        await pilot.press("down", "down", "e")  # from the search box to the list, then its second row: the long one
        await wait_until(pilot, lambda: app.screen.query("#prompt-input"), what="the export dialog")
        dest = tmp_path / "long.md"
        app.screen.query_one("#prompt-input").value = str(dest)
        await pilot.press("enter")
        await wait_until(pilot, dest.exists, what="the export")
        text = dest.read_text("utf-8")
        assert f"## {LONG}. q{LONG - 1}" in text and "## 1. q0" in text and "> is the beginning" in text

        await wait_until(pilot, lambda: app.screen is listing, what="back to the list")
        await pilot.press("up", "d", "y")  # delete the short one, the one open
        await wait_until(pilot, lambda: [c.id for c in listing.shown] == [old.id], what="the deletion")
        assert not other.folder.exists()
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, what="the Oracle screen")
        assert screen.conversation.count == 0 and questions(app) == []  # the one shown is gone: a new one begins


async def test_a_page_that_fits_the_window_reads_the_one_before(tiny_model):
    history.save("tiny", [Exchange(f"q{i}", f"a{i}", RECORD) for i in range(30)])  # one-line answers
    app = make_app(pace=0)
    async with app.run_test(size=(100, 60)) as pilot:  # 12 exchanges fill only 49 of the 50-odd rows
        await wait_until(pilot, lambda: len(questions(app)) == 2 * Transcript.PAGE, what="the page before")
        await pilot.pause(0.3)
        transcript = app.oracle_screen.query_one(Transcript)
        assert len(questions(app)) == 2 * Transcript.PAGE and transcript.max_scroll_y > 0  # then it stops
        assert questions(app)[0] == f"q{30 - 2 * Transcript.PAGE}"


async def test_exchanges_read_back_look_like_live_ones_and_show_control_characters_as_stand_ins():
    import io
    from pathlib import Path

    from rich.console import Console
    from textual.app import App

    from oracle.tui.widgets import transcript

    exchange = Exchange("\x1b]0;PWNED\x07 who?", "wise \x1b[2J men", RECORD)

    class Both(App):
        CSS_PATH = Path(transcript.__file__).parents[1] / "oracle.tcss"  # the app's own styles

        def compose(self):
            yield ExchangeView(exchange)
            yield ExchangeView(exchange, past=True)

    app = Both()
    async with app.run_test(size=(60, 12)) as pilot:
        await pilot.pause()
        console = Console(width=60, height=12, file=io.StringIO(), force_terminal=True, record=True)
        console.print(app.screen._compositor.render_update(full=True))  # what the terminal gets
        lines = console.export_text().splitlines()
    live, past = lines[:3], lines[4:7]  # one blank line between exchanges
    assert [line.rstrip() for line in live] == [line.rstrip() for line in past]  # same words, same places
    assert "PWNED" in live[0] and "␛" in live[0] and "  wise ␛[2J men" in past[1]
    assert not any(ch in "".join(lines) for ch in "\x1b\x07")
