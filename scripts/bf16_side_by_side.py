"""float32 against bf16 autocast, side by side: two processes train the same recipe at once, one CPU
thread each, for the same time budget, so that both see the same load on a shared host.

    .venv/bin/python scripts/bf16_side_by_side.py shared/bench/kjv_600k.txt --seconds 60

Prints each precision's training speed (characters per second over the steps it took) and its
validation loss (always computed in float32) when the budget ran out.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile


def train(corpus: str, amp: str, seconds: float, recipe_name: str, results) -> None:
    import torch

    torch.set_num_threads(1)
    from oracle.engine import Progress, Trainer, get_recipe

    last: list[Progress] = []
    recipe = get_recipe(recipe_name).with_overrides(amp=amp, device="cpu", max_minutes=seconds / 60, checkpoint_minutes=0.0)
    trainer = Trainer(f"side-{amp}", [corpus], recipe, command=["bf16_side_by_side"],
                      on_event=lambda e: isinstance(e, Progress) and last.append(e))
    finished = trainer.run()
    chars = last[-1].step * trainer.batches.signal_per_step if last else 0
    results.put((amp, trainer.precision, last[-1].step if last else 0, chars / last[-1].elapsed if last else 0.0,
                 finished.best_val_loss))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--recipe", default="default")
    args = parser.parse_args()
    os.environ["ORACLE_HOME"] = tempfile.mkdtemp(prefix="bf16-side-")
    os.environ["OMP_NUM_THREADS"] = "1"
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    runs = [spawn.Process(target=train, args=(args.corpus, amp, args.seconds, args.recipe, results)) for amp in ("off", "bf16")]
    for run in runs:
        run.start()
    found = {}
    for _ in runs:
        amp, precision, steps, speed, val = results.get()
        found[amp] = speed
        print(f"amp={amp:<4} ran {precision:<7} {steps:>5} steps  {speed:>9,.0f} chars/s  validation {val:.3f} nats/char")
    for run in runs:
        run.join()
    if found.get("off"):
        print(f"bf16 / float32 speed: {found['bf16'] / found['off']:.2f}x")


if __name__ == "__main__":
    main()
