"""Every path Oracle reads or writes is decided here, and only here.

User data lives in platformdirs' user data dir for "oracle" unless ORACLE_HOME says otherwise;
tests always point ORACLE_HOME at a temporary folder. Shipped data (the default model and the
bundled corpora) sits inside the installed package (`oracle/_data`, put there by the wheel build)
or, in a source checkout, at the top of the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir, user_documents_dir

from oracle.engine.errors import OracleError

_PACKAGE_DIR = Path(__file__).resolve().parents[2]  # oracle/ (this file is oracle/engine/io/paths.py)
_REPO_DIR = _PACKAGE_DIR.parent


def _home_path() -> Path:
    env = os.environ.get("ORACLE_HOME")
    try:
        return Path(env).expanduser() if env else Path(user_data_dir("oracle", appauthor=False))
    except RuntimeError:  # "~someone/x" for a user this system does not have
        raise OracleError(f"ORACLE_HOME {env} starts with ~ for a user that does not exist here: point it at a folder.") from None


def where() -> str:
    """Where the data goes, in words, for `oracle --help`: nothing is created or checked."""
    try:
        folder = str(_home_path())
    except OracleError:
        folder = os.environ.get("ORACLE_HOME", "?")
    source = "ORACLE_HOME" if os.environ.get("ORACLE_HOME") else "this platform's data folder; set ORACLE_HOME to move it"
    return f"{folder} ({source})"


def home() -> Path:
    """The data folder, created on first use. ORACLE_HOME overrides the platform default."""
    root = _home_path()
    if "\x00" in str(root):
        raise OracleError("ORACLE_HOME holds a NUL character: point it at a folder.")
    if root.exists() and not root.is_dir():
        raise OracleError(f"ORACLE_HOME {root} is a file, not a folder: point ORACLE_HOME at a folder.")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OracleError(f"Cannot create the data folder {root} ({err.strerror}): set ORACLE_HOME to a writable folder.") from None
    return root


def home_folder(name: str) -> Path:
    """ORACLE_HOME/name, created on first use (one sentence if it cannot be)."""
    path = home() / name
    try:
        path.mkdir(exist_ok=True)
    except OSError as err:
        raise OracleError(f"Cannot create {path} ({err.strerror}): set ORACLE_HOME to a writable folder.") from None
    return path


def models_dir() -> Path:
    return home_folder("models")


def conversations_dir() -> Path:
    return home_folder("conversations")


def exports_dir() -> Path:
    """Where an export is offered by default: the user's Documents folder where there is one, else
    ORACLE_HOME/exports. Never the working folder, which may be a git clone or a system folder."""
    documents = Path(user_documents_dir())
    if documents.is_dir() and documents != Path.home():
        return documents
    return home_folder("exports")


def _shipped(name: str) -> Path:
    installed = _PACKAGE_DIR / "_data" / name
    return installed if installed.is_dir() else _REPO_DIR / name


def shipped_models_dir() -> Path:
    """Read-only models that come with Oracle (the default oracle)."""
    return _shipped("models")


def bundled_corpora_dir() -> Path:
    """Public-domain texts that come with Oracle (see corpora/SOURCES.md)."""
    return _shipped("corpora")


def check_storable(text: str, what: str) -> str:
    """Refuse text that cannot be written as UTF-8 (a lone surrogate, or a file name in another
    encoding that Python decoded with surrogateescape), before any work depends on storing it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        shown = text.encode("utf-8", "backslashreplace").decode("utf-8")[:200]
        raise OracleError(f"{what} {shown!r} is not valid UTF-8 (a name in another encoding?): rename it.") from None
    return text
