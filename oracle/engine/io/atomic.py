"""Crash-safe writes: a temp file in the same folder, fsync, then os.replace.

A kill at any moment leaves either the old file or the new one, never half of either.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from oracle.engine.errors import OracleError


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Call `write(tmp_path)` and move the result over `path` only once it is safely on disk."""
    path = Path(path)
    check_replaceable(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        os.chmod(tmp_path, _mode_for(path))  # mkstemp makes 0600; the result should look like any saved file
        write(tmp_path)
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def check_replaceable(path: Path) -> None:
    """Only a regular file (or nothing) is ever replaced: os.replace over /dev/null, a FIFO or a
    symlink would put a regular file in its place (as root, the device node itself is gone)."""
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return
    if not stat.S_ISREG(mode):
        what = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
        raise OracleError(f"{path} is {what}: Oracle only ever replaces regular files; move it away or write to another name.")


def _mode_for(path: Path) -> int:
    """The replaced file's own mode, or what a plain open() would give a new file under the umask."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        pass
    mask = os.umask(0o022)  # the only portable way to read the umask is to set it and put it back
    os.umask(mask)
    return 0o666 & ~mask


def write_bytes_atomic(path: Path, data: bytes) -> None:
    write_atomic(path, lambda tmp: None if tmp.write_bytes(data) else None)


def write_json_atomic(path: Path, obj: Any) -> None:
    # Names and texts are checked for UTF-8 before work starts; a stray half character that slips
    # through (a command line in another encoding) is written as \udcff text, never a failed save.
    write_bytes_atomic(path, (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode("utf-8", "backslashreplace"))


def fsync_dir(folder: Path) -> None:
    """Make a rename durable: the directory entry itself must reach the disk."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
