"""Training under torchrun: 2 CPU processes with gloo, on a tiny corpus, in a real subprocess.

Where a run stops is set by the test, never by how fast the machine is: tests/ddp_hooks.py runs the
real command line with a stop at an exact step, or with steps made slow enough that a time budget
certainly runs out inside the first epoch. It also fails the run if shutdown left a gloo thread.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from oracle.engine import Recipe, Trainer, store

pytestmark = pytest.mark.skipif(not __import__("torch").distributed.is_available(), reason="torch.distributed is missing")

HOOKS = Path(__file__).with_name("ddp_hooks.py")
# The same tiny settings on both sides; dropout 0 so that no random mask differs between runs, and
# float32 so that the one-process comparison is exact up to summation order.
FLAGS = ["--recipe", "quick", "--hidden-size", "32", "--embed-dim", "16", "--seq-len", "32", "--batch-size", "16",
         "--sample-length", "20", "--val-fraction", "0.1", "--device", "cpu", "--dropout", "0", "--amp", "off", "-q"]
RECIPE = dict(hidden_size=32, num_layers=1, embed_dim=16, seq_len=32, batch_size=16, lr=5e-3, warmup_steps=10,
              sample_length=20, val_fraction=0.1, device="cpu", dropout=0.0, amp="off")
STEPS_PER_EPOCH = 34  # of the tiny corpus with these settings (checked in the first test)


def torchrun(args: list[str], home, cwd, expect: int = 0, **hooks: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ORACLE_HOME": str(home), "OMP_NUM_THREADS": "1", "PYTHONPATH": str(HOOKS.parent.parent), **hooks}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", str(HOOKS), "train", *args]
    # A rank stuck in a collective would hang forever: the timeout turns that into a failure.
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=240, check=False)
    assert "terminate called" not in done.stderr and "gloo threads still alive" not in done.stderr, done.stderr[-3000:]
    assert (done.returncode == 0) == (expect == 0), done.stderr[-3000:]
    return done


def test_two_processes_train_the_same_model_as_one(tiny_corpus, oracle_home, tmp_path):
    torchrun([str(tiny_corpus), "--name", "ddp", "--epochs", "2", *FLAGS], oracle_home, tmp_path)
    ddp = store.find("ddp").meta
    assert ddp["world_size"] == 2 and ddp["metrics"][0]["step"] == STEPS_PER_EPOCH and ddp["metrics"][-1]["step"] == 2 * STEPS_PER_EPOCH
    answer = "".join(store.load("ddp").ask("wisdom", seed=1))  # a normal model: it loads and answers
    assert answer

    single = Trainer("single", [str(tiny_corpus)], Recipe(epochs=2, **RECIPE), command=["test"]).run()
    # DDP averages the gradients of each rank's mean loss over equal halves of the same global batch,
    # which is the one-process gradient up to float summation order; a 1e-3 nats gap would already
    # mean a rank saw the wrong rows or skipped a step.
    assert ddp["best"]["val_loss"] == pytest.approx(single.best_val_loss, abs=1e-3)


def test_a_stop_on_one_rank_stops_every_rank_at_the_same_step_and_the_run_resumes(tiny_corpus, oracle_home, tmp_path):
    # Only rank 1 asks to stop, after step 7: rank 0 must stop there too and save exactly step 7.
    out = torchrun([str(tiny_corpus), "--name", "halt", "--epochs", "2", *FLAGS], oracle_home, tmp_path, ORACLE_TEST_STOP="1:7")
    assert "halt: stopped after 7 steps" in " ".join((out.stdout + out.stderr).split())
    pointer = store.read_checkpoint(store.user_dir("halt"))[0]
    assert pointer.world == 2 and (pointer.epoch, pointer.step) == (0, 7)

    finished = Trainer("halt", resume=True, command=["test"]).run()
    assert finished.reason == "completed" and finished.step == 2 * STEPS_PER_EPOCH
    meta = store.find("halt").meta
    assert meta["metrics"][-1]["epoch"] == 2 and meta["metrics"][-1]["step"] == finished.step
    assert "".join(store.load("halt").ask("wisdom", seed=2))


def test_time_budget_stops_every_rank_together_however_fast_the_machine(tiny_corpus, oracle_home, tmp_path):
    # Every step takes at least 0.1 s, so a 1.8 s budget runs out by step 18 of the 34 in epoch 0 on
    # any machine; the ranks must agree on the step, or one would hang in the next collective.
    out = torchrun([str(tiny_corpus), "--name", "budget", "--epochs", "3", "--max-minutes", "0.03", *FLAGS], oracle_home, tmp_path,
                   ORACLE_TEST_STEP_SECONDS="0.1")
    assert "time budget" in out.stdout + out.stderr
    pointer = store.read_checkpoint(store.user_dir("budget"))[0]
    assert pointer.world == 2 and pointer.epoch == 0 and 0 < pointer.step <= 18


def test_a_failure_on_rank_0_stops_every_rank_with_one_sentence(tiny_corpus, oracle_home, tmp_path):
    # Rank 0's first checkpoint write fails (a full disk) while rank 1 waits for the next step.
    out = torchrun([str(tiny_corpus), "--name", "full", "--epochs", "2", *FLAGS], oracle_home, tmp_path, expect=2,
                   ORACLE_TEST_FAIL_SAVE="1")
    said = [line for line in out.stderr.splitlines() if line.startswith("oracle: ")]
    assert len(said) == 1 and "No space left on device" in said[0], out.stderr[-3000:]
    assert "[rank0]: Traceback" not in out.stderr and "[rank1]: Traceback" not in out.stderr, out.stderr[-3000:]
    assert not store.user_dir("full").exists()  # nothing half-written took the name
