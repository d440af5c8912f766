"""The Scripture screen: it writes a book while you watch, stops and continues (the book is the one
an uninterrupted run writes), exports every format, lists and reopens past scriptures, and says
one sentence about a bad field."""

from __future__ import annotations

import time
import zipfile

import pytest
from textual.widgets import Input, Markdown, OptionList

from oracle.engine import store
from oracle.engine.scripture import Composer, Plan, Sizes, compose, render, start
from oracle.engine.scripture import record as records
from oracle.tui.app import make_app

from .conftest import wait_until

FIELDS = {"title": "The Pilot Psalter", "seed": "4", "books": "1", "chapters": "2", "verses": "12", "themes": "2=wisdom"}


def fill(screen, **values) -> None:
    for name, value in values.items():
        screen.query_one(f"#scripture-{name}", Input).value = value


def uninterrupted(model: str):
    oracle = store.load(model)
    plan = Plan(model, 4, "The Pilot Psalter", Sizes(1, 2, 12), themes={"2": "wisdom"})
    return Composer(oracle, start(oracle, plan), save=False).run()


@pytest.mark.asyncio
async def test_the_screen_writes_stops_continues_exports_and_reopens(tiny_model, tmp_path, monkeypatch):
    said = compose.Composer._say

    def slowly(self, *args):  # the tiny model writes a verse in milliseconds: slow it so Stop lands mid-book
        time.sleep(0.05)
        return said(self, *args)

    monkeypatch.setattr(compose.Composer, "_say", slowly)
    app = make_app(pace=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f10")
        screen = app.screen
        assert screen.id == "scripture-screen"
        fill(screen, **FIELDS)
        await pilot.press("f5")
        await wait_until(pilot, lambda: screen.scripture is not None and screen.scripture.verses_written() >= 3,
                         what="the first verses")
        await pilot.press("f6")
        await wait_until(pilot, lambda: not screen.writing, what="the stop")
        stopped = screen.scripture.verses_written()
        assert not screen.scripture.complete and 3 <= stopped < 24
        past = screen.query_one("#scripture-past", OptionList)
        assert past.option_count == 1 and f"{stopped}/24" in str(past.get_option_at_index(0).prompt)

        await pilot.press("f7")
        await wait_until(pilot, lambda: not screen.writing and screen.scripture.complete, what="the continued book")
        book = screen.scripture
        assert render(book, ".md") == render(uninterrupted(tiny_model), ".md")
        shown = screen.query_one("#scripture-book", Markdown).source
        assert "Chapter 2" in shown and book.books[0].chapters[1].verses[-1].split()[0] in shown

        for suffix in (".md", ".html", ".epub"):
            screen.query_one("#scripture-export", Input).value = str(tmp_path / f"psalter{suffix}")
            await pilot.press("f8")
            await pilot.pause()
            assert (tmp_path / f"psalter{suffix}").read_bytes() == render(book, suffix)
        assert zipfile.ZipFile(tmp_path / "psalter.epub").read("mimetype") == b"application/epub+zip"
        screen.query_one("#scripture-export", Input).value = str(tmp_path)
        await pilot.press("f8")
        await pilot.pause()
        assert any("is a folder" in n.message for n in app._notifications)

        fill(screen, title="Something Else", seed="5")
        screen.scripture = None
        await pilot.pause()
        past.highlighted = 0
        past.action_select()
        await wait_until(pilot, lambda: screen.query_one("#scripture-title", Input).value == "The Pilot Psalter",
                         what="the reopened scripture's plan in the form")
        assert render(screen.scripture, ".md") == render(book, ".md")
        assert screen.query_one("#scripture-seed", Input).value == "4"
        assert len(records.list_saved()) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize("field, value, words", [
    ("books", "0", "Books 0 must be"),
    ("voices", "1=kjv", "has no voices"),
    ("themes", "5=sea", "chapter 5"),
    ("seed", "x", "Seed 'x'"),
])
async def test_a_bad_field_is_one_sentence(tiny_model, field, value, words):
    app = make_app(pace=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f10")
        screen = app.screen
        fill(screen, **{**FIELDS, field: value})
        await pilot.press("f5")
        await wait_until(pilot, lambda: any(words in n.message for n in app._notifications) and not screen.writing,
                         what="the sentence")
        message = next(n.message for n in app._notifications if words in n.message)
        assert "\n" not in message and "Traceback" not in message
