"""An answer cut by its length limit ends at a word boundary with a visible "…", and never in a run
of spaces (#27.11): the rule is the engine's (read/ending.py), so the CLI and the app both get it."""

from __future__ import annotations

from dataclasses import replace

from oracle.engine import SampleSettings, store
from oracle.engine.read.ending import HOLD, MARK, Ending


def spoken(text: str, limit: int, marked: bool = True) -> str:
    """What a reading shows of `text` when its length limit is `limit` (as reading.py drives Ending)."""
    ending, said = Ending(marked), ""
    for i, ch in enumerate(text[:limit]):
        said += ending.take(ch, limit - i - 1)
    return said + (ending.cut(said) if len(text) >= limit else ending.flush())


def test_a_cut_word_is_dropped_and_marked():
    text = "the fear of the lord is the beginning of wisdom"
    assert spoken(text, text.index("beginning") + 4) == "the fear of the lord is the" + MARK
    # A word that reaches the limit may have gone on: dropped too; one followed by a space stands.
    assert spoken(text, text.index(" of wisdom")) == "the fear of the lord is the" + MARK
    assert spoken(text, text.index(" of wisdom") + 1) == "the fear of the lord is the beginning" + MARK
    assert spoken(text, len(text) + 10) == text  # not cut: as spoken
    assert spoken("so it ends. and", 12) == "so it ends."  # at a sentence end: no mark needed


def test_a_run_of_spaces_never_ends_an_answer():
    assert spoken("word" + " " * 300, 200) == "word" + MARK
    assert spoken("a" + " " * 300 + "b", 400) == "a" + " " * 300 + "b"  # inside, what was said stands
    # Asked to end only at the length (stop "length"): as long as asked, words cut, but no run of spaces.
    assert spoken("word" + " " * 300, 200, marked=False) == "word"
    assert spoken("the beginning of wisdom", 17, marked=False) == "the beginning of "
    assert spoken("the beginning of wisdom", 6, marked=False) == "the be"


def test_a_word_longer_than_the_hold_is_kept_rather_than_taken_back():
    long_word = "x" * (HOLD + 10)
    assert spoken("one " + long_word, 4 + HOLD + 5) == "one " + long_word[:HOLD + 5] + MARK


def test_real_answers_cut_by_length_end_on_a_word_and_replay(tiny_model):
    oracle = store.load(tiny_model)
    for seed in range(4):
        for length in (23, 57, 120):
            settings = SampleSettings(stop="sentence", min_length=length, length=length)  # the length comes first
            reading = oracle.ask("wisdom", settings, seed=seed)
            shown = "".join(reading)
            assert shown == reading.text and len(shown) <= length + len(MARK)
            assert shown.endswith(MARK) or shown.rstrip()[-1:] in ".!?"
            assert shown == shown.rstrip() and not shown.removesuffix(MARK)[-1:].isspace()
            assert "".join(oracle.ask("wisdom", settings, seed=seed)) == shown  # the same seed, the same answer
            exact = "".join(oracle.ask("wisdom", replace(settings, stop="length"), seed=seed))
            assert not exact.endswith("  ") and len(exact) <= length
