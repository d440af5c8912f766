"""Bounded reading of files Oracle did not write itself, or that someone may have replaced.

Every file is opened without blocking (a FIFO must not hang us), must be a regular file (not
/dev/zero, a socket or a terminal), and is read up to a stated size and no further. JSON is checked
for size and nesting depth before it is parsed: Python's json has no depth limit of its own, so a
file nested a thousand levels deep would parse near the top of the stack and then raise
RecursionError wherever it is read deeper down. NaN and Infinity, which Python's json accepts, are
refused: nothing Oracle writes holds them.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import numpy as np

MAX_DEPTH = 32  # Oracle's own files nest 4 levels; anything past this is hostile or broken


class ReadRefused(Exception):
    """Why a file could not be read, as the end of a sentence ("is a FIFO, not a regular file")."""


def _open_regular(path: Path) -> tuple[int, os.stat_result]:
    """An open descriptor of a regular file and its stat, or ReadRefused saying what it is instead
    (a FIFO or a device would block or never end; O_NONBLOCK and O_NOCTTY keep the open itself safe)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except IsADirectoryError:
        raise ReadRefused("is a folder, not a file") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ReadRefused(f"is {_kind(info.st_mode)}, not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd, info


def read_regular(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most `max_bytes`, or ReadRefused / OSError saying why not."""
    fd, info = _open_regular(path)
    try:
        if info.st_size > max_bytes:
            raise ReadRefused(f"is {info.st_size:,} bytes, more than the {max_bytes:,} allowed")
        chunks, total = [], 0
        while True:  # a file that grows while we read stops at the cap too
            chunk = os.read(fd, min(1 << 24, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise ReadRefused(f"grew past the {max_bytes:,} bytes allowed while it was read")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_safetensors_header(path: Path, max_header: int) -> tuple[dict, int]:
    """A safetensors file's JSON header and the file's size, read without reading the tensors, with
    the cheap checks a hostile or truncated file fails at once (ReadRefused): a regular file, a
    header within `max_header` bytes that parses, and tensors whose byte ranges end exactly where
    the file does. A 2 GB file of zeros is refused here in a millisecond, not after reading it whole."""
    fd, info = _open_regular(path)
    try:
        size = info.st_size
        head = os.pread(fd, 8, 0)
        length = int.from_bytes(head, "little") if len(head) == 8 else -1
        if length < 2 or length > min(max_header, size - 8):
            raise ReadRefused("does not begin with a safetensors header")
        data = os.pread(fd, length, 8)
    finally:
        os.close(fd)
    header = parse_json(data, max_header)
    if not isinstance(header, dict):
        raise ReadRefused("does not begin with a safetensors header")
    ends = [t.get("data_offsets", [0, -1])[1] if isinstance(t, dict) and isinstance(t.get("data_offsets"), list)
            and len(t["data_offsets"]) == 2 else -1 for k, t in header.items() if k != "__metadata__"]
    if any(not isinstance(e, int) or e < 0 for e in ends) or 8 + length + max(ends, default=0) != size:
        raise ReadRefused("is truncated, or holds more than its header lists")
    return header, size


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "a special file"


# A JSON string literal, written as an unrolled loop so it matches in linear time.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


def nesting_depth(data: bytes) -> int:
    """How deep [ and { nest outside string literals, counted without parsing (and without recursion)."""
    bare = np.frombuffer(_STRING.sub(b"", data), dtype=np.uint8)
    if not len(bare):
        return 0
    steps = (bare == 0x5B).astype(np.int32) + (bare == 0x7B) - (bare == 0x5D) - (bare == 0x7D)
    return int(np.cumsum(steps).max())


def _no_constants(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def parse_json(data: bytes, max_bytes: int):
    """Parse untrusted JSON bytes: size, depth, UTF-8 and finite numbers are checked (ReadRefused)."""
    if len(data) > max_bytes:
        raise ReadRefused(f"is {len(data):,} bytes, more than the {max_bytes:,} allowed")
    depth = nesting_depth(data)
    if depth > MAX_DEPTH:
        raise ReadRefused(f"nests {depth} levels deep, more than the {MAX_DEPTH} allowed")
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_no_constants)
    except UnicodeDecodeError as err:
        raise ReadRefused(f"is not UTF-8 (bad byte at offset {err.start})") from None
    except (ValueError, RecursionError) as err:
        raise ReadRefused(f"is not valid JSON ({str(err).split(':')[0]})") from None


def read_json(path: Path, max_bytes: int):
    """A JSON file that is a regular file of at most `max_bytes`. FileNotFoundError passes through."""
    return parse_json(read_regular(path, max_bytes), max_bytes)
