"""The scripture as an EPUB 3 book, written with the standard library's zipfile (ebooklib is AGPL).

Reproducible: every zip entry carries the same fixed time and attributes, the identifier is derived
from the plan, and the package's modified date is fixed, so the same plan gives the same bytes.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from html import escape

from oracle.engine.scripture import html
from oracle.engine.scripture.md import index
from oracle.engine.scripture.record import Scripture

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold
MODIFIED = "2000-01-01T00:00:00Z"  # EPUB requires dcterms:modified; a real date would change the bytes
NAMESPACE = uuid.UUID("6f7261636c652d736372697074757265")  # "oracle-scripture"

CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>
"""


def _page(title: str, body: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
            '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="en" xml:lang="en">\n'
            f'<head><meta charset="UTF-8"/><title>{escape(title)}</title>'
            '<link rel="stylesheet" type="text/css" href="style.css"/></head>\n'
            f"<body>\n{body}</body>\n</html>\n")


def _href(anchor: str, book: int) -> str:
    if book:
        return f"book-{book}.xhtml#{anchor}"
    return "names.xhtml#names" if anchor == "names" else f"title.xhtml#{anchor}"


def _opf(scripture: Scripture, pages: list[str], has_index: bool) -> str:
    plan = scripture.plan
    identifier = uuid.uuid5(NAMESPACE, f"{plan.key()}:{scripture.verses_written()}")
    items = ['<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>',
             '<item id="style" href="style.css" media-type="text/css"/>']
    items += [f'<item id="{p[:-6]}" href="{p}" media-type="application/xhtml+xml"/>' for p in pages]
    spine = "".join(f'<itemref idref="{p[:-6]}"/>' for p in pages)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid" xml:lang="en">\n'
            '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
            f'<dc:identifier id="uid">urn:uuid:{identifier}</dc:identifier>\n'
            f"<dc:title>{escape(plan.title)}</dc:title>\n<dc:language>en</dc:language>\n"
            f"<dc:creator>{escape(f'the oracle {plan.model}')}</dc:creator>\n"
            f'<meta property="dcterms:modified">{MODIFIED}</meta>\n</metadata>\n'
            "<manifest>\n" + "\n".join(items) + "\n</manifest>\n"
            f"<spine>{spine}</spine>\n</package>\n")


def render(scripture: Scripture) -> bytes:
    title = scripture.plan.title
    files = {"OEBPS/title.xhtml": _page(title, html.front(scripture) + html.contents(scripture, _href, nav='id="contents"'))}
    for b in range(1, len(scripture.books) + 1):
        files[f"OEBPS/book-{b}.xhtml"] = _page(scripture.books[b - 1].name, html.book_section(scripture, b))
    has_index = bool(index(scripture))
    if has_index:
        files["OEBPS/names.xhtml"] = _page("Index of names", html.index_section(scripture, _href))
    pages = [name.removeprefix("OEBPS/") for name in files]
    files["OEBPS/nav.xhtml"] = _page(title, html.contents(scripture, _href, nav='epub:type="toc" id="toc"'))
    files["OEBPS/style.css"] = html.STYLE + "\n"
    files["OEBPS/content.opf"] = _opf(scripture, pages, has_index)
    files["META-INF/container.xml"] = CONTAINER
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        _add(z, "mimetype", "application/epub+zip", zipfile.ZIP_STORED)  # first and uncompressed, as EPUB requires
        for name in sorted(files):
            _add(z, name, files[name], zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _add(z: zipfile.ZipFile, name: str, text: str, compression: int) -> None:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = compression
    info.create_system = 3  # Unix on every platform: the bytes must not depend on where it was written
    info.external_attr = 0o644 << 16
    z.writestr(info, text.encode("utf-8"))
