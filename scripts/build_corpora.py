#!/usr/bin/env python3
"""Rebuild the bundled Oracle training corpora from Debian packages.

Every corpus in ``corpora/`` is a public-domain text that ships inside a
Debian package.  This script extracts each text from the installed package,
cleans it into plain UTF-8 that a character-level model trains well on, and
writes ``corpora/<name>.txt`` together with ``corpora/index.json`` and
``corpora/SOURCES.md``.  The output is deterministic: running it twice (with
the same package versions installed) gives byte-identical files.

Packages needed (Debian/Ubuntu):

    apt-get install bible-kjv dict-devil dict-jargon display-dhammapada

Usage:

    python scripts/build_corpora.py            # rebuild everything in corpora/
    python scripts/build_corpora.py --check    # rebuild in a temp dir, compare sha256
    python scripts/build_corpora.py --list     # show the corpora and their packages

Standard library only (Python 3.11+).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "corpora"

DICTD_DIR = Path("/usr/share/dictd")
DHAMMAPADA_FILE = Path("/usr/share/display-dhammapada/dhammapada-alternate.txt")
KJV_RANGE = "Gen1:1-Rev22:21"
KJV_VERSES = 31102


class MissingSource(RuntimeError):
    """A package or file the build needs is not installed."""


# --------------------------------------------------------------------------
# Text normalisation shared by every corpus
# --------------------------------------------------------------------------

# Typographic characters mapped to plain ASCII so the character vocabulary
# stays small.  Anything else outside ASCII is decomposed (accents dropped);
# what still is not ASCII after that is removed.
CHAR_MAP = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
    "\u2032": "'", "\u2033": '"', "\u00b4": "'", "`": "'",
    "\u2013": "-", "\u2014": "--", "\u2015": "--", "\u2212": "-",
    "\u2010": "-", "\u2011": "-",
    "\u00a0": " ", "\u2009": " ", "\u200a": " ", "\u2002": " ", "\u2003": " ",
    "\u00ad": "", "\u200b": "", "\ufeff": "",
    "\u2026": "...", "\u00b7": "", "\u00d7": "x", "\u00b1": "+/-",
    "\u2122": "(TM)", "\u00a3": "L", "\u00b5": "u", "\u00df": "ss",
    "\u00e6": "ae", "\u00c6": "AE", "\u0153": "oe", "\u0152": "OE",
    "\u00d8": "O", "\u00f8": "o", "\u2192": "->", "\u2190": "<-",
    "\u21d4": "<=>", "\u223c": "~", "\u3008": "<", "\u3009": ">",
    "\t": "    ",
}


def to_ascii(text: str) -> str:
    text = "".join(CHAR_MAP.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if ch == "\n" or " " <= ch <= "~")


def finish(text: str) -> str:
    """Final normalisation: \\n line ends, no trailing spaces, single blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = to_ascii(text)
    lines = [line.rstrip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue  # collapse runs of blank lines, drop leading ones
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------
# Package helpers
# --------------------------------------------------------------------------


def package_version(package: str) -> str:
    try:
        res = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}\t${Version}", package],
            capture_output=True, text=True, check=False,
        )
    except FileNotFoundError as exc:  # not a Debian system
        raise MissingSource(f"dpkg-query not found; cannot check package {package}") from exc
    status, _, version = res.stdout.partition("\t")
    if res.returncode != 0 or "install ok installed" not in status:
        raise MissingSource(f"package {package} is not installed")
    return version


def need_file(path: Path, package: str) -> Path:
    if not path.is_file():
        raise MissingSource(f"{path} not found (from package {package})")
    return path


# --------------------------------------------------------------------------
# dictd databases (.index + .dict.dz)
# --------------------------------------------------------------------------

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _dictd_num(s: str) -> int:
    n = 0
    for ch in s:
        n = n * 64 + _B64.index(ch)
    return n


def dictd_entries(name: str, package: str) -> list[str]:
    """Return the article texts of a dictd database in file order.

    The ``00-database-*`` pseudo entries (package header, URL, licence
    blurb, alphabet) are skipped; articles listed under several headwords
    are returned once.
    """
    index = need_file(DICTD_DIR / f"{name}.index", package)
    data_path = need_file(DICTD_DIR / f"{name}.dict.dz", package)
    data = gzip.decompress(data_path.read_bytes())
    spans: set[tuple[int, int]] = set()
    for line in index.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 3:
            continue
        head = parts[0]
        if head.startswith(("00database", "00-database")):
            continue
        spans.add((_dictd_num(parts[1]), _dictd_num(parts[2])))
    return [data[off:off + size].decode("utf-8") for off, size in sorted(spans)]


# --------------------------------------------------------------------------
# King James Bible (bible-kjv)
# --------------------------------------------------------------------------

KJV_BOOKS = [
    "Genesis", "Exodus", "Leviticus", "Numbers", "Deuteronomy", "Joshua",
    "Judges", "Ruth", "1 Samuel", "2 Samuel", "1 Kings", "2 Kings",
    "1 Chronicles", "2 Chronicles", "Ezra", "Nehemiah", "Esther", "Job",
    "Psalms", "Proverbs", "Ecclesiastes", "Song of Solomon", "Isaiah",
    "Jeremiah", "Lamentations", "Ezekiel", "Daniel", "Hosea", "Joel", "Amos",
    "Obadiah", "Jonah", "Micah", "Nahum", "Habakkuk", "Zephaniah", "Haggai",
    "Zechariah", "Malachi",
    "Matthew", "Mark", "Luke", "John", "Acts", "Romans", "1 Corinthians",
    "2 Corinthians", "Galatians", "Ephesians", "Philippians", "Colossians",
    "1 Thessalonians", "2 Thessalonians", "1 Timothy", "2 Timothy", "Titus",
    "Philemon", "Hebrews", "James", "1 Peter", "2 Peter", "1 John", "2 John",
    "3 John", "Jude", "Revelation",
]

_VERSE_RE = re.compile(r"^(\d?[A-Za-z]+)(\d+):(\d+) (.*)$")


def kjv_verses() -> list[tuple[str, int, int, str]]:
    """(book, chapter, verse, text) for the whole KJV, via the `bible` program."""
    package_version("bible-kjv")
    package_version("bible-kjv-text")
    exe = shutil.which("bible") or "/usr/bin/bible"
    if not Path(exe).exists():
        raise MissingSource("the `bible` program (package bible-kjv) is not installed")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
    res = subprocess.run([exe, "-f", KJV_RANGE], capture_output=True, env=env,
                         stdin=subprocess.DEVNULL, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"bible failed: {res.stderr.decode(errors='replace')}")
    verses: list[tuple[str, int, int, str]] = []
    abbrevs: list[str] = []
    for line in res.stdout.decode("latin-1").splitlines():
        if not line.strip():
            continue
        m = _VERSE_RE.match(line)
        if not m:
            raise RuntimeError(f"unexpected line from bible: {line[:80]!r}")
        abbr, chap, verse, text = m.groups()
        if not abbrevs or abbrevs[-1] != abbr:
            abbrevs.append(abbr)
        verses.append((KJV_BOOKS[len(abbrevs) - 1], int(chap), int(verse),
                       re.sub(r"\s+", " ", text).strip()))
    if len(verses) != KJV_VERSES or len(abbrevs) != len(KJV_BOOKS):
        raise RuntimeError(f"expected {KJV_VERSES} verses in {len(KJV_BOOKS)} books, "
                           f"got {len(verses)} in {len(abbrevs)}")
    return verses


def format_kjv(verses, books=None) -> str:
    """Book title in capitals, one verse per line, a blank line between chapters."""
    out: list[str] = []
    prev: tuple[str, int] | None = None
    for book, chap, _verse, text in verses:
        if books is not None and book not in books:
            continue
        if prev is None or prev[0] != book:
            out += ["", "", book.upper(), ""]
        elif prev[1] != chap:
            out.append("")
        out.append(text)
        prev = (book, chap)
    return "\n".join(out)


def build_kjv() -> str:
    return format_kjv(kjv_verses())


def build_proverbs() -> str:
    return format_kjv(kjv_verses(), books={"Proverbs", "Ecclesiastes"})


# --------------------------------------------------------------------------
# The Devil's Dictionary (dict-devil)
# --------------------------------------------------------------------------

_XREF_RE = re.compile(r"\{([^{}]*)\}")
_ITALIC_RE = re.compile(r"_([^_\n]+(?:\n[^_\n]+)?)_")


def build_devil() -> str:
    package_version("dict-devil")
    entries = []
    for art in dictd_entries("devil", "dict-devil"):
        lines = []
        for line in art.split("\n"):
            stripped = line.strip()
            indent = len(line) - len(line.lstrip(" "))
            if stripped and indent >= 12:
                # right-aligned attribution under a verse ("      G.J.")
                line = "    -- " + stripped
            lines.append(line)
        text = "\n".join(lines).strip("\n")
        text = _ITALIC_RE.sub(r"\1", text)  # _italics_ markup
        text = _XREF_RE.sub(r"\1", text)  # {CROSS-REFERENCE} markup added by dictfmt
        if text.strip():
            entries.append(text)
    if len(entries) < 900:
        raise RuntimeError(f"only {len(entries)} Devil's Dictionary entries found")
    return "\n\n".join(entries)


# --------------------------------------------------------------------------
# The Jargon File (dict-jargon)
# --------------------------------------------------------------------------

_BOX_CHARS = set("\u2500\u2502\u250c\u2510\u2514\u2518\u251c\u2524\u252c\u2534\u253c\u25a1")
_PRON_RE = re.compile(r"^\s*/[^/]*/\s*(.*)$")


def build_jargon() -> str:
    package_version("dict-jargon")
    entries = []
    for art in dictd_entries("jargon", "dict-jargon"):
        lines = art.strip("\n").split("\n")
        if not lines or not lines[0].strip():
            continue
        head = lines[0].strip()
        rest = lines[1:]
        if rest and _PRON_RE.match(rest[0]):
            pos = _PRON_RE.match(rest[0]).group(1).strip()  # e.g. ", n."
            if pos:
                head = head + (pos if pos.startswith(",") else ", " + pos)
            rest = rest[1:]
        body = []
        for line in rest:
            if any(ch in _BOX_CHARS for ch in line):
                continue  # drop box-drawn tables
            body.append(line[4:] if line.startswith("    ") else line.lstrip())
        text = "\n".join([head, ""] + body)
        text = _XREF_RE.sub(r"\1", text)  # {cross reference} markup
        entries.append(text.strip("\n"))
    if len(entries) < 2000:
        raise RuntimeError(f"only {len(entries)} Jargon File entries found")
    return "\n\n".join(entries)


# --------------------------------------------------------------------------
# The Dhammapada, F. Max Mueller's translation (display-dhammapada)
# --------------------------------------------------------------------------

_CHAPTER_RE = re.compile(r"^(\d+)\. (.+?)\.?$")
_VERSE_NO_RE = re.compile(r"\s+\d+(?:\s*[-,]\s*\d+)*$")


def build_dhammapada() -> str:
    package_version("display-dhammapada")
    raw = need_file(DHAMMAPADA_FILE, "display-dhammapada").read_text(encoding="latin-1")
    raw = raw.replace("\r\n", "\n")
    start = raw.find("\nThe Dhammapada\n1. ")
    if start < 0:
        raise RuntimeError("could not find the start of the Dhammapada text")
    body = raw[start:].strip("\n").split("\n")[1:]  # drop the repeated title
    paragraphs: list[list[str]] = [[]]
    for line in body:
        if line.strip():
            paragraphs[-1].append(line.strip())
        elif paragraphs[-1]:
            paragraphs.append([])
    out = ["THE DHAMMAPADA"]
    verses = 0
    for para in paragraphs:
        if not para:
            continue
        m = _CHAPTER_RE.match(para[0])
        if len(para) == 1 and m:
            out += ["", "", f"CHAPTER {m.group(1)}. {m.group(2).upper()}", ""]
            continue
        text = re.sub(r"\s+", " ", " ".join(para))
        if _VERSE_NO_RE.search(text):
            verses += 1
        text = _VERSE_NO_RE.sub("", text)
        out.append(text)
    if verses < 380:
        raise RuntimeError(f"only {verses} Dhammapada verses found")
    return "\n".join(out)


# --------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Corpus:
    name: str
    title: str
    description: str
    kind: str
    package: str
    licence: str
    cleaning: str
    build: Callable[[], str]

    @property
    def file(self) -> str:
        return f"{self.name}.txt"


CORPORA: list[Corpus] = [
    Corpus(
        name="kjv",
        title="The Holy Bible, King James Version",
        description="The whole King James Bible (1611/1769), one verse per line, "
                    "book titles in capitals, a blank line between chapters.",
        kind="scripture",
        package="bible-kjv-text",
        licence="Public domain: translated 1604-1611, text as standardised in 1769; "
                "copyright has long expired everywhere except the United Kingdom, "
                "where the Crown's perpetual letters patent still govern printing.",
        cleaning="Dumped with `bible -f Gen1:1-Rev22:21` (program from bible-kjv). "
                 "The `Ge1:1` reference prefix is removed; each verse is one line; "
                 "each book starts with its name in capitals; chapters are separated "
                 "by one blank line; whitespace inside verses collapsed.",
        build=build_kjv,
    ),
    Corpus(
        name="proverbs",
        title="Proverbs and Ecclesiastes (King James Version)",
        description="The two wisdom books of the KJV: short sayings and the Preacher's "
                    "meditations on vanity, one verse per line.",
        kind="wisdom",
        package="bible-kjv-text",
        licence="Public domain (a subset of the King James Version, see kjv).",
        cleaning="Same extraction and layout as kjv, keeping only the books of "
                 "Proverbs and Ecclesiastes.",
        build=build_proverbs,
    ),
    Corpus(
        name="devils-dictionary",
        title="The Devil's Dictionary, by Ambrose Bierce",
        description="Bierce's cynical dictionary (1881-1906): about a thousand barbed "
                    "definitions, with mock verse and invented authorities.",
        kind="satire",
        package="dict-devil",
        licence="Public domain: published 1906/1911, Bierce died in 1914; the package's "
                "copyright file states 'A Public Domain Text, Copyright Expired'.",
        cleaning="Read from the dictd database (devil.index + devil.dict.dz, gzip). "
                 "The 00-database-* pseudo entries (package header, URL, Wiretap "
                 "edition banner, the publisher's preface, alphabet) are dropped; "
                 "articles listed under more than one headword are kept once, in file "
                 "order. `_italic_` underscores and `{CROSS-REFERENCE}` braces "
                 "removed. Right-aligned attribution "
                 "lines under verses are rewritten as `    -- Name`. The original line "
                 "wrapping and the 4-space verse indentation are kept.",
        build=build_devil,
    ),
    Corpus(
        name="dhammapada",
        title="The Dhammapada, translated by F. Max Mueller",
        description="The Buddha's sayings in 26 chapters (Sacred Books of the East, "
                    "vol. X, 1881), one verse per line.",
        kind="scripture",
        package="display-dhammapada",
        licence="Public domain: Max Mueller's translation was published in 1881 (he died "
                "in 1900); the file is the Project Gutenberg etext dhmpd10.txt and the "
                "package's copyright file marks it Public Domain.",
        cleaning="From dhammapada-alternate.txt. The Gutenberg/etext header, contents "
                 "list and editorial note are dropped; hard-wrapped verses are joined "
                 "into one line each and their trailing verse numbers removed; chapter "
                 "headings written as `CHAPTER N. TITLE`. (The package's other English "
                 "file, John Richards' 1993 translation, is not used: its public-domain "
                 "status rests only on a dedication, so the older translation is "
                 "safer.)",
        build=build_dhammapada,
    ),
    Corpus(
        name="jargon",
        title="The Jargon File 4.4.7 (The New Hacker's Dictionary)",
        description="The hacker lexicon (version 4.4.7, 2003): wry definitions, "
                    "folklore and koans of computing culture.",
        kind="satire",
        package="dict-jargon",
        licence="Public domain by dedication: 'This document (the Jargon File) is in the "
                "public domain, to be freely used, shared, and modified' (quoted in the "
                "package's copyright file).",
        cleaning="Read from the dictd database (jargon.index + jargon.dict.dz). The "
                 "00-database-* entries are dropped; pronunciation guides (`/klooj/`) "
                 "removed, the part of speech that followed them joined to the "
                 "headword; `{cross-reference}` braces removed; box-drawn tables "
                 "(a few entries such as ASCII and emoticon) dropped; the 4-space body "
                 "indentation removed, line wrapping kept.",
        build=build_jargon,
    ),
]


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def render_sources(records: list[dict]) -> str:
    by_name = {c.name: c for c in CORPORA}
    total = sum(r["chars"] for r in records)
    out = [
        "# Bundled corpora: sources",
        "",
        "Every text here is in the public domain and was extracted offline from a",
        "Debian package (bookworm). This file, `index.json` and every `*.txt` are",
        "written by `scripts/build_corpora.py`; do not edit them by hand.",
        "",
        "Rebuild (needs the packages installed):",
        "",
        "    apt-get install bible-kjv dict-devil dict-jargon display-dhammapada",
        "    python scripts/build_corpora.py           # rewrite corpora/",
        "    python scripts/build_corpora.py --check   # verify the committed files",
        "",
        "Common cleaning for all texts: plain UTF-8 that is in fact 7-bit ASCII;",
        "line endings `\\n`; curly quotes mapped to `'` and `\"`, en dash to `-`,",
        "em dash to `--`, no-break space to space, soft hyphens removed, accented",
        "letters reduced to their base letter (NFKD), any other non-ASCII character",
        "removed; trailing spaces stripped; runs of blank lines collapsed to one;",
        "exactly one final newline.",
        "",
        "`chars` counts characters (equal to bytes here); `vocab` is the number of",
        "distinct characters, newline included.",
        "",
        "| name | file | kind | package (version) | chars | vocab |",
        "| --- | --- | --- | --- | ---: | ---: |",
    ]
    for r in records:
        out.append(f"| {r['name']} | {r['file']} | {r['kind']} | "
                   f"{r['package']} ({r['package_version']}) | {r['chars']:,} | {r['vocab']} |")
    out += ["", f"Total: {total:,} characters.", ""]
    for r in records:
        c = by_name[r["name"]]
        out += [
            f"## {r['name']}: {r['title']}",
            "",
            f"- File: `{r['file']}`",
            f"- Kind: {r['kind']}",
            f"- Origin: Debian package `{r['package']}`, version `{r['package_version']}`"
            + (" (read through the `bible` program of package `bible-kjv`, version "
               f"`{r['extractor_version']}`)" if r.get("extractor_version") else ""),
            f"- Licence: {c.licence}",
            f"- Size: {r['chars']:,} characters, {r['lines']:,} lines",
            f"- Vocabulary: {r['vocab']} distinct characters",
            f"- sha256: `{r['sha256']}`",
            f"- Cleaning: {c.cleaning}",
            "",
        ]
    return "\n".join(out).rstrip("\n") + "\n"


def build_all(out_dir: Path, only: set[str] | None = None) -> list[dict]:
    records = []
    missing = []
    for c in CORPORA:
        if only and c.name not in only:
            continue
        try:
            text = finish(c.build())
            version = package_version(c.package)
            extractor = package_version("bible-kjv") if c.package == "bible-kjv-text" else None
        except MissingSource as exc:
            missing.append((c, str(exc)))
            continue
        data = text.encode("utf-8")
        write_atomic(out_dir / c.file, data)
        rec = {
            "name": c.name,
            "file": c.file,
            "title": c.title,
            "description": c.description,
            "kind": c.kind,
            "chars": len(text),
            "vocab": len(set(text)),
            "lines": text.count("\n"),
            "sha256": sha256_bytes(data),
            "package": c.package,
            "package_version": version,
        }
        if extractor:
            rec["extractor_version"] = extractor
        records.append(rec)
        print(f"{c.file:24} {len(text):>9,} chars  vocab {len(set(text)):>3}", file=sys.stderr)
    if missing:
        pkgs = sorted({"bible-kjv" if c.package == "bible-kjv-text" else c.package
                       for c, _ in missing})
        for c, why in missing:
            print(f"error: {c.name}: {why}", file=sys.stderr)
        print("install the missing packages with:\n    apt-get install " + " ".join(pkgs),
              file=sys.stderr)
        raise SystemExit(2)
    if not only:
        index = [{k: r[k] for k in ("name", "file", "title", "description", "kind",
                                    "chars", "vocab", "sha256", "package",
                                    "package_version")} for r in records]
        write_atomic(out_dir / "index.json",
                     (json.dumps(index, indent=2, ensure_ascii=True) + "\n").encode())
        write_atomic(out_dir / "SOURCES.md", render_sources(records).encode("utf-8"))
    return records


def check(out_dir: Path) -> int:
    with tempfile.TemporaryDirectory(prefix="oracle-corpora-") as tmp:
        build_all(Path(tmp))
        bad = 0
        names = sorted(p.name for p in Path(tmp).iterdir())
        for name in names:
            new = sha256_bytes((Path(tmp) / name).read_bytes())
            committed = out_dir / name
            old = sha256_bytes(committed.read_bytes()) if committed.exists() else None
            status = "ok" if old == new else ("MISSING" if old is None else "DIFFERS")
            if status != "ok":
                bad += 1
            print(f"{status:8} {name}  {new[:16]}" + ("" if old in (None, new) else
                                                     f"  (committed {old[:16]})"))
    print("all corpora match" if not bad else f"{bad} file(s) differ", file=sys.stderr)
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description="Rebuild Oracle's bundled public-domain corpora (corpora/*.txt, "
                    "index.json, SOURCES.md) from installed Debian packages: "
                    "bible-kjv, dict-devil, dict-jargon, display-dhammapada.",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help=f"output directory (default: {DEFAULT_OUT})")
    p.add_argument("--check", action="store_true",
                   help="rebuild into a temporary directory and compare sha256 with the "
                        "files in --out; exit 1 if any differ")
    p.add_argument("--list", action="store_true", help="list the corpora and exit")
    p.add_argument("--only", action="append", metavar="NAME",
                   help="build only this corpus (repeatable; index.json and SOURCES.md "
                        "are then left alone)")
    args = p.parse_args(argv)
    if args.list:
        for c in CORPORA:
            print(f"{c.name:18} {c.kind:10} {c.package:20} {c.title}")
        return 0
    if args.check:
        return check(args.out)
    if args.only:
        unknown = set(args.only) - {c.name for c in CORPORA}
        if unknown:
            p.error("unknown corpus: " + ", ".join(sorted(unknown)))
    build_all(args.out, set(args.only) if args.only else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
