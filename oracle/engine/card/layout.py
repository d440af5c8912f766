"""Fitting a question and an answer onto a card: wrapped by the font's real widths, the answer set
in the largest size that holds it, and past what the smallest holds, cut at a sentence's end with
an ellipsis (at a word's end when no sentence ends early enough)."""

from __future__ import annotations

import re

from oracle.engine.card.metrics import FontMetrics

ELLIPSIS = "\u2026"
# Where a sentence may end: its mark, any closing quotes or brackets, then a space or the end.
_SENTENCE_END = re.compile(r"[.!?;:][\"'\u201d\u2019)\]]*(?=\s|$)")


def shown(text: str) -> str:
    """`text` as the card prints it: each control character but newline as its escape (\\x1b), a
    tab as a space, and what XML cannot hold (U+FFFE, U+FFFF, lone surrogates) as U+FFFD."""
    out = []
    for ch in text.replace("\r\n", "\n"):
        code = ord(ch)
        if ch == "\t":
            out.append(" ")
        elif ch != "\n" and (code < 0x20 or 0x7F <= code < 0xA0):
            out.append(f"\\x{code:02x}")
        elif 0xD800 <= code < 0xE000 or code in (0xFFFE, 0xFFFF):
            out.append("\ufffd")
        else:
            out.append(ch)
    return "".join(out)


def wrap(text: str, font: FontMetrics, size: float, width: float) -> list[str]:
    """Lines no wider than `width` px: breaks at spaces, inside a word only when the word alone is
    too wide; each newline starts a line, and a run of blank lines keeps one."""
    lines: list[str] = []
    space = font.width(" ", size)
    for paragraph in text.split("\n"):
        words = paragraph.split()
        if not words:
            if lines and lines[-1]:
                lines.append("")  # one blank line between paragraphs, however many there were
            continue
        line, used = "", 0.0
        for word in words:
            wide = font.width(word, size)
            if line and used + space + wide <= width:
                line, used = f"{line} {word}", used + space + wide
                continue
            if line:
                lines.append(line)
            while wide > width:  # a word wider than the card: broken where it reaches the edge
                cut = _fitting_prefix(word, font, size, width)
                lines.append(word[:cut])
                word = word[cut:]
                wide = font.width(word, size)
            line, used = word, wide
        lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _fitting_prefix(word: str, font: FontMetrics, size: float, width: float) -> int:
    used = 0.0
    for i, ch in enumerate(word):
        used += font.width(ch, size)
        if used > width:
            return max(i, 1)
    return len(word)


def fit(text: str, font: FontMetrics, sizes: tuple[float, ...], width: float, height: float,
        leading: float) -> tuple[float, list[str], bool]:
    """(size, lines, cut): the largest of `sizes` whose lines (each `leading` x size apart) fit in
    `height`; when none does, the smallest size and the longest beginning of `text` that fits with
    an ellipsis, ending at a sentence where one ends in the lines that fit."""
    for size in sizes:
        lines = wrap(text, font, size, width)
        if len(lines) <= _room(size, height, leading):
            return size, lines, False
    size = sizes[-1]
    room = _room(size, height, leading)
    # No line holds more than width / (the narrowest advance) characters (twice that, for marks that
    # take no room of their own): a long answer is wrapped no further than that.
    text = text[:2 * int(room * width / (size * font.narrowest)) + 1]
    lines = wrap(text, font, size, width)[:room]
    held = sum(len(line) + 1 for line in lines)  # about how much of the text a cut at a word keeps
    ends = [m.end() for m in _SENTENCE_END.finditer(text, 0, held)]
    for end in reversed(ends):  # the latest sentence end whose text still fits with the ellipsis
        if end < held // 2:
            break  # so early that a cut at a word keeps much more: cut there instead
        cut = wrap(text[:end].rstrip() + " " + ELLIPSIS, font, size, width)
        if len(cut) <= room:
            return size, cut, True
    last = lines[-1] if lines else ""
    while last and font.width(last + " " + ELLIPSIS, size) > width:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    lines[-1:] = [f"{last} {ELLIPSIS}".strip()]
    return size, lines, True


def _room(size: float, height: float, leading: float) -> int:
    return max(1, int((height - size) // (size * leading)) + 1)
