"""Long answers: characters per second of CPU after the first, for 1, 8 and 32 candidates, side by side.

    python -m bench.long_answers            # 3 answers of 1,000 characters each per candidate count

One thread (OMP_NUM_THREADS=1 is set here); the shipped default; `--stop length`, so every answer
runs to its length in rounds of the given candidates. CPU time, so a loaded host moves it less.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

QUESTIONS = ("what is truth?", "will the war end?", "should i go?")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.long_answers", description=__doc__.splitlines()[0])
    p.add_argument("--length", type=int, default=1000)
    p.add_argument("--counts", type=int, nargs="+", default=[1, 8, 32], help="candidate counts to compare")
    args = p.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("ORACLE_HOME", tempfile.mkdtemp(prefix="oracle-bench-home-"))
    from oracle.engine import SampleSettings, store

    oracle = store.load("default")
    "".join(oracle.ask("warm up", seed=0))
    for count in args.counts:
        cpu = chars = 0.0
        for seed, question in enumerate(QUESTIONS):
            reading = iter(oracle.ask(question, SampleSettings(candidates=count, stop="length", length=args.length), seed=seed))
            next(reading)
            began = time.process_time()
            chars += sum(1 for _ in reading)
            cpu += time.process_time() - began
        print(f"{count:>3} candidates: {chars / cpu:,.0f} chars/s of CPU after the first character")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
