"""The Train screen's details (#27.10): the recipe line says what will run, the chart's steps are
whole numbers, and time paused is not training time."""

from __future__ import annotations

import threading
import time

import pytest

from oracle.engine import TrainingControl
from oracle.tui.app import make_app
from oracle.tui.widgets.charts import step_ticks


@pytest.mark.asyncio
async def test_the_recipe_line_follows_the_edited_values():
    app = make_app(pace=0, start="train")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.train_screen
        desc = screen.query_one("#recipe-desc")
        assert "3 epochs" in str(desc.render())
        screen.query_one("#field-epochs").value = "40"
        await pilot.pause()
        assert "1x128 LSTM, 40 epochs (the quick recipe, edited)" in str(desc.render())
        screen.query_one("#field-epochs").value = "3"
        await pilot.pause()
        assert "edited" not in str(desc.render())


def test_chart_ticks_are_whole_steps():
    for low, high in [(1, 99.5), (50, 130), (0, 3), (1200, 5400), (7, 7)]:
        ticks = step_ticks(low, high)
        assert ticks and all(isinstance(t, int) for t in ticks)
        assert all(int(low) <= t <= round(high) for t in ticks) and ticks == sorted(set(ticks))


def test_time_paused_is_counted_apart_from_training():
    control = TrainingControl()
    control.wait_while_paused()
    assert control.paused_seconds == 0.0
    control.pause()
    threading.Timer(0.3, control.resume).start()
    started = time.monotonic()
    control.wait_while_paused()
    assert 0.25 <= control.paused_seconds <= time.monotonic() - started + 0.01
