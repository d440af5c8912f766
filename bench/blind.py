"""A blind-reader pack: for each question, several answers shuffled and unlabelled; the key apart.

By default three: the default answer of this tree, the previous release's (bench/release_answers.json,
made by bench/release.py), and a real sentence of the bundled corpora picked by the question's own
words (the reference a model-written answer has to beat). `--variant NAME:SETTING=VALUE,...` adds
this tree's answer with other reading settings (repeat it; `--no-release` leaves the release out). A
reader who does not know the sources rates each for relevance (1-5), fluency (1-5) and whether the
asker would accept it as an oracle's answer.

    python -m bench.blind --out blind/ --count 24
    python -m bench.blind --out blind/ --start 24 --no-release --variant old:candidates=8,temperature=0.7,min_length=60
    python -m bench.blind --out blind/ --questions bench/unseen3.txt --no-release   # another question set
    python -m bench.blind --score blind/        # once the reader has filled in blind/ratings.csv

writes blind/candidates.md (for the reader), blind/key.json (for whoever scores) and
blind/ratings.csv (a form to fill in, one line per candidate); --score prints each source's means.
"""

from __future__ import annotations

import argparse
import csv
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


def variant(text: str) -> tuple[str, dict]:
    """'old:candidates=8,temperature=0.7' -> ('old', {'candidates': 8, 'temperature': 0.7})."""
    name, _, pairs = text.partition(":")
    settings = {}
    for pair in filter(None, pairs.split(",")):
        key, _, value = pair.partition("=")
        settings[key.strip().replace("-", "_")] = int(value) if value.strip().isdigit() else (
            float(value) if value.replace(".", "", 1).strip().isdigit() else value.strip())
    return name.strip(), settings


def score(folder: Path) -> dict[str, dict[str, float]]:
    """Each source's mean relevance and fluency and its accepted count, from a filled-in ratings.csv."""
    key = json.loads((folder / "key.json").read_text("utf-8"))["key"]
    found: dict[str, list[tuple[int, int, bool]]] = defaultdict(list)
    for row in csv.DictReader((folder / "ratings.csv").read_text("utf-8").splitlines()):
        source = key[row["question"]][row["candidate"]]
        found[source].append((int(row["relevance"]), int(row["fluency"]), row["accept"].strip().lower() == "yes"))
    return {source: {"answers": len(r), "relevance": sum(x[0] for x in r) / len(r), "fluency": sum(x[1] for x in r) / len(r),
                     "accepted": sum(x[2] for x in r)} for source, r in found.items()}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.blind", description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path)
    p.add_argument("--score", type=Path, metavar="FOLDER", help="print the means of a filled-in pack, and stop")
    p.add_argument("--count", type=int, default=24)
    p.add_argument("--questions", type=Path, default=UNSEEN, help="the questions' file (default bench/unseen.txt)")
    p.add_argument("--start", type=int, default=0, help="skip this many of the file's questions")
    p.add_argument("--seed", type=int, default=0, help="the answers' seed (the release's saved answers have 0-2)")
    p.add_argument("--variant", action="append", default=[], type=variant, metavar="NAME:SETTING=VALUE,...")
    p.add_argument("--no-release", action="store_true", help="leave the previous release's answer out")
    args = p.parse_args(argv)
    if args.score:
        for source, figures in sorted(score(args.score).items()):
            print(f"{source:>20}: relevance {figures['relevance']:.2f}, fluency {figures['fluency']:.2f}, "
                  f"accepted {figures['accepted']}/{figures['answers']}")
        return 0
    if args.out is None:
        p.error("--out FOLDER is needed to write a pack")
    os.environ.setdefault("ORACLE_HOME", tempfile.mkdtemp(prefix="oracle-blind-home-"))
    import torch

    from oracle.engine import SampleSettings, store

    torch.set_num_threads(1)
    oracle = store.load("default")
    release = json.loads(RELEASE.read_text("utf-8"))
    book, shuffle = Book(), random.Random(2025)
    asked = questions(args.questions)[args.start:args.start + args.count]
    letters = "ABCDEFGH"
    lines = ["# Answers to each question", "",
             "For each candidate, rate relevance to the question (1-5), fluency (1-5), and whether the asker",
             "would accept it as an oracle's answer (yes/no). Fill in ratings.csv. The candidates of a question",
             "come in no particular order.", ""]
    key, form = {}, ["question,candidate,relevance,fluency,accept"]
    for n, q in enumerate(asked, start=1):
        prompt = oracle.vocab.fit_prompt(q, oracle.lowercase)[0]
        found = {"default": "".join(oracle.ask(q, seed=args.seed))}
        for name, settings in args.variant:
            found[name] = "".join(oracle.ask(q, SampleSettings(**settings).validate(), seed=args.seed))
        if not args.no_release:
            found["previous release"] = release["answers"][str(args.seed)][q]
        found["corpus sentence"] = (book.pick(oracle.words.content_words(prompt)) or book.pick(split_words(prompt.lower()))
                                    or "")
        order = list(found)
        shuffle.shuffle(order)
        key[str(n)] = {"question": q, **{letters[i]: source for i, source in enumerate(order)}}
        lines += [f"## {n}. {q}", ""]
        for i, source in enumerate(order):
            # One paragraph, lowercased as the model writes: line breaks or capitals would tell the sources apart.
            shown = " ".join(found[source].lower().split())
            lines += [f"**{letters[i]}.** {shown}", ""]
            form.append(f"{n},{letters[i]},,,")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "candidates.md").write_text("\n".join(lines), "utf-8")
    here = subprocess.run(["git", "-C", str(Path(__file__).resolve().parent), "rev-parse", "HEAD"], capture_output=True,
                          text=True).stdout.strip() or None  # the tree whose default answers these are
    (args.out / "key.json").write_text(json.dumps({"seed": args.seed, "default": here, "release": release["commit"],
                                                   "variants": dict(args.variant), "key": key}, indent=1) + "\n", "utf-8")
    (args.out / "ratings.csv").write_text("\n".join(form) + "\n", "utf-8")
    print(f"{len(asked)} questions written to {args.out} (candidates.md, key.json, ratings.csv)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
