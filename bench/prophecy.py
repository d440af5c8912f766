"""Prophecies: do answers name what was asked, in real words, without looping, and how fast?

The shipped default oracle answers the questions in bench/questions.txt (3 seeds each) under three
decodings: free spelling without heed, real words without heed, real words with the default heed.
- topicality: share of answers whose first 300 characters use one of the question's content words
  (the word list's test: known, not among its frequent words) or an inflection of it (words.uses);
- realness: share of the answers' words that are words of the corpora (a word cut by the 300th
  character is not counted: it was not finished);
- loops: answers at temperature 0.5 (400 characters) in which a 40-character stretch occurs twice;
- chars/s: streaming speed on one thread, the three decodings timed in turn, round after round,
  so a change in the host's load touches them alike (median of the rounds); by the wall clock, and
  by the process's CPU time, which a busy neighbour slows less (on a shared host the two differ).
`python -m bench.prophecy --heeds 0,1,1.5,2,3` measures topicality and loops for other strengths.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch

from oracle.engine import SampleSettings, store
from oracle.engine.data.words import JOINERS, is_letter, split_words, uses
from oracle.engine.read.reading import DEFAULT_HEED

QUESTIONS = Path(__file__).resolve().parent / "questions.txt"
ANSWER_CHARS, LOOP_CHARS, LOOP_SPAN, LOOP_TEMPERATURE = 300, 400, 40, 0.5
QUICK = dict(seeds=1, rounds=1, speed_chars=300, limit=5)  # `python -m bench --quick --only prophecy`


def questions() -> list[str]:
    return [line.strip() for line in QUESTIONS.read_text("utf-8").splitlines() if line.strip() and not line.startswith("#")]


def finished_words(text: str) -> list[str]:
    found = split_words(text)
    if found and text and (is_letter(text[-1]) or text[-1] in JOINERS):
        found.pop()  # cut by the length cap: not a word the answer finished
    return found


def has_loop(text: str, span: int = LOOP_SPAN) -> bool:
    seen = set()
    for i in range(len(text) - span + 1):
        piece = text[i:i + span]
        if piece in seen:
            return True
        seen.add(piece)
    return False


def answers(oracle, asked: list[str], settings: SampleSettings, seeds: int) -> list[tuple[str, str]]:
    return [(q, "".join(oracle.ask(q, settings, seed=seed))) for q in asked for seed in range(seeds)]


def score(oracle, config: tuple[str, float], asked: list[str], seeds: int) -> dict:
    words, heed = config
    base = SampleSettings(words=words, heed=heed, stop="length")
    topical, known, total, with_keywords = 0, 0, 0, 0
    for q, text in answers(oracle, asked, SampleSettings(**{**base.to_dict(), "length": ANSWER_CHARS}), seeds):
        keywords = oracle.words.content_words(oracle.vocab.fit_prompt(q, oracle.lowercase)[0])
        said = finished_words(text)
        with_keywords += bool(keywords)
        topical += any(uses(w, k) for w in said for k in keywords)
        known += sum(w in oracle.words for w in said)
        total += len(said)
    hot = SampleSettings(**{**base.to_dict(), "length": LOOP_CHARS, "temperature": LOOP_TEMPERATURE})
    loops = sum(has_loop(text) for _, text in answers(oracle, asked, hot, seeds))
    n = len(asked) * seeds
    return {"words": words, "heed": heed, "answers": n, "with_keywords": with_keywords, "topical": topical,
            "topicality": topical / n, "realness": known / max(1, total), "words_counted": total,
            "loops": loops, "loop_temperature": LOOP_TEMPERATURE}


def speeds(oracle, configs: list[tuple[str, float]], rounds: int, chars: int) -> list[tuple[float, float]]:
    """Median chars/s of each config (wall clock, CPU time), timed in turn within each round (after
    one warm-up round)."""
    rates, cpu_rates = [[] for _ in configs], [[] for _ in configs]
    prompt = "What does the future hold for my children?"
    for r in range(rounds + 1):
        for i, (words, heed) in enumerate(configs):
            reading = iter(oracle.ask(prompt, SampleSettings(words=words, heed=heed, length=chars, stop="length"), seed=r))
            next(reading)  # priming is not streaming
            start, cpu = time.perf_counter(), time.process_time()
            n = sum(1 for _ in reading)
            if r:
                rates[i].append(n / (time.perf_counter() - start))
                cpu_rates[i].append(n / max(1e-9, time.process_time() - cpu))
    return [(statistics.median(w), statistics.median(c)) for w, c in zip(rates, cpu_rates)]


def measure(seeds: int = 3, rounds: int = 7, speed_chars: int = 2000, heeds: list[float] | None = None,
            limit: int | None = None) -> dict:
    torch.set_num_threads(1)
    oracle = store.load("default")
    if oracle.words is None:
        raise SystemExit(f"bench: the default oracle has no usable word list: {oracle.words_notice}.")
    oracle.lexicon  # built once, as a loaded model does on its first answer  # noqa: B018
    asked = questions()[:limit]
    configs = [("free", 0.0), ("corpus", 0.0)] + [("corpus", h) for h in (heeds or [DEFAULT_HEED]) if h]
    rows = [score(oracle, c, asked, seeds) for c in configs]
    for row, (wall, cpu) in zip(rows, speeds(oracle, configs, rounds, speed_chars)):
        row["chars_per_s"], row["cpu_chars_per_s"] = wall, cpu
    return {"model": "default", "questions": len(asked), "seeds": seeds, "default_heed": DEFAULT_HEED,
            "answer_chars": ANSWER_CHARS, "loop_chars": LOOP_CHARS, "rows": rows}


def markdown(result: dict) -> str:
    base, cpu_base = result["rows"][0]["chars_per_s"], result["rows"][0]["cpu_chars_per_s"]
    lines = [f"### Prophecies: the shipped default, {result['questions']} questions x {result['seeds']} seeds "
             f"(bench/questions.txt), temperature 0.7, first {result['answer_chars']} characters", "",
             "| words | heed | topicality | realness | loops at T=0.5 | chars/s, 1 thread (wall) | vs free, heed 0 "
             "| chars/s (CPU time) | vs free, heed 0 |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in result["rows"]:
        lines.append(f"| {r['words']} | {r['heed']:g} | {r['topicality']:.0%} ({r['topical']}/{r['answers']}) "
                     f"| {r['realness']:.1%} of {r['words_counted']:,} | {r['loops']}/{r['answers']} "
                     f"| {r['chars_per_s']:,.0f} | {r['chars_per_s'] / base:.0%} "
                     f"| {r['cpu_chars_per_s']:,.0f} | {r['cpu_chars_per_s'] / cpu_base:.0%} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.prophecy", description=__doc__.splitlines()[0])
    p.add_argument("--heeds", help="comma-separated heed strengths to measure (default: the default heed)")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--limit", type=int, help="only the first N questions")
    p.add_argument("--rounds", type=int, default=7, help="speed rounds")
    args = p.parse_args(argv)
    heeds = [float(h) for h in args.heeds.split(",")] if args.heeds else None
    os.environ.setdefault("ORACLE_HOME", tempfile.mkdtemp(prefix="oracle-bench-home-"))  # the shipped default, not a user's
    print(markdown(measure(args.seeds, args.rounds, heeds=heeds, limit=args.limit)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
