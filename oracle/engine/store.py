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
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from . import paths
from .atomic import fsync_dir, write_bytes_atomic, write_json_atomic
from .errors import CorruptModel, ModelBusy, ModelNotFound, NameTaken, OracleError
from .model import CharLSTM, ModelConfig
from .sample import Oracle
from .vocab import Vocabulary

FORMAT = "oracle-model"
FORMAT_VERSION = 1
EXPORT_SUFFIX = ".oracle"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def check_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise OracleError(f"Model name {name!r} is not allowed: use up to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.")
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
        size = sum(f.stat().st_size for f in self.path.iterdir() if f.is_file())
        return {"name": self.name, "shipped": self.shipped, "corpora": [c["name"] for c in meta.get("corpora", [])],
                "parameters": meta.get("parameters"), "best_val_loss": val,
                "best_val_bpc": None if val is None else val / 0.6931471805599453,
                "training_seconds": meta.get("training_seconds"), "created": meta.get("created"),
                "size_bytes": size, "epochs": len(meta.get("metrics", [])), "path": str(self.path)}


# ---- finding models -------------------------------------------------------------------------

def user_dir(name: str) -> Path:
    return paths.models_dir() / check_name(name)


def _read_meta(folder: Path) -> dict:
    meta_path = folder / "meta.json"
    try:
        meta = json.loads(meta_path.read_text("utf-8"))
    except FileNotFoundError:
        raise CorruptModel(f"{folder} has no meta.json: it is not a finished Oracle model; delete it or resume its training.") from None
    except (UnicodeDecodeError, json.JSONDecodeError, OSError) as err:
        raise CorruptModel(f"{meta_path} is corrupted ({err.__class__.__name__}): restore the model from an export or delete it.") from None
    check_meta(meta, str(meta_path))
    return meta


def check_meta(meta, where: str) -> None:
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CorruptModel(f"{where} is not an Oracle model file: export models with `oracle models export`.")
    if meta.get("format_version") != FORMAT_VERSION:
        raise CorruptModel(f"{where} was written in model format {meta.get('format_version')!r}, but this Oracle reads format {FORMAT_VERSION}: use a matching Oracle version or retrain.")
    try:
        config = ModelConfig.from_dict(meta["config"])
        vocab = meta["vocab"]
        assert isinstance(vocab, str) and len(vocab) == config.vocab_size and len(set(vocab)) == len(vocab)
        assert isinstance(meta["weights"]["file"], str) and "/" not in meta["weights"]["file"]
    except Exception:
        raise CorruptModel(f"{where} has an inconsistent config or vocabulary: it cannot be loaded; restore it from an export.") from None


def list_models() -> list[ModelEntry]:
    """User models (newest first), then the shipped ones a user model does not shadow."""
    entries = []
    for folder in sorted(paths.models_dir().iterdir()) if paths.models_dir().is_dir() else []:
        if folder.is_dir() and (folder / "meta.json").is_file() and _NAME.match(folder.name):
            try:
                entries.append(ModelEntry(folder.name, folder, _read_meta(folder), False))
            except CorruptModel as err:
                entries.append(ModelEntry(folder.name, folder, {"error": str(err)}, False))
    entries.sort(key=lambda e: e.meta.get("updated", ""), reverse=True)
    names = {e.name for e in entries}
    shipped = paths.shipped_models_dir()
    for folder in sorted(shipped.iterdir()) if shipped.is_dir() else []:
        if folder.is_dir() and (folder / "meta.json").is_file() and folder.name not in names:
            entries.append(ModelEntry(folder.name, folder, _read_meta(folder), True))
    return entries


def find(name: str) -> ModelEntry:
    for entry in list_models():
        if entry.name == name:
            if "error" in entry.meta:
                raise CorruptModel(entry.meta["error"])
            return entry
    there = ", ".join(e.name for e in list_models()) or "none yet"
    raise ModelNotFound(f"No model named {name!r}: the models are {there}.")


def settings_path() -> Path:
    return paths.home() / "settings.json"


def active_name() -> str | None:
    """The model `ask` and the Oracle screen use: the chosen one, else the newest, else the default."""
    try:
        chosen = json.loads(settings_path().read_text("utf-8")).get("active")
    except (OSError, ValueError, AttributeError):
        chosen = None
    models = [e for e in list_models() if "error" not in e.meta]
    if chosen and any(e.name == chosen for e in models):
        return chosen
    return models[0].name if models else None


def set_active(name: str) -> None:
    find(name)
    try:
        settings = json.loads(settings_path().read_text("utf-8"))
        settings = settings if isinstance(settings, dict) else {}
    except (OSError, ValueError):
        settings = {}
    settings["active"] = name
    write_json_atomic(settings_path(), settings)


# ---- loading ---------------------------------------------------------------------------------

def read_weights(path: Path, expected_sha: str | None) -> dict[str, torch.Tensor]:
    try:
        data = path.read_bytes()
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
        # holds nothing like it: its weight matrices alone (counted, not built) must fit in the file.
        # Counting, not a meta-device model: the first meta-device op costs seconds (torch imports its
        # meta kernels), which every `oracle ask` would pay.
        h, v = config.hidden_size, config.vocab_size
        least = (0 if config.one_hot else v * config.embed_dim) + 4 * h * (config.input_size + h) \
            + 8 * h * h * (config.num_layers - 1) + v * h
        if least > sum(t.numel() for t in tensors.values()):
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
    return Oracle(name, net, Vocabulary(meta["vocab"]), bool(meta.get("lowercase")), meta)


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
    meta = {**meta, "format": FORMAT, "format_version": FORMAT_VERSION}
    write_json_atomic(folder / "meta.json", meta)
    prune(folder)


def prune(folder: Path) -> None:
    """Delete weight and state files no committed JSON refers to (left by a crash or superseded)."""
    keep = set()
    for pointer in ("meta.json", "checkpoint.json"):
        try:
            data = json.loads((folder / pointer).read_text("utf-8"))
        except (OSError, ValueError):
            continue
        for ref in (data.get("weights"), data.get("state"), (data.get("best") or {}).get("weights")):
            if isinstance(ref, dict):
                keep.add(ref.get("file"))
    for f in folder.iterdir():
        if f.is_file() and (f.name.startswith(("weights-", "last-", "state-")) or f.name.endswith(".tmp")) and f.name not in keep:
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
    write_json_atomic(folder / "checkpoint.json", {**pointer, "format": FORMAT, "format_version": FORMAT_VERSION,
                                                   "weights": weights, "state": {"file": fname, "sha256": sha256_bytes(data)}})
    prune(folder)


def read_checkpoint(folder: Path) -> tuple[dict, dict[str, torch.Tensor], dict]:
    try:
        pointer = json.loads((folder / "checkpoint.json").read_text("utf-8"))
    except FileNotFoundError:
        if not folder.is_dir():
            raise ModelNotFound(f"No model named {folder.name!r} to resume: `oracle models list` shows the models there are.") from None
        raise OracleError(f"{folder.name} has no resumable checkpoint: it finished or was imported; train a new model instead.") from None
    except (OSError, ValueError):
        raise CorruptModel(f"{folder / 'checkpoint.json'} is corrupted: the run cannot be resumed, but the model itself still loads.") from None
    if pointer.get("format_version") != FORMAT_VERSION:
        raise CorruptModel(f"{folder / 'checkpoint.json'} comes from an incompatible Oracle version: it cannot be resumed.")
    tensors = read_weights(folder / pointer["weights"]["file"], pointer["weights"]["sha256"])
    state_path = folder / pointer["state"]["file"]
    try:
        data = state_path.read_bytes()
    except OSError:
        raise CorruptModel(f"{state_path} is missing: the run cannot be resumed.") from None
    if sha256_bytes(data) != pointer["state"]["sha256"]:
        raise CorruptModel(f"{state_path} does not match its recorded sha256: the run cannot be resumed.")
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception:
        raise CorruptModel(f"{state_path} is not a plain tensor file (refused to unpickle it): the run cannot be resumed.") from None
    return pointer, tensors, state


@contextmanager
def locked(folder: Path):
    """Hold the model's write lock; a second writer gets a clear refusal instead of a race."""
    folder.mkdir(parents=True, exist_ok=True)
    fh = open(folder / ".lock", "a+")
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

def _user_entry(name: str, action: str) -> ModelEntry:
    entry = find(name)
    if entry.shipped:
        raise OracleError(f"{name!r} is the shipped default and cannot be {action}: copy it first with `oracle models copy {name} NEW`.")
    return entry


def _free(name: str, force: bool) -> Path:
    target = user_dir(name)
    if target.exists():
        if not force and is_model_folder(target):
            raise NameTaken(f"A model named {name!r} already exists: pick another name or pass --force to replace it.")
        remove_folder(target)
    return target


def is_model_folder(folder: Path) -> bool:
    """A folder holds a model once a meta.json or a checkpoint was committed (a lock alone does not count)."""
    return (folder / "meta.json").exists() or (folder / "checkpoint.json").exists()


def remove_folder(folder: Path) -> None:
    with locked(folder):
        trash = folder.with_name(f".trash-{folder.name}-{time.time_ns():x}")
        os.replace(folder, trash)
    shutil.rmtree(trash, ignore_errors=True)


def rename(old: str, new: str, force: bool = False) -> None:
    entry = _user_entry(old, "renamed")
    check_name(new)
    if new == old:
        return
    with locked(entry.path):
        target = _free(new, force)
        # The new name goes into meta.json before the move: if that write fails (disk full), the
        # model is untouched; if the move fails, it only carries a stale name inside.
        meta = _read_meta(entry.path)
        meta["name"] = new
        write_json_atomic(entry.path / "meta.json", meta)
        os.replace(entry.path, target)
    fsync_dir(target.parent)


def delete(name: str) -> None:
    remove_folder(_user_entry(name, "deleted").path)


def _pack(entry: ModelEntry) -> bytes:
    meta = entry.meta
    tensors = read_weights(entry.path / meta["weights"]["file"], meta["weights"].get("sha256"))
    return st_save(tensors, metadata={"oracle_meta": json.dumps(meta, ensure_ascii=False)})


def export(name: str, dest: Path, force: bool = False) -> Path:
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / f"{name}{EXPORT_SUFFIX}"
    if dest.exists() and not force:
        raise NameTaken(f"{dest} already exists: choose another file or pass --force to overwrite it.")
    if not dest.parent.is_dir():
        raise OracleError(f"Cannot export to {dest}: the folder {dest.parent} does not exist.")
    write_bytes_atomic(dest, _pack(find(name)))
    return dest


def _unpack(src: Path) -> tuple[dict, dict[str, torch.Tensor], bytes]:
    try:
        data = Path(src).read_bytes()
    except FileNotFoundError:
        raise OracleError(f"{src} does not exist: give the path of a .oracle file made by `oracle models export`.") from None
    except OSError as err:
        raise OracleError(f"Cannot read {src}: {err.strerror}.") from None
    try:
        # A safetensors file: 8-byte little-endian header length, JSON header, raw tensor bytes.
        header_len = int.from_bytes(data[:8], "little")
        header = json.loads(data[8:8 + header_len])
        meta = json.loads(header["__metadata__"]["oracle_meta"])
        tensors = st_load(data)
    except Exception:
        raise CorruptModel(f"{src} is not an Oracle model export (or it is truncated): export models with `oracle models export`.") from None
    check_meta(meta, str(src))
    return meta, tensors, data


def import_(src: Path, name: str | None = None, force: bool = False) -> str:
    """Validate everything first; only a model that loads is written, and atomically."""
    meta, tensors, _ = _unpack(src)
    build_net(meta, tensors, str(src))
    name = check_name(name or meta.get("name") or Path(src).stem)
    if not force and user_dir(name).exists():
        raise NameTaken(f"A model named {name!r} already exists: pass --name NEW or --force to replace it.")
    return _install(meta, tensors, name, force)


def _install(meta: dict, tensors: dict, name: str, force: bool) -> str:
    root = paths.models_dir()
    staging = Path(tempfile.mkdtemp(prefix=f".import-{name}-", dir=root))
    try:
        data = st_save(tensors)
        fname = f"weights-{time.time_ns():x}.safetensors"
        write_bytes_atomic(staging / fname, data)
        meta = {**meta, "name": name, "weights": {"file": fname, "sha256": sha256_bytes(data)},
                "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        write_json_atomic(staging / "meta.json", meta)
        target = _free(name, force)
        os.replace(staging, target)
        fsync_dir(root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return name


def copy(src: str, dest: str, force: bool = False) -> str:
    """Copy any model (the shipped default included) to a user model you can rename or train on."""
    entry = find(src)
    check_name(dest)
    if not force and user_dir(dest).exists():
        raise NameTaken(f"A model named {dest!r} already exists: pick another name or pass --force.")
    tensors = read_weights(entry.path / entry.meta["weights"]["file"], entry.meta["weights"].get("sha256"))
    meta = {**entry.meta, "copied_from": src}
    return _install(meta, tensors, dest, force)
