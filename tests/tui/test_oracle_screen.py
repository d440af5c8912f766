"""The Oracle screen with a real tiny model: ask, stream, stop, re-ask, temperature, persistence, export."""

from __future__ import annotations

import pytest
from conftest import as_long_as_asked

from oracle.engine import SampleSettings, SettingsChange, store
from oracle.tui import history
from oracle.tui.app import make_app
from oracle.tui.widgets.settings_panel import SettingsPanel
from oracle.tui.widgets.transcript import ExchangeView

from .conftest import ask, slow_each_step, wait_until

pytestmark = pytest.mark.asyncio  # Textual's Pilot is async


def answer_views(app):
    return list(app.oracle_screen.query(ExchangeView))


async def ask_for_a_long_answer(pilot, screen, length: int) -> None:
    """Ask "tell me" for exactly `length` characters and return once it has begun to speak."""
    panel = screen.controls.panel  # the settings panel (mounted once the first frame is drawn)
    panel.settings.stop, panel.settings.length = "length", length
    panel.settings.candidates = 1  # one candidate: a change made while it speaks lands at the next character
    await pilot.press(*"tell me", "enter")
    await wait_until(pilot, lambda: screen.speaking and len(screen.reading.text) >= 3, what="speaking")


async def test_ask_streams_an_answer_that_replays_exactly(tiny_model):
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.oracle_screen
        await wait_until(pilot, lambda: screen.oracle is not None, what="the model, loaded in a worker")
        assert screen.oracle.name == tiny_model
        welcome = screen.query(".welcome")
        assert welcome and "voice of my-proverbs" in str(welcome.first().render())
        chunks = []
        original_add = ExchangeView.add

        def spy(view, chars):  # record how the answer reached the screen
            chunks.append(chars)
            original_add(view, chars)

        ExchangeView.add = spy
        try:
            await pilot.press(*"wisdom", "enter")
            await wait_until(pilot, lambda: not screen.speaking and screen.exchanges and screen.exchanges[-1].answer,
                             what="the answer")
        finally:
            ExchangeView.add = original_add
        exchange = screen.exchanges[-1]
        assert exchange.question == "wisdom" and exchange.record.model == tiny_model
        # The recorded seed and settings replay the very same text through the engine alone.
        replay = store.load(tiny_model).ask("wisdom", exchange.record.settings, seed=exchange.record.seed)
        assert "".join(replay) == exchange.answer
        assert "".join(chunks) == exchange.answer
        view = answer_views(app)[-1]
        assert not screen.query(".welcome")
        assert not view.has_class("speaking") and view.answer == exchange.answer
        assert app.oracle_screen.query_one("#ask").value == ""  # the question box is ready again
    # The conversation was saved for this model and comes back on the next launch.
    saved, notice = history.load(tiny_model)
    assert notice is None and [e.answer for e in saved] == [exchange.answer]
    app2 = make_app(pace=0)
    async with app2.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert [v.exchange.answer for v in answer_views(app2)] == [exchange.answer]


async def test_escape_stops_a_long_answer_and_temperature_changes_while_it_speaks(tiny_model, monkeypatch):
    slow_each_step(monkeypatch, 0.01)
    app = make_app(pace=40)  # slow enough that Esc arrives mid-answer
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.oracle_screen
        await ask_for_a_long_answer(pilot, screen, 400)
        assert "speaking" in str(screen.query_one("#speaking").render())
        reading = screen.reading
        await pilot.press("ctrl+up", "ctrl+up")  # two steps hotter, while it speaks
        start = SampleSettings().temperature
        hotter = round(start + 0.2, 2)
        assert reading.settings.temperature == hotter
        assert f"{hotter:.2f}" in str(screen.query_one("#temperature").render())
        await pilot.press("escape")
        await wait_until(pilot, lambda: not screen.speaking, what="the answer to stop")
        exchange = screen.exchanges[-1]
        assert exchange.stopped and 0 < len(exchange.answer) < 400
        # The record holds what it started with and each change at the character it took effect.
        assert exchange.record.settings is not None and exchange.record.settings.temperature == start
        assert exchange.record.changes[-1] == SettingsChange(exchange.record.changes[-1].at, {"temperature": hotter})
        assert "stopped" in str(answer_views(app)[-1].query_one(".footnote").render())


async def test_an_answer_keeps_streaming_while_another_screen_is_shown(tiny_model):
    # Chunks reach the transcript as messages to the Oracle screen: they must still arrive, in order,
    # while the Train screen is in front, and the answer's end must follow its last chunk.
    app = make_app(pace=60)  # 5 s of answer: still speaking when the Train screen comes up, even on a busy host
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.oracle_screen
        await ask_for_a_long_answer(pilot, screen, 300)
        await pilot.press("f2")
        assert app.screen is app.get_screen("train") and screen.speaking  # the rest streams behind it
        await wait_until(pilot, lambda: not screen.speaking, what="the answer to end behind the Train screen")
        await pilot.press("f1")
        exchange = screen.exchanges[-1]
        assert not exchange.stopped and as_long_as_asked(exchange.answer, 300)
        assert answer_views(app)[-1].answer == exchange.answer
        replay = store.load(tiny_model).ask("tell me", exchange.record.settings, seed=exchange.record.seed)
        assert "".join(replay) == exchange.answer


async def test_ask_again_uses_a_new_seed(tiny_model):
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.oracle_screen
        await pilot.press(*"who", "enter")
        await wait_until(pilot, lambda: not screen.speaking and len(screen.exchanges) == 1 and screen.exchanges[0].answer)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: not screen.speaking and len(screen.exchanges) == 2 and screen.exchanges[1].answer)
        first, second = screen.exchanges
        assert second.question == "who" and second.record.seed != first.record.seed


async def test_bad_setting_shows_the_engine_sentence_and_keeps_the_last_good_one(tiny_model):
    app = make_app(pace=0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.oracle_screen
        await pilot.press("f4")
        panel = screen.query_one(SettingsPanel)
        assert panel.display
        panel.query_one("#set-top_p").value = "1.5"
        await pilot.pause()
        assert "Top-p 1.5 must be a number above 0 and at most 1" in str(panel.query_one("#settings-error").render())
        assert panel.settings.top_p == 1.0
        panel.query_one("#set-top_p").value = "0.8"
        panel.query_one("#set-length").value = "25"
        await pilot.pause()
        assert str(panel.query_one("#settings-error").render()) == ""
        screen.query_one("#ask").focus()
        await ask(pilot, screen, "hi")
        settings = screen.exchanges[-1].record.settings
        assert settings is not None and settings.top_p == 0.8 and settings.length == 25 and len(screen.exchanges[-1].answer) <= 25


async def test_export_conversation_to_markdown(tiny_model, tmp_path):
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.oracle_screen
        await ask(pilot, screen, "why")
        await pilot.press("ctrl+s")
        dest = tmp_path / "talk.md"
        app.screen.query_one("#prompt-input").value = str(dest)
        await pilot.press("enter")
        await wait_until(pilot, dest.exists, what="the export")
        text = dest.read_text("utf-8")
        assert f"seed {screen.exchanges[-1].record.seed}" in text and f"`{tiny_model}`" in text


async def test_no_model_says_so_and_offers_training():
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.oracle_screen
        # The models are listed once the first frame is drawn (the question box shows first).
        await wait_until(pilot, lambda: screen.query_one("#empty").display, what="the empty state")
        assert screen.oracle is None
        assert "No oracle yet" in str(screen.query_one("#empty-text").render())
        await pilot.press(*"hello", "enter")  # asking anyway is a notice, not a crash
        await pilot.pause()
        assert screen.exchanges == []
        await pilot.click("#go-train")
        await pilot.pause()
        assert app.screen is app.train_screen
        await wait_until(pilot, lambda: app.train_screen.query_one("#recipe").value == "quick", what="the form")


async def test_resizing_never_crashes(tiny_model):
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        for screen in ("oracle", "train", "models"):
            await pilot.press({"oracle": "f1", "train": "f2", "models": "f3"}[screen])
            for size in [(30, 8), (200, 60), (80, 24)]:
                await pilot.resize_terminal(*size)
                await pilot.pause()
        assert app.is_running
