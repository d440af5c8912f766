"""The app ready at once (#26): its first screen without torch, a question asked while the model loads,
and answers spoken on a schedule that holds when the reading is slow."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from oracle.engine import SampleSettings, store
from oracle.engine.read import reading as reading_module
from oracle.tui.app import make_app
from oracle.tui.widgets.transcript import ExchangeView
from tests.conftest import REPO, as_long_as_asked

from .conftest import model_loaded, wait_until


def test_the_first_screen_the_loaded_model_and_the_eye_import_no_torch(tiny_model, oracle_home):
    script = textwrap.dedent("""
        import asyncio, sys
        from oracle.tui.app import make_app

        async def main():
            app = make_app(pace=0)
            async with app.run_test(size=(80, 24)) as pilot:
                screen = app.oracle_screen
                for _ in range(600):
                    if screen.oracle is not None and screen.query_one("#ask").display:
                        break
                    await pilot.pause(0.05)
                print("LOADED", screen.oracle.name)
                await pilot.press(*"wisdom", "enter")
                for _ in range(600):
                    if screen.exchanges and screen.exchanges[-1].answer and not screen.speaking:
                        break
                    await pilot.pause(0.05)
                print("ANSWERED", bool(screen.exchanges[-1].answer))
                print("TORCH", "torch" in sys.modules)
                await pilot.press("f9")  # the Eye screen reads every unit of a passage in numpy too
                for _ in range(600):
                    if app.screen.id == "eye-screen" and app.screen.acts is not None:
                        break
                    await pilot.pause(0.05)
                print("EYE", app.screen.acts.layers, "TORCH", "torch" in sys.modules)

        asyncio.run(main())
    """)
    env = {**os.environ, "ORACLE_HOME": str(oracle_home), "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=180, cwd=REPO)
    assert out.returncode == 0, out.stderr[-2000:]
    assert f"LOADED {tiny_model}" in out.stdout and "ANSWERED True" in out.stdout, out.stdout
    assert "TORCH True" not in out.stdout and "EYE 1 TORCH False" in out.stdout, out.stdout


@pytest.mark.asyncio
async def test_a_question_asked_while_the_model_loads_waits_for_it_and_is_answered(tiny_model, monkeypatch):
    real_load, started, release = store.load, [], threading.Event()

    def slow_load(name):
        started.append(time.monotonic())
        release.wait(30)  # a big model on a slow disk: ready when the test says
        return real_load(name)

    monkeypatch.setattr(store, "load", slow_load)
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.oracle_screen
        await wait_until(pilot, lambda: started, what="the load to start")
        assert screen.oracle is None and screen.loading_model[0] == tiny_model
        assert "loading" in str(screen.query_one("#speaking").render())
        await pilot.press(*"what is wisdom?", "enter")  # the box takes it while the model loads
        assert screen.waiting is not None and not screen.exchanges
        assert any("still loading" in n.message for n in app._notifications)
        release.set()
        await wait_until(pilot, lambda: screen.exchanges and screen.exchanges[-1].answer and not screen.speaking,
                         what="the answer")
        exchange = screen.exchanges[-1]
        assert exchange.question == "what is wisdom?"
        replay = real_load(tiny_model).ask("what is wisdom?", exchange.record.settings,
                                           seed=exchange.record.seed)
        assert "".join(replay) == exchange.answer


@pytest.mark.asyncio
async def test_the_pace_holds_its_schedule_when_the_reading_is_slowed(tiny_model, monkeypatch):
    pace, length, cost = 60.0, 120, 0.008  # each character costs 8 ms: half the 16.7 ms the pace allows
    real_iter = reading_module.Reading.__iter__

    def slowed(self):
        for ch in real_iter(self):
            time.sleep(cost)  # stands for a loaded host: computing and drawing each character take time
            yield ch

    monkeypatch.setattr(reading_module.Reading, "__iter__", slowed)
    shown, real_add = [], ExchangeView.add

    def timed_add(view, chars):  # when each chunk reached the screen
        if chars:
            shown.append((time.monotonic(), len(chars)))
        real_add(view, chars)

    monkeypatch.setattr(ExchangeView, "add", timed_add)
    async with model_loaded((80, 24), pace=pace) as (app, pilot, screen):
        screen.query_one("#settings").settings = SampleSettings(stop="length", length=length)
        await pilot.press(*"wisdom", "enter")
        # The whole answer spoken: as long as asked, but for a trailing run of spaces or line breaks
        # that ending.py drops (which run, if any, depends on the app's random seed).
        await wait_until(pilot, lambda: screen.exchanges and len(screen.exchanges[-1].answer) > length // 2
                         and not screen.speaking, what="the answer")
        answer = screen.exchanges[-1].answer
    assert as_long_as_asked(answer, length) and sum(n for _, n in shown) == len(answer)
    took = shown[-1][0] - shown[0][0]  # from the first chunk on screen to the last
    due = (len(answer) - shown[0][1]) / pace  # the first chunk's characters were due when it was drawn
    # A sleep of 1 / pace after each character would take (1 / pace + cost) per character: 2.9 s here.
    assert due * 0.9 <= took <= due * 1.2 + 0.1, (took, due)  # a loaded host (load 11 on 2 cores) still keeps it
    assert max(n for _, n in shown) >= 2  # a frame draws every character due by then


@pytest.mark.asyncio
async def test_the_pace_is_a_setting_in_f4_and_is_remembered(tiny_model):
    from textual.widgets import Input

    from oracle.tui import preferences

    app = make_app()  # no pace given: the remembered one, else 90
    async with app.run_test(size=(100, 40)) as pilot:
        assert app.pace == 90.0
        await pilot.press("f4")
        field = app.oracle_screen.query_one("#set-pace", Input)
        assert field.value == "90.0"
        field.value = "-3"  # refused by the setting's own rule, said in the panel
        await wait_until(pilot, lambda: "pace" in str(app.oracle_screen.query_one("#settings-error").render()).lower(),
                         what="the refusal")
        assert app.pace == 90.0
        field.value = "30"
        await wait_until(pilot, lambda: app.pace == 30.0, what="the new pace")
        assert app.oracle_screen.stream.pace == 30.0 and preferences.pace() == 30.0
    assert make_app().pace == 30.0 and make_app(pace=0).pace == 0


@pytest.mark.asyncio
async def test_keys_typed_before_the_first_screen_is_up_are_asked(tiny_model):
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.oracle_screen
        await wait_until(pilot, lambda: app.early_keys is None, what="the first screen")
        # As the terminal delivered them before the app drew anything: Enter still in cooked mode (a line feed).
        app.early_keys = [(ch, ch) for ch in "wisdom"] + [("ctrl+j", "\n")]
        app.first_screen_ready()
        await wait_until(pilot, lambda: screen.exchanges and screen.exchanges[-1].answer and not screen.speaking,
                         what="the answer")
        assert screen.exchanges[-1].question == "wisdom"


@pytest.mark.asyncio
async def test_the_app_starts_with_one_load_of_the_model_and_writes_no_setting(tiny_model, monkeypatch):
    from oracle.engine.store.registry import settings_path

    real_load, loads = store.load, []
    monkeypatch.setattr(store, "load", lambda name: loads.append(name) or real_load(name))
    store.set_active(tiny_model)  # a settings file, as after any earlier session
    path = settings_path()
    written = (path.read_bytes(), path.stat().st_mtime_ns)
    async with model_loaded((80, 24)) as (app, pilot, screen):
        await pilot.pause(0.5)  # the model list's first value, posted as it mounts, once loaded it again
        assert loads == [tiny_model] and screen.oracle.name == tiny_model
    # Neither the active model nor the theme was written again just by starting.
    assert (path.read_bytes(), path.stat().st_mtime_ns) == written


@pytest.mark.asyncio
async def test_the_collector_off_while_the_app_starts_is_on_again_after_its_first_frame(tiny_model):
    import gc

    from oracle.cli import main

    gc.disable()  # as oracle.cli.main leaves it for the app's start
    try:
        app = make_app(pace=0)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app.oracle_screen.oracle is not None, what="the model")
            assert gc.isenabled()
        gc.disable()
        assert main(["models", "list"]) == 0 and gc.isenabled()  # a verb: on again once parsed, and after
    finally:
        gc.enable()
