#!/usr/bin/env python
"""SIGKILL `oracle train` at random moments and prove nothing is lost.

Each round starts the real `oracle` command (a fresh run, or `--resume` once a checkpoint exists)
on a tiny corpus with a checkpoint after nearly every step, then kills it with SIGKILL at one of
three kinds of moment:

  random     a random delay (0-4 s) after this process's first write
  mid-write  a random delay (0-3 s) after its first write, then the instant a temporary file (a
             write in progress) shows up in the model folder
  early      a random delay after launch (often during start-up)

After every kill it checks, in this process, that:
  - a committed meta.json still loads with `store.load` and answers;
  - a committed checkpoint.json is intact (`store.read_checkpoint` verifies both sha256 sums and
    reads the optimiser state with weights_only=True);
  - the checkpoint never went backwards (a kill never undoes a committed save);
and the next round's `--resume` must start and carry on. When a run completes on its own the
campaign moves to a new model name. At the end one last `--resume` runs to completion.

    .venv/bin/python scripts/kill_campaign.py --kills 100

Prints the counts and exits 1 if any check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Small enough that a step takes milliseconds; a checkpoint every ~6 ms of training means nearly
# every step ends with a save, so kills land inside writes often.
TINY_MODEL = ["--recipe", "quick", "--hidden-size", "16", "--embed-dim", "8", "--seq-len", "16", "--batch-size", "4",
              "--sample-length", "8", "--seed", "3", "-q"]  # also kill_transfers.py's
TRAIN_FLAGS = [*TINY_MODEL, "--checkpoint-minutes", "0.0001"]
MODES = ("random", "random", "mid-write", "mid-write", "early")


def oracle_command() -> list[str]:
    script = Path(sys.executable).with_name("oracle")
    return [str(script)] if script.exists() else [sys.executable, "-m", "oracle"]


def tmp_files(folder: Path, ignore: frozenset = frozenset()) -> list[str]:
    """Temp files in the folder (writes in progress or cut short), less those left by earlier kills."""
    try:
        return [n for n in os.listdir(folder) if n.endswith(".tmp") and n not in ignore]
    except OSError:  # no folder yet (a new run writes into a staging folder first), or a lock file
        return []


def committed_step(folder: Path) -> int | None:
    try:
        return json.loads((folder / "checkpoint.json").read_text("utf-8"))["step"]
    except (OSError, ValueError, KeyError):
        return None


def wait_for_first_write(proc, folder: Path, since: float, old: frozenset, limit: float = 60.0) -> bool:
    """Wait until this process has written something (a new temp file or a newer checkpoint)."""
    end = time.monotonic() + limit
    while time.monotonic() < end and proc.poll() is None:
        if tmp_files(folder, old):
            return True
        try:
            if (folder / "checkpoint.json").stat().st_mtime > since:
                return True
        except FileNotFoundError:
            pass
        time.sleep(0.002)
    return proc.poll() is None


def kill_mid_write(proc, folder: Path, old: frozenset, limit: float = 30.0) -> bool:
    """SIGKILL the moment a new temp file exists; True if one was seen before the process ended."""
    end = time.monotonic() + limit
    while time.monotonic() < end and proc.poll() is None:
        if tmp_files(folder, old):
            proc.send_signal(signal.SIGKILL)
            return True
    return False


def check_folder(folder: Path, name: str, before_step: int | None, counts: Counter, failures: list[str]) -> int | None:
    """The checks after each kill. Returns the committed checkpoint step (None if none yet)."""
    from oracle.engine import SampleSettings, store
    from oracle.engine.errors import OracleError

    if (folder / "meta.json").exists():
        try:
            oracle = store.load(name)
            answer = "".join(oracle.ask("the", SampleSettings(length=5, stop="length"), seed=1))
            assert len(answer) == 5
            counts["meta loads and answers"] += 1
        except (OracleError, AssertionError) as err:
            failures.append(f"{name}: meta.json committed but the model does not load: {err}")
    else:
        counts["no meta.json yet (first epoch not finished)"] += 1
    step = committed_step(folder)
    if (folder / "checkpoint.json").exists():
        try:
            pointer, tensors, state = store.read_checkpoint(folder)
            assert tensors and "optimizer" in state
            counts["checkpoint intact"] += 1
        except (OracleError, AssertionError) as err:
            failures.append(f"{name}: checkpoint.json committed but not intact: {err}")
    elif before_step is not None:
        failures.append(f"{name}: a committed checkpoint (step {before_step}) disappeared")
    if before_step is not None and step is not None and step < before_step:
        failures.append(f"{name}: checkpoint went back from step {before_step} to {step}")
    return step


def run_campaign(kills: int, workdir: Path, seed: int = 0, corpus_chars: int = 4000, epochs: int = 12,
                 modes: tuple[str, ...] = MODES, finish: bool = True, delay_scale: float = 1.0, log=print) -> dict:
    """The campaign; `delay_scale` shrinks the random waits (the test suite's quick version uses it)."""
    rng = random.Random(seed)
    home = workdir / "home"
    corpus = workdir / "corpus.txt"
    text = (REPO / "corpora" / "proverbs.txt").read_text("utf-8")[:corpus_chars]
    corpus.write_text(text[: text.rfind("\n") + 1], "utf-8")
    os.environ["ORACLE_HOME"] = str(home)
    env = {**os.environ, "ORACLE_HOME": str(home), "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    counts: Counter = Counter()
    failures: list[str] = []
    generation, name = 1, "victim-1"
    last_step: int | None = None
    started = time.monotonic()
    while counts["kills"] < kills:
        folder = home / "models" / name
        resuming = (folder / "checkpoint.json").exists()
        cmd = oracle_command() + (["train", "--resume", name, "-q"] if resuming
                                  else ["train", str(corpus), "--name", name, "--epochs", str(epochs), *TRAIN_FLAGS])
        mode = rng.choice(modes)
        launched = time.time()
        old = frozenset(tmp_files(folder))
        err_path = workdir / "stderr.txt"
        with open(err_path, "wb") as err_file:
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err_file)
            try:
                if mode == "early":
                    time.sleep(rng.uniform(0, 6) * delay_scale)
                    hit = proc.poll() is None
                    proc.send_signal(signal.SIGKILL)
                elif mode == "mid-write":
                    hit = wait_for_first_write(proc, folder, launched, old)
                    time.sleep(rng.uniform(0, 3) * delay_scale)  # then the next write in progress, wherever it falls
                    hit = hit and kill_mid_write(proc, folder, old)
                else:
                    hit = wait_for_first_write(proc, folder, launched, old)
                    if hit:
                        time.sleep(rng.uniform(0, 4) * delay_scale)
                        hit = proc.poll() is None
                        proc.send_signal(signal.SIGKILL)
            finally:
                rc = proc.wait()
        if rc == -signal.SIGKILL and hit:
            counts["kills"] += 1
            counts[f"kills ({mode})"] += 1
            if resuming:
                counts["kills of a resumed run"] += 1
            if tmp_files(folder, old):
                counts["kills that left a half-written temp file"] += 1
        elif rc == 0:
            counts["runs that completed before the kill"] += 1
        else:
            failures.append(f"{name}: `{' '.join(cmd[-4:])}` exited {rc} on its own: {err_path.read_text(errors='replace').strip()[-400:]}")
        step = check_folder(folder, name, last_step, counts, failures)
        if resuming and rc == -signal.SIGKILL and step is not None and last_step is not None and step > last_step:
            counts["resumed runs that advanced past the checkpoint"] += 1
        last_step = step
        if rc == 0:
            generation += 1
            name, last_step = f"victim-{generation}", None
        log(f"[{time.monotonic() - started:6.1f}s] kills {counts['kills']:3d}/{kills}  {mode:<9} {name:<9} "
            f"step {step}  failures {len(failures)}")
        if len(failures) > 20:
            break
    # The last word: an interrupted run resumes and finishes cleanly.
    folder = home / "models" / name
    if finish and (folder / "checkpoint.json").exists():
        done = subprocess.run(oracle_command() + ["train", "--resume", name, "-q"], env=env, capture_output=True, text=True, timeout=600)
        if done.returncode == 0:
            counts["final --resume ran to completion"] += 1
            check_folder(folder, name, last_step, counts, failures)
        else:
            failures.append(f"final --resume of {name} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    for f in (home / "models").iterdir():
        counts["stray temp files left at the end"] += len(tmp_files(f))
    counts["models trained"] = generation
    return {"counts": dict(counts), "failures": failures, "seconds": round(time.monotonic() - started, 1)}


def campaign_main(doc: str, run_campaign, kills: int, prefix: str, width: int) -> int:
    """The command line both kill scripts share: --kills, --seed, --keep, a work folder, the report."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=kills)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the work folder for inspection")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        result = run_campaign(args.kills, workdir, args.seed)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n{args.kills} kills requested, {result['seconds']}s")
    for key, value in sorted(result["counts"].items()):
        print(f"  {key:<{width}} {value}")
    print(f"  {'failures':<{width}} {len(result['failures'])}")
    for failure in result["failures"]:
        print(f"    - {failure}")
    return 1 if result["failures"] else 0


def main() -> int:
    return campaign_main(__doc__, run_campaign, kills=100, prefix="oracle-kills-", width=50)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main())
