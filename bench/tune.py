"""Quality per minute of default-recipe variants: each trains for the same budget, one after another, on
the same corpus and threads, and is scored the seed's way (each held-out char from its 40 previous
chars) at fixed training times. It is how the default recipe was re-tuned with bf16 (issue 19):

    python -m bench.tune --corpus /work/shared/bench/kjv_600k.txt --seconds 90

Variants run one after another, so a host whose load changes mid-run skews the comparison: run it
on a quiet machine (or with a steady background load, and say so), and read close results as ties.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import torch

from bench.data import kjv_slice
from bench.quality import Run, recipe_overrides, throughput

# Each variant changes one thing from the default recipe (bf16 where the CPU has it), so its effect shows.
VARIANTS: dict[str, dict] = {
    "default": {},
    "batch 64": {"batch_size": 64},
    "batch 64, lr 0.02": {"batch_size": 64, "lr": 0.02},
    "lr 0.02": {"lr": 0.02},
    "seq 128": {"seq_len": 128},
    "2x384": {"hidden_size": 384},
    "float32": {"amp": "off"},
}


def parse_variant(text: str) -> tuple[str, dict]:
    """'name:field=value,field=value' -> (name, overrides), values typed like the recipe's fields."""
    from oracle.engine import Recipe

    name, _, pairs = text.partition(":")
    pairs = [p for p in pairs.split(",") if p]
    for pair in pairs:
        if pair.partition("=")[0] not in Recipe().to_dict():
            raise SystemExit(f"--variant {text!r}: {pair.partition('=')[0]!r} is not a recipe field.")
    return name, recipe_overrides(pairs)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.tune", description=__doc__.splitlines()[0])
    p.add_argument("--corpus", type=Path, help="text to train on (default: the bundled KJV's first 600,000 chars)")
    p.add_argument("--seconds", type=float, default=90.0, help="training seconds per variant")
    p.add_argument("--threads", type=int, default=1, help="torch threads for training")
    p.add_argument("--eval-chars", type=int, default=10_000,
                   help="held-out chars scored at each mark (more than the main benchmark's 3,000: a steadier ranking)")
    p.add_argument("--variant", action="append", default=[], metavar="NAME:FIELD=VALUE,...",
                   help="run these variants instead of the built-in list (e.g. 'b64:batch_size=64')")
    p.add_argument("--out", type=Path, help="also write the results here as JSON")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("ORACLE_HOME", tempfile.mkdtemp(prefix="oracle-bench-tune-"))  # never the user's models
    torch.set_num_threads(args.threads)
    corpus = args.corpus or kjv_slice(600_000)
    variants = dict(parse_variant(v) for v in args.variant) if args.variant else VARIANTS
    marks = [args.seconds / 3, 2 * args.seconds / 3, args.seconds]
    rows = []
    for name, overrides in variants.items():
        curve = Run("default", corpus, args.seconds, args.seconds / 3, args.eval_chars, overrides=overrides,
                    eval_before=tuple(marks)).run()
        rows.append({"variant": name, "overrides": overrides, "chars_per_s": round(throughput(curve)),
                     "loss_at": {f"{m:g}": curve.loss_at(m) for m in marks}, "best": curve.best()})
        row = rows[-1]
        print(f"{name:>22}  {row['chars_per_s']:>7,} chars/s  "
              + "  ".join(f"{m}s {loss:.3f}" if loss is not None else f"{m}s -" for m, loss in row["loss_at"].items()),
              flush=True)
    if args.out:
        args.out.write_text(json.dumps({"seconds": args.seconds, "threads": args.threads, "corpus": str(corpus),
                                        "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
