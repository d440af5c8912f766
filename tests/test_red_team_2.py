"""Red team, round two (issue 30): hostile input through the command line, in-process and as a real
subprocess. Each test names the cause it covers; tiny real models in temporary homes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from oracle.cli.entry import main
from oracle.engine import Recipe, Trainer, store
from oracle.engine.train.control import TrainingControl
from oracle.engine.train.events import CheckpointSaved

ORACLE = [sys.executable, "-m", "oracle"]
FAST = {"hidden_size": 16, "num_layers": 1, "embed_dim": 8, "dropout": 0.0, "seq_len": 16, "batch_size": 4, "lr": 0.01,
        "epochs": 50, "warmup_steps": 2, "sample_length": 8, "val_fraction": 0.1, "seed": 5}


def cli(argv, capsys) -> tuple[int, str, str]:
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def one_sentence(rc: int, err: str, *words: str) -> None:
    assert rc != 0 and err.count("\n") == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, (word, err)


def run(argv, home: Path, **kw) -> subprocess.CompletedProcess:
    env = {"ORACLE_HOME": str(home), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path.cwd()), "COLUMNS": "200"}
    return subprocess.run([*ORACLE, *map(str, argv)], env=env, capture_output=True, text=True, timeout=120, **kw)


# ---- (b) a run stopped twice in its first epoch stays visible ----------------------------------

def test_a_run_stopped_twice_before_its_first_meta_is_listed_removable_and_resumable(tiny_corpus, oracle_home, monkeypatch, capsys):
    control = TrainingControl()

    def on_event(event):
        if isinstance(event, CheckpointSaved) and event.kind == "last":
            raise KeyboardInterrupt  # the second Ctrl-C, between the checkpoint and meta.json

    control.stop()  # the first Ctrl-C, in the first epoch
    with pytest.raises(KeyboardInterrupt):
        Trainer("twice", [str(tiny_corpus)], Recipe(**FAST), on_event=on_event, control=control).run()
    folder = store.user_dir("twice")
    assert (folder / "checkpoint.json").is_file() and not (folder / "meta.json").exists()

    rc, out, err = cli(["models", "list"], capsys)
    assert rc == 0 and "twice" in out, (out, err)
    one_sentence(*cli(["train", str(tiny_corpus), "--name", "twice", "-q"], capsys)[::2], "twice")
    rc, out, err = cli(["models", "rm", "twice", "--yes"], capsys)
    assert rc == 0 and not folder.exists(), err
    rc, out, err = cli(["models", "list"], capsys)
    assert "twice" not in out
