"""Moving models around: rename, delete, copy, and export to / import from one `.oracle` file.

An export is a safetensors file whose metadata holds the model's meta.json (and its word list). An
import is checked in full (metadata, weights against config, word list) before anything is written,
and is written in a hidden folder swapped in under the name's lock. Weights move as numpy arrays:
managing models never imports torch.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from safetensors.numpy import load as st_load
from safetensors.numpy import save as st_save

from oracle.engine.data import words as wordlist
from oracle.engine.errors import CorruptModel, NameTaken, OracleError
from oracle.engine.io import limits, paths
from oracle.engine.io.atomic import write_bytes_atomic
from oracle.engine.io.locks import forget_lock, is_model_folder, locked, remove_folder, swap_in
from oracle.engine.io.readers import ReadRefused, parse_json, read_regular, read_safetensors_header
from oracle.engine.model.finite import check_finite
from oracle.engine.store.meta import MAX_META_BYTES, check_meta
from oracle.engine.store.records import FileRef, ModelMeta, write_meta
from oracle.engine.store.registry import ModelEntry, check_name, find, models_root, shipped_names, user_dir
from oracle.engine.store.weights import check_arrays, read_arrays, sha256_bytes

EXPORT_SUFFIX = ".oracle"
STALE_TEMP_SECONDS = 600  # an export writes in seconds: a temp file this old was left by a killed one


def _user_entry(name: str, action: str, readable: bool = True) -> ModelEntry:
    entry = find(name, readable)
    if entry.shipped:
        raise OracleError(f"{name!r} is the shipped default and cannot be {action}", remedy="copy_shipped", name=name)
    return entry


def rename(old: str, new: str, force: bool = False) -> None:
    entry = _user_entry(old, "renamed")
    check_name(new)
    if new == old:
        return
    target = user_dir(new)
    with locked(entry.path), locked(target):
        if not force and is_model_folder(target):
            raise NameTaken(f"A model named {new!r} already exists", remedy="replace_model")
        # The new name goes into meta.json before the move: if that write fails (disk full), the
        # model is untouched; if the move fails, it only carries a stale name inside.
        write_meta(entry.path, replace(ModelMeta.read(entry.path), name=new))
        swap_in(entry.path, target, force=True)
        forget_lock(entry.path)  # the old name has no model now


def delete(name: str) -> None:
    remove_folder(_user_entry(name, "deleted", readable=False).path)  # a damaged model can always be deleted


def _pack(entry: ModelEntry) -> bytes:
    tensors = read_arrays(entry.path / entry.model.weights.file, entry.model.weights.sha256)
    extra = {}
    if entry.model.words is not None:  # the word list travels in the export's metadata, checked on import
        extra["oracle_words"] = wordlist.export_text(entry.path, entry.model.words)
    return st_save(tensors, metadata={"oracle_meta": json.dumps(entry.model.to_dict(), ensure_ascii=False), **extra})


def export(name: str, dest: Path, force: bool = False) -> Path:
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / f"{name}{EXPORT_SUFFIX}"
    paths.check_storable(str(dest), "The export path")
    if os.path.lexists(dest):
        if not force:
            raise NameTaken(f"{dest} already exists", remedy="replace_file")
        mode = dest.lstat().st_mode
        if not stat.S_ISREG(mode):
            # Replacing puts a new file under that name: a device node, a FIFO or a symlink would turn
            # into a regular file (as root, /dev/null itself). Only regular files are ever replaced.
            what = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
            raise OracleError(f"{dest} is {what}: only a regular file is ever replaced; export to a new file name instead.")
    if not dest.parent.is_dir():
        raise OracleError(f"Cannot export to {dest}: the folder {dest.parent} does not exist.")
    data = _pack(find(name))
    _clear_stale_temp(dest)
    write_bytes_atomic(dest, data)
    return dest


def _clear_stale_temp(dest: Path) -> None:
    """Remove temp files of this very destination left by a killed export (`.NAME.XXXX.tmp`, old)."""
    try:
        names = os.listdir(dest.parent)
    except OSError:
        return
    now = time.time()
    for entry in names:
        if entry.startswith(f".{dest.name}.") and entry.endswith(".tmp"):
            path = dest.parent / entry
            try:
                info = path.lstat()
                if stat.S_ISREG(info.st_mode) and now - info.st_mtime > STALE_TEMP_SECONDS:
                    path.unlink()
            except OSError:
                continue


def unpack(src: Path) -> tuple[ModelMeta, dict[str, np.ndarray], bytes]:
    """An export file read and checked whole: its checked metadata, its weights (numpy arrays) and its bytes (refused with one sentence)."""
    not_ours = CorruptModel(f"{src} is not an Oracle model export (or it is truncated): export models from Oracle to move them.")
    # A safetensors file: 8-byte little-endian header length, JSON header, raw tensor bytes. The
    # header is read and checked first (its size, the file's size, the metadata with the caps of a
    # meta.json, the tensors' names and shapes against its config): a hostile file, a 2 GB sparse
    # one included, is refused before the tensors are read.
    try:
        header, _ = read_safetensors_header(Path(src), limits.MAX_EXPORT_HEADER_BYTES)
    except FileNotFoundError:
        raise OracleError(f"{src} does not exist: give the path of a .oracle file exported from Oracle.") from None
    except ReadRefused as why:
        if str(why).startswith(("is a", "is an")):  # a folder, a FIFO, a device: not a file at all
            raise OracleError(f"{src} {why}: give the path of a .oracle file exported from Oracle.") from None
        raise CorruptModel(f"{src} is not an Oracle model export: it {why}.") from None
    except OSError as err:
        raise OracleError(f"Cannot read {src}: {err.strerror}.") from None
    try:
        meta = parse_json(header["__metadata__"]["oracle_meta"].encode("utf-8"), MAX_META_BYTES)
    except ReadRefused as why:
        raise CorruptModel(f"{src} is not an Oracle model export: its metadata {why}.") from None
    except Exception:
        raise not_ours from None
    info = check_meta(meta, str(src))
    try:
        shapes = {k: SimpleNamespace(shape=tuple(v["shape"])) for k, v in header.items() if k != "__metadata__"}
    except Exception:
        raise not_ours from None
    check_arrays(info, shapes, str(src))
    try:
        data = read_regular(Path(src), limits.MAX_IMPORT_BYTES)
    except ReadRefused as why:
        raise OracleError(f"{src} {why}: give the path of a .oracle file exported from Oracle.") from None
    except OSError as err:
        raise OracleError(f"Cannot read {src}: {err.strerror}.") from None
    try:
        tensors = st_load(data)
    except Exception:
        raise not_ours from None
    check_finite(tensors, str(src), "export the model again from a copy that answers")
    return info, tensors, data


def import_(src: Path, name: str | None = None, force: bool = False) -> str:
    """Validate everything first; only a model that loads is written, and atomically."""
    info, tensors, data = unpack(src)
    check_arrays(info, tensors, str(src))
    words = wordlist.from_export(data, info.words, str(src))
    given = name
    name = check_name(name or info.name or Path(src).stem)
    if given is None and name in shipped_names():
        raise NameTaken(f"The model in {src} is called {name!r}, the name of the oracle shipped with Oracle, "
                        "which a model of yours would hide", remedy="import_renamed", name=name)
    if not force and is_model_folder(user_dir(name)):
        raise NameTaken(f"A model named {name!r} already exists", remedy="import_name", name=name)
    return _install(info, tensors, name, force, words)


def _install(meta: ModelMeta, tensors: dict, name: str, force: bool, words: bytes | None = None) -> str:
    """Write the model in a hidden folder, then swap it in, all under the name's lock."""
    target = user_dir(name)
    with locked(target):
        staging = models_root() / f".import-{name}-{time.time_ns():x}"
        staging.mkdir()
        try:
            data = st_save(tensors)
            fname = f"weights-{time.time_ns():x}.safetensors"
            write_bytes_atomic(staging / fname, data)
            meta = replace(meta, name=name, weights=FileRef(fname, sha256_bytes(data)),
                           updated=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
            if words is not None and meta.words is not None:  # already checked against meta.words.sha256
                write_bytes_atomic(staging / meta.words.file, words)
            else:
                meta = replace(meta, words=None)
            write_meta(staging, meta)
            swap_in(staging, target, force)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return name


def copy(src: str, dest: str, force: bool = False) -> str:
    """Copy any model (the shipped default included) to a user model you can rename or train on."""
    entry = find(src)
    check_name(dest)
    if not force and is_model_folder(user_dir(dest)):
        raise NameTaken(f"A model named {dest!r} already exists", remedy="replace_model")
    tensors = read_arrays(entry.path / entry.model.weights.file, entry.model.weights.sha256)
    return _install(replace(entry.model, copied_from=src), tensors, dest, force, wordlist.read_bytes(entry.path, entry.model.words))
