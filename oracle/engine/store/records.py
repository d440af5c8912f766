"""A model's metadata and a run's checkpoint pointer as typed records.

meta.py checks the JSON (`meta.json`, `checkpoint.json`, an import's metadata); the records here are
built from the checked dict in one place (`from_dict`) and turned back into JSON in one place
(`to_dict`, and `write_meta` for meta.json). Fields this version does not know (a newer Oracle, or
a feature that records more, such as the trainer's `precision`) are kept in `extra` and written back
as they were, so a read-modify-write (rename, copy, import) never loses them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

from oracle.engine.io.atomic import write_bytes_atomic
from oracle.engine.model.network import ModelConfig
from oracle.engine.store.meta import FORMAT, FORMAT_VERSION, check_meta, encode_checked, finite_or_none, read_meta


class _Record:
    """Built from a checked dict; unknown keys go to `extra`; absent or null fields read as None.
    `present` remembers which fields the dict had, so that writing it back gives the same dict."""

    NESTED: ClassVar[dict[str, type[_Record]]] = {}  # field -> the record type of its value (or of each item of a list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        known = {f.name for f in fields(cls)} - _BOOKKEEPING
        values = {key: cls._build(key, value) for key, value in data.items() if key in known}
        return cls(**values, extra={key: value for key, value in data.items() if key not in known},
                   present=frozenset(values))

    @classmethod
    def _build(cls, key: str, value):
        kind = cls.NESTED.get(key)
        if kind is None or value is None:
            return value
        if isinstance(value, list):
            return tuple(kind.from_dict(item) for item in value)
        return kind.from_dict(value)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: the fields that were read, and those since given a value (a field left at
        None, or at an empty list by default, is left out, as a reader takes it to be), then the
        unknown fields as they were read."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _BOOKKEEPING:
                continue
            if f.name in self.present or (value is not None and not (value == () and f.default == ())):
                out[f.name] = _plain(value)
        return {**out, **{key: value for key, value in self.extra.items() if key not in out}}


_BOOKKEEPING = {"extra", "present"}


def _plain(value):
    if isinstance(value, _Record):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


@dataclass(frozen=True)
class FileRef(_Record):
    file: str
    sha256: str
    extra: dict = field(default_factory=dict, compare=False)
    present: frozenset = field(default=frozenset(), compare=False, repr=False)


@dataclass(frozen=True)
class CorpusRecord(_Record):
    name: str
    sha256: str
    weight: float
    chars: int
    path: str | None = None
    train_chars: int | None = None
    val_chars: int | None = None
    extra: dict = field(default_factory=dict, compare=False)
    present: frozenset = field(default=frozenset(), compare=False, repr=False)


@dataclass(frozen=True)
class Metric(_Record):
    """One epoch's (or a stopped run's partial epoch's) figures."""
    epoch: int
    step: int
    train_loss: float | None = None
    partial: bool | None = None
    train_bpc: float | None = None
    val_loss: float | None = None
    val_bpc: float | None = None
    val_method: str | None = None
    per_source: dict | None = None
    seconds: float | None = None
    lr: float | None = None
    extra: dict = field(default_factory=dict, compare=False)
    present: frozenset = field(default=frozenset(), compare=False, repr=False)


@dataclass(frozen=True)
class Best(_Record):
    """The epoch whose weights the model keeps, with its sample at temperature 0.5."""
    epoch: int
    step: int
    val_loss: float | None = None
    val_bpc: float | None = None
    train_loss: float | None = None
    score: float | None = None
    sample: str | None = None
    weights: FileRef | None = None
    extra: dict = field(default_factory=dict, compare=False)
    present: frozenset = field(default=frozenset(), compare=False, repr=False)
    NESTED: ClassVar[dict[str, type[_Record]]] = {"weights": FileRef}


@dataclass(frozen=True)
class Voice(_Record):
    name: str
    weight: float
    extra: dict = field(default_factory=dict, compare=False)
    present: frozenset = field(default=frozenset(), compare=False, repr=False)


@dataclass(frozen=True)
class ModelMeta(_Record):
    """meta.json of a finished (or saved-so-far) model."""
    config: dict  # as written; `model_config` is the typed view, this keeps fields a newer Oracle adds
    vocab: str
    weights: FileRef
    name: str | None = None
    created: str | None = None
    updated: str | None = None
    lowercase: bool | None = None
    parameters: int | None = None
    recipe_name: str | None = None
    recipe: dict | None = None
    corpora: tuple[CorpusRecord, ...] = ()
    metrics: tuple[Metric, ...] = ()
    best: Best | None = None
    training_seconds: float | None = None
    device: str | None = None
    device_name: str | None = None
    world_size: int | None = None
    command: tuple[str, ...] = ()  # the last step that trained it
    commands: list | None = None  # every step, first to last (absent in files from before it was kept)
    versions: dict | None = None
    init_from: str | None = None
    copied_from: str | None = None
    words: FileRef | None = None
    voices: tuple[Voice, ...] = ()
    extra: dict = field(default_factory=dict, compare=False)
    present: frozenset = field(default=frozenset(), compare=False, repr=False)
    NESTED: ClassVar[dict[str, type[_Record]]] = {"weights": FileRef, "corpora": CorpusRecord, "metrics": Metric,
                                                   "best": Best, "words": FileRef, "voices": Voice}

    @cached_property
    def model_config(self) -> ModelConfig:
        return ModelConfig.from_dict(self.config)

    @property
    def voice_names(self) -> list[str]:
        """The voices in voice-table order (row k + 1 speaks like voice_names[k]); [] for an unvoiced model."""
        return [v.name for v in self.voices]

    @property
    def corpus_names(self) -> list[str]:
        return [c.name for c in self.corpora]

    @classmethod
    def read(cls, folder: Path) -> ModelMeta:
        """A model folder's meta.json, checked (CorruptModel names the file and the field)."""
        return cls.from_dict(read_meta(folder))


@dataclass(frozen=True)
class CheckpointPointer(_Record):
    """checkpoint.json: where a stopped or running training run continues from."""
    config: dict
    vocab: str
    weights: FileRef
    state: FileRef
    recipe: dict
    corpora: tuple[CorpusRecord, ...]
    metrics: tuple[Metric, ...]
    epoch: int
    batch_index: int
    step: int
    elapsed: float
    name: str | None = None
    best: Best | None = None
    lr_scale: float = 1.0
    created: str | None = None
    recipe_name: str | None = None
    commands: list | None = None  # every command that trained it so far, first to last
    world: int = 1
    extra: dict = field(default_factory=dict, compare=False)
    present: frozenset = field(default=frozenset(), compare=False, repr=False)
    NESTED: ClassVar[dict[str, type[_Record]]] = {"weights": FileRef, "state": FileRef, "corpora": CorpusRecord,
                                                   "metrics": Metric, "best": Best}

    @cached_property
    def model_config(self) -> ModelConfig:
        return ModelConfig.from_dict(self.config)


def write_meta(folder: Path, meta: ModelMeta | dict) -> None:
    """The one writer of meta.json: stamped with its format, non-finite numbers as null (what is
    written must pass the reader's checks), replaced atomically."""
    data = meta.to_dict() if isinstance(meta, ModelMeta) else meta
    data = finite_or_none({**data, "format": FORMAT, "format_version": FORMAT_VERSION})
    write_bytes_atomic(folder / "meta.json", encode_checked(data, folder / "meta.json", check_meta))
