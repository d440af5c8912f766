"""Measure the shipped default oracle (models/default) and print the figures as a Markdown table.

    .venv/bin/python scripts/measure_default.py [--model NAME] [--chars 3000]

- Validation loss in nats and bits per character on each corpus's held-out text: the last
  `val_fraction` of each corpus, exactly as the trainer holds it out, read as one stream with the
  LSTM state carried along (`oracle.engine.train.evaluate.stream_loss`). Overall is the mean over all
  held-out characters; the mix-weighted mean is shown too.
- Samples at temperature 0.5 and a loop check on each: a 400-character sample "loops" when some
  substring of 40 or more characters occurs in it twice (the longest such repeat is reported).
- Size on disk (meta.json + weights), load time, and streaming speed on one CPU thread.

By default it runs against a fresh, empty ORACLE_HOME so the model measured is the shipped one,
not a user model that happens to share its name.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time

LOOP_WINDOW = 40
SAMPLE_CHARS = 400
PROMPTS = ["what is truth?", "what shall i do with my life?", "why do the wicked prosper?"]


def longest_repeat(text: str) -> int:
    """Length of the longest substring that occurs at least twice in `text` (occurrences may overlap)."""
    best = 0
    for i in range(len(text)):
        for j in range(i + 1, len(text)):
            k = 0
            while j + k < len(text) and text[i + k] == text[j + k]:
                k += 1
            best = max(best, k)
    return best


def held_out(oracle) -> list[tuple[str, float, object]]:
    """(name, mix weight, held-out ids) per corpus, rebuilt the way the trainer split them."""
    from oracle.engine import Recipe
    from oracle.engine.data.corpus import SourceSpec, build_corpus, bundled_corpus

    meta = oracle.meta  # the model's typed meta.json (store.load always gives one)
    recipe = Recipe.recorded(meta.recipe)
    if recipe is None:
        sys.exit(f"{oracle.name}'s meta.json holds no recipe this Oracle can use: its held-out split cannot be rebuilt.")
    specs = []
    for c in meta.corpora:
        path = bundled_corpus(c.name)  # the default is trained on bundled corpora only
        if path is None:
            sys.exit(f"{c.name} is not a bundled corpus: this script measures models trained on corpora/.")
        specs.append(SourceSpec(path, c.weight, c.name))
    corpus = build_corpus(specs, lowercase=oracle.lowercase, val_fraction=recipe.val_fraction,
                          min_train=1, vocab=oracle.vocab)
    recorded = {c.name: c.sha256 for c in meta.corpora}
    for source in corpus.sources:
        if recorded[source.name] != source.sha256:
            sys.exit(f"corpora/{source.name} changed since the model was trained: its held-out text is not the one the trainer held out.")
    return [(s.name, s.weight, s.val) for s in corpus.sources]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default", help="model name (default: the shipped default)")
    parser.add_argument("--chars", type=int, default=3000, help="characters to stream for the speed figure")
    parser.add_argument("--keep-home", action="store_true", help="use the current ORACLE_HOME (to measure a user model)")
    args = parser.parse_args()
    if not args.keep_home:
        os.environ["ORACLE_HOME"] = tempfile.mkdtemp(prefix="oracle-measure-")

    import torch

    torch.set_num_threads(1)  # every figure below is for one CPU thread
    from oracle.engine import SampleSettings, store
    from oracle.engine.train.evaluate import stream_loss

    entry = store.find(args.model)
    load_times = []
    for _ in range(5):
        t0 = time.perf_counter()
        oracle = store.load(args.model)
        load_times.append(time.perf_counter() - t0)
    files = [entry.path / "meta.json", entry.path / entry.model.weights.file]
    size = sum(f.stat().st_size for f in files)

    rows, total, count, mixed, weights = [], 0.0, 0, 0.0, 0.0
    any_voice = {}  # a voiced model: each corpus is read in its own voice (as the trainer does) and in the any voice
    for k, (name, weight, ids) in enumerate(held_out(oracle)):
        loss = stream_loss(oracle.net, ids, voice=k + 1 if oracle.voices else None)
        if oracle.voices:
            any_voice[name] = stream_loss(oracle.net, ids, voice=0)
        rows.append((name, weight, len(ids), loss))
        total += loss * len(ids)
        count += len(ids)
        mixed += loss * weight
        weights += weight
    overall, mix_mean = total / count, mixed / weights

    samples = []
    for i, prompt in enumerate(PROMPTS):
        settings = SampleSettings(temperature=0.5, length=SAMPLE_CHARS, stop="length")
        text = "".join(oracle.ask(prompt, settings, seed=i))
        samples.append((prompt, text, longest_repeat(text)))

    speeds = []
    for seed in range(3):  # best of three: the machine may be shared
        reading = oracle.ask("what is truth?", SampleSettings(temperature=0.7, length=args.chars, stop="length"), seed=seed)
        t0 = time.perf_counter()
        n = sum(1 for _ in reading)
        speeds.append(n / (time.perf_counter() - t0))

    bpc = 1 / math.log(2)
    cfg = oracle.config
    print(f"## `{args.model}`: {cfg.num_layers}x{cfg.hidden_size} LSTM, {oracle.net.num_parameters():,} parameters, "
          f"vocabulary {len(oracle.vocab.chars)}, lowercase={oracle.lowercase}\n")
    print("| held-out text | mix weight | chars | nats/char | bits/char |")
    print("|---|---:|---:|---:|---:|")
    for name, weight, n, loss in rows:
        print(f"| {name} | {weight:g} | {n:,} | {loss:.3f} | {loss * bpc:.3f} |")
    print(f"| **overall** (per held-out char) | | {count:,} | **{overall:.3f}** | **{overall * bpc:.3f}** |")
    print(f"| mix-weighted mean | | | {mix_mean:.3f} | {mix_mean * bpc:.3f} |")
    if any_voice:
        print(f"\nVoiced ({', '.join(oracle.voices)}): the losses above are in each corpus's own voice; in the any voice: "
              + ", ".join(f"{name} {loss:.3f}" for name, loss in any_voice.items()) + " nats/char.")
    print()
    print("| figure | value | limit |")
    print("|---|---:|---:|")
    print(f"| size on disk (meta.json + weights) | {size / 1e6:.2f} MB | 25 MB |")
    print(f"| load time (first / median of 5) | {load_times[0] * 1000:.0f} ms / {statistics.median(load_times) * 1000:.0f} ms | 1 s |")
    print(f"| streaming, one CPU thread (best of 3 x {args.chars} chars) | {max(speeds):,.0f} chars/s | >= 1,000 |")
    loops = sum(1 for *_, rep in samples if rep >= LOOP_WINDOW)
    print(f"| samples at T=0.5 that loop (a >= {LOOP_WINDOW}-char repeat within {SAMPLE_CHARS} chars) | {loops} of {len(samples)} | 0 |")
    print()
    for prompt, text, rep in samples:
        print(f"**{prompt}** (T=0.5, seed {PROMPTS.index(prompt)}, longest repeat {rep} chars)\n")
        print("```\n" + text + "\n```\n")


if __name__ == "__main__":
    main()
