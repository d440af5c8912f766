"""The eye figures in docs/eye.md: the feature search on a held-out passage, and the time to read 2,000 characters.

    OMP_NUM_THREADS=1 python scripts/eye_measure.py MODEL [--html docs/eye-FEATURE.html --feature FEATURE]

The passage is 10,000 characters from the last 5% of the bundled Jargon File (held out from
training by the default recipe's validation split): it has quotes, parentheses and wrapped lines.
One thread; the time is the median (and best) of 7 reads of its first 2,000 characters.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from pathlib import Path

from oracle.engine import store
from oracle.engine.eye.activations import look
from oracle.engine.eye.page import html_page, write_html
from oracle.engine.eye.search import FEATURES, search

REPO = Path(__file__).resolve().parent.parent


def probe() -> str:
    text = (REPO / "corpora" / "jargon.txt").read_text("utf-8")
    start = text.find("\n", len(text) - 30_000) + 1
    return text[start:start + 10_000]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--html", type=Path, help="write the passage coloured by the best unit of --feature")
    parser.add_argument("--feature", default="inside quotes", choices=list(FEATURES))
    parser.add_argument("--svg", type=Path, help="also write a terminal capture (what `oracle eye` prints) as SVG")
    parser.add_argument("--chars", type=int, default=1500, help="characters of the passage on the page")
    args = parser.parse_args()
    oracle = store.load(args.model)  # the eye reads in numpy: OMP_NUM_THREADS=1 keeps it to one thread
    text = probe()
    cfg = oracle.config  # not oracle.net: that builds the torch network
    print(f"model {args.model}: {cfg.num_layers}x{cfg.hidden_size}, created {oracle.meta.created}, "
          f"weights sha256 {oracle.meta.weights.sha256[:12]}, lowercase {oracle.lowercase}")
    times, cpu = [], []
    for _ in range(7):
        started, started_cpu = time.perf_counter(), time.process_time()
        look(oracle, text[:2000])
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    # On a shared host the wall time includes waiting for a core; the CPU time is the work itself.
    print(f"2,000 characters: wall median {statistics.median(times) * 1000:.0f} ms, best {min(times) * 1000:.0f} ms; "
          f"CPU time median {statistics.median(cpu) * 1000:.0f} ms (one thread)")
    acts = look(oracle, text)
    started = time.process_time()
    found = search(acts, top=1)
    print(f"feature search over {len(acts.text):,} characters: {(time.process_time() - started) * 1000:.0f} ms CPU time")
    print("| feature | best unit (layer:unit) | kind | r |")
    print("|---|---|---|---|")
    for name, hits in found.items():
        if hits:
            hit = hits[0]
            print(f"| {name} | {hit.layer + 1}:{hit.unit} | {hit.kind} | {hit.r:+.2f} |")
        else:
            print(f"| {name} | - | - | not in the text (the model reads it {'lowercased' if oracle.lowercase else 'as is'}) |")
    if args.html:
        hit = found[args.feature][0]
        part = look(oracle, text[:args.chars])
        title = f"{args.model}: layer {hit.layer + 1} unit {hit.unit} ({hit.kind}), r = {hit.r:+.2f} with '{args.feature}'"
        subtitle = (f"{cfg.num_layers}x{cfg.hidden_size} LSTM, created {oracle.meta.created}; "
                    "a held-out passage of the Jargon File; -1 blue, 0 grey, +1 red. Made by scripts/eye_measure.py.")
        args.html.parent.mkdir(parents=True, exist_ok=True)
        write_html(args.html, html_page(part.text, part.unit(hit.layer, hit.unit, hit.kind), title, subtitle))
        print(f"wrote {args.html}")
        if args.svg:
            from rich.console import Console

            from oracle.cli.eye import _print_coloured

            console = Console(record=True, width=80, force_terminal=True, color_system="truecolor", file=io.StringIO())
            _print_coloured(part, hit.layer, hit.unit, hit.kind, title, subtitle.split(";")[0], console)
            console.save_svg(str(args.svg), title=f"oracle eye {args.model} --unit {hit.layer + 1}:{hit.unit} --kind {hit.kind}")
            print(f"wrote {args.svg}")


if __name__ == "__main__":
    main()
