"""Composing a scripture: the code owns the structure (books, chapters, numbered verses), the model
writes every word of text (book names, epigraphs, verses).

Each verse is one answer from `Oracle.ask`, the same answer path the Oracle screen uses, with the
plan's settings (record.VERSE_SETTINGS when the plan was made): its question is the chapter's theme when
there is one, so the verses lean towards it, else an empty line, and it speaks in the book's voice.
A verse is its reading's first line cut at its last sentence; it is drawn again (with the next
seed of its own sequence) when it has no whole sentence, repeats a verse already written, or copies
ten words of the corpora in a row. It is drawn again too when it is worn: when more than WORN_SHARE
of its word pairs were said in the book's last WORN_WINDOW verses (or earlier in itself). A model
this small leans on its corpora's stock phrases (the 15 commonest word pairs were 13-15% of all in
the shipped default's 60-verse KJV-voice books: "the lord", "of the", "of israel", "children of"):
a reader hears them as the book repeating itself, and the book's distinct word pairs per word fell
below real verses'. After FRESH_DRAWS whole new sentences that are all worn, the least worn is
taken (the first among equals).

Every draw's seed comes from the plan's seed and the draw's place (book, chapter, verse, attempt),
never from a running generator: so a book continued after a stop is the book an uninterrupted run
writes, byte for byte.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from oracle.engine.errors import OracleError
from oracle.engine.read.reading import SampleSettings
from oracle.engine.scripture import record as records
from oracle.engine.scripture import text as texts
from oracle.engine.scripture.record import Book, Chapter, Plan, Scripture
from oracle.engine.scripture.sources import Sources, sources_for

ATTEMPTS = 24  # draws per verse before giving up (a model this poor should not write a book)
NAME_DRAWS = 6  # short readings searched for a book's name
NAME_LENGTH = 240
VERSE, EPIGRAPH, NAME = 0, 1, 2  # which kind of draw a seed is for
EPIGRAPH_LENGTH = 160
# Worn verses (rules 2). A window of about a chapter is what a reader still has in mind; measured on
# the shipped default's 2-book, 120-verse bench books (3 seeds, 4 draws per verse simulated offline):
# a window of 20 verses, any pair in it worn, a quarter, 2 draws: 1.29 draws per verse (1.06 without)
# and KJV-voice bigrams per word 0.70-0.74 -> 0.74-0.77. Three draws gained 0.005-0.02 more for 1.38
# draws per verse, which took a 600-verse book to 180 s of CPU time, the most it may take.
WORN_WINDOW = 20
WORN_SHARE = 0.25
FRESH_DRAWS = 2


def question(theme: str) -> str:
    """What a verse is asked. A theme is asked as a finished line, so the verse starts a new one
    ("the light of the world" alone is read as a line to go on with: "...world, and worth water");
    with no theme, an empty line after a sentence's end: a state from a single newline, read from
    nothing, starts verses with stray words ("Overthrow, and present...")."""
    theme = " ".join(theme.split())
    if not theme:
        return ".\n"
    return theme + ("" if theme[-1] in ".!?" else ".") + "\n"


@dataclass
class Progress:
    """One verse written (or an epigraph, verse 0). `done` of `total` verses so far."""

    book: int
    chapter: int
    verse: int
    done: int
    total: int
    text: str


@dataclass
class ChapterDone:
    book: int
    chapter: int


def start(oracle, plan: Plan) -> Scripture:
    """A new, empty scripture for `plan`; its voices are checked against the oracle now."""
    from oracle.engine.read.voices import normalise

    plan.validate()
    for book, blend in plan.voices.items():
        try:
            plan.voices[book] = normalise(blend, oracle.voices) or {}
        except OracleError as err:
            raise OracleError(f"Book {book}: {err}") from None
    if plan.prime is None:
        plan.prime = oracle.prime_precision
    return Scripture(plan)


class Composer:
    """Writes the rest of a scripture. `stop()` (from any thread) ends it after the current verse;
    the scripture is saved after every chapter and when it stops."""

    def __init__(self, oracle, scripture: Scripture, report: Callable[[object], None] | None = None, save: bool = True):
        if oracle.name != scripture.plan.model:
            raise OracleError(f"This scripture was written by the model {scripture.plan.model!r}, not {oracle.name!r}.")
        self.oracle, self.scripture, self.plan = oracle, scripture, scripture.plan
        self.report = report or (lambda event: None)
        self.save = save
        self._stop = threading.Event()
        self.settings = replace(self.plan.settings).validate()  # its own copy
        self.sources: Sources | None = None
        self.seen: set[str] = set()

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def run(self) -> Scripture:
        s, sizes = self.scripture, self.plan.sizes
        self.sources = sources_for(self.oracle.meta)
        s.unchecked = list(self.sources.unchecked)
        self.seen = {v.lower() for b in s.books for c in b.chapters for v in [c.epigraph, *c.verses]}
        try:
            for b in range(1, sizes.books + 1):
                if len(s.books) < b:
                    s.books.append(Book(self._name(b), self.plan.voices.get(b) or None))
                book = s.books[b - 1]
                for c in range(1, sizes.chapters + 1):
                    if len(book.chapters) < c:
                        book.chapters.append(self._chapter(b, c))
                    chapter = book.chapters[c - 1]
                    while len(chapter.verses) < sizes.verses:
                        if self.stopped:
                            return s
                        v = len(chapter.verses) + 1
                        chapter.verses.append(self._draw(b, c, v, VERSE, self._question(chapter), self.settings))
                        self.report(Progress(b, c, v, s.verses_written(), s.total_verses(), chapter.verses[-1]))
                    self._save()
                    self.report(ChapterDone(b, c))
            s.complete = True
            return s
        finally:
            self._save()

    def _save(self) -> None:
        if self.save:
            records.save(self.scripture)

    @staticmethod
    def _question(chapter: Chapter) -> str:
        return question(chapter.theme)

    def _chapter(self, b: int, c: int) -> Chapter:
        theme = self.plan.theme(b, c)
        short = replace(self.settings, length=EPIGRAPH_LENGTH, min_length=0)
        epigraph = self._draw(b, c, 0, EPIGRAPH, question(theme), short)
        self.report(Progress(b, c, 0, self.scripture.verses_written(), self.scripture.total_verses(), epigraph))
        return Chapter(epigraph, theme)

    def _seed(self, kind: int, b: int, c: int, v: int, attempt: int) -> int:
        return int(np.random.SeedSequence([self.plan.seed, kind, b, c, v, attempt]).generate_state(1)[0] >> 1)

    def _say(self, question: str, settings: SampleSettings, seed: int, voice) -> str:
        """One answer's first line: the reading is stopped at the line's end, which saves the steps
        the stop rule would spend on the verses after it."""
        reading = self.oracle.ask(question, settings, seed=seed, voice=voice, prime=self.plan.prime)
        said = []
        for ch in reading:
            if ch == "\n":
                break
            said.append(ch)
        reading.stop()
        return "".join(said)

    def _draw(self, b: int, c: int, v: int, kind: int, question: str, settings: SampleSettings) -> str:
        voice = self.plan.voices.get(b) or None
        names = self.sources.names if self.sources else {}
        recent = self._recent_pairs(b) if kind == VERSE and self.plan.rules >= 2 else None
        fresh: list[tuple[float, int, str]] = []  # whole new sentences: (worn share, attempt, text)
        for attempt in range(ATTEMPTS):
            said = texts.to_sentence(self._say(question, settings, self._seed(kind, b, c, v, attempt), voice))
            why: records.Redraw | None = "unended" if said is None else "repeated" if said.lower() in self.seen else \
                "copied" if self.sources is not None and self.sources.copies(said) else None
            if why is None and said is not None:
                share = texts.worn_share(said, recent) if recent is not None else 0.0
                fresh.append((share, attempt, said))
                if share <= WORN_SHARE or len(fresh) == FRESH_DRAWS:
                    break
                continue
            self.scripture.count_redrawn(why or "unended")
        if not fresh:
            raise OracleError(f"The model {self.plan.model!r} wrote no new whole sentence in {ATTEMPTS} tries for "
                              f"book {b}, chapter {c}: train it longer, or choose another model.")
        if len(fresh) > 1:
            self.scripture.count_redrawn("worn", len(fresh) - 1)
        said = min(fresh)[2]
        self.seen.add(said.lower())
        said = texts.truecase(said, names, self.oracle.lowercase)
        if kind == VERSE:
            self.scripture.names.update((n.lower(), n) for n in texts.names_in(said, names))
        return said

    def _recent_pairs(self, b: int) -> set[tuple[str, str]]:
        """The word pairs of book `b`'s last WORN_WINDOW verses: made from the text itself, so a book
        continued after a stop weighs what an uninterrupted run weighs."""
        verses = [verse for chapter in self.scripture.books[b - 1].chapters for verse in chapter.verses]
        return {pair for verse in verses[-WORN_WINDOW:] for pair in texts.word_pairs(verse)}

    def _name(self, b: int) -> str:
        """Read a few passages in the book's voice, several lines each (a voice may open with a heading
        line, "chapter 26.", and nothing else), and name the book after the first new name in them.
        The reading stops at the end of the first line that brings one (the lines before it hold none,
        so the name is the one all six passages would give): six whole passages cost a 600-verse book
        5 s of CPU time, most of it spent after the name had come."""
        taken = {book.name.removeprefix("The Book of ") for book in self.scripture.books}
        settings = replace(self.settings, length=NAME_LENGTH, min_length=0, stop="length")
        voice = self.plan.voices.get(b) or None
        names = self.sources.names if self.sources else {}
        said = []
        for k in range(NAME_DRAWS):
            reading = self.oracle.ask(question(""), settings, seed=self._seed(NAME, b, 0, 0, k), voice=voice,
                                      prime=self.plan.prime)
            text = ""
            for ch in reading:
                text += ch
                if ch == "\n" and texts.book_name([texts.HEADINGS.sub(" ", text)], names, taken):
                    reading.stop()
                    break
            said.append(texts.HEADINGS.sub(" ", text))
            found = texts.book_name(said[-1:], names, taken)
            if found:
                return f"The Book of {found}"
        return f"The Book of {texts.fallback_name(said, taken)}"


def regenerate_or_resume(oracle, plan: Plan, resume: bool) -> Scripture:
    """The saved scripture of this plan when resuming (it must exist), else a new one."""
    fresh = start(oracle, plan)  # voices normalised and the prime chosen, as the saved record has them
    path = records.saved_path(fresh.plan)
    if resume:
        if not path.exists():
            raise OracleError(f"There is no stopped scripture with these settings in {path.parent} to resume: "
                              "give the same model, seed, title, sizes, voices and themes as the run that stopped.")
        return records.load(path)
    return fresh
