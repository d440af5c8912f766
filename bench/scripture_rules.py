"""The composer's rules side by side in one process: rules 1 (redraw only unended, repeated or copied
verses) against rules 2 (worn verses redrawn too), on the scripture benchmark's 120-verse book for
seeds the rule was not tuned on (4 and 5): CPU time on one thread, worn redraws, and bigrams per word
against the seed's real passage and the median of 50 equal-size real passages.

Run: `OMP_NUM_THREADS=1 python -m bench.scripture_rules` (about 2 minutes of CPU).
"""

from __future__ import annotations

import time

import numpy as np
import torch

from bench.scripture import REAL_PLACES, SIZES, VOICES, Corpora, bigrams_per_word
from oracle.engine import store
from oracle.engine.scripture import Composer, Plan, start
from oracle.engine.scripture.sources import sources_for


def main(seeds=(4, 5)) -> None:
    torch.set_num_threads(1)
    oracle = store.load("default")
    sources_for(oracle.meta)  # built once, outside the timings
    corpora = Corpora(oracle.meta)
    for seed in seeds:
        cpu = {}
        for rules in (1, 2):
            plan = Plan(oracle.name, seed, "The Bench Testament", SIZES,
                        voices={b: {v: 1.0} for b, v in VOICES.items()}, rules=rules)
            book = start(oracle, plan)
            t0 = time.process_time()
            Composer(oracle, book, save=False).run()
            cpu[rules] = time.process_time() - t0
            out = []
            for b, voice in VOICES.items():
                lines = [v for c in book.books[b - 1].chapters for v in c.verses]
                words = sum(len(v.split()) for v in lines)
                median = np.median([bigrams_per_word(corpora.real_sample(voice, words, 1000 + k)) for k in range(REAL_PLACES)])
                out.append(f"{voice} {bigrams_per_word(lines):.3f} vs {bigrams_per_word(corpora.real_sample(voice, words, seed)):.3f}"
                           f" (median {median:.3f})")
            print(f"seed {seed}, rules {rules}: {cpu[rules]:.1f} s CPU, redrawn {book.redrawn}; " + "; ".join(out), flush=True)
        print(f"seed {seed}: rules 2 / rules 1 CPU time {cpu[2] / cpu[1]:.2f}x", flush=True)


if __name__ == "__main__":
    main()
