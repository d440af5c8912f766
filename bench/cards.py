"""Cards and speech: how long a prophecy card and a spoken answer take, against the issue's budgets.

- a card of a 600-character answer from the shipped default (its real text, seed 1): the SVG alone,
  then SVG and PNG together (the PNG is what a share needs), median of the rounds, one thread;
  the first card of a process (the font's widths read once) is reported apart;
- the WAV of a 300-character answer written by espeak-ng (`--say-to`), median of the rounds, with
  the length of speech it holds (how many times faster than real time it is made);
- the stream with `--say`'s listener (sentences cut and handed to a speaker that returns at once)
  against the bare stream, the two timed in turn round after round: what speaking costs the stream.
`python -m bench --only cards` writes bench/results_cards.md and .json.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
import wave
from pathlib import Path

CARD_CHARS, WAV_CHARS, STREAM_CHARS = 600, 300, 600
CARD_BUDGET, WAV_BUDGET = 0.200, 2.0  # seconds (issue 29)
QUICK = dict(rounds=2)


def _answer(oracle, chars: int, seed: int = 1) -> str:
    from oracle.engine import SampleSettings

    settings = SampleSettings(length=chars, stop="length", min_length=chars)
    return "".join(oracle.ask("What shall I do with my life?", settings, seed=seed))


def _median_seconds(fn, rounds: int) -> tuple[float, float]:
    """(wall, CPU) seconds, each the median of the rounds. On a shared host the wall clock counts the
    time other processes held the CPU; this process's CPU time does not (PNG rendering is all CPU)."""
    wall, cpu = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def cards(answer: str, rounds: int) -> dict:
    from oracle.engine import card

    made = card.Card("What shall I do with my life?", answer, "default", {"kjv": 0.7, "proverbs": 0.3}, 1, "2026-12-03")
    first, first_cpu = _median_seconds(lambda: card.card_png(made), 1)  # the first of a process reads the font's widths
    svg, svg_cpu = _median_seconds(lambda: card.card_svg(made), rounds)
    png, png_cpu = _median_seconds(lambda: card.card_png(made), rounds)
    return {"answer_chars": len(answer), "first_png_s": first, "first_png_cpu_s": first_cpu, "svg_s": svg, "svg_cpu_s": svg_cpu,
            "png_s": png, "png_cpu_s": png_cpu, "png_bytes": len(card.card_png(made)), "budget_s": CARD_BUDGET}


def wav(answer: str, rounds: int) -> dict | None:
    from oracle.engine import speech

    if shutil.which("espeak-ng") is None:
        return None
    folder = Path(tempfile.mkdtemp(prefix="oracle-bench-wav-"))
    voice = speech.TABLE["kjv"]
    path = folder / "answer.wav"
    # espeak-ng runs in a process of its own: its CPU time is not this one's, so only the wall clock counts.
    seconds, _ = _median_seconds(lambda: speech.write_wav(speech.speakable(answer), voice, path), rounds)
    with wave.open(str(path)) as w:
        audio = w.getnframes() / w.getframerate()
    shutil.rmtree(folder, ignore_errors=True)
    return {"answer_chars": len(answer), "write_s": seconds, "audio_s": audio, "budget_s": WAV_BUDGET, "voice": voice.args()}


class _Silent:
    """A speaker that takes each sentence and returns at once (what the stream sees of the real one)."""

    def __init__(self) -> None:
        self.sentences = 0

    def say(self, sentence, voice) -> None:
        self.sentences += 1


def stream(oracle, rounds: int) -> dict:
    """Characters per second of the stream, bare and with --say's listener, timed in turn."""
    from oracle.engine import SampleSettings, speech

    settings = SampleSettings(length=STREAM_CHARS, stop="length", min_length=STREAM_CHARS)
    bare, heard = [], []
    for r in range(rounds):
        for times, listen in ((bare, False), (heard, True)):
            cut, speaker = speech.Sentences(), _Silent()
            start = time.perf_counter()
            n = 0
            for ch in oracle.ask("What shall I do with my life?", settings, seed=r):
                n += 1
                if listen:
                    for sentence in cut.feed(ch):
                        speaker.say(sentence, None)
            times.append(n / (time.perf_counter() - start))
    # The listener alone, on one answer's text, a character at a time: its cost without the stream's noise.
    text = "".join(oracle.ask("What shall I do with my life?", settings, seed=0))

    def listen() -> None:
        cut, speaker = speech.Sentences(), _Silent()
        for ch in text:
            for sentence in cut.feed(ch):
                speaker.say(sentence, None)

    _, cpu = _median_seconds(listen, 3 * rounds)
    return {"chars": STREAM_CHARS, "bare_chars_per_s": statistics.median(bare), "said_chars_per_s": statistics.median(heard),
            "listener_us_per_char": cpu / len(text) * 1e6}


def measure(rounds: int = 15) -> dict:
    import torch

    from oracle.engine import store

    torch.set_num_threads(1)
    os.environ.setdefault("RAYON_NUM_THREADS", "1")  # resvg's own pool, should it use one
    os.environ.setdefault("ORACLE_HOME", tempfile.mkdtemp(prefix="oracle-bench-home-"))  # the shipped default, not a user's
    oracle = store.load("default")
    return {"card": cards(_answer(oracle, CARD_CHARS), rounds), "wav": wav(_answer(oracle, WAV_CHARS, seed=2), rounds),
            "stream": stream(oracle, max(3, rounds // 3)), "rounds": rounds}


def markdown(result: dict) -> str:
    c, w, s = result["card"], result["wav"], result["stream"]
    budget = c["budget_s"] * 1000
    lines = [f"### Cards and speech (median of {result['rounds']} rounds, one thread)", "",
             "| what | wall | CPU time | budget | wall / budget | CPU / budget |", "|---|---|---|---|---|---|",
             f"| card SVG, {c['answer_chars']}-char answer | {c['svg_s'] * 1000:.1f} ms | {c['svg_cpu_s'] * 1000:.1f} ms | | | |"]
    rows = ((f"card SVG + PNG ({c['png_bytes'] / 1024:.0f} KB)", "png"), ("first card of a process (font widths read)", "first_png"))
    for label, key in rows:
        wall, cpu = c[f"{key}_s"] * 1000, c[f"{key}_cpu_s"] * 1000
        lines.append(f"| {label} | {wall:.1f} ms | {cpu:.1f} ms | {budget:.0f} ms | {wall / budget:.2f} | {cpu / budget:.2f} |")
    if w:
        lines.append(f"| WAV of a {w['answer_chars']}-char answer ({w['audio_s']:.1f} s of speech, {' '.join(w['voice'])}) "
                     f"| {w['write_s'] * 1000:.0f} ms | (espeak-ng's own process) | {w['budget_s'] * 1000:.0f} ms "
                     f"| {w['write_s'] / w['budget_s']:.2f} | |")
    else:
        lines.append("| WAV | espeak-ng is not installed: not measured | | | | |")
    lines += ["", f"Stream of {s['chars']} characters: {s['bare_chars_per_s']:,.0f} chars/s bare, "
              f"{s['said_chars_per_s']:,.0f} chars/s with --say's sentence listener "
              f"({s['said_chars_per_s'] / s['bare_chars_per_s']:.2f}x, the two timed in turn). The listener alone takes "
              f"{s['listener_us_per_char']:.1f} µs of CPU per character, {s['listener_us_per_char'] * s['bare_chars_per_s'] / 1e4:.2f}% "
              "of a streamed character's time."]
    if w:
        lines.append(f"The WAV is made {w['audio_s'] / w['write_s']:.0f}x faster than it plays.")
    return "\n".join(lines)
