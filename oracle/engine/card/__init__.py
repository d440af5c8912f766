"""Prophecy cards: a question and its answer on a 1200x675 image to share, as SVG or PNG.

The SVG comes from the project's own template (card.svg beside this file) in the app's kawaii
colours; the PNG is that SVG rendered by resvg (resvg-py), given the shipped DejaVu Serif and no
system font, so a card looks the same on every machine. Nothing here reads the clock: the footer's
date is the exchange's own, so the same exchange always gives the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from string import Template
from xml.sax.saxutils import escape

from oracle.engine.card.layout import ELLIPSIS, fit, shown, wrap
from oracle.engine.card.metrics import FontMetrics, metrics_for
from oracle.engine.errors import OracleError
from oracle.engine.read.record import ReadingRecord

WIDTH, HEIGHT = 1200, 675  # the 16:9 size social sites show whole
FONT = Path(__file__).with_name("fonts") / "DejaVuSerif.ttf"
FAMILY = "DejaVu Serif"
# The app's kawaii theme (oracle/tui/theme.py), copied as data: the engine imports no UI.
# A test checks the two agree.
PALETTE = {
    "primary": "#ff8fc7",  # sakura pink
    "secondary": "#b9a2ff",  # lavender
    "accent": "#7fe0d0",  # mint
    "foreground": "#fbeaf4",
    "background": "#211a2c",
    "surface": "#2b2238",
}
LEFT, TEXT_WIDTH = 80, WIDTH - 160
QUESTION_SIZE, QUESTION_LINES, QUESTION_TOP = 27, 2, 142
ANSWER_SIZES = (36, 32, 28, 25)  # the largest that holds the answer; past the last, it is cut
ANSWER_BOTTOM, LEADING = 572, 1.38
FOOTER_SIZE, FOOTER_Y = 17, 622
HEADING_SIZE = 27  # 21 px letter-spaced by 5: about as wide as 27 px set tight
SUFFIXES = (".svg", ".png")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Card:
    question: str
    answer: str
    model: str = ""
    voice: dict | None = None  # the blend it was read in (None: any voice)
    seed: int | None = None
    date: str | None = None  # YYYY-MM-DD: when it was asked (left out when unknown)
    # The line above the question: a scripture's verse can name its place ("PROVERBS OF THE NIGHT 3:14").
    heading: str = "THE ORACLE ANSWERS"

    @classmethod
    def from_record(cls, question: str, answer: str, record: ReadingRecord, asked: str | None = None) -> Card:
        """A card for an exchange: its reading record (model, seed, voice; read with ReadingRecord.read,
        so a damaged field is absent) and when it was asked (an ISO timestamp; only the day is shown)."""
        voice = {k: float(v) for k, v in (record.voice or {}).items() if isinstance(k, str)}
        date = asked[:10] if isinstance(asked, str) and _DAY.match(asked) else None
        return cls(question, answer, record.model or "", voice or None, record.seed, date)

    def footer(self) -> str:
        blend = " + ".join(f"{name} {weight:.2f}" for name, weight in self.voice.items()) if self.voice else None
        parts = [self.model or None, blend,
                 f"seed {self.seed}" if self.seed is not None else None, self.date]
        return " \u00b7 ".join(p for p in parts if p)


def day_of(timestamp: float) -> str:
    """The UTC day of a POSIX time (for a card made where an exchange has no saved date)."""
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d")


@lru_cache(maxsize=1)
def _template() -> Template:
    return Template(Path(__file__).with_name("card.svg").read_text(encoding="utf-8"))


def _font() -> FontMetrics:
    return metrics_for(FONT)


def _lines(lines: list[str], top: float, size: float, fill: str, leading: float = LEADING) -> str:
    return "\n".join(f'  <text x="{LEFT}" y="{top + i * size * leading:.1f}" font-size="{size}" fill="{fill}">{escape(line)}</text>'
                     for i, line in enumerate(lines) if line)


def card_svg(card: Card) -> str:
    """The card as an SVG document (text escaped: an answer's `<` or `&` is drawn, never parsed)."""
    font = _font()
    question = wrap("\u201c" + " ".join(shown(card.question).split()) + "\u201d", font, QUESTION_SIZE, TEXT_WIDTH)
    if len(question) > QUESTION_LINES:
        question = question[:QUESTION_LINES]
        question[-1] = _clip(question[-1], font, QUESTION_SIZE, TEXT_WIDTH) + "\u201d"
    question_end = QUESTION_TOP + (len(question) - 1) * QUESTION_SIZE * 1.3
    rule_y = round(question_end + 28)
    answer_top: float = rule_y + 34
    size, answer, _ = fit(shown(card.answer).strip() or ELLIPSIS, font, ANSWER_SIZES, TEXT_WIDTH,
                          ANSWER_BOTTOM - answer_top, LEADING)
    # A short answer sits in the middle of its space rather than under the question.
    room = ANSWER_BOTTOM - answer_top
    answer_top = answer_top + max(0.0, (room - size * (0.8 + LEADING * (len(answer) - 1))) / 3)
    footer = _clip(shown(card.footer()), font, FOOTER_SIZE, TEXT_WIDTH, always=False)
    return _template().substitute(
        width=WIDTH, height=HEIGHT, inner_width=WIDTH - 56, inner_height=HEIGHT - 56, family=FAMILY,
        petal_x=WIDTH - 110, petal_x2=WIDTH - 88, petal_x3=WIDTH - 72, rule_y=rule_y, footer_y=FOOTER_Y,
        question=_lines(question, QUESTION_TOP, QUESTION_SIZE, PALETTE["secondary"], 1.3),
        answer=_lines(answer, answer_top + size * 0.8, size, PALETTE["foreground"]),
        footer=escape(footer), heading=escape(_clip(shown(" ".join(card.heading.split())), font, HEADING_SIZE, TEXT_WIDTH - 160,
                                                     always=False)), **PALETTE)


def _clip(line: str, font: FontMetrics, size: float, width: float, always: bool = True) -> str:
    """`line` ending in an ellipsis, shortened at a word until it fits (unchanged if it fits and not `always`)."""
    if not always and font.width(line, size) <= width:
        return line
    while line and font.width(line + ELLIPSIS + "\u201d", size) > width:
        line = line.rsplit(" ", 1)[0] if " " in line.strip() else line[:-1]
    return line.rstrip(" ,;:") + ELLIPSIS


def card_png(card: Card) -> bytes:
    """The card as PNG: its SVG rendered by resvg with the shipped font and no system font."""
    try:
        import resvg_py
    except ImportError:
        raise OracleError("PNG cards need the resvg-py package: install it with `pip install resvg-py`, "
                          "or save the card as .svg.") from None
    return bytes(resvg_py.svg_to_bytes(svg_string=card_svg(card), skip_system_fonts=True, font_files=[str(FONT)],
                                       font_family=FAMILY, serif_family=FAMILY))


def card_bytes(card: Card, suffix: str) -> bytes:
    """The card in the format `suffix` names (.svg or .png)."""
    suffix = suffix.lower()
    if suffix == ".svg":
        return card_svg(card).encode("utf-8")
    if suffix == ".png":
        return card_png(card)
    raise OracleError(f"A card is saved as .svg or .png, not {suffix or 'a file without a suffix'}: name the file CARD.svg or CARD.png.")


def save_card(card: Card, path: Path) -> Path:
    """Write the card to `path` (its suffix picks SVG or PNG) atomically; return the path written."""
    from oracle.engine.io.atomic import write_bytes_atomic

    path = Path(path).expanduser()
    data = card_bytes(card, path.suffix)
    if path.is_dir():
        raise OracleError(f"{path} is a folder: name a file to save the card in, e.g. {path / 'card.png'}.")
    try:
        write_bytes_atomic(path, data)
    except OSError as err:
        raise OracleError(f"Could not save the card to {path} ({err.strerror}): choose a writable folder.") from None
    return path
