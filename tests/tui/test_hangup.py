"""Issue 30 (b, e): the app under real signals and hostile settings.

SIGHUP (a closed terminal) and SIGTERM (kill, a logout) sent to the process running the app end it
as quitting does: the run in training saves its checkpoint, as `oracle train` does. A settings
file whose theme is not text still starts the app.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal

import pytest

from oracle.engine import store
from oracle.tui.app import make_app
from oracle.tui.widgets.train_live import TrainLive

from .conftest import wait_until
from .test_train_screen import fill

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM])
async def test_a_signal_to_the_app_saves_the_training_run(tiny_corpus, signum):
    name = f"hangup{signum}"
    app = make_app(pace=0, start="train")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.train_screen
        await fill(pilot, screen, tiny_corpus, name, epochs="10000")
        await pilot.press("f5")
        await wait_until(pilot, lambda: len(screen.query_one(TrainLive).train_points) >= 1, what="progress")
        done = screen.training_done
        os.kill(os.getpid(), signum)  # the real signal, through the real handler
        await wait_until(pilot, lambda: not app.is_running, what="the app to end")
    assert await asyncio.to_thread(done.wait, 60), "the trainer outlived the app"
    assert (store.user_dir(name) / "checkpoint.json").is_file()
    assert store.find(name).meta["metrics"]  # a usable model, saved partway
    assert signal.getsignal(signum) == signal.SIG_DFL  # handed back when the app ended


@pytest.mark.parametrize("theme", [["textual-dark"], {"a": 1}, 7, None, "no-such-theme"])
async def test_a_theme_of_any_type_in_settings_starts_the_app(oracle_home, theme):
    store.settings_path().parent.mkdir(parents=True, exist_ok=True)
    store.settings_path().write_text(json.dumps({"preferences": {"theme": theme, "reading": ["x"]}}), "utf-8")
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.is_running and isinstance(app.theme, str)
