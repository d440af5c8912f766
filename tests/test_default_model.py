"""The shipped default oracle (models/default): present, loadable, answering, protected, copyable,
and a starting point for further training. These tests read the real shipped files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from oracle.cli import entry as cli
from oracle.engine import SampleSettings, store
from oracle.engine.data.corpus import MIX_BLOCK, SourceSpec, build_corpus
from oracle.engine.errors import OracleError
from oracle.engine.io import paths

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "models" / "default"


def digest(folder: Path) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def shipped_meta() -> dict:
    return json.loads((SHIPPED / "meta.json").read_text("utf-8"))


def test_shipped_folder_holds_only_meta_its_weights_and_word_list(shipped_meta):
    assert paths.shipped_models_dir() == REPO / "models"  # a source checkout finds the repo's models/
    names = {f.name for f in SHIPPED.iterdir()}
    # No checkpoint, state or lock files.
    assert names == {"meta.json", shipped_meta["weights"]["file"], shipped_meta["words"]["file"]}
    for ref in (shipped_meta["weights"], shipped_meta["words"]):
        assert hashlib.sha256((SHIPPED / ref["file"]).read_bytes()).hexdigest() == ref["sha256"]
    assert sum(f.stat().st_size for f in SHIPPED.iterdir()) <= 25_000_000


def test_shipped_word_list_is_the_word_rule_over_its_recorded_corpora(shipped_meta):
    from oracle.engine.data import words

    corpus = build_corpus([SourceSpec(REPO / c["path"], c["weight"], c["name"]) for c in shipped_meta["corpora"]],
                          lowercase=shipped_meta["lowercase"], val_fraction=0.05, min_train=1)
    assert [s.sha256 for s in corpus.sources] == [c["sha256"] for c in shipped_meta["corpora"]]
    counted = words.count_encoded(corpus.vocab.chars, [(s.train, s.val) for s in corpus.sources])  # as the trainer counts
    shipped = store.load("default").words
    assert shipped is not None and shipped.counts == dict(words.WordList.from_counts(counted).counts)
    assert len(shipped) == shipped_meta["words"]["words"] > 30_000


def test_metadata_records_how_it_was_made(shipped_meta):
    assert shipped_meta["name"] == "default"
    # `command` is the last step; `commands` (when the run was resumed) lists every step, first to last.
    first = shipped_meta.get("commands", [shipped_meta["command"]])[0]
    assert first[:2] == shipped_meta["command"][:2] == ["oracle", "train"]
    assert shipped_meta["metrics"] and all(m["val_loss"] is not None for m in shipped_meta["metrics"])
    assert shipped_meta["device"] and shipped_meta["training_seconds"] > 0
    # It was trained on the bundled corpora as they are now: same names and hashes as the index.
    index = {c["name"]: c["sha256"] for c in json.loads((REPO / "corpora" / "index.json").read_text("utf-8"))}
    assert len(shipped_meta["corpora"]) >= 2
    for corpus in shipped_meta["corpora"]:
        assert index[corpus["name"]] == corpus["sha256"]
        assert first[2 + shipped_meta["corpora"].index(corpus)] == f"{corpus['name']}:{corpus['weight']:g}"


def test_listed_as_shipped_and_used_when_the_user_has_no_model():
    entries = store.list_models()
    assert [(e.name, e.shipped) for e in entries] == [("default", True)]
    assert store.active_name() == "default"


def test_answers_deterministically_with_a_seed():
    oracle = store.load("default")
    settings = SampleSettings(temperature=0.5, length=200, stop="length")
    first = "".join(oracle.ask("What is truth?", settings, seed=42))
    again = "".join(oracle.ask("What is truth?", settings, seed=42))
    other = "".join(oracle.ask("What is truth?", settings, seed=43))
    assert len(first) == 200 and first == again
    assert other != first
    assert set(first) <= set(oracle.vocab.chars)


def test_oracle_ask_uses_the_default_when_there_is_no_user_model(capsys):
    assert cli.main(["ask", "what is truth?", "--seed", "3", "--temperature", "0.5", "--length", "120", "--stop", "length"]) == 0
    out = capsys.readouterr().out
    expected = "".join(store.load("default").ask("what is truth?", SampleSettings(temperature=0.5, length=120, stop="length"), seed=3))
    assert out == expected + "\n"


@pytest.mark.parametrize("argv", [["models", "rm", "default", "--yes"], ["models", "rename", "default", "mine"]])
def test_cannot_be_deleted_or_renamed(argv, capsys):
    before = digest(SHIPPED)
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("oracle: 'default' is the shipped default and cannot be") and err.count("\n") == 1
    assert digest(SHIPPED) == before
    with pytest.raises(OracleError, match="shipped default"):
        store.delete("default")


def test_copy_then_continue_training_from_default(tiny_corpus, capsys):
    before = digest(SHIPPED)
    assert cli.main(["models", "copy", "default", "mine"]) == 0
    mine = store.find("mine")
    assert not mine.shipped and mine.meta["weights"]["sha256"] == store.find("default").meta["weights"]["sha256"]
    store.rename("mine", "mine2")  # a user copy is the user's to rename or delete
    store.delete("mine2")

    argv = ["train", str(tiny_corpus), "--from", "default", "--name", "x", "--epochs", "1", "--max-minutes", "0.05",
            "--batch-size", "8", "--seq-len", "32", "--sample-length", "20", "-q"]
    assert cli.main(argv) == 0
    x = store.find("x")
    assert not x.shipped and x.meta["init_from"] == "default"
    # Other corpora than the voiced default's: the same network, unvoiced (it starts from the any voice).
    shape = {k: v for k, v in store.find("default").meta["config"].items() if k not in ("voices", "voice_dim")}
    assert {k: v for k, v in x.meta["config"].items() if k not in ("voices", "voice_dim")} == shape
    assert store.find("default").meta["config"]["voices"] == 5 and not x.meta["config"].get("voices")
    # A few seconds from scratch leave a model near uniform guessing (ln 40 = 3.7 nats); starting from
    # the default, Proverbs is already well predicted.
    assert x.meta["best"]["val_loss"] < 2.5
    assert digest(SHIPPED) == before


def test_mixing_keeps_full_length_when_a_source_is_shorter_than_a_block(tmp_path):
    # Regression: a source under MIX_BLOCK chars (the Dhammapada's training part) made the mixed
    # epoch stream shorter than train_chars, and ContiguousBatches failed to reshape it.
    short, long_ = tmp_path / "short.txt", tmp_path / "long.txt"
    short.write_text("the way is not in the sky.\n" * 400, "utf-8")
    long_.write_text("a fool and his money are soon parted.\n" * 5000, "utf-8")
    corpus = build_corpus([SourceSpec.parse(f"{short}:3"), SourceSpec.parse(str(long_))], lowercase=False,
                          val_fraction=0.05, min_train=33)
    assert len(corpus.sources[0].train) < MIX_BLOCK
    for epoch in range(3):
        stream = corpus.epoch_stream(epoch, seed=1)
        assert len(stream) == corpus.train_chars
        assert np.array_equal(stream, corpus.epoch_stream(epoch, seed=1))
