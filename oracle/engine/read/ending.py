"""How an answer cut by its length limit ends: at a word boundary, with a visible "…".

Characters once shown cannot be taken back, so the reading holds some back: trailing spaces
always (shown once something follows them, so an answer never ends in a run of spaces), and,
within HOLD characters of the limit, the word being spelled (shown once it is whole). When the
limit cuts an answer that was to end at a sentence or a paragraph, the held word is dropped and
the mark shown instead. An answer asked to end only at its length (stop "length") is as long as
asked, but for a trailing run of spaces; one that ends by its rule, or is stopped, shows what was
held as it was.
"""

from __future__ import annotations

from oracle.engine.data import words as wordrule

HOLD = 24  # characters before the limit from which a word is held until whole: longer than most words
MARK = "…"
SENTENCE_ENDS = ".!?"


def in_word(ch: str) -> bool:
    return wordrule.is_letter(ch) or ch.isdigit() or ch in wordrule.JOINERS


class Ending:
    def __init__(self, marked: bool = True) -> None:
        self.held = ""
        self.marked = marked  # False for stop "length": the length is what was asked for, words and all

    def take(self, ch: str, room: int) -> str:
        """`ch` was spoken with `room` characters left before the limit: what may be shown now."""
        self.held += ch
        if ch.isspace() or (self.marked and room <= HOLD and in_word(ch)):
            return ""
        shown, self.held = self.held, ""
        return shown

    def flush(self) -> str:
        """The answer ended by its rule: everything held, as spoken."""
        shown, self.held = self.held, ""
        return shown

    def cut(self, before: str) -> str:
        """The limit was reached after `before` (what was shown): the held text to its last whole word, and the mark."""
        text, self.held = self.held, ""
        if not self.marked:
            bare = text.rstrip()
            return bare if len(text) - len(bare) > 1 else text  # a run of spaces goes, one space stays
        start = len(text)
        while start and in_word(text[start - 1]):
            start -= 1
        # A word begun before the held text (longer than HOLD) cannot be taken back: keep it.
        if start or not (before and in_word(before[-1])):
            text = text[:start]
        text = text.rstrip()
        end = (before + text).rstrip()
        return text + ("" if not end or end[-1] in SENTENCE_ENDS else MARK)
