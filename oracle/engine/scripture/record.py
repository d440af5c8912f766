"""What a scripture is made of, and the record that makes it again.

`Sizes` are user settings declared once in the schema (the CLI's flags and the app's fields come
from them). A `Plan` is everything that decides the book: model, seed, title, sizes, each book's
voice, each chapter's theme, the reading settings and how the prompt was read. The same plan gives
the same book, byte for byte; `Scripture` is a plan with the text written so far, saved as JSON in
ORACLE_HOME/scriptures/ after every chapter (and when stopped), so it can be reopened or continued.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from oracle.engine.errors import OracleError
from oracle.engine.io import paths
from oracle.engine.io.atomic import write_json_atomic
from oracle.engine.io.readers import ReadRefused, read_json
from oracle.engine.read.reading import SampleSettings
from oracle.engine.read.record import Prime
from oracle.engine.record import Record, spec
from oracle.engine.schema import check_all, setting

FORMAT = 1
MAX_VERSES = 31_102  # as many as the King James Bible: a bound on one run's time and file size
MAX_RECORD_BYTES = 64 << 20
MAX_TITLE = 200
MAX_THEME = 400
DEFAULT_TITLE = "The Book of the Oracle"
# Which rules the composer follows. 1: a verse is redrawn when unended, repeated or copied; 2: also
# when it retreads the word pairs of the book's last verses (compose.py, "worn"). A record keeps its
# rules, so a book begun under 1 is continued and regenerated as 1 wrote it.
RULES = (1, 2)
Redraw = Literal["copied", "repeated", "unended", "worn"]  # why a verse was drawn again (worn: rules 2)


@dataclass
class Sizes:
    """How big a scripture is: every field is a user setting, declared once."""

    books: int = setting(2, "books", "how many books the scripture has", low=1, high=66)
    chapters: int = setting(3, "chapters", "chapters in each book", low=1, high=150)
    verses: int = setting(20, "verses", "verses in each chapter", low=1, high=176)

    def validate(self) -> Sizes:
        check_all(self)
        total = self.books * self.chapters * self.verses
        if total > MAX_VERSES:
            raise OracleError(f"{self.books} books of {self.chapters} chapters of {self.verses} verses make {total:,} verses, "
                              f"more than the {MAX_VERSES:,} of the King James Bible: choose fewer.")
        return self


# A verse's reading settings: the answer path's as they were when the scripture's figures were measured
# (docs/scripture.md). An answer's defaults now draw 32 candidates to a one-sentence answer, which would
# make a 600-verse book four times slower; a verse keeps 8 candidates at 0.7, at least 60 characters.
VERSE_SETTINGS = SampleSettings(temperature=0.7, candidates=8, min_length=60)


@dataclass
class Plan:
    """Everything that decides the book's text."""

    model: str
    seed: int
    title: str = DEFAULT_TITLE
    sizes: Sizes = field(default_factory=Sizes)
    voices: dict[int, dict[str, float]] = field(default_factory=dict)  # book number -> blend (none: any voice)
    themes: dict[str, str] = field(default_factory=dict)  # "*", "C" (chapter C of every book) or "B:C" -> words
    settings: SampleSettings = field(default_factory=lambda: replace(VERSE_SETTINGS))  # how each verse is read
    prime: str | None = None  # how the prompt was read (the oracle's choice when None)
    rules: int = RULES[-1]  # the composer's rules (RULES); records from before the field were written by 1
    # The settings as the file has them, written back as they were: a plan from before a setting existed
    # lacks it, a newer Oracle's has more (None: a new plan's, written as `settings` is).
    written: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def validate(self) -> Plan:
        self.sizes.validate()
        if not 0 <= self.seed < 2**63:
            raise OracleError(f"Seed {self.seed} must be a whole number from 0 to {2**63 - 1}.")
        self.title = " ".join(self.title.split())
        if not self.title or len(self.title) > MAX_TITLE:
            raise OracleError(f"The title must have 1 to {MAX_TITLE} characters; it has {len(self.title)}.")
        paths.check_storable(self.title, "The title")
        for book in self.voices:
            if not 1 <= book <= self.sizes.books:
                raise OracleError(f"A voice is given for book {book}, but the scripture has {self.sizes.books} book(s).")
        for key, words in self.themes.items():
            book_of, chapter_of = theme_key(key)
            if (book_of or 1) > self.sizes.books or (chapter_of or 1) > self.sizes.chapters:
                raise OracleError(f"A theme is given for chapter {key}, but each of the {self.sizes.books} book(s) has "
                                  f"{self.sizes.chapters} chapter(s).")
            if len(words) > MAX_THEME:
                raise OracleError(f"The theme for chapter {key} is longer than {MAX_THEME} characters: shorten it.")
            paths.check_storable(words, "The theme")
        self.settings.validate()
        if self.rules not in RULES:
            raise OracleError(f"The scripture was written by composer rules {self.rules}, which this Oracle does not "
                              f"know (it knows {', '.join(map(str, RULES))}): update Oracle, or start a new scripture.")
        return self

    def theme(self, book: int, chapter: int) -> str:
        """The words this chapter leans towards: its own theme, else its number's, else the one for all."""
        for key in (f"{book}:{chapter}", str(chapter), "*"):
            if self.themes.get(key):
                return self.themes[key]
        return ""

    def to_dict(self) -> dict:
        out = asdict(self)
        written = out.pop("written")
        out["settings"] = dict(written) if written is not None else self.settings.to_dict()
        out["voices"] = {str(k): v for k, v in sorted(self.voices.items())}
        out["themes"] = dict(sorted(self.themes.items()))
        return out

    @classmethod
    def from_dict(cls, data: Any) -> Plan:
        try:
            return cls.from_record(PlanRecord.from_dict(data, "plan"))
        except (TypeError, ValueError) as err:  # RecordError is a ValueError
            raise OracleError(f"The scripture record is damaged ({err}): start a new scripture.") from None

    @classmethod
    def from_record(cls, r: PlanRecord) -> Plan:
        """The plan a checked record names, validated (its worded errors are OracleError); TypeError or
        ValueError where the record's sizes or book numbers are not a plan's."""
        known = {f.name for f in fields(SampleSettings)}  # a newer Oracle's settings are kept, not read
        settings = SampleSettings.from_record({k: v for k, v in r.settings.items() if k in known})
        plan = cls(r.model, r.seed, r.title, Sizes(**r.sizes), {int(k): dict(v) for k, v in r.voices.items()},
                   dict(r.themes), settings, r.prime, r.rules, written=dict(r.settings))
        return plan.validate()

    def key(self) -> str:
        """A short fingerprint of what a person chooses (model, seed, title, sizes, voices, themes): the
        saved file's name carries it, so the same choices find a stopped book again. The reading
        settings, the prompt's precision and the composer's rules are left out: they are the record's, and
        a later Oracle with other defaults (or another way of reading the prompt) must still find and
        continue it."""
        chosen = {k: v for k, v in self.to_dict().items() if k not in ("settings", "prime", "rules")}
        return hashlib.sha256(json.dumps(chosen, sort_keys=True).encode()).hexdigest()[:10]


def theme_key(key: str) -> tuple[int | None, int | None]:
    """'*' -> (None, None); '3' -> (None, 3); '2:3' -> (2, 3)."""
    if key == "*":
        return None, None
    match = re.fullmatch(r"(?:(\d{1,3}):)?(\d{1,3})", key)
    if not match or int(match[2]) < 1 or (match[1] is not None and int(match[1]) < 1):
        raise OracleError(f"Theme chapter {key!r} is not a chapter: write C for chapter C of every book, or B:C.")
    return (int(match[1]) if match[1] else None), int(match[2])


@dataclass
class Chapter:
    epigraph: str
    theme: str = ""
    verses: list[str] = field(default_factory=list)


@dataclass
class Book:
    name: str
    voice: dict[str, float] | None = None
    chapters: list[Chapter] = field(default_factory=list)


@dataclass
class Scripture:
    """A plan and the text written so far. `complete` once every verse is written."""

    plan: Plan
    books: list[Book] = field(default_factory=list)
    complete: bool = False
    redrawn: dict[str, int] = field(default_factory=lambda: {"copied": 0, "repeated": 0, "unended": 0})
    unchecked: list[str] = field(default_factory=list)  # corpora that could not be read for the copy check
    names: dict[str, str] = field(default_factory=dict)  # the corpora's names the verses use: "israel" -> "Israel"

    def count_redrawn(self, reason: Redraw, n: int = 1) -> None:
        """`n` more verses drawn again for `reason` (a reason first counted joins the file's tally then)."""
        self.redrawn[reason] = self.redrawn.get(reason, 0) + n

    def verses_written(self) -> int:
        return sum(len(c.verses) for b in self.books for c in b.chapters)

    def total_verses(self) -> int:
        s = self.plan.sizes
        return s.books * s.chapters * s.verses

    def to_dict(self) -> dict:
        return {"format": FORMAT, "plan": self.plan.to_dict(), "complete": self.complete, "redrawn": dict(self.redrawn),
                "unchecked": list(self.unchecked),
                "names": dict(sorted(self.names.items())), "books": [asdict(b) for b in self.books]}

    @classmethod
    def from_dict(cls, data: Any) -> Scripture:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise OracleError("The scripture file is not one this Oracle writes: start a new scripture.")
        try:
            r = ScriptureRecord.from_dict(data, "scripture")
            books = [Book(b.name, dict(b.voice) if b.voice is not None else None,
                          [Chapter(c.epigraph, c.theme, list(c.verses)) for c in b.chapters]) for b in r.books]
            return cls(Plan.from_record(r.plan), books, r.complete, dict(r.redrawn), list(r.unchecked), dict(r.names))
        except (TypeError, ValueError) as err:  # RecordError is a ValueError
            raise OracleError(f"The scripture file is damaged ({err}): start a new scripture.") from None

    def file_name(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.plan.title.lower()).strip("-")[:40] or "scripture"
        return f"{slug}-{self.plan.seed}-{self.plan.key()}.json"


# The files as they are written (Plan.to_dict, Scripture.to_dict), each field's type checked as it is
# read (oracle/engine/record.py); the bounds that have worded errors are Plan.validate's and Sizes'.


@dataclass(frozen=True)
class PlanRecord(Record):
    model: str
    seed: int
    title: str
    sizes: dict[str, int]  # Sizes' fields
    voices: dict[str, dict[str, float]]  # book number (JSON's keys are text) -> blend
    themes: dict[str, str]
    settings: dict[str, Any]  # SampleSettings.from_record's (checked by Plan.validate)
    prime: Prime | None = None
    rules: int = 1  # a plan from before the field was written under rules 1


@dataclass(frozen=True)
class ChapterRecord(Record):
    epigraph: str
    theme: str
    verses: tuple[str, ...]


@dataclass(frozen=True)
class BookRecord(Record):
    name: str
    voice: dict[str, float] | None
    chapters: tuple[ChapterRecord, ...]


@dataclass(frozen=True)
class ScriptureRecord(Record):
    format: int
    plan: PlanRecord
    complete: bool
    redrawn: dict[str, int] = spec(low=0)  # reason -> verses redrawn for it
    unchecked: tuple[str, ...] = spec()
    names: dict[str, str] = spec()
    books: tuple[BookRecord, ...] = spec()


def scriptures_dir() -> Path:
    return paths.home_folder("scriptures")


def save(scripture: Scripture) -> Path:
    path = scriptures_dir() / scripture.file_name()
    write_json_atomic(path, scripture.to_dict())
    return path


def load(path: Path) -> Scripture:
    try:
        data = read_json(Path(path), MAX_RECORD_BYTES)
    except ReadRefused as err:
        raise OracleError(f"{path} cannot be read as a scripture ({err}): choose another file.") from None
    return Scripture.from_dict(data)


def saved_path(plan: Plan) -> Path:
    return scriptures_dir() / Scripture(plan).file_name()


def list_saved() -> list[tuple[Path, Scripture | None]]:
    """The saved scriptures, newest first; a damaged file is listed with None."""
    found: list[tuple[Path, Scripture | None]] = []
    for path in sorted(scriptures_dir().glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True):
        try:
            found.append((path, load(path)))
        except (OracleError, OSError):
            found.append((path, None))
    return found


def parse_voices(given: list[str], books: int) -> dict[int, dict[str, float]]:
    """['1=kjv:0.7,dhammapada:0.3', '2=jargon'] -> {1: {...}, 2: {...}}; a blend without 'BOOK=' is every book's."""
    from oracle.engine.read.voices import parse_blend

    out: dict[int, dict[str, float]] = {}
    for text in given:
        match = re.fullmatch(r"\s*(\d+)\s*=(.*)", text, re.DOTALL)
        blend = parse_blend(match[2] if match else text)
        if match is None:
            out.update({b: dict(blend) for b in range(1, books + 1)})
        elif not 1 <= int(match[1]) <= books:
            raise OracleError(f"The voice {text.strip()!r} names book {match[1]}, but the scripture has {books} book(s).")
        else:
            out[int(match[1])] = blend
    return out


def parse_themes(given: list[str]) -> dict[str, str]:
    """['the sea', '3=the light', '2:1=exile'] -> {'*': 'the sea', '3': 'the light', '2:1': 'exile'}."""
    out = {}
    for text in given:
        match = re.fullmatch(r"\s*(\d+(?::\d+)?)\s*=(.*)", text, re.DOTALL)
        key, words = (match[1], match[2].strip()) if match else ("*", text.strip())
        theme_key(key)
        if not words:
            raise OracleError(f"The theme {text.strip()!r} gives no words: write WORDS, CHAPTER=WORDS or BOOK:CHAPTER=WORDS.")
        out[key] = words
    return out
