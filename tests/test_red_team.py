"""Red team (issue 13): hostile files and hostile moments. Nothing lost, nothing hung, no traceback.

Each test names the numbered case of issue 13 it covers. Tiny real models in temporary homes; every
test that could hang if the fix regressed runs under a deadline. The slow cases (SIGKILL during
import, export, rename and copy, in a loop) are in scripts/kill_campaign.py --transfers.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save as st_save

from oracle.cli.entry import main
from oracle.engine import Recipe, Trainer, store
from oracle.engine.errors import ModelBusy, OracleError
from oracle.engine.io import limits
from oracle.engine.model.network import CharLSTM, ModelConfig
from oracle.engine.model.stepper import LSTMStepper
from oracle.engine.store import registry
from oracle.engine.train.control import TrainingControl
from oracle.engine.train.evaluate import stream_loss, window_loss
from oracle.engine.train.events import EpochEnd
from oracle.visible import visible

ORACLE = str(Path(sys.executable).with_name("oracle"))
FAST = {"hidden_size": 16, "num_layers": 1, "embed_dim": 8, "dropout": 0.0, "seq_len": 16, "batch_size": 4, "lr": 0.01,
        "epochs": 1, "warmup_steps": 2, "sample_length": 8, "val_fraction": 0.1, "seed": 5}
NET = ["--hidden-size", "8", "--layers", "1", "--embed-dim", "4", "--seq-len", "16", "--batch-size", "4",
       "--epochs", "1", "--sample-length", "20"]


@contextmanager
def deadline(seconds: float):
    """Fail (instead of hanging the suite) if the block takes longer than `seconds`."""
    def expired(signum, frame):
        raise TimeoutError(f"still running after {seconds} s: something read without a bound")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def cli(argv, capsys) -> tuple[int, str, str]:
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def refused(rc: int, err: str, *words: str) -> None:
    assert rc == 2, err
    assert err.count("\n") == 1 and err.startswith("oracle") and "Traceback" not in err, err
    for word in words:
        assert word in err, (word, err)


def tree(home: Path) -> dict[str, str]:
    root = home / "models"
    return {str(p.relative_to(root)): store.sha256_bytes(p.read_bytes())
            for p in sorted(root.rglob("*")) if p.is_file() and not p.name.endswith(".lock")} if root.exists() else {}


def work_folders(home: Path) -> list[str]:
    return sorted(p.name for p in (home / "models").iterdir() if p.name.startswith((".staging-", ".import-", ".trash-", ".old-")))


def export_parts(name: str) -> tuple[dict, dict]:
    entry = store.find(name)
    return dict(entry.meta), store.read_weights(entry.path / entry.meta["weights"]["file"], entry.meta["weights"]["sha256"])


def write_export(path: Path, tensors: dict, meta_text: str) -> Path:
    path.write_bytes(st_save(tensors, metadata={"oracle_meta": meta_text}))
    return path


def nested(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


def plant(home: Path, source: str, name: str, meta_text: str) -> Path:
    """A copy of model `source` under `name` whose meta.json says `meta_text`."""
    folder = home / "models" / name
    shutil.copytree(home / "models" / source, folder)
    (folder / "meta.json").write_text(meta_text)
    return folder


# ---- 1. one imported file breaks every command -----------------------------------------------------

def test_1_deep_metadata_is_refused_on_import_and_a_deep_file_never_takes_other_commands_down(tiny_model, oracle_home, tmp_path, capsys):
    meta, tensors = export_parts(tiny_model)
    deep_text = json.dumps(meta)[:-1] + ', "extra": ' + nested(990) + "}"
    bad = write_export(tmp_path / "deep.oracle", tensors, deep_text)
    before = tree(oracle_home)
    refused(*cli(["models", "import", bad, "--name", "deep"], capsys)[::2], "deep.oracle", "nests")
    assert tree(oracle_home) == before

    plant(oracle_home, tiny_model, "deep", deep_text)  # as if an older Oracle had imported it
    (oracle_home / "settings.json").write_text(nested(5000))
    rc, out, err = cli(["models", "list"], capsys)
    assert rc == 0 and "tiny" in out and "deep" in out and "unreadable" in out, (out, err)
    rc, out, err = cli(["ask", "Who is wise?", "-m", "tiny", "-n", "20", "--seed", "1"], capsys)
    assert rc == 0 and out.strip(), err
    rc, out, err = cli(["ask", "Who is wise?", "-n", "20", "--seed", "1"], capsys)  # the active model, from settings.json
    assert rc == 0 and out.strip(), err
    rc, out, err = cli(["models", "rm", "deep", "--yes"], capsys)
    assert rc == 0 and not (oracle_home / "models" / "deep").exists(), err

    (oracle_home / "models" / "tiny" / "checkpoint.json").write_text(nested(3000))
    refused(*cli(["train", "--resume", "tiny", "-q"], capsys)[::2], "checkpoint.json", "nests")


# ---- 2. train --force deletes the existing model before the new run exists -------------------------

def _poison_every_step(monkeypatch):
    real = CharLSTM.forward

    def forward(self, x, state=None, last_only=False, **more):
        logits, state = real(self, x, state, last_only, **more)
        return (logits * float("nan") if self.training else logits), state

    monkeypatch.setattr(CharLSTM, "forward", forward)


def test_2_train_force_keeps_the_old_model_until_the_new_one_has_its_first_checkpoint(tiny_model, oracle_home, tiny_corpus, monkeypatch):
    before = tree(oracle_home)
    with monkeypatch.context() as m:  # divergence before the first checkpoint
        _poison_every_step(m)
        with pytest.raises(OracleError, match="NaN or infinite"):
            Trainer(tiny_model, [str(tiny_corpus)], Recipe(**FAST), force=True).run()
    assert tree(oracle_home) == before and work_folders(oracle_home) == []
    with monkeypatch.context() as m:  # a full disk at the first save
        def full(*args, **kwargs):
            raise OSError(28, "No space left on device")
        m.setattr(store, "write_checkpoint", full)
        with pytest.raises(OracleError, match="No space left"):
            Trainer(tiny_model, [str(tiny_corpus)], Recipe(**FAST), force=True).run()
    assert tree(oracle_home) == before and work_folders(oracle_home) == []
    with monkeypatch.context() as m:  # out of memory mid-run: one sentence, old model intact
        def oom(self, *args, **kwargs):
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
        m.setattr(Trainer, "_train_step", oom)
        with pytest.raises(OracleError, match="ran out of memory"):
            Trainer(tiny_model, [str(tiny_corpus)], Recipe(**FAST), force=True).run()
    assert tree(oracle_home) == before and work_folders(oracle_home) == []
    # The control: a replacement that succeeds does replace it.
    Trainer(tiny_model, [str(tiny_corpus)], Recipe(**{**FAST, "seed": 99}), force=True).run()
    assert tree(oracle_home) != before and work_folders(oracle_home) == []
    assert store.find(tiny_model).meta["recipe"]["seed"] == 99
    assert "".join(store.load(tiny_model).ask("the", seed=1))


# ---- 3. export --force replaces special files --------------------------------------------------------

def test_3_export_force_replaces_only_regular_files(tiny_model, tmp_path, capsys):
    real = tmp_path / "real.txt"
    real.write_text("keep me\n")
    link = tmp_path / "link.oracle"
    link.symlink_to(real)
    fifo = tmp_path / "fifo.oracle"
    os.mkfifo(fifo)
    targets = [(link, stat.S_ISLNK, "symbolic link"), (fifo, stat.S_ISFIFO, "not a regular file")]
    if os.geteuid() == 0:  # a null device node of our own, not the machine's /dev/null
        node = tmp_path / "null.oracle"
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        targets.append((node, stat.S_ISCHR, "not a regular file"))
    with deadline(30):
        for path, kind, words in targets:
            refused(*cli(["models", "export", tiny_model, path, "--force"], capsys)[::2], path.name, words)
            assert kind(os.lstat(path).st_mode), f"{path} was replaced"
    assert real.read_text() == "keep me\n"
    plain = tmp_path / "plain.oracle"
    plain.write_text("old")
    rc, _, err = cli(["models", "export", tiny_model, plain, "--force"], capsys)  # the control
    assert rc == 0 and plain.stat().st_size > 1000, err


# ---- 4. import checks only config, vocabulary and the weights' name ---------------------------------

def _spoiled(meta: dict, key: str, value) -> dict:
    meta = json.loads(json.dumps(meta))
    target = meta
    *path, last = key.split(".")
    for part in path:
        target = target[part]
    target[last] = value
    return meta


SPOILS = {
    "best is a list": ("best", [1]),
    "corpora hold strings": ("corpora", ["a"]),
    "parameters is text": ("parameters", "many"),
    "training_seconds is NaN": ("training_seconds", float("nan")),
    "dropout is NaN": ("config.dropout", float("nan")),
    "name is a number": ("name", 5),
    "metric epoch is text": ("metrics", [{"epoch": "one", "step": 1, "train_loss": 1.0}]),
    "vocabulary beyond the limit": ("config.vocab_size", 30000),
    "command holds numbers": ("command", [1, 2]),
    "6 MB of metadata": ("padding", "x" * (6 << 20)),
}


@pytest.mark.parametrize("case", list(SPOILS))
def test_4_metadata_of_the_wrong_type_is_refused_on_import_and_on_every_read(case, tiny_model, oracle_home, tmp_path, capsys):
    key, value = SPOILS[case]
    meta, tensors = export_parts(tiny_model)
    text = json.dumps(_spoiled(meta, key, value))  # NaN is written as NaN, as a hostile file would
    before = tree(oracle_home)
    bad = write_export(tmp_path / "bad.oracle", tensors, text)
    refused(*cli(["models", "import", bad, "--name", "spoiled"], capsys)[::2], "bad.oracle")
    assert tree(oracle_home) == before

    plant(oracle_home, tiny_model, "spoiled", text)
    rc, out, err = cli(["models", "list"], capsys)
    assert rc == 0 and "tiny" in out and "spoiled" in out and "Traceback" not in err, (out, err)
    rc, out, err = cli(["models", "list", "--json"], capsys)
    assert rc == 0 and {r["name"] for r in json.loads(out)} >= {"tiny", "spoiled"}
    refused(*cli(["models", "show", "spoiled"], capsys)[::2], "spoiled", "meta.json")
    refused(*cli(["ask", "hi", "-m", "spoiled"], capsys)[::2], "meta.json")


# ---- 5. memory grows with the vocabulary ---------------------------------------------------------------

def test_5_a_vocabulary_beyond_the_limit_is_refused_before_any_training(tmp_path, oracle_home, capsys):
    text = "".join(chr(0x4E00 + i) for i in range(limits.MAX_VOCAB + 100)) + "\n"
    path = tmp_path / "many.txt"
    path.write_text(text * 2, "utf-8")
    with deadline(60):
        refused(*cli(["train", path, "--name", "many", *NET, "-q"], capsys)[::2], "distinct characters", f"{limits.MAX_VOCAB:,}")
    assert tree(oracle_home) == {}


def test_5_validation_holds_a_bounded_slice_of_logits_and_gets_the_same_loss(monkeypatch):
    torch.manual_seed(0)
    net = CharLSTM(ModelConfig(vocab_size=3000, hidden_size=8, num_layers=1, embed_dim=4, dropout=0.0)).eval()
    ids = np.random.default_rng(0).integers(0, 3000, 5000).astype(np.uint16)
    whole = stream_loss(net, ids)
    seen = []
    real = net.forward

    def spy(x, state=None, last_only=False, **more):
        logits, state = real(x, state, last_only, **more)
        seen.append(logits.numel())
        return logits, state

    monkeypatch.setattr(net, "forward", spy)
    monkeypatch.setattr("oracle.engine.train.evaluate.EVAL_FLOATS", 16 * 3000 * 8)  # at most 8 steps of 16 rows at once
    chunked = stream_loss(net, ids)
    assert max(seen) <= 16 * 3000 * 8 and chunked == pytest.approx(whole, rel=1e-5)
    seen.clear()
    one_hot = CharLSTM(ModelConfig(vocab_size=3000, hidden_size=8, num_layers=1, embed_dim=4, dropout=0.0, one_hot=True)).eval()
    monkeypatch.setattr(one_hot, "forward", lambda x, state=None, last_only=False, **more: (
        seen.append(x.numel() * 3000), CharLSTM.forward(one_hot, x, state, last_only))[1])
    window_loss(one_hot, ids[:400], window=40)
    assert max(seen) <= 16 * 3000 * 8  # one-hot windows: batch x 40 x vocab, capped the same way


def test_5_one_hot_streaming_builds_no_vocabulary_square(monkeypatch):
    torch.manual_seed(0)
    net = CharLSTM(ModelConfig(vocab_size=500, hidden_size=8, num_layers=2, embed_dim=4, dropout=0.0, one_hot=True)).eval()

    def no_eye(*args, **kwargs):
        raise AssertionError("torch.eye(vocab) was built")

    monkeypatch.setattr(torch, "eye", no_eye)
    stepper = LSTMStepper.from_net(net)
    logits = stepper.cursor().advance(7).copy()
    expected, _ = net(torch.tensor([[7]]), last_only=True)
    assert np.allclose(logits, expected[0].detach().numpy(), atol=1e-5)


# ---- 6. terminal escape injection ---------------------------------------------------------------------

def test_6_escape_sequences_from_a_corpus_or_metadata_never_reach_the_terminal(tmp_path, oracle_home, capsys):
    corpus = tmp_path / "escapes.txt"
    corpus.write_text("the \x1b]0;PWNED\x07 end \x1b[2J and \x9b31m red [bold]x[/] ok\n" * 150, "utf-8")
    rc, out, err = cli(["train", corpus, "--name", "esc", *NET, "--lr", "0.05"], capsys)
    assert rc == 0, err
    assert "\x1b]0" not in err and "\x1b[2J" not in err and "\x9b" not in err and "\x07" not in err
    rc, out, err = cli(["ask", "the", "-m", "esc", "-n", "300", "--stop", "length", "--temperature", "1.5", "--seed", "2"], capsys)
    assert rc == 0 and out.strip(), err
    assert not any(ch in out + err for ch in "\x1b\x07\x9b"), repr(out)
    assert any(ch in out for ch in "␛␇\ufffd"), repr(out)  # the model did learn them; they are shown, not obeyed

    meta = json.loads((oracle_home / "models" / "esc" / "meta.json").read_text())
    meta["corpora"][0]["name"] = "\x1b]0;owned\x07\x1b[2J"
    meta["command"] = ["oracle", "\x1b[31mred"]
    meta["device"] = "\x9b2J"
    plant(oracle_home, "esc", "esc2", json.dumps(meta))
    for argv in (["models", "list"], ["models", "show", "esc2"], ["models", "show", "esc2", "--json"], ["models", "list", "--json"]):
        rc, out, err = cli(argv, capsys)
        assert rc == 0 and not any(ch in out + err for ch in "\x1b\x07\x9b"), (argv, out)

    from oracle.tui.widgets.model_details import shown
    from oracle.tui.widgets.model_table import row_for
    assert "\x1b" not in str(row_for(store.find("esc2"), None)) and "\x1b" not in shown(meta["command"][1])
    assert visible("a\x1b[2Jb\tc\nd\x9b\x7f") == "a␛[2Jb\tc\nd\ufffd␡"


# ---- 7. non-regular files are read without limit ------------------------------------------------------

def test_7_fifos_and_devices_are_refused_not_read(tiny_model, tmp_path, oracle_home, capsys):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    folder = tmp_path / "mixed"
    folder.mkdir()
    os.mkfifo(folder / "pipe.txt")
    (folder / "zero.txt").symlink_to("/dev/zero")
    with deadline(60):
        refused(*cli(["train", fifo, "--name", "f", *NET, "-q"], capsys)[::2], "pipe.txt", "FIFO")
        refused(*cli(["models", "import", fifo, "--name", "f"], capsys)[::2], "pipe.txt", "FIFO")
        refused(*cli(["train", "/dev/zero", "--name", "z", *NET, "-q"], capsys)[::2], "/dev/zero", "character device")
        refused(*cli(["models", "import", "/dev/urandom", "--name", "u"], capsys)[::2], "/dev/urandom", "character device")
        refused(*cli(["train", folder, "--name", "m", *NET, "-q"], capsys)[::2], "no .txt files")  # neither is read
    assert set(tree(oracle_home)) == {p for p in tree(oracle_home) if p.startswith("tiny/")}


def test_7_a_folder_is_one_corpus_under_one_cap(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(3):
        (folder / f"{i}.txt").write_text("Wisdom crieth without; she uttereth her voice.\n" * 40)
    monkeypatch.setattr(limits, "MAX_CORPUS_BYTES", 5000)  # each file is under it, the three together are not
    refused(*cli(["train", folder, "--name", "m", *NET, "-q"], capsys)[::2], "many", "one corpus")


def test_7_ask_reads_its_stdin_to_a_cap(tiny_model, oracle_home):
    env = {**os.environ, "ORACLE_HOME": str(oracle_home), "OMP_NUM_THREADS": "1"}
    with open("/dev/zero", "rb") as zero:
        done = subprocess.run([ORACLE, "ask", "-m", tiny_model, "-n", "10"], stdin=zero, capture_output=True,
                              text=True, env=env, timeout=120, check=False)
    refused(done.returncode, done.stderr, "longer than")


# ---- 8. unencodable names crash after the work is done ----------------------------------------------

def test_8_names_and_texts_that_cannot_be_stored_are_refused_before_work_starts(tmp_path, oracle_home, capsys):
    odd = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9.txt"))
    odd.write_text("Wisdom is the principal thing.\n" * 60)
    refused(*cli(["train", odd, "--name", "odd", *NET, "-q"], capsys)[::2], "not valid UTF-8")
    escaped = tmp_path / "escaped.txt"
    escaped.write_bytes(b"hello \\ud800 world, and more text to train on.\n" * 60)
    refused(*cli(["train", escaped, "--name", "esc", "--encoding", "unicode_escape", *NET, "-q"], capsys)[::2],
            "escaped.txt", "lone surrogate")
    plain = tmp_path / "plain.txt"
    plain.write_text("The fear of the lord is the beginning of wisdom.\n" * 60)
    refused(*cli(["train", plain, "--name", "p", "--encoding", "punycode", *NET, "-q"], capsys)[::2], "plain.txt", "punycode")
    refused(*cli(["train", plain, "--name", "p", "--encoding", "base64", *NET, "-q"], capsys)[::2], "not a text encoding")
    assert tree(oracle_home) == {}


# ---- 9. resume breaks on legitimate inputs ----------------------------------------------------------

def test_9_resume_with_two_sources_of_one_name_from_another_folder(tmp_path, oracle_home, monkeypatch):
    for folder, text in (("da", "Go to the ant, thou sluggard; consider her ways.\n"), ("db", "A soft answer turneth away wrath.\n")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.txt").write_text(text * 80)
    monkeypatch.chdir(tmp_path)
    control = TrainingControl()
    first = Trainer("twins", ["da/x.txt", "db/x.txt"], Recipe(**{**FAST, "epochs": 2}), control=control,
                    on_event=lambda e: control.stop() if isinstance(e, EpochEnd) else None).run()
    assert first.reason != "completed"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    finished = Trainer("twins", resume=True).run()
    assert finished.reason == "completed"
    assert [c["path"] for c in store.find("twins").meta["corpora"]] == [str(tmp_path / "da" / "x.txt"), str(tmp_path / "db" / "x.txt")]


# ---- 10. two trainers of the same new name started together ----------------------------------------

def test_10_two_trainers_of_one_new_name_never_delete_each_others_work(tiny_corpus, oracle_home):
    for round_ in range(2):
        name = f"race{round_}"
        trainers = [Trainer(name, [str(tiny_corpus)], Recipe(**FAST)) for _ in range(2)]
        gate, outcomes = threading.Barrier(2), []

        def go(trainer, gate=gate, outcomes=outcomes):
            gate.wait()
            try:
                trainer.run()
                outcomes.append("trained")
            except (ModelBusy, OracleError) as err:
                outcomes.append(f"refused: {err}")

        threads = [threading.Thread(target=go, args=(t,)) for t in trainers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert sorted(o.split(":")[0] for o in outcomes) == ["refused", "trained"], outcomes
        assert "".join(store.load(name).ask("the", seed=1))  # the winner's model is whole
        assert work_folders(oracle_home) == []


# ---- 11. unbounded settings --------------------------------------------------------------------------

def test_11_settings_no_one_can_mean_are_refused_up_front(tiny_corpus, oracle_home, capsys):
    for flag, value in (("--sample-length", "1000000000"), ("--batch-size", "500000"), ("--seq-len", "100000000")):
        refused(*cli(["train", tiny_corpus, "--name", "big", *NET, flag, value, "-q"], capsys)[::2], flag)
    refused(*cli(["ask", "hi", "--length", "1000000000"], capsys)[::2], "--length")
    huge = ModelConfig(vocab_size=100, hidden_size=16384, num_layers=64, embed_dim=64, dropout=0.0)
    with pytest.raises(OracleError, match="parameters"):
        limits.check_model_size(huge)
    with pytest.raises(OracleError, match="GiB"):
        limits.check_step_memory(16384, 100_000, ModelConfig(vocab_size=100, hidden_size=1024), True)
    limits.check_step_memory(64, 128, ModelConfig(vocab_size=100, hidden_size=512), True)  # the control: ordinary sizes pass
    assert tree(oracle_home) == {}


# ---- 12. the smaller ones ----------------------------------------------------------------------------

def test_12_a_model_name_ending_in_a_newline_is_refused(tiny_model, capsys):
    with pytest.raises(OracleError, match="not allowed"):
        store.check_name("tiny\n")
    refused(*cli(["models", "copy", tiny_model, "copy\n"], capsys)[::2], "not allowed")


def test_12_stale_work_folders_and_temp_files_are_cleared_on_the_next_start(tiny_model, oracle_home, tmp_path):
    root = oracle_home / "models"
    for stale in (".staging-ghost-1a2b", ".import-ghost-3c4d", ".trash-gone-5e6f"):
        (root / stale).mkdir()
        (root / stale / "weights-x.safetensors").write_bytes(b"x" * 1000)
    (root / ".trash-gone-5e6f" / "meta.json").write_text("{}")  # a deletion cut short stays deleted
    (root / tiny_model / ".meta.json.abc123.tmp").write_bytes(b"half")
    shutil.copytree(root / tiny_model, root / ".old-caught-7a8b")  # killed between the two renames of a replacement
    (root / ".old-caught-7a8b" / ".meta.json.abc123.tmp").unlink()
    (root / ".staging-busy-9c0d").mkdir()  # a live run's staging folder: its name's lock is held
    with store.locked(root / "busy"):
        registry._swept.discard(root)
        names = [e.name for e in store.list_models()]
        assert sorted(p.name for p in root.iterdir() if not p.name.endswith(".lock")) == [".staging-busy-9c0d", "caught", tiny_model]
    assert "caught" in names and "".join(store.load("caught").ask("the", seed=1))
    assert not list((root / tiny_model).glob("*.tmp"))

    dest = tmp_path / "out.oracle"
    left = tmp_path / ".out.oracle.zz99.tmp"  # a killed export's temp file, an hour old
    left.write_bytes(b"partial")
    os.utime(left, (time.time() - 3600, time.time() - 3600))
    fresh = tmp_path / ".out.oracle.yy88.tmp"  # maybe another export in progress: left alone
    fresh.write_bytes(b"partial")
    store.export(tiny_model, dest)
    assert not left.exists() and fresh.exists() and dest.is_file()


def test_12_small_refusals_each_get_one_sentence(tiny_model, tiny_corpus, oracle_home, monkeypatch, capsys):
    refused(*cli(["train", ":2", "--name", "e", *NET, "-q"], capsys)[::2], "names no file")
    refused(*cli(["train", "", "--name", "e", *NET, "-q"], capsys)[::2], "names no file")
    refused(*cli(["train", tiny_corpus, "--from", tiny_model, "--name", "f", "--hidden-size", "64"], capsys)[::2], "--hidden-size")
    refused(*cli(["train", tiny_corpus, "--from", tiny_model, "--name", "f", "--no-lowercase"], capsys)[::2], "--no-lowercase")
    checkpoint = oracle_home / "models" / tiny_model / "checkpoint.json"
    if checkpoint.exists():
        pointer = json.loads(checkpoint.read_text())
        del pointer["step"]
        checkpoint.write_text(json.dumps(pointer))
        refused(*cli(["train", "--resume", tiny_model, "-q"], capsys)[::2], "checkpoint.json", "step")
    monkeypatch.setenv("ORACLE_HOME", "~nosuchuser/x")
    refused(*cli(["models", "list"], capsys)[::2], "ORACLE_HOME", "~nosuchuser")


def _env(home: Path, **more) -> dict:
    return {**os.environ, "ORACLE_HOME": str(home), "OMP_NUM_THREADS": "1", **more}


def _wait_for_staging(home: Path, proc, name: str, limit: float = 120) -> None:
    end = time.monotonic() + limit
    while time.monotonic() < end and proc.poll() is None:
        if any(p.name.startswith(f".staging-{name}-") for p in (home / "models").glob(".*")):
            return
        time.sleep(0.05)
    raise AssertionError(f"training never started: {proc.communicate()[1] if proc.poll() is not None else ''}")


def test_12_signals_terminals_and_encodings_through_the_real_command(tiny_model, tiny_corpus, oracle_home):
    """All at once (each start of the real command costs seconds): SIGHUP, Ctrl-C twice, a latin-1
    terminal, a closed stdout, and the app without a terminal."""
    long_run = [ORACLE, "train", str(tiny_corpus), *NET, "--epochs", "200", "-q"]
    piped = {"env": _env(oracle_home), "stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "stdin": subprocess.DEVNULL}
    hup = subprocess.Popen([*long_run, "--name", "hup"], **piped)
    twice = subprocess.Popen([*long_run, "--name", "twice"], **piped)
    latin = subprocess.Popen([ORACLE, "models", "show", "default"], **{**piped, "env": _env(oracle_home, PYTHONIOENCODING="latin-1")})
    closed = subprocess.Popen(f"exec {ORACLE} models list >&-", shell=True, **piped)
    app = subprocess.Popen([ORACLE], **piped)

    _wait_for_staging(oracle_home, hup, "hup")
    _wait_for_staging(oracle_home, twice, "twice")
    time.sleep(0.5)
    hup.send_signal(signal.SIGHUP)  # the terminal closed: stop and save, like SIGTERM
    twice.send_signal(signal.SIGINT)  # Ctrl-C twice: the second ends at once, quietly
    twice.send_signal(signal.SIGINT)
    results = {name: (proc.wait(timeout=180), proc.stderr.read().decode("utf-8", "replace"))
               for name, proc in [("hup", hup), ("twice", twice), ("latin", latin), ("closed", closed), ("app", app)]}
    for proc in (hup, twice, latin, closed, app):
        proc.stdout.close()
        proc.stderr.close()
    assert all("Traceback" not in err for _, err in results.values()), results
    assert results["hup"][0] == 0 and "".join(store.load("hup").ask("the", seed=1))
    assert results["twice"][0] in (0, 130) and not any(p.name.startswith(".staging-twice") for p in (oracle_home / "models").iterdir())
    assert results["latin"][0] == 0
    assert results["closed"][0] == 0 and results["closed"][1].count("\n") == 1, results["closed"]
    refused(results["app"][0], results["app"][1], "needs a terminal")


def test_numbers_in_kept_files_are_finite():
    from oracle.engine.store.meta import finite_or_none

    assert finite_or_none({"a": [1.0, math.inf, {"b": math.nan}], "c": "x"}) == {"a": [1.0, None, {"b": None}], "c": "x"}


def test_6_the_app_shows_control_characters_as_stand_ins():
    """The Textual side of case 6: an answer and a question holding ESC sequences render as ␛."""
    import asyncio

    from textual.app import App
    from textual.widgets import Static

    from oracle.tui.history import Exchange
    from oracle.tui.widgets.transcript import ExchangeView

    class One(App):
        def compose(self):
            yield ExchangeView(Exchange(question="\x1b]0;PWNED\x07 who?", answer="wise \x1b[2J men \x9b31m"))

    async def run() -> list[str]:
        app = One()
        async with app.run_test(size=(60, 10)) as pilot:
            await pilot.pause()
            return [str(static.render()) for static in app.query(Static)]

    shown = "".join(asyncio.run(run()))
    assert "PWNED" in shown and "␛" in shown
    assert not any(ch in shown for ch in "\x1b\x07\x9b"), repr(shown)
