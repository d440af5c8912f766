"""The `oracle` command line, end to end: train, ask, manage, and every bad input from issue 2."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from oracle.cli.entry import main
from oracle.engine import store

TINY_FLAGS = ["--hidden-size", "32", "--layers", "1", "--embed-dim", "16", "--seq-len", "32", "--batch-size", "16",
              "--epochs", "1", "--sample-length", "20", "-q"]


def oracle_script() -> list[str]:
    script = Path(sys.executable).with_name("oracle")
    return [str(script)] if script.exists() else [sys.executable, "-m", "oracle"]


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(home: Path) -> dict[str, str]:
    """Every file under the models folder with its hash: 'nothing lost' means this does not change."""
    root = home / "models"
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.name.endswith(".lock")}


def test_train_ask_and_manage_through_the_real_command(tiny_corpus, oracle_home):
    env = {**os.environ, "ORACLE_HOME": str(oracle_home)}
    train = subprocess.run([*oracle_script(), "train", str(tiny_corpus), "--name", "cli", *TINY_FLAGS],
                           capture_output=True, text=True, env=env, timeout=300)
    assert train.returncode == 0, train.stderr
    assert "cli: completed" in train.stderr
    ask = subprocess.run([*oracle_script(), "ask", "what is wisdom?", "--seed", "4", "--length", "50", "--stop", "length"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert ask.returncode == 0 and len(ask.stdout.rstrip("\n")) == 50
    again = subprocess.run([*oracle_script(), "ask", "--seed", "4", "--length", "50", "--stop", "length"], input="what is wisdom?",
                           capture_output=True, text=True, env=env, timeout=120)
    assert again.stdout == ask.stdout  # stdin works, and a seed fixes the answer
    meta = store.find("cli").meta
    assert meta["command"][:3] == ["oracle", "train", str(tiny_corpus)]
    assert meta["corpora"][0]["sha256"] == hashlib.sha256(tiny_corpus.read_bytes()).hexdigest()
    assert {"torch", "numpy", "python"} <= set(meta["versions"])
    assert meta["metrics"][0]["val_bpc"] > 0


def test_models_list_show_rename_copy_rm(capsys, tiny_model):
    code, out, _ = run_cli(capsys, "models", "list", "--json")
    rows = json.loads(out)
    assert code == 0 and rows[0]["name"] == "tiny" and rows[0]["parameters"] > 0 and rows[0]["active"]
    code, out, _ = run_cli(capsys, "models", "show", "tiny")
    assert code == 0 and "1x32 LSTM" in out and "epoch" in out
    assert run_cli(capsys, "models", "copy", "tiny", "twin")[0] == 0
    assert run_cli(capsys, "models", "rename", "twin", "sibling")[0] == 0
    assert {e.name for e in store.list_models()} >= {"tiny", "sibling"}
    assert store.find("sibling").meta["name"] == "sibling"
    code, _, err = run_cli(capsys, "models", "rm", "sibling")  # no terminal to confirm on: refuse
    assert code == 2 and "--yes" in err
    assert run_cli(capsys, "models", "rm", "sibling", "--yes")[0] == 0
    assert "sibling" not in {e.name for e in store.list_models()}


def test_export_import_round_trip(capsys, tiny_model, tmp_path):
    target = tmp_path / "tiny.oracle"
    assert run_cli(capsys, "models", "export", "tiny", str(target))[0] == 0
    assert run_cli(capsys, "models", "import", str(target), "--name", "copy")[0] == 0
    a, b = store.load("tiny"), store.load("copy")
    assert a.vocab == b.vocab
    for (ka, va), (kb, vb) in zip(a.net.state_dict().items(), b.net.state_dict().items()):
        assert ka == kb and (va == vb).all()
    assert "".join(a.ask("my son", seed=3)) == "".join(b.ask("my son", seed=3))


def _assert_one_clear_sentence(code: int, err: str, *words: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in err, (word, err)


def _bad_inputs(tmp: Path, corpus: Path) -> list[tuple[list[str], list[str]]]:
    (tmp / "empty-folder").mkdir()
    (tmp / "empty.txt").write_text("   \n")
    (tmp / "short.txt").write_text("In the beginning.")
    (tmp / "binary.txt").write_bytes(b"abc\x00\x01\x02" * 100)
    (tmp / "latin1.txt").write_bytes(("caf\u00e9 " * 500).encode("latin-1"))
    tiny = ["--name", "new", *TINY_FLAGS]
    return [
        (["train", str(tmp / "missing.txt"), *tiny], ["missing.txt", "does not exist"]),
        (["train", str(tmp / "empty-folder"), *tiny], ["empty-folder", ".txt"]),
        (["train", str(tmp / "empty.txt"), *tiny], ["empty.txt", "empty"]),
        (["train", str(tmp / "short.txt"), *tiny], ["short.txt", "--seq-len"]),
        (["train", str(tmp / "binary.txt"), *tiny], ["binary.txt", "offset 3"]),
        (["train", str(tmp / "latin1.txt"), *tiny], ["latin1.txt", "offset 3", "--encoding"]),
        (["ask", "hi", "--model", "nobody"], ["nobody", "tiny"]),
        (["train", str(corpus), *tiny, "--hidden-size", "0"], ["--hidden-size", "0"]),
        (["train", str(corpus), *tiny, "--lr", "-0.1"], ["--lr", "-0.1"]),
        (["train", str(corpus), *tiny, "--lr", "nan"], ["--lr", "nan"]),
        (["train", str(corpus), *tiny, "--epochs", "many"], ["--epochs", "many", "whole number"]),
        (["train", str(corpus), *tiny, "--dropout", "2"], ["--dropout"]),
        (["ask", "hi", "--temperature", "-1"], ["--temperature"]),
        (["train", str(corpus), "--name", "tiny", *TINY_FLAGS], ["tiny", "--force"]),
        (["models", "rename", "tiny", "tiny2"] if False else ["models", "rename", "nobody", "x"], ["nobody"]),
    ]


def test_every_bad_input_gets_one_clear_sentence_and_loses_nothing(capsys, tiny_model, tiny_corpus, oracle_home, tmp_path):
    before = snapshot(oracle_home)
    for argv, words in _bad_inputs(tmp_path, tiny_corpus):
        code, _, err = run_cli(capsys, *argv)
        _assert_one_clear_sentence(code, err, *words)
    assert snapshot(oracle_home) == before
    assert not (oracle_home / "models" / "new").exists()


def test_name_collisions_refuse_unless_forced(capsys, tiny_model, tmp_path, oracle_home):
    assert run_cli(capsys, "models", "copy", "tiny", "other")[0] == 0
    before = snapshot(oracle_home)
    _assert_one_clear_sentence(*run_cli(capsys, "models", "rename", "other", "tiny")[::2], "tiny", "--force")
    export = tmp_path / "t.oracle"
    run_cli(capsys, "models", "export", "tiny", str(export))
    _assert_one_clear_sentence(*run_cli(capsys, "models", "import", str(export))[::2], "tiny", "--force")
    assert snapshot(oracle_home) == before
    assert run_cli(capsys, "models", "rename", "other", "tiny", "--force")[0] == 0
    assert [e.name for e in store.list_models() if not e.shipped] == ["tiny"]


def test_corrupted_truncated_and_foreign_model_files(capsys, tiny_model, oracle_home, tmp_path):
    folder = oracle_home / "models" / "tiny"
    meta = json.loads((folder / "meta.json").read_text())
    weights = folder / meta["weights"]["file"]
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])  # truncated
    _assert_one_clear_sentence(*run_cli(capsys, "ask", "hi")[::2], weights.name, "sha256")
    weights.write_bytes(data)
    (folder / "meta.json").write_text(json.dumps({**meta, "format_version": 99}))
    _assert_one_clear_sentence(*run_cli(capsys, "ask", "hi", "--model", "tiny")[::2], "format", "99")
    (folder / "meta.json").write_text("{ not json")
    _assert_one_clear_sentence(*run_cli(capsys, "ask", "hi", "--model", "tiny")[::2], "meta.json", "corrupted")
    not_a_model = tmp_path / "notes.oracle"
    not_a_model.write_bytes(b"hello, I am not a model")
    _assert_one_clear_sentence(*run_cli(capsys, "models", "import", str(not_a_model))[::2], "notes.oracle", "not an Oracle model")


def test_bad_input_through_the_console_script_has_no_traceback(tmp_path, oracle_home):
    env = {**os.environ, "ORACLE_HOME": str(oracle_home)}
    (tmp_path / "bin.txt").write_bytes(b"\x00\xff" * 50)
    result = subprocess.run([*oracle_script(), "train", str(tmp_path / "bin.txt"), "--name", "x"], capture_output=True,
                            text=True, env=env, timeout=120)
    _assert_one_clear_sentence(result.returncode, result.stderr, "bin.txt", "NUL")


@pytest.mark.parametrize("spec, message", [("kjv:zero", "not a number"), ("kjv:-1", "positive")])
def test_bad_corpus_weights(capsys, spec, message):
    _assert_one_clear_sentence(*run_cli(capsys, "train", spec, "--name", "w", *TINY_FLAGS)[::2], spec, message)


def test_list_corpora_and_recipes(capsys):
    code, out, _ = run_cli(capsys, "train", "--list-corpora")
    assert code == 0 and "kjv" in out and "devils-dictionary" in out
    code, out, _ = run_cli(capsys, "train", "--list-recipes")
    assert code == 0 and "keras-classic" in out


def test_ctrl_c_saves_and_resume_finishes_the_run(tiny_corpus, oracle_home):
    import signal
    import time

    env = {**os.environ, "ORACLE_HOME": str(oracle_home)}
    argv = [*oracle_script(), "train", str(tiny_corpus), "--name", "interrupted", *TINY_FLAGS, "--epochs", "50"]
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True, env=env)
    folder = oracle_home / "models" / "interrupted"
    deadline = time.monotonic() + 120
    while not (folder / "meta.json").exists() and time.monotonic() < deadline:  # the first epoch has ended
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "interrupted: stopped" in err and "Traceback" not in err
    pointer = json.loads((folder / "checkpoint.json").read_text())
    assert 0 < pointer["epoch"] < 50
    store.load("interrupted")  # the best weights so far are usable at once
    # meta.json is committed after the checkpoint when the run stops, so its total covers at least the
    # checkpoint's time (an order of events, not a clock figure that a busy machine can stretch); the
    # last finished epoch's figure, which it showed before the stop was counted, is no more than that.
    meta = store.find("interrupted").meta
    assert meta["training_seconds"] >= round(pointer["elapsed"], 2) >= meta["metrics"][-1]["seconds"]
    resumed = subprocess.run([*oracle_script(), "train", "--resume", "interrupted", "--epochs", str(pointer["epoch"] + 1), "-q"],
                             capture_output=True, text=True, env=env, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads((folder / "checkpoint.json").read_text())["epoch"] == pointer["epoch"] + 1
