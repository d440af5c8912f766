"""The previous release's answers to bench/unseen.txt, saved so the answers bench compares against them.

The previous release (the first-letter heed, one draw) is no longer in the tree, so its answers are
made by its own code in a checkout of it, then saved:

    git worktree add /tmp/release e00df59
    python -m bench.release /tmp/release --out bench/release_answers.json

Each answer is the shipped default's reply to one question, at the release's default settings, seeds 0-2,
in a fresh ORACLE_HOME (the default, not a user's model).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.prophecy import UNSEEN, questions

_ANSWER = """
import json, sys, torch
torch.set_num_threads(1)
from oracle.engine import SampleSettings, store
oracle = store.load("default")
asked, seeds = json.loads(sys.argv[1]), int(sys.argv[2])
settings = SampleSettings()
answers = {seed: {q: "".join(oracle.ask(q, settings, seed=seed)) for q in asked} for seed in range(seeds)}
print(json.dumps({"settings": settings.to_dict(), "answers": answers}))
"""


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.release", description=__doc__.splitlines()[0])
    p.add_argument("tree", type=Path, help="a checkout of the previous release")
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "release_answers.json")
    p.add_argument("--seeds", type=int, default=3)
    args = p.parse_args(argv)
    commit = subprocess.run(["git", "-C", str(args.tree), "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()
    env = {**os.environ, "PYTHONPATH": str(args.tree.resolve()), "OMP_NUM_THREADS": "1",
           "ORACLE_HOME": tempfile.mkdtemp(prefix="oracle-release-home-")}
    done = subprocess.run([sys.executable, "-c", _ANSWER, json.dumps(questions(UNSEEN)), str(args.seeds)],
                          capture_output=True, text=True, env=env, cwd=args.tree, check=True)
    saved = {"commit": commit, **json.loads(done.stdout)}
    args.out.write_text(json.dumps(saved, indent=1) + "\n", "utf-8")
    print(f"{sum(len(a) for a in saved['answers'].values())} answers of {commit[:7]} written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
