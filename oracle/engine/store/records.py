"""A model's metadata (`meta.json`) and a run's checkpoint pointer (`checkpoint.json`) as typed records.

Each record checks itself as it is built (`Record.from_dict`, oracle/engine/record.py): a field of
the wrong type or out of its bounds is a damaged file, named by its field (meta.config.dropout).
Fields this version does not know (a newer Oracle, or a feature that records more, such as the
trainer's `precision`) are kept and written back as they were, so a read-modify-write (rename,
copy, import) never loses them. Nothing here imports torch: listing models stays light.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oracle.engine.io.atomic import write_bytes_atomic
from oracle.engine.io.limits import MAX_VOCAB
from oracle.engine.record import Record, RecordError, spec

if TYPE_CHECKING:
    from oracle.engine.model.config import ModelConfig

FORMAT = "oracle-model"
FORMAT_VERSION = 1
NAME = 1000  # corpus and voice names, paths: anything longer is not ours
_FILE_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}"
_SHA256 = r"[0-9a-f]{64}"
LOSS_LOW, LOSS_HIGH = 0, 1e6  # nats per character: a loss outside these is not a loss


def loss(default: Any = None) -> Any:
    return spec(default, low=LOSS_LOW, high=LOSS_HIGH)


@dataclass(frozen=True)
class FileRef(Record):
    file: str = spec(pattern=_FILE_NAME)
    sha256: str = spec(pattern=_SHA256)


@dataclass(frozen=True)
class Shape(Record):
    """The network's shape (`config`); `ModelMeta.model_config` is the network's own view of it."""
    vocab_size: int = spec(low=1, high=MAX_VOCAB)
    hidden_size: int = spec(low=1, high=16384)
    num_layers: int = spec(low=1, high=64)
    embed_dim: int = spec(low=1, high=16384)
    dropout: float = spec(low=0, high=1, below_high=True)
    one_hot: bool = spec()
    voices: int | None = spec(None, low=0, high=10_000)
    voice_dim: int | None = spec(None, low=0, high=1024)


@dataclass(frozen=True)
class CorpusRecord(Record):
    name: str = spec(max_len=NAME)
    sha256: str = spec(max_len=64)
    weight: float = spec(low=0, high=1e9)
    chars: int = spec(low=0)
    path: str | None = spec(None, max_len=4096)
    train_chars: int | None = spec(None, low=0)
    val_chars: int | None = spec(None, low=0)


@dataclass(frozen=True)
class Metric(Record):
    """One epoch's (or a stopped run's partial epoch's) figures."""
    epoch: int = spec(low=0)
    step: int = spec(low=0)
    train_loss: float | None = spec(low=LOSS_LOW, high=LOSS_HIGH)  # required, but may be null
    partial: bool | None = None
    train_bpc: float | None = loss()
    val_loss: float | None = loss()
    val_bpc: float | None = loss()
    val_method: str | None = spec(None, max_len=20)
    per_source: dict[str, float | None] | None = spec(None, max_len=10_000, low=LOSS_LOW, high=LOSS_HIGH)
    seconds: float | None = spec(None, low=0)
    lr: float | None = spec(None, low=0)
    # A voiced model's validation loss per source read in the any voice (per_source: in its own voice).
    per_voice_any: dict[str, float | None] | None = spec(None, max_len=10_000, low=LOSS_LOW, high=LOSS_HIGH)


@dataclass(frozen=True)
class Best(Record):
    """The epoch whose weights the model keeps, with its sample at temperature 0.5."""
    epoch: int = spec(low=0)
    step: int = spec(low=0)
    val_loss: float | None = loss()
    val_bpc: float | None = loss()
    train_loss: float | None = loss()
    score: float | None = loss()
    sample: str | None = spec(None, max_len=100_000)
    weights: FileRef | None = None


@dataclass(frozen=True)
class Voice(Record):
    name: str = spec(max_len=NAME)
    weight: float = spec(low=0, high=1e9)


def _vocab_matches(config: Shape, vocab: str, at: str) -> None:
    if len(vocab) != config.vocab_size or len(set(vocab)) != len(vocab):
        raise RecordError(f"vocab holds {len(vocab)} characters ({len(set(vocab))} distinct) but "
                          f"{at}.config.vocab_size is {config.vocab_size}")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in vocab):
        raise RecordError(f"{at}.vocab holds a lone surrogate, which no text can contain")


def _model_config(config: Shape) -> ModelConfig:
    from oracle.engine.model.config import ModelConfig

    return ModelConfig.from_dict(config.to_dict())


@dataclass(frozen=True)
class ModelMeta(Record):
    """meta.json of a finished (or saved-so-far) model."""
    config: Shape
    vocab: str = spec(max_len=MAX_VOCAB)
    weights: FileRef = spec()
    name: str | None = spec(None, max_len=200)
    created: str | None = spec(None, max_len=100)
    updated: str | None = spec(None, max_len=100)
    lowercase: bool | None = None
    parameters: int | None = spec(None, low=0)
    recipe_name: str | None = spec(None, max_len=200)
    recipe: dict[str, Any] | None = spec(None, max_len=200)
    corpora: tuple[CorpusRecord, ...] = ()
    metrics: tuple[Metric, ...] = ()
    best: Best | None = None
    training_seconds: float | None = spec(None, low=0)
    device: str | None = spec(None, max_len=200)
    device_name: str | None = spec(None, max_len=500)
    world_size: int | None = spec(None, low=1)
    command: tuple[str, ...] = spec((), max_len=10_000)  # the last step that trained it
    commands: tuple[tuple[str, ...], ...] | None = None  # every step, first to last (absent before it was kept)
    versions: dict[str, str] | None = spec(None, max_len=100)
    init_from: str | None = spec(None, max_len=200)
    copied_from: str | None = spec(None, max_len=200)
    words: FileRef | None = None
    voices: tuple[Voice, ...] | None = None

    def check(self, at: str) -> None:
        _vocab_matches(self.config, self.vocab, at)
        # A voiced model names each voice once, in voice-table order; an unvoiced one names none.
        count, names = self.config.voices or 0, [v.name for v in self.voices or ()]
        if not count:
            if names:
                raise RecordError(f"voices are named but {at}.config.voices is 0")
        elif len(names) != count or not self.config.voice_dim or not all(names) or len(set(names)) != len(names):
            raise RecordError(f"{at}.voices must name each of the {count} voices of config.voices once")

    @cached_property
    def model_config(self) -> ModelConfig:
        return _model_config(self.config)

    @property
    def voice_names(self) -> list[str]:
        """The voices in voice-table order (row k + 1 speaks like voice_names[k]); [] for an unvoiced model."""
        return [v.name for v in self.voices or ()]

    @property
    def corpus_names(self) -> list[str]:
        return [c.name for c in self.corpora]

    @classmethod
    def read(cls, folder: Path) -> ModelMeta:
        """A model folder's meta.json, checked (CorruptModel names the file and the field)."""
        from oracle.engine.store.meta import read_meta

        return read_meta(folder)


@dataclass(frozen=True)
class CheckpointPointer(Record):
    """checkpoint.json: where a stopped or running training run continues from."""
    config: Shape
    vocab: str = spec(max_len=MAX_VOCAB)
    weights: FileRef = spec()
    state: FileRef = spec()
    recipe: dict[str, Any] = spec(max_len=200)
    corpora: tuple[CorpusRecord, ...] = spec()
    metrics: tuple[Metric, ...] = spec()
    epoch: int = spec(low=0)
    batch_index: int = spec(low=0)
    step: int = spec(low=0)
    elapsed: float = spec(low=0)
    name: str | None = spec(None, max_len=200)
    best: Best | None = None
    lr_scale: float = spec(1.0, low=0, high=1e6)
    created: str | None = spec(None, max_len=100)
    recipe_name: str | None = spec(None, max_len=200)
    commands: tuple[tuple[str, ...], ...] | None = None  # every command that trained it so far, first to last
    world: int = spec(1, low=1)

    def check(self, at: str) -> None:
        _vocab_matches(self.config, self.vocab, at)

    @cached_property
    def model_config(self) -> ModelConfig:
        return _model_config(self.config)


@dataclass(frozen=True)
class Settings(Record):
    """settings.json, as the store reads it: the model chosen to answer. Its other keys (the app's
    preferences) are kept and written back as they were; a bad `active` reads as none chosen."""
    active: str | None = spec(None, max_len=200)


def finite_or_none(value: Any) -> Any:
    """A copy of `value` whose non-finite floats are None: what Oracle writes must read back."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_or_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_none(v) for v in value]
    return value


def write_meta(folder: Path, meta: ModelMeta) -> None:
    """The one writer of meta.json: stamped with its format, non-finite numbers as null (what is
    written must pass the reader's checks), replaced atomically."""
    from oracle.engine.store.meta import check_meta, encode_checked  # meta.py reads these records: imported on use

    data = finite_or_none({**meta.to_dict(), "format": FORMAT, "format_version": FORMAT_VERSION})
    write_bytes_atomic(folder / "meta.json", encode_checked(data, folder / "meta.json", check_meta))
