"""Where models live and how they are saved, loaded, listed, renamed, deleted, exported, imported.

A model is a folder: `meta.json` (config, vocabulary, provenance, metrics, and the name and sha256
of its weights file) plus `weights-*.safetensors`. A resumable run adds `checkpoint.json` and the
files it names. JSON files are the commit points: new weights are written under a fresh name
first, then the JSON that points at them replaces the old one atomically, then stale files go.
A kill at any moment leaves a folder that loads. Nothing here ever unpickles.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import stat
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from . import limits, paths
from . import words as wordlist
from .atomic import fsync_dir, write_bytes_atomic, write_json_atomic
from .errors import CorruptModel, ModelBusy, ModelNotFound, NameTaken, OracleError
from .meta import (
    FORMAT,
    FORMAT_VERSION,
    MAX_META_BYTES,
    check_meta,
    file_refs,
    finite_or_none,
    read_checkpoint_pointer,
    read_meta,
    read_settings,
)
from .model import CharLSTM, ModelConfig
from .readers import ReadRefused, parse_json, read_regular
from .sample import Oracle
from .vocab import Vocabulary

EXPORT_SUFFIX = ".oracle"
# fullmatch, not match with "$": "$" also matches before a final newline, and "name\n" is no name.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# Hidden work folders beside the models: a run before its first checkpoint, an import being
# written, a model being deleted or replaced. Each carries the model name it belongs to.
# `.trash-` holds a deleted model on its way out; `.old-` a replaced one until its successor is in place.
_WORK = re.compile(r"\.(staging|import|trash|old)-([A-Za-z0-9][A-Za-z0-9._-]{0,63})-[0-9a-f]+")


def check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        shown = repr(name)[:80]
        raise OracleError(f"Model name {shown} is not allowed: use up to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.")
    return name


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class ModelEntry:
    name: str
    path: Path
    meta: dict
    shipped: bool

    def summary(self) -> dict:
        meta = self.meta
        best = meta.get("best") or {}
        val = best.get("val_loss")
        size = sum(f.lstat().st_size for f in self.path.iterdir() if f.is_file())
        return {"name": self.name, "shipped": self.shipped, "corpora": [c["name"] for c in meta.get("corpora", [])],
                "parameters": meta.get("parameters"), "best_val_loss": val,
                "best_val_bpc": None if val is None else val / 0.6931471805599453,
                "training_seconds": meta.get("training_seconds"), "created": meta.get("created"),
                "size_bytes": size, "epochs": len(meta.get("metrics", [])), "path": str(self.path)}


# ---- finding models -------------------------------------------------------------------------

def user_dir(name: str) -> Path:
    return models_root() / check_name(name)


_swept: set[Path] = set()


def models_root() -> Path:
    """The user models folder; the first call in a process clears what killed processes left there."""
    root = paths.models_dir()
    if root not in _swept:
        _swept.add(root)
        sweep(root)
    return root


def sweep(root: Path) -> None:
    """Clear work folders and temp files a killed process left behind (not those of a live one).

    A live writer holds the lock of the model name its folder belongs to, so a name whose lock we
    can take has no writer. An `.old-` folder whose name is free again was caught between the two
    renames of a replacement: it is the old model, and it goes back in place.
    """
    try:
        found = sorted(os.listdir(root))
    except OSError:
        return
    for entry in found:
        work = _WORK.fullmatch(entry)
        if work is None and not (_NAME.fullmatch(entry) and os.path.isdir(root / entry)):
            continue
        name = work.group(2) if work else entry
        if work is None and not any(f.startswith(".") and f.endswith(".tmp") for f in _names(root / entry)):
            continue  # nothing to clear: no lock taken, so listing models never creates lock files
        try:
            with locked(root / name):
                if work is None:
                    _clear_temp_files(root / name)
                elif work.group(1) == "old" and not (root / name).exists() and is_model_folder(root / entry):
                    os.replace(root / entry, root / name)
                else:
                    shutil.rmtree(root / entry, ignore_errors=True)
        except (ModelBusy, OSError):
            continue


def _names(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []


def _clear_temp_files(folder: Path) -> None:
    """Temp files of writes cut short (`.NAME.XXXX.tmp`, see atomic.py); the caller holds the lock."""
    for f in folder.iterdir():
        if f.name.startswith(".") and f.name.endswith(".tmp") and f.is_file():
            f.unlink(missing_ok=True)


def list_models() -> list[ModelEntry]:
    """User models (newest first), then the shipped ones a user model does not shadow.

    A model whose files cannot be read is listed with its one-sentence error and never stops the
    others from being listed."""
    entries = []
    for folder in sorted(models_root().iterdir()):
        if _NAME.fullmatch(folder.name) and folder.is_dir() and (folder / "meta.json").exists():
            entries.append(_entry(folder, False))
    entries.sort(key=lambda e: e.meta.get("updated") or "", reverse=True)
    names = {e.name for e in entries}
    shipped = paths.shipped_models_dir()
    for folder in sorted(shipped.iterdir()) if shipped.is_dir() else []:
        if folder.is_dir() and (folder / "meta.json").is_file() and folder.name not in names:
            entries.append(_entry(folder, True))
    return entries


def _entry(folder: Path, shipped: bool) -> ModelEntry:
    try:
        return ModelEntry(folder.name, folder, read_meta(folder), shipped)
    except CorruptModel as err:
        return ModelEntry(folder.name, folder, {"error": str(err)}, shipped)


def find(name: str, readable: bool = True) -> ModelEntry:
    """The model called `name`; with readable=False also one whose files cannot be read (to delete it)."""
    for entry in list_models():
        if entry.name == name:
            if readable and "error" in entry.meta:
                raise CorruptModel(entry.meta["error"])
            return entry
    there = ", ".join(e.name for e in list_models()) or "none yet"
    raise ModelNotFound(f"No model named {name!r}: the models are {there}.")


def settings_path() -> Path:
    return paths.home() / "settings.json"


def active_name() -> str | None:
    """The model `ask` and the Oracle screen use: the chosen one, else the newest, else the default."""
    chosen = read_settings(settings_path()).get("active")
    models = [e for e in list_models() if "error" not in e.meta]
    if chosen and any(e.name == chosen for e in models):
        return chosen
    return models[0].name if models else None


def set_active(name: str) -> None:
    find(name)
    settings = read_settings(settings_path())
    settings["active"] = name
    write_json_atomic(settings_path(), settings)


# ---- loading ---------------------------------------------------------------------------------

def read_weights(path: Path, expected_sha: str | None) -> dict[str, torch.Tensor]:
    try:
        data = read_regular(path, limits.MAX_WEIGHTS_BYTES)
    except ReadRefused as why:
        raise CorruptModel(f"{path} {why}: restore the model from an export.") from None
    except OSError as err:
        raise CorruptModel(f"Cannot read {path} ({err.strerror}): restore the model from an export.") from None
    if expected_sha and sha256_bytes(data) != expected_sha:
        raise CorruptModel(f"{path} does not match the sha256 recorded in its metadata (truncated or altered): restore the model from an export.")
    try:
        return st_load(data)
    except (SafetensorError, Exception):
        raise CorruptModel(f"{path} is not a readable safetensors file: restore the model from an export.") from None


def build_net(meta: dict, tensors: dict[str, torch.Tensor], where: str) -> CharLSTM:
    mismatch = CorruptModel(f"{where} holds weights whose names or shapes do not match its config: it cannot be loaded.")
    try:
        config = ModelConfig.from_dict(meta["config"])
        # A config that lies (hidden size 10^6) must not allocate gigabytes before we notice the file
        # holds nothing like it: its weights (counted, not built) must be what the file holds.
        # Counting, not a meta-device model: the first meta-device op costs seconds (torch imports its
        # meta kernels), which every `oracle ask` would pay.
        if limits.parameters(config) > sum(t.numel() for t in tensors.values()):
            raise mismatch
        net = CharLSTM(config)
    except Exception:
        raise mismatch from None
    if {k: v.shape for k, v in net.state_dict().items()} != {k: v.shape for k, v in tensors.items()}:
        raise mismatch
    try:
        net.load_state_dict(tensors, strict=True)
    except RuntimeError:
        raise mismatch from None
    return net


def load(name: str) -> Oracle:
    entry = find(name)
    meta = entry.meta
    tensors = read_weights(entry.path / meta["weights"]["file"], meta["weights"].get("sha256"))
    net = build_net(meta, tensors, str(entry.path))
    words, words_notice = wordlist.read(entry.path, meta)  # a damaged word list costs only the words
    return Oracle(name, net, Vocabulary(meta["vocab"]), bool(meta.get("lowercase")), meta, words, words_notice)


# ---- saving (used by the trainer) -----------------------------------------------------------

def state_tensors(net: torch.nn.Module) -> dict[str, torch.Tensor]:
    module = getattr(net, "module", net)  # unwrap DDP
    return {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in module.state_dict().items()}


def write_weights(folder: Path, prefix: str, net) -> dict:
    """Write weights under a new unique name; return {file, sha256} for the JSON that commits them."""
    data = st_save(state_tensors(net))
    fname = f"{prefix}-{time.time_ns():x}.safetensors"
    write_bytes_atomic(folder / fname, data)
    return {"file": fname, "sha256": sha256_bytes(data)}


def commit_meta(folder: Path, meta: dict) -> None:
    # Non-finite numbers become null: what is written must pass the reader's checks.
    meta = finite_or_none({**meta, "format": FORMAT, "format_version": FORMAT_VERSION})
    write_json_atomic(folder / "meta.json", meta)
    prune(folder)


def prune(folder: Path) -> None:
    """Delete weight and state files no committed JSON refers to (left by a crash or superseded)."""
    keep = file_refs(folder)
    for f in folder.iterdir():
        if f.is_file() and (f.name.startswith(("weights-", "last-", "state-", "words-")) or f.name.endswith(".tmp")) and f.name not in keep:
            f.unlink(missing_ok=True)


def write_checkpoint(folder: Path, net, train_state: dict, pointer: dict) -> None:
    """The resumable state: weights + optimiser/scheduler/RNG (torch.save, read back weights_only)."""
    weights = write_weights(folder, "last", net)
    buf = tempfile.SpooledTemporaryFile()
    torch.save(train_state, buf)
    buf.seek(0)
    data = buf.read()
    fname = f"state-{time.time_ns():x}.pt"
    write_bytes_atomic(folder / fname, data)
    write_json_atomic(folder / "checkpoint.json", finite_or_none({**pointer, "format": FORMAT, "format_version": FORMAT_VERSION,
                                                                  "weights": weights, "state": {"file": fname, "sha256": sha256_bytes(data)}}))
    prune(folder)


def read_checkpoint(folder: Path) -> tuple[dict, dict[str, torch.Tensor], dict]:
    try:
        pointer = read_checkpoint_pointer(folder)
    except FileNotFoundError:
        if not folder.is_dir():
            raise ModelNotFound(f"No model named {folder.name!r} to resume", remedy="list_models") from None
        raise OracleError(f"{folder.name} has no resumable checkpoint: it finished or was imported; train a new model instead.") from None
    try:
        from .recipes import Recipe

        Recipe.from_dict(pointer["recipe"]).validate()
    except Exception:
        raise CorruptModel(f"{folder / 'checkpoint.json'} holds a recipe this Oracle cannot use: the run cannot be resumed.") from None
    tensors = read_weights(folder / pointer["weights"]["file"], pointer["weights"]["sha256"])
    state_path = folder / pointer["state"]["file"]
    try:
        data = read_regular(state_path, limits.MAX_WEIGHTS_BYTES)
    except (OSError, ReadRefused):
        raise CorruptModel(f"{state_path} is missing or unreadable: the run cannot be resumed.") from None
    if sha256_bytes(data) != pointer["state"]["sha256"]:
        raise CorruptModel(f"{state_path} does not match its recorded sha256: the run cannot be resumed.")
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception:
        raise CorruptModel(f"{state_path} is not a plain tensor file (refused to unpickle it): the run cannot be resumed.") from None
    return pointer, tensors, state


def lock_path(folder: Path) -> Path:
    """A model's lock lives beside its folder, not in it: it outlives moves, replacements and
    deletions of the folder, and it exists before the folder does (a new run trains elsewhere)."""
    return folder.with_name(f".{folder.name}.lock")


@contextmanager
def locked(folder: Path):
    """Hold the model name's write lock; a second writer gets a clear refusal instead of a race."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    fh = open(lock_path(folder), "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise ModelBusy(f"Model {folder.name!r} is being written by another Oracle process: wait for it to finish or use another name.") from None
    try:
        yield
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


# ---- managing ----------------------------------------------------------------------------------

def _user_entry(name: str, action: str, readable: bool = True) -> ModelEntry:
    entry = find(name, readable)
    if entry.shipped:
        raise OracleError(f"{name!r} is the shipped default and cannot be {action}", remedy="copy_shipped", name=name)
    return entry


def is_model_folder(folder: Path) -> bool:
    """A folder holds a model once a meta.json or a checkpoint was committed (a lock alone does not count)."""
    return (folder / "meta.json").exists() or (folder / "checkpoint.json").exists()


def _trash_name(folder: Path, kind: str = "trash") -> Path:
    return folder.with_name(f".{kind}-{folder.name}-{time.time_ns():x}")


def remove_folder(folder: Path) -> None:
    with locked(folder):
        if folder.exists():
            trash = _trash_name(folder)
            os.replace(folder, trash)  # one rename: the name is gone at once; deleting files is slow
            shutil.rmtree(trash, ignore_errors=True)


def swap_in(staging: Path, target: Path, force: bool) -> None:
    """Put a fully written folder in place of `target` (whose lock the caller holds).

    Two renames, the old model aside (`.old-NAME-…`) and the new one in its place, and the old one
    is deleted only after: a kill between the two leaves the old model aside, and the next start puts it
    back (see `sweep`). Nothing is deleted before its replacement is complete.
    """
    if target.exists():
        if not force and is_model_folder(target):
            raise NameTaken(f"A model named {target.name!r} already exists", remedy="replace_model")
        trash = _trash_name(target, "old")
        os.replace(target, trash)
        os.replace(staging, target)
        fsync_dir(target.parent)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.replace(staging, target)
        fsync_dir(target.parent)


def staging_folder(name: str) -> Path:
    """A fresh hidden folder beside the models where a new model is written before it takes its name."""
    folder = models_root() / f".staging-{check_name(name)}-{time.time_ns():x}"
    folder.mkdir()
    return folder


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
        meta = read_meta(entry.path)
        meta["name"] = new
        write_json_atomic(entry.path / "meta.json", meta)
        swap_in(entry.path, target, force=True)


def delete(name: str) -> None:
    remove_folder(_user_entry(name, "deleted", readable=False).path)  # a damaged model can always be deleted


def _pack(entry: ModelEntry) -> bytes:
    meta = entry.meta
    tensors = read_weights(entry.path / meta["weights"]["file"], meta["weights"].get("sha256"))
    extra = {}
    if meta.get("words") is not None:  # the word list travels in the export's metadata, checked on import
        extra["oracle_words"] = wordlist.export_text(entry.path, meta)
    return st_save(tensors, metadata={"oracle_meta": json.dumps(meta, ensure_ascii=False), **extra})


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


STALE_TEMP_SECONDS = 600  # an export writes in seconds: a temp file this old was left by a killed one


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


def _unpack(src: Path) -> tuple[dict, dict[str, torch.Tensor], bytes]:
    try:
        data = read_regular(Path(src), limits.MAX_IMPORT_BYTES)
    except FileNotFoundError:
        raise OracleError(f"{src} does not exist: give the path of a .oracle file exported from Oracle.") from None
    except ReadRefused as why:
        raise OracleError(f"{src} {why}: give the path of a .oracle file exported from Oracle.") from None
    except OSError as err:
        raise OracleError(f"Cannot read {src}: {err.strerror}.") from None
    not_ours = CorruptModel(f"{src} is not an Oracle model export (or it is truncated): export models from Oracle to move them.")
    # A safetensors file: 8-byte little-endian header length, JSON header, raw tensor bytes. The
    # header is bounded and parsed here, and the metadata inside it with the caps of a meta.json.
    header_len = int.from_bytes(data[:8], "little")
    if len(data) < 8 or header_len > len(data) - 8:
        raise not_ours
    try:
        header = parse_json(data[8:8 + header_len], limits.MAX_EXPORT_HEADER_BYTES)
        meta = parse_json(header["__metadata__"]["oracle_meta"].encode("utf-8"), MAX_META_BYTES)
    except ReadRefused as why:
        raise CorruptModel(f"{src} is not an Oracle model export: its metadata {why}.") from None
    except Exception:
        raise not_ours from None
    check_meta(meta, str(src))
    try:
        tensors = st_load(data)
    except Exception:
        raise not_ours from None
    return meta, tensors, data


def import_(src: Path, name: str | None = None, force: bool = False) -> str:
    """Validate everything first; only a model that loads is written, and atomically."""
    meta, tensors, data = _unpack(src)
    build_net(meta, tensors, str(src))
    words = wordlist.from_export(data, meta, str(src))
    name = check_name(name or meta.get("name") or Path(src).stem)
    if not force and is_model_folder(user_dir(name)):
        raise NameTaken(f"A model named {name!r} already exists", remedy="import_name")
    return _install(meta, tensors, name, force, words)


def _install(meta: dict, tensors: dict, name: str, force: bool, words: bytes | None = None) -> str:
    """Write the model in a hidden folder, then swap it in, all under the name's lock."""
    target = user_dir(name)
    with locked(target):
        staging = models_root() / f".import-{name}-{time.time_ns():x}"
        staging.mkdir()
        try:
            data = st_save(tensors)
            fname = f"weights-{time.time_ns():x}.safetensors"
            write_bytes_atomic(staging / fname, data)
            meta = {**meta, "name": name, "weights": {"file": fname, "sha256": sha256_bytes(data)},
                    "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
            if words is not None:  # already checked against meta["words"]["sha256"]
                write_bytes_atomic(staging / meta["words"]["file"], words)
            else:
                meta.pop("words", None)
            write_json_atomic(staging / "meta.json", meta)
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
    tensors = read_weights(entry.path / entry.meta["weights"]["file"], entry.meta["weights"].get("sha256"))
    meta = {**entry.meta, "copied_from": src}
    return _install(meta, tensors, dest, force, wordlist.read_bytes(entry.path, meta))
