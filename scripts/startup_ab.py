"""The app's first screen in two (or more) revisions, side by side: before/after figures for a change.

    OMP_NUM_THREADS=1 python scripts/startup_ab.py [--rounds 9] REV [REV ...]    (e.g. 1e9dacf HEAD)

Each revision is checked out with `git archive` into a temporary folder and its bytecode compiled
(as an installed package has it). Each round runs, for every revision in turn, the yardstick
`python -c "import numpy, textual.app"` and then that revision's app in tmux at 80x24, timed as
`python -m bench --only startup` times it: until the question box shows ("Ask the oracle"), and
until the model is loaded (the welcome line). Printed: the median of each revision's ratios to the
yardstick run just before it, so a loaded host moves both sides of each ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _env(tree: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    for name in ("OMP_NUM_THREADS", "PYTHONDONTWRITEBYTECODE"):  # as a user's shell has it
        env.pop(name, None)
    return env


def _yardstick(tree: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import numpy, textual.app"], env=_env(tree), check=True)
    return time.perf_counter() - start


def _app(tree: Path, session: str) -> tuple[float, float]:
    """Seconds until the question box shows, and until the model is loaded (as bench/startup.py)."""
    command = f"cd '{tree}' && env -u PYTHONDONTWRITEBYTECODE -u OMP_NUM_THREADS '{sys.executable}' -m oracle"
    start = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", "-e", f"PYTHONPATH={tree}", command],
                   check=True)
    box = loaded = None
    try:
        while loaded is None and time.perf_counter() - start < 60:
            screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout
            now = time.perf_counter() - start
            if box is None and "Ask the oracle" in screen:
                box = now
            if box is not None and "anything and press" in screen:
                loaded = now
            time.sleep(0.05)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    if box is None or loaded is None:
        raise SystemExit(f"{tree}: the app did not show its question box and model within 60 s")
    return box, loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revs", nargs="+", help="git revisions to compare (HEAD: the last commit, not the work tree)")
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="oracle-ab-") as scratch:
        trees = {}
        for rev in args.revs:
            tree = Path(scratch) / rev.replace("/", "_")
            tree.mkdir()
            archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "oracle")], check=True)
            trees[rev] = tree
        for tree in trees.values():
            _app(tree, f"oracle-ab-{os.getpid()}-warm")  # the first start pays for the disk cache
        box: dict[str, list[float]] = {rev: [] for rev in trees}
        loaded: dict[str, list[float]] = {rev: [] for rev in trees}
        yards = []
        for k in range(args.rounds):
            for rev, tree in trees.items():
                yard = _yardstick(tree)
                shown, ready = _app(tree, f"oracle-ab-{os.getpid()}-{k}")
                yards.append(yard)
                box[rev].append(shown / yard)
                loaded[rev].append(ready / yard)
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else ["n/a"]
    print(f"{args.rounds} rounds; yardstick median {statistics.median(yards):.2f} s; load at the end {' '.join(load)}")
    print("| revision | question box (yardstick x) | model loaded (yardstick x) |\n|---|---:|---:|")
    for rev in trees:
        print(f"| {rev} | {statistics.median(box[rev]):.2f} | {statistics.median(loaded[rev]):.2f} |")


if __name__ == "__main__":
    main()
