"""Which models there are: model names, the models folder (cleared of what killed processes left),
the list of models, finding one by name, and the active-model preference.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from oracle.engine.errors import CorruptModel, ModelBusy, ModelNotFound, OracleError
from oracle.engine.io import paths
from oracle.engine.io.atomic import write_json_atomic
from oracle.engine.io.locks import discard, forget_lock, is_model_folder, locked
from oracle.engine.store.meta import read_meta, read_settings
from oracle.engine.store.records import ModelMeta, Settings

# fullmatch, not match with "$": "$" also matches before a final newline, and "name\n" is no name.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# Hidden work folders beside the models: a run before its first checkpoint, an import being
# written, a model being deleted or replaced. Each carries the model name it belongs to.
# `.trash-` holds a deleted model on its way out; `.old-` a replaced one until its successor is in place.
_LOCK = re.compile(r"\.([A-Za-z0-9][A-Za-z0-9._-]{0,63})\.lock")
_WORK = re.compile(r"\.(staging|import|trash|old)-([A-Za-z0-9][A-Za-z0-9._-]{0,63})-[0-9a-f]+")


def check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        shown = repr(name)[:80]
        raise OracleError(f"Model name {shown} is not allowed: "
                          "use up to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.")
    return name


@dataclass
class ModelEntry:
    """A model in the list. `info` is its typed metadata, None for a model whose files cannot be
    read, and then `error` says why in one sentence."""
    name: str
    path: Path
    shipped: bool
    info: ModelMeta | None = None
    error: str | None = None

    @property
    def model(self) -> ModelMeta:
        """The typed metadata of a readable model (what find() returns); CorruptModel for one that is not."""
        if self.info is None:
            raise CorruptModel(self.error or f"{self.path / 'meta.json'} cannot be read.")
        return self.info

    @property
    def meta(self) -> dict[str, Any]:
        """meta.json as JSON (what `models show --json` prints): {"error": sentence} for an unreadable
        model. Code reads the typed `model`; this is the file's form, to show or compare."""
        return self.info.to_dict() if self.info is not None else {"error": self.error}

    def summary(self) -> ModelSummary:
        info = self.model
        val = info.best.val_loss if info.best else None
        size = sum(f.lstat().st_size for f in self.path.iterdir() if f.is_file())
        return ModelSummary(self.name, self.shipped, info.corpus_names, info.parameters, val,
                            None if val is None else val / 0.6931471805599453, info.training_seconds, info.created,
                            size, len(info.metrics), str(self.path))


@dataclass(frozen=True)
class ModelSummary:
    """A model's row in a list: what `oracle models list` and the Models table show (`as_json()`
    is what `models list --json` prints, every key present)."""
    name: str
    shipped: bool
    corpora: list[str]
    parameters: int | None
    best_val_loss: float | None
    best_val_bpc: float | None
    training_seconds: float | None
    created: str | None
    size_bytes: int
    epochs: int
    path: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


# ---- finding models -------------------------------------------------------------------------

def shipped_names() -> set[str]:
    """The names of the models that come with Oracle."""
    shipped = paths.shipped_models_dir()
    try:
        return {f.name for f in shipped.iterdir() if f.is_dir() and (f / "meta.json").is_file()}
    except OSError:
        return set()


def user_dir(name: str) -> Path:
    """Where the user model `name` lives. Every way a model of one's own gets a name (train, rename,
    copy, import) passes here: a shipped model's name is refused, since a user model of that name
    would hide the shipped one from the list, from `ask` and from the app."""
    check_name(name)
    if name in shipped_names():
        raise OracleError(f"{name!r} is the name of the oracle shipped with Oracle, and a model of yours under it "
                        "would hide the shipped one: choose another name.")
    return models_root() / name


_swept: set[Path] = set()


def models_root() -> Path:
    """The user models folder; the first call in a process clears what killed processes left there."""
    root = paths.models_dir()
    if root not in _swept:
        _swept.add(root)
        sweep(root)
        unshadow(root)
    return root


def unshadow(root: Path) -> None:
    """Move a user model named like a shipped one (as earlier versions allowed) to NAME-yours, so it
    no longer hides the shipped model; the model itself is kept whole."""
    for name in shipped_names():
        if not is_model_folder(root / name):
            continue
        n, new = 1, f"{name}-yours"
        while os.path.lexists(root / new):
            n += 1
            new = f"{name}-yours-{n}"
        try:
            with locked(root / name), locked(root / new):
                os.replace(root / name, root / new)
                forget_lock(root / name)
        except (ModelBusy, OSError):
            continue


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
                    discard(root / entry)
        except (ModelBusy, OSError):
            continue
    _forget_stale_locks(root)


def _forget_stale_locks(root: Path) -> None:
    """Remove `.NAME.lock` files of names with no model and no work folder (a model deleted or
    renamed by a version that left them, or a run that never reached its first checkpoint)."""
    found = _names(root)
    for entry in found:
        lock = _LOCK.fullmatch(entry)
        if lock is None:
            continue
        name = lock.group(1)
        if name in found or any((w := _WORK.fullmatch(f)) and w.group(2) == name for f in found):
            continue
        try:
            with locked(root / name):  # a writer holds it: busy, and kept
                if not os.path.lexists(root / name):
                    forget_lock(root / name)
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


def staging_folder(name: str) -> Path:
    """A fresh hidden folder beside the models where a new model is written before it takes its name."""
    folder = models_root() / f".staging-{check_name(name)}-{time.time_ns():x}"
    folder.mkdir()
    return folder


def list_models() -> list[ModelEntry]:
    """User models (newest first), then the shipped ones a user model does not shadow.

    A model whose files cannot be read is listed with its one-sentence error and never stops the
    others from being listed. A run stopped before its first meta.json (a checkpoint only) is listed
    too, with what to do: every folder that takes a name (`is_model_folder`, what `train --name`
    refuses) can be seen, resumed or deleted."""
    entries = []
    for folder in sorted(models_root().iterdir()):
        if _NAME.fullmatch(folder.name) and folder.is_dir() and is_model_folder(folder):
            entries.append(_entry(folder, False))
    entries.sort(key=lambda e: (e.info and e.info.updated) or "", reverse=True)
    names = {e.name for e in entries}
    shipped = paths.shipped_models_dir()
    for name in sorted(shipped_names() - names):
        entries.append(_entry(shipped / name, True))
    return entries


def stamp() -> tuple:
    """A cheap fingerprint of the user models: it changes when a model is added, removed, renamed or
    commits a new meta.json (one stat per model), so a list on screen knows when to read them again."""
    found = []
    try:
        with os.scandir(paths.models_dir()) as entries:
            for entry in entries:
                if _NAME.fullmatch(entry.name):
                    try:
                        found.append((entry.name, os.stat(os.path.join(entry.path, "meta.json")).st_mtime_ns))
                    except OSError:
                        found.append((entry.name, 0))
    except (OSError, OracleError):
        return ()
    return tuple(sorted(found))


def _entry(folder: Path, shipped: bool) -> ModelEntry:
    try:
        info = read_meta(folder)
        return ModelEntry(folder.name, folder, shipped, info)
    except CorruptModel as err:
        return ModelEntry(folder.name, folder, shipped, error=str(err))


def find(name: str, readable: bool = True) -> ModelEntry:
    """The model called `name`; with readable=False also one whose files cannot be read (to delete it)."""
    for entry in list_models():
        if entry.name == name:
            if readable and entry.error:
                raise CorruptModel(entry.error)
            return entry
    there = ", ".join(e.name for e in list_models()) or "none yet"
    raise ModelNotFound(f"No model named {name!r}: the models are {there}.")


# ---- the active model ---------------------------------------------------------------------------

def settings_path() -> Path:
    return paths.home() / "settings.json"


def active_name() -> str | None:
    """The model `ask` and the Oracle screen use: the chosen one, else the newest, else the default."""
    chosen = _settings().active
    models = [e for e in list_models() if e.info is not None]
    if chosen and any(e.name == chosen for e in models):
        return chosen
    return models[0].name if models else None


def set_active(name: str) -> None:
    find(name)
    write_json_atomic(settings_path(), replace(_settings(), active=name).to_dict())


def _settings() -> Settings:
    return Settings.from_dict(read_settings(settings_path()), "settings", lenient=True)
