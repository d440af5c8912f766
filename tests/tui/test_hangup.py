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

from .conftest import model_loaded, wait_until
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


HOSTILE_RECORDS = [
    {"model": "tiny", "seed": 4, "settings": {"temperature": 0.5, "top_p": "x", "length": 40}},
    {"model": "tiny", "seed": 5, "settings": ["temperature", 0.5]},
    {"model": "tiny", "seed": 6, "settings": {"temperature": 0.5, "length": 40, "from_a_newer_oracle": {"x": 1}}},
    {"model": "tiny", "seed": 7},
    {"model": ["tiny"], "seed": "7", "settings": {"length": True}, "voice": ["a"], "changes": [{"at": "x"}], "prime": 3},
    "not a record",
]


@pytest.mark.parametrize("record", HOSTILE_RECORDS)
async def test_a_record_of_unexpected_types_starts_replays_and_exports(tiny_model, tmp_path, record):
    from textual.widgets import Input

    from oracle.tui import history
    from oracle.tui.history import Exchange
    from oracle.tui.screens.modals import PromptModal

    conversation = history.save(tiny_model, [Exchange("who is wise?", "the fear."), Exchange("and?", "more")])
    part = conversation.folder / "part-000000.json"
    data = json.loads(part.read_text("utf-8"))
    data["exchanges"][-1]["record"] = record  # as a hand edit or a newer Oracle would leave it
    part.write_text(json.dumps(data), "utf-8")
    app = make_app(pace=0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.oracle_screen
        await wait_until(pilot, lambda: len(screen.exchanges) == 2, what="the conversation")
        screen.replay_last()  # the palette's "Replay the last answer exactly"
        await wait_until(pilot, lambda: len(screen.exchanges) == 3 and not screen.speaking, what="the replay")
        assert screen.exchanges[-1].question == "and?" and screen.exchanges[-1].answer
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptModal), what="the export prompt")
        app.screen.query_one(Input).value = str(tmp_path / "out.md")
        await pilot.press("enter")
        await wait_until(pilot, lambda: (tmp_path / "out.md").exists(), what="the export")
    assert "who is wise?" in (tmp_path / "out.md").read_text("utf-8")
    saved = json.loads(part.read_text("utf-8"))["exchanges"][1]["record"]
    assert set(map(json.dumps, leaves(record))) <= set(map(json.dumps, leaves(saved)))  # nothing lost: kept, or flagged


def leaves(value) -> list:
    """Every key and scalar in a JSON value."""
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in [k, *leaves(v)]]
    if isinstance(value, list):
        return [leaf for v in value for leaf in leaves(v)]
    return [value]


@pytest.mark.parametrize("settings", [[1, 2], "text", {"preferences": [1]}, {"active": ["tiny"], "preferences": {"theme": 3}},
                                      {"preferences": {"reading": {"top_p": "x", "length": -4, "unknown": 1}}}])
async def test_a_settings_file_of_any_shape_starts_the_app_and_answers(tiny_model, settings):
    store.settings_path().write_text(json.dumps(settings), "utf-8")
    async with model_loaded((80, 24)) as (app, pilot, screen):
        await pilot.press(*"who?", "enter")
        await wait_until(pilot, lambda: screen.exchanges and not screen.speaking and screen.exchanges[-1].answer,
                         what="an answer")


async def test_long_pasted_questions_in_the_app_keep_every_exchange(tiny_model, monkeypatch):
    from oracle.tui import history
    from oracle.tui.history import Exchange
    from oracle.tui.widgets.question_box import QuestionBox

    monkeypatch.setattr(history, "PIECE_BYTES", 1 << 20)  # the rule at a size a test can afford: 16 MB and
    monkeypatch.setattr(history, "MAX_PART_BYTES", 3 << 19)  # 64 MB in use, ~1 MB questions here
    pasted = "the fear of the lord " * 20_000  # 420 KB
    conversation = history.save(tiny_model, [Exchange(f"{i} {pasted}", f"answer {i}") for i in range(6)])
    history.make_current(conversation)
    app = make_app(pace=0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.oracle_screen
        await wait_until(pilot, lambda: screen.oracle is not None and len(screen.exchanges) == 6, what="the conversation")
        for n in (7, 8):
            screen.query_one(QuestionBox).text = f"{n} {pasted}?"
            await pilot.press("enter")
            await wait_until(pilot, lambda n=n: len(screen.exchanges) == n and not screen.speaking, timeout=60, what="the answer")
    again = history.open_conversation(conversation.id)
    assert again.count == 8 and all(e.question.endswith(pasted) or e.question.endswith(pasted + "?") for e in again)
    assert not list(again.folder.glob("*.corrupt-*"))
    assert all(p.stat().st_size <= 3 << 19 for p in again.folder.glob("part-*"))
