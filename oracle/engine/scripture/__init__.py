"""Scriptures: a whole book composed from a model's readings (compose.py), its record (record.py),
and writers for Markdown, HTML, EPUB and PDF (md.py, html.py, epub.py, export.py)."""

from oracle.engine.scripture.compose import ChapterDone, Composer, Progress, regenerate_or_resume, start
from oracle.engine.scripture.export import FORMATS, check_output, render, write
from oracle.engine.scripture.record import Book, Chapter, Plan, Scripture, Sizes, list_saved, load, save, saved_path

__all__ = ["ChapterDone", "Composer", "Progress", "regenerate_or_resume", "start", "FORMATS", "check_output", "render",
           "write", "Book", "Chapter", "Plan", "Scripture", "Sizes", "list_saved", "load", "save", "saved_path"]
