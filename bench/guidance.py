"""Guidance: does it make the shipped default lean to the asked voice, and to the question?

For each of the default's voices, answers to questions of bench/unseen.txt are read in that voice
(default settings otherwise) at each guidance, and a character n-gram naive Bayes classifier
trained on the corpora (bench/scripture.py's, each voice from an equal-size sample of its corpus)
names the voice each answer reads like: the share named as asked is the voice's fidelity. And, in
the any voice, how much reading the question raised the answer's likelihood under the network
(log P(answer | question) - log P(answer | nothing asked), nats per character, the mutual
information of Li et al. 2016): what guidance amplifies.

    python -m bench.guidance                 # writes bench/results_guidance.md
    python -m bench.guidance --answers 2     # a quick look
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.prophecy import UNSEEN, questions

HERE = Path(__file__).resolve().parent
SCALES = (0.0, 1.5, 3.0)


def measure(answers: int = 6) -> dict:
    from bench.scripture import Corpora
    from oracle.engine import SampleSettings, store
    from oracle.engine.read.likelihood import question_gain

    oracle = store.load("default")
    judge = Corpora(oracle.meta)
    asked = questions(UNSEEN)[:answers]
    result: dict = {"voices": oracle.voices, "answers": answers, "fidelity": {}, "gain": {}, "seconds": {}}
    for scale in SCALES:
        settings = SampleSettings(guidance=scale)
        began = time.process_time()
        named = {}
        for voice in oracle.voices:
            said = ["".join(oracle.ask(q, settings, seed=i, voice={voice: 1})) for i, q in enumerate(asked)]
            named[voice] = sum(judge.voice(text) == voice for text in said if text)
        gains = []
        for i, q in enumerate(asked):
            reading = oracle.ask(q, settings, seed=i)
            "".join(reading)
            gains.append(question_gain(oracle, reading))
        result["fidelity"][scale] = named
        result["gain"][scale] = float(np.mean(gains))
        result["seconds"][scale] = time.process_time() - began
        print(f"guidance {scale}: {named}, gain {result['gain'][scale]:.3f}", flush=True)
    return result


def markdown(r: dict) -> str:
    n = r["answers"]
    lines = ["## Guidance on the shipped default", "",
             f"Answers in each voice ({n} questions of bench/unseen.txt, seeds 0-{n - 1}, default settings otherwise) "
             "named as that voice by a character n-gram classifier of the corpora; and, in the any voice, how much "
             "the question raised the answer's likelihood (nats/char).", "",
             "| guidance | " + " | ".join(r["voices"]) + " | all voices | question's gain | CPU s |",
             "|---" * (len(r["voices"]) + 4) + "|"]
    for scale, named in r["fidelity"].items():
        total = sum(named.values())
        lines.append(f"| {scale} | " + " | ".join(f"{named[v]}/{n}" for v in r["voices"])
                     + f" | {total}/{n * len(r['voices'])} | {r['gain'][scale]:.3f} | {r['seconds'][scale]:.0f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.guidance", description=__doc__.splitlines()[0])
    p.add_argument("--answers", type=int, default=6, help="questions (one answer each) per voice and guidance")
    args = p.parse_args(argv)
    os.environ.setdefault("ORACLE_HOME", tempfile.mkdtemp(prefix="oracle-bench-home-"))
    result = measure(args.answers)
    (HERE / "results_guidance.md").write_text(markdown(result), "utf-8")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
