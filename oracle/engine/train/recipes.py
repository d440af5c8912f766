"""The training recipe (every field a declared setting) and its named presets."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal, get_args

from oracle.engine.errors import OracleError
from oracle.engine.schema import check_all, setting

# Each choice is declared once, as a type the checker sees; the schema offers and checks its values.
Device = Literal["auto", "cpu", "cuda"]
Optimizer = Literal["adamw", "rmsprop"]
Schedule = Literal["cosine", "constant"]
ObjectiveName = Literal["all", "last"]
Amp = Literal["auto", "bf16", "off"]


@dataclass(frozen=True)
class Recipe:
    """How to train: every field is a user setting, declared once (label, help, bounds) for every face.

    Upper bounds are where a larger value cannot be meant on one machine (a 10^9-character sample
    would never finish its epoch; a 500,000-row batch only ends out of memory)."""

    hidden_size: int = setting(512, "hidden units", "LSTM units per layer", low=1, high=16384)
    num_layers: int = setting(2, "layers", "number of stacked LSTM layers", low=1, high=64, flag="--layers")
    embed_dim: int = setting(64, "embedding size", "size of the learned character embedding (unused with one-hot input)",
                             low=1, high=16384)
    dropout: float = setting(0.1, "dropout", "dropout between LSTM layers and before the output layer",
                             low=0, high=1, below_high=True)
    seq_len: int = setting(128, "sequence length", "characters per training sequence (truncated BPTT length)",
                           low=1, high=100_000)
    batch_size: int = setting(64, "batch size", "sequences per step", low=1, high=16384)
    lr: float = setting(3e-3, "learning rate", "peak learning rate", low=0, high=10, above_low=True)
    epochs: int = setting(10, "epochs", "passes over the corpus", low=1, high=100_000)
    max_minutes: float = setting(0.0, "time limit (min)", "time budget in minutes: save and stop when it runs out (0: none)",
                                 low=0, high=525_600)
    val_fraction: float = setting(0.05, "validation share", "fraction held out from the end of each corpus for validation",
                                  low=0, high=0.5, below_high=True)
    seed: int = setting(1234, "seed", "random seed: the same seed gives the same run", low=0, high=2**32 - 1)
    device: Device = setting("auto", "device", "where to train: auto (CUDA if present), cpu or cuda",
                          choices=get_args(Device))
    lowercase: bool = setting(False, "lowercase", "lowercase the text (keras-classic does)")
    optimizer: Optimizer = setting("adamw", "optimizer", "adamw or rmsprop", choices=get_args(Optimizer))
    weight_decay: float = setting(0.01, "weight decay", "AdamW weight decay", low=0, high=10)
    grad_clip: float = setting(1.0, "gradient clip", "clip the gradient norm to this (0: off)", low=0, high=1e6)
    schedule: Schedule = setting("cosine", "schedule", "learning-rate schedule: cosine (with warmup) or constant",
                            choices=get_args(Schedule))
    warmup_steps: int = setting(50, "warmup steps", "steps of linear learning-rate warmup before the cosine decay",
                                low=0, high=10_000_000)
    objective: ObjectiveName = setting("all", "objective",
                             "all: every position predicts its next character; last: one per window (keras-classic)",
                             choices=get_args(ObjectiveName))
    window_step: int = setting(3, "window step", "with objective last: a window starts every this many characters",
                               low=1, high=1_000_000)
    one_hot: bool = setting(False, "one-hot input", "feed characters as one-hot vectors instead of an embedding")
    keras_init: bool = setting(False, "keras init", "initialise weights the way Keras does (keras-classic)")
    sample_length: int = setting(200, "sample length", "characters per sample shown after each epoch", low=1, high=100_000)
    checkpoint_minutes: float = setting(2.0, "checkpoint every (min)", "save a resumable checkpoint at least this often",
                                        low=0, high=525_600)
    max_val_chars: int = setting(200_000, "validation chars", "validation characters per corpus, to keep each epoch's check quick",
                                 low=1, high=1_000_000_000)
    voice_dim: int = setting(16, "voice size", "size of each source's learned voice vector when training on two or "
                             "more sources (0: no voices)", low=0, high=1024)
    any_voice_share: float = setting(0.15, "any-voice share", "share of training blocks read with the 'any voice' vector",
                                     low=0, high=1)
    amp: Amp = setting("auto", "precision", "auto: bf16 autocast where the CPU or GPU has native bf16, float32 elsewhere; "
                       "bf16: ask for it (a notice if it cannot run); off: float32. bf16 falls back to float32 if the "
                       "loss turns NaN", choices=get_args(Amp))

    def to_dict(self) -> dict:
        return asdict(self)

    def with_overrides(self, **overrides) -> Recipe:
        known = {f.name for f in fields(self)}
        clean = {k: v for k, v in overrides.items() if v is not None and k in known}
        return replace(self, **clean).validate()

    def validate(self) -> Recipe:
        check_all(self)
        return self

    @classmethod
    def from_dict(cls, data: dict) -> Recipe:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def recorded(cls, data: dict[str, Any] | None) -> Recipe | None:
        """The recipe a model's meta.json (or a checkpoint) recorded, checked like any other (fields
        it lacks at their defaults); None when it has none, or one this Oracle cannot use."""
        if not isinstance(data, dict):
            return None
        try:
            return cls.from_dict(data).validate()
        except (OracleError, TypeError, ValueError):
            return None


RECIPES: dict[str, Recipe] = {
    # Contiguous sequences, every position predicts, embedding input, AdamW with warmup + cosine.
    # Tuned for quality per minute on a small CPU (bench/results.md): 2x256 streams several times
    # faster than 2x512 and trains 3x more chars/s; 32x64-char batches and a 10-step warmup give
    # 4x more updates early on (at 60-75 s: 1.46 nats against 2.89 with 64x128 and 50 warmup steps).
    # lr 0.01: on the bench's 600k-char KJV, one thread, the seed's 40-char validation loss after 54 s
    # was 1.434 at lr 0.003, 1.368 at 0.006, 1.340 at 0.01, 1.364 at 0.02, 1.369 at 0.03, and after
    # 145 s 1.192 at 0.003 against 1.170 at 0.01 (batch 16 or 64, seq 32 or 2x384 were no better).
    "default": Recipe(hidden_size=256, seq_len=64, batch_size=32, lr=1e-2, warmup_steps=10),
    # The seed example (Keras lstm_text_generation.py), faithfully: lowercased text, 40-char windows
    # every 3 chars, one-hot input, LSTM(128) -> dense softmax, RMSprop lr 0.01, batch 128.
    "keras-classic": Recipe(hidden_size=128, num_layers=1, dropout=0.0, seq_len=40, batch_size=128, lr=0.01,
                            epochs=60, lowercase=True, optimizer="rmsprop", weight_decay=0.0, grad_clip=0.0,
                            schedule="constant", warmup_steps=0, objective="last", window_step=3, one_hot=True,
                            keras_init=True, voice_dim=0, amp="off"),  # float32, as the seed ran
    # Small and fast: for trying things out and for tests.
    "quick": Recipe(hidden_size=128, num_layers=1, embed_dim=32, dropout=0.0, seq_len=64, batch_size=32,
                    lr=5e-3, epochs=3, warmup_steps=10),
}

DESCRIPTIONS = {
    "default": "2x256 LSTM on contiguous sequences, AdamW, cosine schedule: the best quality per minute",
    "keras-classic": "the seed's Keras recipe: 40-char one-hot windows, LSTM(128), RMSprop 0.01",
    "quick": "1x128 LSTM, 3 epochs: a fast first oracle",
}


def get_recipe(name: str) -> Recipe:
    try:
        return RECIPES[name]
    except KeyError:
        raise OracleError(f"Unknown recipe {name!r}: choose one of {', '.join(RECIPES)}.") from None
