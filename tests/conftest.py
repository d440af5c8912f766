"""Shared fixtures: every test runs in its own temporary ORACLE_HOME; one tiny real model is trained
once per session (on a real public-domain text) and copied into each test that needs it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Tiny models are dominated by per-op overhead, and on a 2-core machine extra threads only fight each
# other (and any subprocess a test starts inherits this too).
os.environ.setdefault("OMP_NUM_THREADS", "1")
import torch  # noqa: E402
from hypothesis import settings  # noqa: E402

torch.set_num_threads(1)
# The suite gates every landing: property tests draw the same examples on every run, so a result
# never depends on luck. Explore new examples with `pytest --hypothesis-profile explore`.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("repeatable")

REPO = Path(__file__).resolve().parent.parent
TINY_RECIPE = dict(hidden_size=32, num_layers=1, embed_dim=16, dropout=0.0, seq_len=32, batch_size=16, lr=0.01,
                   epochs=1, warmup_steps=5, sample_length=40, val_fraction=0.1, seed=7)


@pytest.fixture(autouse=True)
def oracle_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "oracle-home"
    monkeypatch.setenv("ORACLE_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def corpus_text() -> str:
    """About 20,000 characters of the bundled Proverbs, cut at a line end."""
    text = (REPO / "corpora" / "proverbs.txt").read_text("utf-8")[:20000]
    return text[: text.rfind("\n") + 1]


@pytest.fixture
def tiny_corpus(tmp_path, corpus_text) -> Path:
    path = tmp_path / "proverbs.txt"
    path.write_text(corpus_text, "utf-8")
    return path


def train_in_home(home: Path, name: str, text: str, corpus_name: str = "", **recipe) -> Path:
    """Train model `name` on `text` (a corpus named `corpus_name`, else `name`) into `home`/home, a
    models folder of its own, and return that home.

    For session- or module-scoped models: one real training run, copied into each test's home."""
    corpus = home / f"{corpus_name or name}.txt"
    corpus.write_text(text, "utf-8")
    return train_sources(home / "home", name, [str(corpus)], recipe_name="test", **recipe)


def train_sources(home: Path, name: str, sources: list[str], recipe_name: str = "default", **recipe) -> Path:
    """Train model `name` on `sources` (several make a voiced model) into the ORACLE_HOME `home`, a
    models folder of its own, and return it. Session- and module-scoped fixtures run outside any
    test's monkeypatch, so ORACLE_HOME is set here and put back as it was."""
    from oracle.engine import Recipe, Trainer

    old = os.environ.get("ORACLE_HOME")
    os.environ["ORACLE_HOME"] = str(home)
    try:
        Trainer(name, sources, Recipe(**recipe), recipe_name=recipe_name, command=["test"]).run()
    finally:
        if old is None:
            os.environ.pop("ORACLE_HOME")
        else:
            os.environ["ORACLE_HOME"] = old
    return home


@pytest.fixture(scope="session")
def _trained_home(tmp_path_factory, corpus_text) -> Path:
    return train_in_home(tmp_path_factory.mktemp("trained-home"), "tiny", corpus_text, "proverbs", **TINY_RECIPE)


@pytest.fixture
def tiny_model(_trained_home, oracle_home) -> str:
    """The name of a real trained model, copied into this test's ORACLE_HOME."""
    shutil.copytree(_trained_home / "models" / "tiny", oracle_home / "models" / "tiny")
    return "tiny"


def random_words(letters: str, chars: int, seed: int) -> str:
    """About `chars` characters of words of 1-6 letters drawn from `letters`, each followed by a space."""
    import random

    rng = random.Random(seed)
    out, n = [], 0
    while n < chars:
        word = "".join(rng.choice(letters) for _ in range(rng.randint(1, 6))) + " "
        out.append(word)
        n += len(word)
    return "".join(out)


def as_long_as_asked(answer: str, length: int) -> bool:
    """An answer asked to stop only at its length is that long, but for a trailing run of spaces or
    line breaks, which ending.py drops (an answer never ends in one)."""
    return len(answer) == length or (len(answer) < length and answer == answer.rstrip())
