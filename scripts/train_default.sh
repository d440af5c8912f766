#!/usr/bin/env bash
# Rebuild the shipped default oracle (models/default) with the project's own `oracle train`.
#
# Why these settings (issue 19; the run that made the shipped model is recorded in its meta.json):
# - the default recipe (64-char sequences, batch 32, AdamW lr 0.01 with a cosine schedule), the recipe
#   tuned for quality per minute on a small CPU (bench/results.md), with 384 hidden units (below);
# - bf16 autocast on a CPU with native bf16 (AVX512-BF16 or AMX), float32 elsewhere (--amp bf16
#   says so in a notice where it cannot run); one thread, since on a shared 2-core machine a second
#   thread slows each step more than it helps;
# - voiced: each corpus gets a learned voice (16 numbers, 15% of sequences read in the "any voice"),
#   so `oracle ask --voice kjv:0.7,jargon:0.3` and the app's voices panel can blend them;
# - its word list is written by the trainer (real-word decoding and heed);
# - lowercased: a smaller alphabet lets the small model spend its capacity on words, not capitals;
# - the mix leans on scripture and aphorism (KJV, Proverbs, the Dhammapada) with Bierce's and the
#   hackers' wit for seasoning; small corpora get modest weights so they are not memorised;
# - 2x384 (1.9 M parameters, 7.7 MB): on this 2-vCPU host it beat the 2x256 default (held-out 1.266
#   against 1.295 nats/char after 12 epochs each), streams 2,200 chars/s on one thread (the issue asks
#   1,700) and answers its first character in about 6 ms, since the question is read in bf16
#   (its meta.json's command also shows the 2x256 flags it overrode: --epochs 6 --max-minutes 100);
# - fourteen epochs under one cosine schedule with a 115-minute budget; the shipped run was stopped
#   (Ctrl-C, which saves) in its 14th epoch, after the 13th had come out worse than the 12th: the
#   best checkpoint, epoch 12, is what `oracle ask` uses (`--resume default` would go on).
# It runs the same on a CPU-only machine; `--device auto` uses CUDA where present.
#
# Usage: ORACLE_HOME=/tmp/default-home scripts/train_default.sh [extra flags]
#   (a fresh ORACLE_HOME, so no user model named "default" is in the way), then
#   ORACLE_HOME=/tmp/default-home scripts/train_default.sh --ship   copies the result into models/default and
#   .venv/bin/python scripts/measure_default.py   reports its figures.
# To train on later: ORACLE_HOME=... .venv/bin/oracle train --resume default --epochs N --max-minutes M
# (meta.json keeps every command under `commands`).
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
ORACLE="${ORACLE:-.venv/bin/oracle}"
FIRST=(train kjv:3 proverbs:1.5 devils-dictionary:2 dhammapada:1 jargon:0.5
    --name default --recipe default --lowercase --voice-dim 16 --any-voice-share 0.15 --amp bf16
    --hidden-size 384 --epochs 14 --max-minutes 115 --checkpoint-minutes 5 --seed 1234)
if [ "${1:-}" = "--ship" ]; then
    # Ship meta.json and the files it names (weights, word list; no checkpoint, optimizer state or
    # lock), named "default"; corpus paths become repo-relative, since the trainer's absolute paths
    # mean nothing on another machine. Commands, corpus hashes, time, device and metrics are kept.
    exec .venv/bin/python - "${ORACLE_HOME:?set ORACLE_HOME to the training home}" <<'PY'
import json, shutil, sys
from pathlib import Path
src, dest = Path(sys.argv[1]) / "models" / "default", Path("models/default")
meta = json.loads((src / "meta.json").read_text("utf-8"))
if dest.exists():
    shutil.rmtree(dest)
dest.mkdir(parents=True)
for part in ("weights", "words"):
    shutil.copyfile(src / meta[part]["file"], dest / meta[part]["file"])
meta["name"] = "default"
meta.setdefault("commands", [meta["command"]])  # every step that trained it, first to last (the trainer keeps them)
for corpus in meta["corpora"]:
    corpus["path"] = f"corpora/{Path(corpus['path']).name}"
(dest / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", "utf-8")
print(f"shipped {src} -> {dest}: {sorted(f.name for f in dest.iterdir())}")
PY
fi
"$ORACLE" "${FIRST[@]}" "$@"
