#!/usr/bin/env bash
# Rebuild the shipped default oracle (models/default) with the project's own `oracle train`.
#
# Why these settings (chosen for ~1 hour on one busy CPU core; see the issue 4 report):
# - one thread: on a shared 2-core machine a second thread made each step 4-6x slower;
# - 2x256 LSTM: on that budget 2x384/2x512 would see well under one epoch (~5.6M chars) of the mix;
# - steps, all recorded in the shipped meta.json ("commands"): one epoch with its own cosine
#   schedule (a run the budget cuts short still saves its current weights, since no epoch has ended),
#   then `--resume default --epochs 2`, which stretches the schedule to two epochs: the learning rate
#   climbs back to mid-range and anneals again over the second epoch (a warm restart). The time
#   budgets count the whole run (72 minutes in all);
# - lowercased: a smaller alphabet lets the small model spend its capacity on words, not capitals;
# - the mix leans on scripture and aphorism (KJV, Proverbs, the Dhammapada) with Bierce's and the
#   hackers' wit for seasoning; small corpora get modest weights so they are not memorised;
# - voiced: with several corpora the default recipe learns a voice per corpus (issue 12), so the app
#   and `oracle ask --voice kjv:0.7,jargon:0.3` can blend them; the sources are then mixed in
#   256-char blocks and 15% of the sequences are read in the "any voice" (flags below make it explicit).
# It runs the same on a CPU-only machine; `--device auto` uses CUDA where present.
#
# Usage: ORACLE_HOME=/tmp/default-home scripts/train_default.sh [extra flags for the first step]
#   (a fresh ORACLE_HOME, so no user model named "default" is in the way), then
#   scripts/train_default.sh --ship   copies the result into models/default and
#   .venv/bin/python scripts/measure_default.py   reports its figures.
# If a step is interrupted (Ctrl-C saves a checkpoint): ORACLE_HOME=... .venv/bin/oracle train --resume default --max-minutes M
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
ORACLE="${ORACLE:-.venv/bin/oracle}"
FIRST=(train kjv:3 proverbs:1.5 devils-dictionary:2 dhammapada:1 jargon:0.5
    --name default --lowercase
    --hidden-size 256 --layers 2 --embed-dim 64 --dropout 0.1
    --seq-len 128 --batch-size 64 --lr 3e-3 --epochs 1
    --voice-dim 16 --any-voice-share 0.15
    --max-minutes 60 --checkpoint-minutes 5 --seed 1234)
SECOND=(train --resume default --epochs 2 --max-minutes 72 --checkpoint-minutes 5)
# Third: two more epochs once the machine was quiet (budgets count the whole run: 90 minutes in all).
# In the shipped run this step began as `--resume default --epochs 6 --max-minutes 88` on two
# threads and was stopped with SIGTERM (which saves) after 173 steps, then resumed with THIRD on one
# thread; a rebuild that runs THIRD directly differs only in those 173 steps' learning rates.
THIRD=(train --resume default --epochs 4 --max-minutes 90 --checkpoint-minutes 5)
if [ "${1:-}" = "--ship" ]; then
    # Ship only meta.json and the weights it names (no checkpoint, optimizer state or lock), named
    # "default"; corpus paths become repo-relative, since the trainer's absolute paths mean nothing
    # on another machine. Command, corpus hashes, time, device and metrics are kept as recorded.
    exec .venv/bin/python - "${ORACLE_HOME:?set ORACLE_HOME to the training home}" "${FIRST[*]}" "${SECOND[*]}" \
        "train --resume default --epochs 6 --max-minutes 88 --checkpoint-minutes 5" "${THIRD[*]}" <<'PY'
import json, shutil, sys
from pathlib import Path
src, dest = Path(sys.argv[1]) / "models" / "default", Path("models/default")
meta = json.loads((src / "meta.json").read_text("utf-8"))
if dest.exists():
    shutil.rmtree(dest)
dest.mkdir(parents=True)
shutil.copyfile(src / meta["weights"]["file"], dest / meta["weights"]["file"])
meta["name"] = "default"
# The trainer records only the last command (a resume); keep every step, in the order it ran.
meta["commands"] = [["oracle", *step.split()] for step in sys.argv[2:]]
for corpus in meta["corpora"]:
    corpus["path"] = f"corpora/{Path(corpus['path']).name}"
(dest / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", "utf-8")
print(f"shipped {src} -> {dest}: {sorted(f.name for f in dest.iterdir())}")
PY
fi
"$ORACLE" "${FIRST[@]}" "$@"
"$ORACLE" "${SECOND[@]}"
"$ORACLE" "${THIRD[@]}"
