"""A model name's write lock, and putting a fully written model folder in place of another.

A model folder changes hands only by renames: a new one is written under a hidden name and swapped
in; a deleted or replaced one is first renamed aside (`.trash-NAME-…`, `.old-NAME-…`) and deleted
after. The lock of a name lives beside the folder, so it guards the name whatever happens to the folder.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

from oracle.engine.errors import ModelBusy, NameTaken
from oracle.engine.io.atomic import fsync_dir


def lock_path(folder: Path) -> Path:
    """A model's lock lives beside its folder, not in it: it outlives moves, replacements and
    deletions of the folder, and it exists before the folder does (a new run trains elsewhere)."""
    return folder.with_name(f".{folder.name}.lock")


@contextmanager
def locked(folder: Path):
    """Hold the model name's write lock; a second writer gets a clear refusal instead of a race."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    path = lock_path(folder)
    for _ in range(10):
        fh = open(path, "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            raise ModelBusy(f"Model {folder.name!r} is being written by another Oracle process: "
                            "wait for it to finish or use another name.") from None
        # The lock file of a deleted model is removed (`forget_lock`): one opened just before that
        # is no lock any more, since the next writer creates a new file. Hold the file the path names.
        if _same_file(fh, path):
            break
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()
    else:
        raise ModelBusy(f"Model {folder.name!r} keeps being deleted and made by other Oracle processes: try again.")
    try:
        yield
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def _same_file(fh, path: Path) -> bool:
    try:
        held, there = os.fstat(fh.fileno()), os.stat(path)
    except FileNotFoundError:
        return False
    return (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino)


def forget_lock(folder: Path) -> None:
    """Remove the lock file of a name no model has any more; the caller holds that lock."""
    try:
        lock_path(folder).unlink()
    except OSError:
        pass


def is_model_folder(folder: Path) -> bool:
    """A folder holds a model once a meta.json or a checkpoint was committed (a lock alone does not count)."""
    return (folder / "meta.json").exists() or (folder / "checkpoint.json").exists()


def aside_name(folder: Path, kind: str = "trash") -> Path:
    return folder.with_name(f".{kind}-{folder.name}-{time.time_ns():x}")


def discard(folder: Path) -> None:
    """Delete a folder set aside. A model folder that was a symlink is unlinked (its target is not
    Oracle's to delete): rmtree refuses a symlink, and with ignore_errors the link stayed behind as
    an `.old-` folder, which the next start put back in place of a model deleted since."""
    if folder.is_symlink():
        folder.unlink(missing_ok=True)
    else:
        shutil.rmtree(folder, ignore_errors=True)


def remove_folder(folder: Path) -> None:
    with locked(folder):
        if folder.exists():
            trash = aside_name(folder)
            os.replace(folder, trash)  # one rename: the name is gone at once; deleting files is slow
            discard(trash)
        forget_lock(folder)  # no `.NAME.lock` left behind by a deleted model


def swap_in(staging: Path, target: Path, force: bool) -> None:
    """Put a fully written folder in place of `target` (whose lock the caller holds).

    Two renames, the old model aside (`.old-NAME-…`) and the new one in its place, and the old one
    is deleted only after: a kill between the two leaves the old model aside, and the next start puts it
    back (see `registry.sweep`). Nothing is deleted before its replacement is complete.
    """
    if target.exists():
        if not force and is_model_folder(target):
            raise NameTaken(f"A model named {target.name!r} already exists", remedy="replace_model")
        trash = aside_name(target, "old")
        os.replace(target, trash)
        os.replace(staging, target)
        fsync_dir(target.parent)
        discard(trash)
    else:
        os.replace(staging, target)
        fsync_dir(target.parent)
