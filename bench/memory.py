"""Peak memory of training on big corpora, each in its own process, against the seed's one-hot arrays.

`python -m bench.memory CORPUS RECIPE STEPS` is the child: it loads the corpus, builds the model,
trains STEPS steps and reports its own peak RSS (VmHWM in /proc/self/status), so each corpus is
measured alone (RUSAGE_CHILDREN would keep the maximum over every child so far).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEED_WINDOW, SEED_STEP = 40, 3


def one_hot_bytes(chars: int, vocab: int) -> int:
    """What Keras' example allocates: X of (N-40)/3 windows x 40 x V bools, and y of windows x V bools."""
    windows = max(0, (chars - SEED_WINDOW) // SEED_STEP)
    return windows * SEED_WINDOW * vocab + windows * vocab


def peak_rss(corpus: Path, recipe: str, steps: int) -> dict:
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, ORACLE_HOME=home)
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "bench.memory", str(corpus), recipe, str(steps)], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=Path(__file__).resolve().parent.parent)
        out, err = child.communicate()  # read first: a full pipe would block the child
        if child.returncode:
            raise RuntimeError(f"memory child failed on {corpus}: {err.decode()[-2000:]}")
        report = json.loads(out.decode().strip().splitlines()[-1])
    report["seconds"] = round(time.perf_counter() - start, 1)
    report["peak_rss_mb"] = report["vm_hwm_kb"] / 1024
    return report


def vm_hwm_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(corpus: str, recipe_name: str, steps: int) -> None:
    import torch

    from oracle.engine import Progress, Trainer, TrainingControl, get_recipe

    torch.set_num_threads(1)
    control = TrainingControl()

    def on_event(event):
        if isinstance(event, Progress) and event.step >= steps:
            control.stop()

    recipe = get_recipe(recipe_name).with_overrides(device="cpu", checkpoint_minutes=0.0, sample_length=1,
                                                    max_val_chars=10_000, epochs=1)
    trainer = Trainer("memory", [corpus], recipe, recipe_name=recipe_name, command=["bench"], on_event=on_event, control=control)
    trainer.run()
    print(json.dumps({"corpus_chars": trainer.corpus.sources[0].chars, "vocab": len(trainer.corpus.vocab),
                      "steps": trainer.step, "vm_hwm_kb": vm_hwm_kb()}))


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2], int(sys.argv[3]))
