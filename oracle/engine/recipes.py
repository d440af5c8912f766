"""Named training presets. Every field is a setting the command line and the Train screen expose."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

from .errors import OracleError


@dataclass(frozen=True)
class Recipe:
    hidden_size: int = 512  # LSTM units per layer
    num_layers: int = 2
    embed_dim: int = 64  # size of the learned character embedding (ignored with one_hot)
    dropout: float = 0.1  # between LSTM layers and before the output layer
    seq_len: int = 128  # characters per training sequence (truncated BPTT length)
    batch_size: int = 64  # sequences per step
    lr: float = 3e-3
    epochs: int = 10
    max_minutes: float = 0.0  # time budget; 0 means none
    val_fraction: float = 0.05  # held out from the end of each corpus
    seed: int = 1234
    device: str = "auto"  # auto | cpu | cuda
    lowercase: bool = False
    optimizer: str = "adamw"  # adamw | rmsprop
    weight_decay: float = 0.01
    grad_clip: float = 1.0  # 0 turns clipping off
    schedule: str = "cosine"  # cosine (with warmup) | constant
    warmup_steps: int = 50
    objective: str = "all"  # all: every position predicts its next char; last: one char per window (keras)
    window_step: int = 3  # with objective=last: a window starts every this many chars
    one_hot: bool = False
    keras_init: bool = False
    sample_length: int = 200  # characters per temperature in the per-epoch samples
    checkpoint_minutes: float = 2.0  # a resumable checkpoint at least this often
    max_val_chars: int = 200_000  # per corpus, to keep each epoch's validation quick
    amp: str = "off"  # off | bf16 (CUDA only)

    def to_dict(self) -> dict:
        return asdict(self)

    def with_overrides(self, **overrides) -> "Recipe":
        known = {f.name for f in fields(self)}
        clean = {k: v for k, v in overrides.items() if v is not None and k in known}
        return replace(self, **clean).validate()

    def validate(self) -> "Recipe":
        positive_ints = ["hidden_size", "num_layers", "embed_dim", "seq_len", "batch_size", "epochs", "window_step", "sample_length", "max_val_chars"]
        for name in positive_ints:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise OracleError(f"--{name.replace('_', '-')} {value} must be a whole number of at least 1.")
        if not isinstance(self.warmup_steps, int) or isinstance(self.warmup_steps, bool) or self.warmup_steps < 0:
            raise OracleError(f"--warmup-steps {self.warmup_steps} must be a whole number of at least 0.")
        limits = {"hidden_size": 16384, "num_layers": 64, "embed_dim": 16384, "seq_len": 1_000_000, "batch_size": 1_000_000}
        for name, top in limits.items():
            if getattr(self, name) > top:
                raise OracleError(f"--{name.replace('_', '-')} {getattr(self, name)} is too large (at most {top}).")
        for name in ["lr", "dropout", "max_minutes", "val_fraction", "weight_decay", "grad_clip", "checkpoint_minutes"]:
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                raise OracleError(f"--{name.replace('_', '-')} {value} must be a finite number.")
        if not self.lr > 0:
            raise OracleError(f"--lr {self.lr} must be above 0, e.g. 0.002.")
        if not 0 <= self.dropout < 1:
            raise OracleError(f"--dropout {self.dropout} must be at least 0 and below 1.")
        if not 0 <= self.val_fraction < 0.5:
            raise OracleError(f"--val-fraction {self.val_fraction} must be at least 0 and below 0.5.")
        for name in ["max_minutes", "weight_decay", "grad_clip", "checkpoint_minutes"]:
            if getattr(self, name) < 0:
                raise OracleError(f"--{name.replace('_', '-')} {getattr(self, name)} must not be negative.")
        choices = {"device": ("auto", "cpu", "cuda"), "optimizer": ("adamw", "rmsprop"), "schedule": ("cosine", "constant"),
                   "objective": ("all", "last"), "amp": ("off", "bf16")}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise OracleError(f"--{name.replace('_', '-')} {getattr(self, name)!r} must be one of: {', '.join(allowed)}.")
        return self

    @classmethod
    def from_dict(cls, data: dict) -> "Recipe":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


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
                            keras_init=True),
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
