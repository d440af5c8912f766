"""The scripture as HTML: one self-contained, styled page (no fonts, scripts or images fetched), and
the XHTML pieces the EPUB is made of. Written from the same structure as the Markdown, so the
headings, verse numbers and index agree in every format.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from oracle.engine.scripture.md import byline, index, short_name
from oracle.engine.scripture.record import Scripture

STYLE = """
body { max-width: 38em; margin: 2em auto; padding: 0 1em; font-family: Georgia, "Times New Roman", serif;
       line-height: 1.55; color: #222; background: #fdfbf6; }
h1 { text-align: center; font-size: 2.4em; font-variant: small-caps; margin: 1.5em 0 0.3em; }
p.byline { text-align: center; font-style: italic; color: #666; }
h2 { text-align: center; font-variant: small-caps; margin-top: 2.5em; border-top: 1px solid #d8cfbd; padding-top: 1em; }
h3 { font-variant: small-caps; color: #7a1f1f; margin-top: 1.6em; }
blockquote.epigraph { font-style: italic; color: #555; margin: 0.5em 2em 1em; }
p.verse { margin: 0.25em 0; text-indent: -1.2em; padding-left: 1.2em; }
p.verse sup { color: #7a1f1f; font-weight: bold; font-size: 0.7em; margin-right: 0.3em; }
nav ol { list-style: upper-roman; }
ul.index { columns: 2; list-style: none; padding: 0; font-size: 0.9em; }
a { color: #7a1f1f; text-decoration: none; }
@media (prefers-color-scheme: dark) { body { color: #ddd; background: #1b1a17; } p.byline { color: #aaa; }
  blockquote.epigraph { color: #bbb; } h3, a, p.verse sup { color: #e0a36b; } }
""".strip()

Href = Callable[[str, int], str]  # (anchor, book number or 0 for the front and the index) -> link


def same_page(anchor: str, book: int) -> str:
    return f"#{anchor}"


def front(scripture: Scripture) -> str:
    return (f'<h1 id="title">{escape(scripture.plan.title)}</h1>\n'
            f'<p class="byline">{escape(byline(scripture))}</p>\n')


def contents(scripture: Scripture, href: Href = same_page, with_index: bool = True, nav: str = 'id="contents"') -> str:
    items = []
    for b, book in enumerate(scripture.books, 1):
        chapters = "".join(f'<li><a href="{href(f"b{b}c{c}", b)}">Chapter {c}</a></li>' for c in range(1, len(book.chapters) + 1))
        chapters = f"<ol>{chapters}</ol>" if chapters else ""  # an EPUB's table may not hold an empty list
        items.append(f'<li><a href="{href(f"b{b}", b)}">{escape(book.name)}</a>{chapters}</li>')
    if with_index and index(scripture):
        items.append(f'<li><a href="{href("names", 0)}">Index of names</a></li>')
    return f'<nav {nav}><h2>Contents</h2>\n<ol>' + "\n".join(items) + "</ol></nav>\n"


def book_section(scripture: Scripture, b: int) -> str:
    book = scripture.books[b - 1]
    out = [f'<section class="book" id="b{b}">', f"<h2>{escape(book.name)}</h2>"]
    for c, chapter in enumerate(book.chapters, 1):
        out.append(f'<h3 id="b{b}c{c}">Chapter {c}</h3>')
        out.append(f'<blockquote class="epigraph"><p>{escape(chapter.epigraph)}</p></blockquote>')
        for v, verse in enumerate(chapter.verses, 1):
            out.append(f'<p class="verse" id="b{b}c{c}v{v}"><sup>{v}</sup>{escape(verse)}</p>')
    out.append("</section>")
    return "\n".join(out) + "\n"


def index_section(scripture: Scripture, href: Href = same_page) -> str:
    entries = index(scripture)
    if not entries:
        return ""
    rows = []
    for name, places in entries:
        refs = ", ".join(f'<a href="{href(f"b{b}c{c}v{v}", b)}">{escape(short_name(scripture.books[b - 1].name))} {c}:{v}</a>'
                         for b, c, v in places)
        rows.append(f"<li><b>{escape(name)}</b>: {refs}</li>")
    return '<section id="names"><h2>Index of names</h2>\n<ul class="index">\n' + "\n".join(rows) + "\n</ul></section>\n"


def render(scripture: Scripture) -> str:
    body = front(scripture) + contents(scripture)
    body += "".join(book_section(scripture, b) for b in range(1, len(scripture.books) + 1))
    body += index_section(scripture)
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(scripture.plan.title)}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n"
            f"{body}</body>\n</html>\n")
