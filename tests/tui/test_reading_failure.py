"""A reading that fails midway (torch raises RuntimeError for most failures) ends with one sentence,
keeps what it said, and leaves the screen ready for the next question."""

from __future__ import annotations

import pytest

from oracle.engine.read.batch import Batch

from .conftest import model_loaded, wait_until

pytestmark = pytest.mark.asyncio  # Textual's Pilot is async


async def test_a_failing_reading_says_why_resets_the_screen_and_the_next_question_works(tiny_model, monkeypatch):
    # The failure comes where a kernel's would: in an LSTM step of the answer (the 25th).
    real_advance, calls = Batch.advance, []

    def failing_advance(self, ids):
        calls.append(1)
        if len(calls) == 25:
            raise RuntimeError("simulated kernel failure")
        return real_advance(self, ids)

    monkeypatch.setattr(Batch, "advance", failing_advance)
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

        monkeypatch.setattr(Batch, "advance", real_advance)
        screen.ask("wisdom", seed=3)
        await wait_until(pilot, lambda: not screen.speaking, what="the second answer")
        answer = screen.exchanges[-1].answer
        assert answer and answer.startswith(failed.answer)  # same seed: the failed one was its start
