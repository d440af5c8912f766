"""The scripture as Markdown, its source form: what the app renders and every other format follows.

Only the scripture's own text goes in (no dates, no paths), so the same plan gives the same bytes.
"""

from __future__ import annotations

import re

from oracle.engine.scripture.record import Scripture
from oracle.engine.scripture.text import names_in

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~])")


def escape(text: str) -> str:
    """Model text shown as text: a stray * or [ must not start emphasis or a link."""
    return _SPECIAL.sub(r"\\\1", text)


def slug(heading: str) -> str:
    """The anchor a Markdown renderer gives a heading (GitHub's rule, which Textual follows)."""
    return re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", heading.strip().lower()))


def short_name(name: str) -> str:
    return name.removeprefix("The Book of ")


def index(scripture: Scripture) -> list[tuple[str, list[tuple[int, int, int]]]]:
    """Each name the verses use, in alphabetical order, with every (book, chapter, verse) it is in."""
    names = scripture.names
    found: dict[str, list[tuple[int, int, int]]] = {}
    for b, book in enumerate(scripture.books, 1):
        for c, chapter in enumerate(book.chapters, 1):
            for v, verse in enumerate(chapter.verses, 1):
                for name in names_in(verse, names):
                    found.setdefault(name, []).append((b, c, v))
    return sorted(found.items(), key=lambda item: (item[0].lower(), item[0]))


def byline(scripture: Scripture) -> str:
    plan = scripture.plan
    line = f"Written by the oracle “{plan.model}” from seed {plan.seed}."
    if not scripture.complete:
        line += f" Unfinished: {scripture.verses_written()} of {scripture.total_verses()} verses."
    return line


def render(scripture: Scripture) -> str:
    out = [f"# {escape(scripture.plan.title)}", "", f"*{escape(byline(scripture))}*", "", "## Contents", ""]
    for b, book in enumerate(scripture.books, 1):
        out.append(f"{b}. [{escape(book.name)}](#{slug(book.name)}) ({len(book.chapters)} chapter"
                   f"{'' if len(book.chapters) == 1 else 's'})")
    entries = index(scripture)
    if entries:
        out.append(f"{len(scripture.books) + 1}. [Index of names](#index-of-names)")
    for book in scripture.books:
        out += ["", f"## {escape(book.name)}"]
        for c, chapter in enumerate(book.chapters, 1):
            out += ["", f"### Chapter {c}", "", f"> *{escape(chapter.epigraph)}*"]
            for v, verse in enumerate(chapter.verses, 1):
                out += ["", f"**{v}** {escape(verse)}"]
    if entries:
        out += ["", "## Index of names", ""]
        for name, places in entries:
            refs = ", ".join(f"{short_name(scripture.books[b - 1].name)} {c}:{v}" for b, c, v in places)
            out.append(f"- **{escape(name)}**: {escape(refs)}")
    return "\n".join(out) + "\n"


def chapter_markdown(scripture: Scripture, b: int, c: int) -> str:
    """One chapter on its own (the app shows each as it completes)."""
    book = scripture.books[b - 1]
    chapter = book.chapters[c - 1]
    out = [f"### {escape(book.name)}, chapter {c}", "", f"> *{escape(chapter.epigraph)}*"]
    for v, verse in enumerate(chapter.verses, 1):
        out += ["", f"**{v}** {escape(verse)}"]
    return "\n".join(out) + "\n"
