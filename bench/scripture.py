"""Scriptures: is the book well formed, new, varied, in its voice, reproducible, and fast enough?

On the shipped default, for 3 seeds, a 2-book scripture of 3 chapters each (6 chapters, 20 verses
each: 120 verses), book 1 in the voice of the KJV, book 2 in the Dhammapada's:
- structure: chapters with a heading, an epigraph and verse numbers 1..n in the Markdown; epubcheck's
  errors on the EPUB (where it is installed);
- reproducible: the same seed written again, stopped after 60 verses and resumed, gives the same
  .md, .html and .epub bytes;
- novelty: verses whose difflib ratio to some sentence of the corpora is >= 0.7 (each verse is
  compared with the 40 sentences that share most of its words: an exhaustive search is 100,000
  sentences per verse), and verses holding a 10-word run of the corpora;
- diversity: distinct word bigrams per word, against as many words of real verses of the same
  voice (consecutive lines from a seeded place); verses written twice. One place is a noisy
  yardstick (the KJV's 1,000-word passages range from 0.64 to 0.74 between quartiles; Job's poetry
  reaches 0.80, Joshua's lists of towns 0.66), so the median of REAL_PLACES places is shown beside it;
- voice fidelity: a naive Bayes classifier of character 1- to 4-grams, trained on the five corpora
  (as many characters of each as the smallest has, in 64 evenly spaced pieces; uniform prior),
  names the voice of each verse of the single-voice books;
- speed: a 600-verse scripture (2 books, 6 chapters, 50 verses) on one thread, wall clock and CPU
  time (the host is shared: CPU time is the book's own cost).
"""

from __future__ import annotations

import difflib
import math
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from bench.tables import fmt, table
from oracle.engine import store
from oracle.engine.scripture import Composer, Plan, Progress, Sizes, render, start
from oracle.engine.scripture.sources import corpus_paths, sources_for

if TYPE_CHECKING:
    from oracle.engine.store.records import ModelMeta

VOICES = {1: "kjv", 2: "dhammapada"}
SIZES = Sizes(books=2, chapters=3, verses=20)
SPEED_SIZES = Sizes(books=2, chapters=6, verses=50)
QUICK = dict(seeds=1, speed=False)
CLOSE, CANDIDATES, NGRAMS = 0.7, 40, (1, 2, 3, 4)
REAL_PLACES = 50
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def write(oracle, seed: int, sizes: Sizes = SIZES, stop_after: int | None = None, resume=None, report=None):
    plan = Plan(oracle.name, seed, "The Bench Testament", sizes, voices={b: {v: 1.0} for b, v in VOICES.items()})
    scripture = resume or start(oracle, plan)
    composer = Composer(oracle, scripture, save=False)

    def on_event(event) -> None:
        if report:
            report(event)
        if stop_after is not None and isinstance(event, Progress) and event.done >= stop_after:
            composer.stop()

    composer.report = on_event
    return composer.run()


def structure(md: str, sizes: Sizes) -> float:
    """The share of the expected chapters that have a heading, an epigraph and verses 1..n in order."""
    good, chapter = 0, None
    for block in md.split("\n\n") + ["### end"]:
        if block.startswith("### "):
            if chapter is not None and chapter["epigraph"] and chapter["verses"] == list(range(1, sizes.verses + 1)):
                good += 1
            chapter = {"epigraph": False, "verses": []}
        elif chapter is not None and block.startswith("> *") and not chapter["verses"]:
            chapter["epigraph"] = True
        elif chapter is not None and re.match(r"\*\*\d+\*\* ", block):
            chapter["verses"].append(int(block[2:block.index("**", 2)]))
    return good / (sizes.books * sizes.chapters)


def epubcheck(data: bytes) -> int | None:
    found = shutil.which("epubcheck")
    if not found:
        return None
    real = str(Path(found).resolve())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "book.epub"
        path.write_bytes(data)
        done = subprocess.run((["java", "-jar", real] if real.endswith(".jar") else [real]) + [str(path)],
                              capture_output=True, text=True, timeout=600)
    errors = len(re.findall(r"^(?:ERROR|FATAL)", done.stdout + done.stderr, re.M))
    return max(errors, int(done.returncode != 0))


class Corpora:
    """The corpora's sentences (for the closeness search) and character n-gram counts per voice."""

    def __init__(self, meta: ModelMeta | None) -> None:
        self.texts = {name: path.read_text("utf-8").lower() for name, path in corpus_paths(meta) if path}
        self.sentences = [s.strip() for t in self.texts.values() for s in _SENTENCE.findall(t) if len(s.split()) >= 3]
        self.index: dict[str, list[int]] = {}
        df = Counter(w for s in self.sentences for w in set(_WORD.findall(s)))
        self.rare = {w for w, n in df.items() if n < len(self.sentences) / 50}  # "the", "and" find every sentence
        for i, s in enumerate(self.sentences):
            for w in set(_WORD.findall(s)) & self.rare:
                self.index.setdefault(w, []).append(i)
        # Each voice learns from as many characters as the smallest corpus has (evenly spaced pieces of
        # its text): trained on whole corpora, the KJV's 4.1 MB against the Dhammapada's 63 kB, add-one
        # smoothing discounts the small corpus's n-grams far more, and the big one wins every doubt.
        size = min(len(t) for t in self.texts.values())
        self.grams = {name: _grams(_even_sample(text, size)) for name, text in self.texts.items()}
        self.totals = {name: sum(g.values()) for name, g in self.grams.items()}
        self.vocab = len(set().union(*self.grams.values()))

    def closest(self, verse: str) -> float:
        verse = verse.lower()
        shared = Counter(i for w in set(_WORD.findall(verse)) & self.rare for i in self.index.get(w, ()))
        best = 0.0
        for i, _ in shared.most_common(CANDIDATES):
            best = max(best, difflib.SequenceMatcher(None, verse, self.sentences[i], autojunk=False).ratio())
        return best

    def voice(self, verse: str) -> str:
        grams = _grams(verse.lower())
        scores = {name: sum(n * math.log((g.get(k, 0) + 1) / (self.totals[name] + self.vocab)) for k, n in grams.items())
                  for name, g in self.grams.items()}
        return max(scores, key=scores.get)

    def real_sample(self, voice: str, words: int, seed: int) -> list[str]:
        lines = [line for line in self.texts[voice].splitlines() if len(line.split()) >= 3]
        at = int(np.random.default_rng(seed).integers(0, len(lines) // 2))
        out, count = [], 0
        while count < words:
            out.append(lines[at % len(lines)])
            count += len(lines[at % len(lines)].split())
            at += 1
        return out


def _even_sample(text: str, size: int, pieces: int = 64) -> str:
    step, piece = len(text) / pieces, size // pieces
    return "\n".join(text[int(i * step):int(i * step) + piece] for i in range(pieces))


def _grams(text: str) -> Counter:
    return Counter(text[i:i + n] for n in NGRAMS for i in range(len(text) - n + 1))


def bigrams_per_word(lines: list[str]) -> float:
    words = [_WORD.findall(line.lower()) for line in lines]
    total = sum(len(w) for w in words)
    return len({pair for w in words for pair in zip(w, w[1:])}) / max(total, 1)


def measure(seeds: int = 3, speed: bool = True) -> dict:
    torch.set_num_threads(1)
    oracle = store.load("default")
    sources = sources_for(oracle.meta)
    corpora = Corpora(oracle.meta)
    runs = []
    for seed in range(1, seeds + 1):
        t0, cpu0 = time.perf_counter(), time.process_time()
        book = write(oracle, seed)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        files = {s: render(book, s) for s in (".md", ".html", ".epub")}
        part = write(oracle, seed, stop_after=SIZES.books * SIZES.chapters * SIZES.verses // 2)
        again = write(oracle, seed, resume=part)
        verses = [(b, v) for b, bk in enumerate(book.books, 1) for c in bk.chapters for v in c.verses]
        closeness = [corpora.closest(v) for _, v in verses]
        voiced = {b: [corpora.voice(v) == VOICES[b] for bb, v in verses if bb == b] for b in VOICES}
        diversity = {}
        for b, voice in VOICES.items():
            lines = [v for bb, v in verses if bb == b]
            words = sum(len(v.split()) for v in lines)
            real = corpora.real_sample(voice, words, seed)
            places = [bigrams_per_word(corpora.real_sample(voice, words, 1000 + k)) for k in range(REAL_PLACES)]
            diversity[voice] = [bigrams_per_word(lines), bigrams_per_word(real), float(np.median(places))]
        runs.append({
            "seed": seed, "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1), "verses": len(verses),
            "structure": structure(files[".md"].decode(), SIZES), "epubcheck_errors": epubcheck(files[".epub"]),
            "identical_after_resume": all(render(again, s) == data for s, data in files.items()),
            "close": sum(c >= CLOSE for c in closeness) / len(verses), "closest": round(max(closeness), 3),
            "ten_word_runs": sum(sources.copies(v) for _, v in verses),
            "repeated": len(verses) - len({v.lower() for _, v in verses}),
            "voice": {VOICES[b]: sum(hits) / len(hits) for b, hits in voiced.items()},
            "bigrams_per_word": diversity, "redrawn": dict(book.redrawn),
            "sample": [bk.name for bk in book.books] + [book.books[0].chapters[0].verses[0], book.books[1].chapters[0].verses[0]],
        })
    rng = np.random.default_rng(0)
    control = {}
    for voice in VOICES.values():  # the classifier on real lines of the same voices, as a yardstick
        lines = [line for line in corpora.texts[voice].splitlines() if len(line.split()) >= 6]
        control[voice] = sum(corpora.voice(lines[i]) == voice for i in rng.integers(0, len(lines), 100)) / 100
    result = {"runs": runs, "classifier_on_real_lines": control}
    if speed:
        ticks = []

        def progress(event) -> None:
            if isinstance(event, Progress) and event.verse and event.done % 50 == 0:
                ticks.append(event.done)
                sys.stderr.write(f"\rbench scripture: {event.done} of {event.total} verses")
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        write(oracle, 7, SPEED_SIZES, report=progress)
        sys.stderr.write("\n")
        result["speed"] = {"verses": SPEED_SIZES.books * SPEED_SIZES.chapters * SPEED_SIZES.verses,
                           "seconds": round(time.perf_counter() - t0, 1), "cpu_seconds": round(time.process_time() - cpu0, 1),
                           "progress_reports": len(ticks)}
    return result


def markdown(result: dict) -> str:
    rows = []
    for r in result["runs"]:
        div = "; ".join(f"{v}: {fmt(g, 3)} vs {fmt(real, 3)} (median {fmt(median, 3)})"
                        for v, (g, real, median) in r["bigrams_per_word"].items())
        rows.append([r["seed"], f"{r['structure']:.0%}", r["epubcheck_errors"] if r["epubcheck_errors"] is not None else "n/a",
                     "yes" if r["identical_after_resume"] else "NO", f"{r['close']:.1%} (max {r['closest']})",
                     r["ten_word_runs"], r["repeated"], div,
                     ", ".join(f"{v} {share:.0%}" for v, share in r["voice"].items()), f"{r['seconds']} s ({r['cpu_seconds']} s CPU)",
                     ", ".join(f"{k} {n}" for k, n in r["redrawn"].items())])
    out = ["### Scriptures (shipped default; 2 books x 3 chapters x 20 verses; book 1 kjv, book 2 dhammapada)", "",
           table(["seed", "structure", "epubcheck errors", "same bytes after stop+resume", "close to a corpus sentence",
                  "10-word runs", "verses twice",
                  f"bigrams/word (written vs real; median of {REAL_PLACES} real places)", "voice named", "time (1 thread)", "redrawn"],
                 rows), ""]
    if "classifier_on_real_lines" in result:
        out += ["The classifier on 100 real lines (6 words or more) of each voice: "
                + ", ".join(f"{v} {share:.0%}" for v, share in result["classifier_on_real_lines"].items()) + ".", ""]
    if "speed" in result:
        s = result["speed"]
        out += [f"Speed: {s['verses']} verses in {s['seconds']} s wall clock ({s['cpu_seconds']} s CPU) on one thread, "
                f"{s['verses'] / s['seconds']:.1f} verses/s.", ""]
    out += ["Book names and each book's first verse:", ""]
    out += [f"- seed {r['seed']}: {r['sample'][0]}, {r['sample'][1]}: “{r['sample'][2]}” / “{r['sample'][3]}”"
            for r in result["runs"]]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(markdown(measure(**(QUICK if "--quick" in sys.argv else {}))))
