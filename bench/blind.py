"""A blind-reader pack: for each question, three answers shuffled and unlabelled; the key apart.

The three: the default answer of this tree, the previous release's (bench/release_answers.json, made
by bench/release.py), and a real sentence of the bundled corpora picked by the question's own words
(the reference a model-written answer has to beat). A reader who does not know the sources rates each
for relevance (1-5), fluency (1-5) and whether the asker would accept it as an oracle's answer.

    python -m bench.blind --out blind/ --count 24

writes blind/candidates.md (for the reader), blind/key.json (for whoever scores) and
blind/ratings.csv (a form to fill in, one line per candidate).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from bench.prophecy import CORPORA, RELEASE, UNSEEN, questions
from oracle.engine.data.words import split_words, stem, uses

SOURCES = ("kjv", "proverbs", "dhammapada")  # one sentence a line; the other corpora are fragments of entries


class Book:
    """The corpora's lines of 30-200 characters, found by the stems of their words."""

    def __init__(self, folder: Path = CORPORA):
        self.lines = [line.strip() for name in SOURCES for line in (folder / f"{name}.txt").read_text("utf-8").splitlines()
                      if 30 <= len(line.strip()) <= 200 and not line.strip().isupper()]
        self.index: dict[str, set[int]] = defaultdict(set)
        self.df: Counter = Counter()
        for i, line in enumerate(self.lines):
            stems = {stem(w.lower()) for w in split_words(line)}
            for s in stems:
                self.index[s].add(i)
            self.df.update(stems)

    def pick(self, keywords: list[str]) -> str | None:
        """The line that uses the most (rarest) of the keywords whole; the shortest among equals."""
        score: Counter = Counter()
        for k in keywords:
            s = stem(k)
            for i in self.index.get(s, ()):
                if any(uses(w.lower(), k) for w in split_words(self.lines[i])):
                    score[i] += math.log(len(self.lines) / (1 + self.df[s]))
        if not score:
            return None
        return self.lines[min(score, key=lambda i: (-score[i], len(self.lines[i]), i))]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.blind", description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--count", type=int, default=24)
    p.add_argument("--seed", type=int, default=0, help="the answers' seed (the release's saved answers have 0-2)")
    args = p.parse_args(argv)
    os.environ.setdefault("ORACLE_HOME", tempfile.mkdtemp(prefix="oracle-blind-home-"))
    import torch

    from oracle.engine import store

    torch.set_num_threads(1)
    oracle = store.load("default")
    release = json.loads(RELEASE.read_text("utf-8"))
    book, shuffle = Book(), random.Random(2025)
    asked = questions(UNSEEN)[:args.count]
    lines = ["# Three answers to each question", "",
             "For each candidate, rate relevance to the question (1-5), fluency (1-5), and whether the asker",
             "would accept it as an oracle's answer (yes/no). Fill in ratings.csv. The candidates of a question",
             "come in no particular order.", ""]
    key, form = {}, ["question,candidate,relevance,fluency,accept"]
    for n, q in enumerate(asked, start=1):
        prompt = oracle.vocab.fit_prompt(q, oracle.lowercase)[0]
        found = {"default": "".join(oracle.ask(q, seed=args.seed)),
                 "previous release": release["answers"][str(args.seed)][q],
                 "corpus sentence": book.pick(oracle.words.content_words(prompt)) or book.pick(split_words(prompt.lower())) or ""}
        order = list(found)
        shuffle.shuffle(order)
        key[str(n)] = {"question": q, **{"ABC"[i]: source for i, source in enumerate(order)}}
        lines += [f"## {n}. {q}", ""]
        for i, source in enumerate(order):
            # One paragraph, lowercased as the model writes: line breaks or capitals would tell the sources apart.
            shown = " ".join(found[source].lower().split())
            lines += [f"**{'ABC'[i]}.** {shown}", ""]
            form.append(f"{n},{'ABC'[i]},,,")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "candidates.md").write_text("\n".join(lines), "utf-8")
    here = subprocess.run(["git", "-C", str(Path(__file__).resolve().parent), "rev-parse", "HEAD"], capture_output=True,
                          text=True).stdout.strip() or None  # the tree whose default answers these are
    (args.out / "key.json").write_text(json.dumps({"seed": args.seed, "default": here, "release": release["commit"], "key": key},
                                                  indent=1) + "\n", "utf-8")
    (args.out / "ratings.csv").write_text("\n".join(form) + "\n", "utf-8")
    print(f"{len(asked)} questions written to {args.out} (candidates.md, key.json, ratings.csv)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
