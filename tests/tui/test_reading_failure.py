"""A reading that fails midway (torch raises RuntimeError for most failures) ends with one sentence,
keeps what it said, and leaves the screen ready for the next question."""

from __future__ import annotations

import pytest

from oracle.engine.read import reading as sample

from .conftest import model_loaded, wait_until

pytestmark = pytest.mark.asyncio  # Textual's Pilot is async


async def test_a_failing_reading_says_why_resets_the_screen_and_the_next_question_works(tiny_model, monkeypatch):
    real_choose, calls = sample.choose, []

    def failing_choose(logits, settings, rng):
        calls.append(1)
        if len(calls) == 25:
            raise RuntimeError("simulated kernel failure")
        return real_choose(logits, settings, rng)

    monkeypatch.setattr(sample, "choose", failing_choose)
    async with model_loaded((100, 30)) as (app, pilot, screen):
        screen.ask("wisdom", seed=3)
        await wait_until(pilot, lambda: len(calls) >= 25 and not screen.speaking, what="the failed reading to end")
        assert screen.reading is None
        # The worker hands the failure to the screen, then returns: it ends as a success, not an error.
        await wait_until(pilot, lambda: screen.reading_worker.is_finished, what="the worker to return")
        assert screen.reading_worker.error is None
        messages = [n.message for n in app._notifications]
        assert any("fell silent" in m and "simulated kernel failure" in m for m in messages), messages
        failed = screen.exchanges[-1]
        assert failed.stopped and failed.question == "wisdom"

        monkeypatch.setattr(sample, "choose", real_choose)
        screen.ask("wisdom", seed=3)
        await wait_until(pilot, lambda: not screen.speaking, what="the second answer")
        answer = screen.exchanges[-1].answer
        assert answer and answer.startswith(failed.answer)  # same seed: the failed one was its start
