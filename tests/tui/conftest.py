"""Helpers for the app's tests: no shipped model unless a test adds one, a polling wait, the app
with its model loaded, a question asked and answered, and a model whose metadata is frozen (fixed dates, timings and metrics) for
snapshots."""

from __future__ import annotations

import json
import time
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from oracle.engine import store
from oracle.engine.io import paths

NO_SHIPPED = Path("/nonexistent/oracle-shipped-models")  # a fixed path keeps snapshots identical


@pytest.fixture(autouse=True)
def no_shipped_models(monkeypatch):
    """Tests see only the models they put in their home, whatever sits in the checkout's models/."""
    monkeypatch.setattr(paths, "shipped_models_dir", lambda: NO_SHIPPED)


async def wait_until(pilot, predicate, timeout: float = 20.0, what: str = "condition") -> float:
    """Let the app run until `predicate()` holds; return how long that took."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await pilot.pause(0.02)
    return time.monotonic() - start


@asynccontextmanager
async def model_loaded(size: tuple[int, int], pace: float = 0):
    """The app running at `size` on its Oracle screen, once the model is loaded: (app, pilot, screen)."""
    from oracle.tui.app import make_app

    app = make_app(pace=pace)
    async with app.run_test(size=size) as pilot:
        screen = app.oracle_screen
        await wait_until(pilot, lambda: screen.oracle is not None, what="the model")
        yield app, pilot, screen


async def ask(pilot, screen, question: str) -> None:
    """Type `question` on the Oracle screen and wait until its whole answer has been given."""
    count = len(screen.exchanges)
    await pilot.press(*question, "enter")
    await wait_until(pilot, lambda: not screen.speaking and len(screen.exchanges) > count and screen.exchanges[-1].answer,
                     what=f"the answer to {question}")


@pytest.fixture
def frozen_model(tiny_model, oracle_home) -> str:
    """The tiny model with every clock- or run-dependent field of its metadata replaced by a fixed value."""
    folder = oracle_home / "models" / tiny_model
    meta = json.loads((folder / "meta.json").read_text("utf-8"))
    meta.update(created="2026-01-02T03:04:05+0000", updated="2026-01-02T03:04:05+0000", training_seconds=42.0,
                command=["oracle", "train"], versions={}, device="cpu", device_name="cpu")
    meta["corpora"] = [{**c, "name": "proverbs", "path": "/corpora/proverbs.txt", "sha256": "0" * 64} for c in meta["corpora"]]
    meta["metrics"] = [{"epoch": i + 1, "step": 10 * (i + 1), "partial": False, "train_loss": 3.0 - 0.4 * i,
                        "train_bpc": (3.0 - 0.4 * i) / 0.693147, "val_loss": 3.1 - 0.35 * i,
                        "val_bpc": (3.1 - 0.35 * i) / 0.693147, "seconds": 10.0 * (i + 1)} for i in range(4)]
    meta["best"] = {"epoch": 4, "step": 40, "val_loss": 2.05, "val_bpc": 2.05 / 0.693147, "train_loss": 1.8,
                    "score": 2.05, "sample": "the fear of the lord is the beginning of wisdom"}
    (folder / "meta.json").write_text(json.dumps(meta, indent=2), "utf-8")
    (folder / "checkpoint.json").unlink(missing_ok=True)
    store.prune(folder)
    return tiny_model


def slow_each_step(monkeypatch, seconds: float) -> None:
    """Slow each step of every reading by `seconds`. The reading runs ahead of the pace in its own
    thread: slowing each round instead (a round is a sentence) let a fast host read the whole answer
    before the test's keys came."""
    import time

    from oracle.engine.read import draw

    step = draw.Round._step

    def slow(self, *args, **kwargs):
        time.sleep(seconds)
        return step(self, *args, **kwargs)

    monkeypatch.setattr(draw.Round, "_step", slow)
