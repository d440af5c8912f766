#!/usr/bin/env python
"""SIGKILL `oracle models import/export/rename/copy` and `oracle train --force` mid-way, in a loop,
and prove nothing is lost and nothing is left behind (issue 13).

Each round runs one real `oracle` command, chosen at random, and kills it with SIGKILL after a random
delay between 0 and 1.3 times that command's own measured duration (so kills land at start-up,
mid-write, between the two renames of a swap, and after it finished):

  import   the export of a real model, into a name that exists (--force)
  export   a model to a file that exists (--force)
  rename   a model back and forth between two names
  copy     a model onto a name that exists (--force)
  force    `train --force` over an existing model (a new run replaces it at its first checkpoint)

After every kill it checks, in this process:
  - every model there is loads and answers; the renamed model exists under exactly one name;
    a model replaced with --force (import, copy, train) is still there, old or new;
  - the export file, if present, is a whole export (the old one or the new one);
  - the next start (`store.sweep`, what every command runs first) clears every hidden staging,
    import and trash folder and every temp file in model folders, and puts back a model caught
    between the two renames of a replacement; a killed export's temp file is cleared by the next
    export once it is old (the campaign ages it rather than wait ten minutes).

    .venv/bin/python scripts/kill_transfers.py --kills 60

Prints the counts and exits 1 if any check failed.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from kill_campaign import TINY_MODEL, campaign_main, oracle_command  # noqa: E402  (the sibling script, whichever way this one is run)

TINY = [*TINY_MODEL, "--epochs", "1"]
OPS = ("import", "export", "rename", "copy", "force")


def run(args: list[str], env: dict, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(oracle_command() + args, env=env, capture_output=True, text=True, timeout=600, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"`oracle {' '.join(args)}` failed: {done.stderr.strip()}")
    return done


def leftovers(root: Path) -> list[str]:
    found = [p.name for p in root.iterdir() if p.name.startswith((".staging-", ".import-", ".trash-", ".old-"))]
    for folder in root.iterdir():
        try:
            if folder.is_dir() and not folder.name.startswith("."):
                found += [f"{folder.name}/{f.name}" for f in folder.iterdir() if f.name.endswith(".tmp")]
        except OSError:  # renamed or deleted while we looked
            continue
    return found


def wait_for_work(proc, root: Path, workdir: Path, limit: float) -> bool:
    """Wait until the command has started writing: a staging, import or trash folder, or a temp file."""
    end = time.monotonic() + limit
    while time.monotonic() < end and proc.poll() is None:
        try:
            if leftovers(root) or any(n.endswith(".tmp") for n in os.listdir(workdir)):
                return True
        except OSError:
            pass
        time.sleep(0.001)
    return False


def check(root: Path, export_file: Path, counts: Counter, failures: list[str], note: str) -> None:
    from oracle.engine import SampleSettings, store
    from oracle.engine.errors import OracleError
    from oracle.engine.store import transfer

    store.sweep(root)  # what the next command does first
    left = leftovers(root)
    if left:
        failures.append(f"{note}: the next start left {left}")
    names = {e.name for e in store.list_models() if not e.shipped}
    for name in sorted(names):
        try:
            answer = "".join(store.load(name).ask("the", SampleSettings(length=5, stop="length"), seed=1))
            assert len(answer) == 5
        except (OracleError, AssertionError) as err:
            failures.append(f"{note}: model {name} does not load: {err}")
    renamed = names & {"moving-a", "moving-b"}
    if len(renamed) != 1:
        failures.append(f"{note}: the renamed model is under {sorted(renamed) or 'no name'}")
    for name in ("imported", "copied", "forced"):
        if name not in names:
            failures.append(f"{note}: {name} (replaced with --force) is gone")
    if export_file.exists():
        try:
            transfer.unpack(export_file)
            counts["export file whole after the kill"] += 1
        except OracleError as err:
            failures.append(f"{note}: {export_file.name} is not a whole export: {err}")
    counts["models checked"] += len(names)


def run_campaign(kills: int, workdir: Path, seed: int = 0, log=print) -> dict:
    rng = random.Random(seed)
    home = workdir / "home"
    root = home / "models"
    os.environ["ORACLE_HOME"] = str(home)
    env = {**os.environ, "ORACLE_HOME": str(home), "OMP_NUM_THREADS": "1"}
    corpus = workdir / "corpus.txt"
    text = (REPO / "corpora" / "proverbs.txt").read_text("utf-8")[:6000]
    corpus.write_text(text[: text.rfind("\n") + 1], "utf-8")
    export_file = workdir / "out.oracle"
    source_export = workdir / "source.oracle"
    # The shipped default (3.5 MB of weights) makes writes long enough for kills to land inside them.
    run(["models", "copy", "default", "moving-a"], env)
    for name in ("imported", "copied"):
        run(["models", "copy", "default", name], env)
    run(["models", "export", "moving-a", str(source_export)], env)
    run(["train", str(corpus), "--name", "forced", *TINY], env)
    counts: Counter = Counter()
    failures: list[str] = []
    durations: dict[str, float] = {}
    started = time.monotonic()
    while counts["kills"] < kills and len(failures) < 20:
        op = rng.choice(OPS)
        current = "moving-a" if (root / "moving-a").exists() else "moving-b"
        other = "moving-b" if current == "moving-a" else "moving-a"
        args = {"import": ["models", "import", str(source_export), "--name", "imported", "--force"],
                "export": ["models", "export", current, str(export_file), "--force"],
                "rename": ["models", "rename", current, other],
                "copy": ["models", "copy", current, "copied", "--force"],
                "force": ["train", str(corpus), "--name", "forced", "--force", *TINY]}[op]
        if op == "export":  # age a killed export's temp files, as ten minutes would
            for stale in workdir.glob(".out.oracle.*.tmp"):
                os.utime(stale, (time.time() - 3600, time.time() - 3600))
        if op not in durations:  # measure the command once, unkilled
            t0 = time.monotonic()
            run(args, env)
            durations[op] = time.monotonic() - t0
            check(root, export_file, counts, failures, f"{op} (unkilled)")
            continue
        proc = subprocess.Popen(oracle_command() + args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        mode = rng.choice(("random", "mid-write"))
        if mode == "mid-write":  # the moment a write begins (most of a run is start-up), then 0-30 ms more
            busy = wait_for_work(proc, root, workdir, durations[op] * 3)
            time.sleep(rng.uniform(0, 0.03))
            counts["kills aimed at a write in progress"] += busy
        else:
            time.sleep(rng.uniform(0, 1.3 * durations[op]))
        proc.send_signal(signal.SIGKILL)
        rc = proc.wait()
        err = proc.stderr.read().decode("utf-8", "replace")
        proc.stderr.close()
        if rc == -signal.SIGKILL:
            counts["kills"] += 1
            counts[f"kills during {op}"] += 1
            counts["kills that left work for the next start"] += bool(leftovers(root))
        elif rc == 0:
            counts[f"{op} finished before the kill"] += 1
        else:
            failures.append(f"`oracle {' '.join(args[:3])}` exited {rc} on its own: {err.strip()[-300:]}")
        check(root, export_file, counts, failures, f"kill {counts['kills']} ({op})")
        log(f"[{time.monotonic() - started:6.1f}s] kills {counts['kills']:3d}/{kills}  {op:<7} rc {rc:>3}  failures {len(failures)}")
    export_temps = list(workdir.glob(".out.oracle.*.tmp"))
    counts["export temp files left at the end (at most the last kill's)"] = len(export_temps)
    if len(export_temps) > 1:
        failures.append(f"killed exports' temp files pile up: {[p.name for p in export_temps]}")
    return {"counts": dict(counts), "failures": failures, "seconds": round(time.monotonic() - started, 1)}


def main() -> int:
    return campaign_main(__doc__, run_campaign, kills=60, prefix="oracle-transfer-kills-", width=62)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main())
