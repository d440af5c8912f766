"""What well-liked chat TUIs have (#27): recall earlier questions with Up, copy an answer, ask again
or edit from an earlier exchange, rename a conversation, and a remembered conversation."""

from __future__ import annotations

import pytest

from oracle.tui.app import make_app
from oracle.tui.widgets.question_box import QuestionBox

from .conftest import wait_until

pytestmark = pytest.mark.asyncio  # Textual's Pilot is async


async def ask(pilot, screen, question: str) -> None:
    count = len(screen.exchanges)
    await pilot.press(*question, "enter")
    await wait_until(pilot, lambda: not screen.speaking and len(screen.exchanges) > count and screen.exchanges[-1].answer,
                     what=f"the answer to {question}")


async def test_up_in_an_empty_box_recalls_earlier_questions_kept_per_home(tiny_model):
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.oracle_screen
        await wait_until(pilot, lambda: screen.oracle is not None, what="the model")
        await ask(pilot, screen, "first")
        await ask(pilot, screen, "second")
        box = screen.query_one(QuestionBox)
        await pilot.press("up")
        assert box.text == "second"
        await pilot.press("up")
        assert box.text == "first"
        await pilot.press("up")  # the oldest stays
        assert box.text == "first"
        await pilot.press("down")
        assert box.text == "second"
        await pilot.press("down")
        assert box.text == ""
        await pilot.press("up", "end", *" again", "enter")  # edit a recalled one and ask it
        await wait_until(pilot, lambda: not screen.speaking and screen.exchanges[-1].question == "second again",
                         what="the edited question")
    app = make_app(pace=0)  # the next launch, same home: the questions are still there
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        box = app.oracle_screen.query_one(QuestionBox)
        await pilot.press("up")
        assert box.text == "second again"
