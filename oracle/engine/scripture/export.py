"""Writing a scripture to a file whose suffix picks the format: .md, .html, .epub or .pdf.

The path is checked before any verse is written (a folder, a device, a symbolic link or a folder
that cannot be written to get one sentence), and the file is replaced atomically.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from oracle.engine.errors import OracleError
from oracle.engine.io.atomic import write_bytes_atomic
from oracle.engine.scripture import epub, html, md
from oracle.engine.scripture.record import Scripture

FORMATS = (".md", ".html", ".epub", ".pdf")
PDF_MISSING = ("PDF needs WeasyPrint, which is not installed: install it with `pip install 'oracle-lstm[pdf]'`, "
               "or write .html or .epub instead.")


def check_output(path: Path) -> Path:
    """The output path, or one sentence on why a scripture cannot be written there."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as err:
        raise OracleError(f"{path} cannot be used ({err.strerror}): choose another file.") from None
    if mode is not None:
        if stat.S_ISLNK(mode):
            raise OracleError(f"{path} is a symbolic link: write to the file itself or to another name.")
        if stat.S_ISDIR(mode):
            raise OracleError(f"{path} is a folder: name a file inside it, e.g. {path / 'scripture.epub'}.")
        if not stat.S_ISREG(mode):
            raise OracleError(f"{path} is a device or other special file, not a regular file: choose another name.")
    if suffix not in FORMATS:
        raise OracleError(f"{path} does not end in " + ", ".join(FORMATS) + ": its suffix chooses the format.")
    folder = path.parent
    if not folder.is_dir():
        raise OracleError(f"The folder {folder} does not exist: create it first or choose another one.")
    try:  # the only sure test: permissions, a read-only mount or /proc all show here, before any verse is written
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise OracleError(f"{path} cannot be written in {folder} ({err.strerror}): choose a folder you can write to.") from None
    if mode is not None and not os.access(path, os.W_OK):
        raise OracleError(f"{path} cannot be written (no permission): choose another name.")
    if suffix == ".pdf" and not pdf_available():
        raise OracleError(PDF_MISSING)
    return path


def pdf_available() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):  # OSError: WeasyPrint is there but its system libraries (Pango) are not
        return False
    return True


def render(scripture: Scripture, suffix: str) -> bytes:
    suffix = suffix.lower()
    if suffix == ".md":
        return md.render(scripture).encode("utf-8")
    if suffix == ".html":
        return html.render(scripture).encode("utf-8")
    if suffix == ".epub":
        return epub.render(scripture)
    if suffix == ".pdf":
        if not pdf_available():
            raise OracleError(PDF_MISSING)
        import weasyprint

        return weasyprint.HTML(string=html.render(scripture)).write_pdf()
    raise OracleError(f"{suffix!r} is not a scripture format: choose one of " + ", ".join(FORMATS) + ".")


def write(scripture: Scripture, path: Path) -> Path:
    path = check_output(path)
    write_bytes_atomic(path, render(scripture, path.suffix))
    return path
