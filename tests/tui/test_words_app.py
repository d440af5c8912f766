"""Words and heed in the app: the settings panel checks them like any setting, answers record them,
and Replay reproduces an answer whose temperature was changed seven times while it spoke."""

from __future__ import annotations

import pytest
from conftest import as_long_as_asked
from textual.widgets import Select

from oracle.engine import SampleSettings
from oracle.engine.read.reading import DEFAULT_HEED
from oracle.tui import history
from oracle.tui.app import make_app
from oracle.tui.widgets.settings_panel import SettingsPanel

from .conftest import model_loaded, slow_each_step, wait_until

pytestmark = pytest.mark.asyncio


async def test_the_settings_panel_checks_words_and_heed(tiny_model):
    app = make_app(pace=0)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = app.oracle_screen
        await pilot.press("f4")
        panel = screen.query_one(SettingsPanel)
        assert panel.settings.words == "corpus" and panel.settings.heed == DEFAULT_HEED  # the defaults, visible
        assert panel.query_one("#set-heed").value == str(DEFAULT_HEED) and panel.query_one("#set-words", Select).value == "corpus"
        for bad, said in (("-1", "Heed -1.0 must be a number from 0 to 20"), ("lots", "Heed 'lots' is not a number")):
            panel.query_one("#set-heed").value = bad
            await pilot.pause()
            assert said in str(panel.query_one("#settings-error").render())
            assert panel.settings.heed == DEFAULT_HEED  # the last good value stays in use
        panel.query_one("#set-heed").value = "3"
        panel.query_one("#set-words", Select).value = "free"
        await pilot.pause()
        assert str(panel.query_one("#settings-error").render()) == ""
        assert (panel.settings.words, panel.settings.heed) == ("free", 3.0)
        screen.ask("wisdom")
        await wait_until(pilot, lambda: not screen.speaking and screen.exchanges and screen.exchanges[-1].answer)
        settings = screen.exchanges[-1].record.settings
        assert settings is not None and (settings.words, settings.heed) == ("free", 3.0)


async def test_replay_after_seven_temperature_changes_while_speaking_is_exact(tiny_model, monkeypatch):
    slow_each_step(monkeypatch, 0.02)
    app = make_app(pace=40)  # slow enough to change the temperature while it speaks
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.oracle_screen
        await pilot.press("f4")
        panel = screen.query_one(SettingsPanel)
        panel.query_one("#set-stop", Select).value = "length"
        panel.query_one("#set-length").value = "200"
        panel.query_one("#set-candidates").value = "1"  # one candidate: a change lands at the next character
        await pilot.pause()
        screen.query_one("#ask").focus()
        await pilot.press(*"what of the morning", "enter")
        await wait_until(pilot, lambda: screen.speaking and len(screen.reading.text) >= 5, what="speaking")
        reading = screen.reading
        for _ in range(7):
            at = len(reading.text)
            await pilot.press("ctrl+up")
            await wait_until(pilot, lambda at=at: len(reading.text) > at, what="the next character")
        await wait_until(pilot, lambda: not screen.speaking, timeout=30, what="the answer")
        first = screen.exchanges[-1]
        assert as_long_as_asked(first.answer, 200) and len(first.record.changes) == 7
        footnote = str(screen.query(".footnote").last().render())  # each change with its value and place
        hottest = f"temperature {SampleSettings().temperature + 0.7:.1f}"  # seven steps of 0.1
        assert footnote.count("from character ") == 7 and hottest in footnote and "a replay" not in footnote
        app.pace = 0
        screen.replay_last()
        await wait_until(pilot, lambda: not screen.speaking and len(screen.exchanges) == 2 and screen.exchanges[-1].answer,
                         what="the replay")
        assert screen.exchanges[-1].answer == first.answer
        assert screen.exchanges[-1].record.changes == first.record.changes
        # Marked as a replay on screen, in the conversation kept, and in its export.
        assert screen.exchanges[-1].replay and not first.replay
        assert "a replay (same seed" in str(screen.query(".footnote").last().render())
        kept = list(history.open_conversation(screen.conversation.id))
        assert [e.replay for e in kept] == [False, True]
        assert history.to_markdown("tiny", kept).count("a replay (same seed") == 1


async def test_the_bar_says_the_oracle_ponders_until_its_first_characters(tiny_model, monkeypatch):
    import threading

    from textual.widgets import Static

    from oracle.engine.read import draw

    drafted, go_on = threading.Event(), threading.Event()
    run = draw.Round.run

    def held(self):  # the first round waits for the test: pondering is seen, not raced
        best = run(self)
        drafted.set()
        go_on.wait(10)
        return best

    monkeypatch.setattr(draw.Round, "run", held)
    async with model_loaded((100, 30)) as (app, pilot, screen):
        screen.ask("what is wisdom?", seed=2)
        label = screen.query_one("#speaking", Static)
        await wait_until(pilot, drafted.is_set, what="the candidates")
        assert "pondering" in str(label.render())
        go_on.set()
        await wait_until(pilot, lambda: screen.exchanges and screen.exchanges[-1].answer and not screen.speaking,
                         what="the answer")
        assert "listening" in str(label.render())
