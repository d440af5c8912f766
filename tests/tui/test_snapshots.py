"""What each screen looks like, compared with reviewed SVG snapshots (`--snapshot-update` to renew).

Everything shown is fixed: the model's metadata is frozen (dates, timings, metrics), the
conversation is a fixed file, and no clock is displayed.
"""

from __future__ import annotations

from dataclasses import replace

from oracle.engine import ReadingRecord
from oracle.tui import history
from oracle.tui.app import make_app
from oracle.tui.history import Exchange
from oracle.tui.widgets.transcript import ExchangeView

from .conftest import wait_until

RECORD = ReadingRecord.read({"model": "tiny", "seed": 7, "settings": {"temperature": 0.7, "top_k": 0, "top_p": 1.0, "length": 400,
                                                   "stop": "sentence", "min_length": 60}})


def settled(screen: str, more=None):
    """A run_before that waits until the screen has been pushed and filled (the machine may be busy)."""

    async def run_before(pilot) -> None:
        app = pilot.app
        await wait_until(pilot, lambda: app.screen.id == f"{screen}-screen" and app.screen.is_mounted, what=screen)
        if more is not None:
            await more(pilot)
        for box in app.screen.query("Input, TextArea"):
            box.cursor_blink = False  # a blinking cursor would make the picture depend on the moment
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()

    return run_before


def write_conversation() -> None:
    history.save("tiny", [
        Exchange("What is wisdom?",
                 "The fear of the lord is the beginning of wisdom; and the knowledge of the holy is understanding.", RECORD),
        Exchange("Shall I be rich?",
                 "He that trusteth in his riches shall fall: but the righteous shall flourish as a", replace(RECORD, seed=8), stopped=True),
    ])


def test_oracle_screen(snap_compare, frozen_model):
    write_conversation()
    assert snap_compare(make_app(pace=0), terminal_size=(100, 30), run_before=settled("oracle", two_exchanges))


async def two_exchanges(pilot) -> None:
    await wait_until(pilot, lambda: len(pilot.app.screen.query(ExchangeView)) == 2, what="the conversation")


def test_oracle_screen_with_settings_at_80x24(snap_compare, frozen_model):
    write_conversation()
    async def open_settings(pilot) -> None:
        await two_exchanges(pilot)
        pilot.app.screen.action_toggle_settings()
        await wait_until(pilot, lambda: pilot.app.screen.query_one("#settings").display, what="the settings")

    assert snap_compare(make_app(pace=0), terminal_size=(80, 24), run_before=settled("oracle", open_settings))


def test_oracle_screen_without_any_model(snap_compare):
    assert snap_compare(make_app(pace=0), terminal_size=(100, 30), run_before=settled("oracle"))


def test_models_screen(snap_compare, frozen_model):
    assert snap_compare(make_app(pace=0, start="models"), terminal_size=(100, 30), run_before=settled("models"))


def test_train_screen(snap_compare, frozen_model):
    async def fill(pilot):
        form = pilot.app.train_screen.query_one("#train-form")
        form.set_value("field-lr", "oops")  # shows the inline message and a disabled Start
        await pilot.pause()

    assert snap_compare(make_app(pace=0, start="train"), terminal_size=(100, 30), run_before=settled("train", fill))
