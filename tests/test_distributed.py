"""Training under torchrun: 2 CPU processes with gloo, on a tiny corpus, in a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from oracle.engine import Recipe, Trainer, store

pytestmark = pytest.mark.skipif(not __import__("torch").distributed.is_available(), reason="torch.distributed is missing")

# The same tiny settings on both sides; dropout 0 so that no random mask differs between runs.
FLAGS = ["--recipe", "quick", "--hidden-size", "32", "--embed-dim", "16", "--seq-len", "32", "--batch-size", "16",
         "--sample-length", "20", "--val-fraction", "0.1", "--device", "cpu", "--dropout", "0", "-q"]
RECIPE = dict(hidden_size=32, num_layers=1, embed_dim=16, seq_len=32, batch_size=16, lr=5e-3, warmup_steps=10,
              sample_length=20, val_fraction=0.1, device="cpu", dropout=0.0)


def torchrun(args: list[str], home, cwd) -> subprocess.CompletedProcess:
    env = dict(os.environ, ORACLE_HOME=str(home), OMP_NUM_THREADS="1")
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", "-m", "oracle", "train", *args]
    # A rank stuck in a collective would hang forever: the timeout turns that into a failure.
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_two_processes_train_the_same_model_as_one(tiny_corpus, oracle_home, tmp_path):
    torchrun([str(tiny_corpus), "--name", "ddp", "--epochs", "2", *FLAGS], oracle_home, tmp_path)
    ddp = store.find("ddp").meta
    assert ddp["world_size"] == 2 and ddp["metrics"][-1]["step"] == 2 * ddp["metrics"][0]["step"]
    answer = "".join(store.load("ddp").ask("wisdom", seed=1))  # a normal model: it loads and answers
    assert answer

    single = Trainer("single", [str(tiny_corpus)], Recipe(epochs=2, **RECIPE), command=["test"]).run()
    # DDP averages the gradients of each rank's mean loss over equal halves of the same global batch,
    # which is the one-process gradient up to float summation order; a 1e-3 nats gap would already
    # mean a rank saw the wrong rows or skipped a step.
    assert ddp["best"]["val_loss"] == pytest.approx(single.best_val_loss, abs=1e-3)


def test_time_budget_stops_every_rank_and_the_run_resumes(tiny_corpus, oracle_home, tmp_path):
    # 0.3 s of budget ends the run inside the first epoch; every rank must agree, or one would hang.
    out = torchrun([str(tiny_corpus), "--name", "budget", "--epochs", "3", "--max-minutes", "0.005", *FLAGS], oracle_home, tmp_path)
    assert "time budget" in out.stdout + out.stderr
    pointer = store.read_checkpoint(store.user_dir("budget"))[0]
    assert pointer["world"] == 2 and pointer["epoch"] == 0 and pointer["step"] > 0

    finished = Trainer("budget", resume=True, overrides={"max_minutes": 0.0}, command=["test"]).run()
    assert finished.reason == "completed"
    meta = store.find("budget").meta
    assert meta["metrics"][-1]["epoch"] == 3 and meta["metrics"][-1]["step"] == finished.step
    assert "".join(store.load("budget").ask("wisdom", seed=2))
