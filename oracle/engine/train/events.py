"""What the trainer reports, as plain dataclasses named for what happened.

Front ends subscribe with one callback and decide what to draw; the trainer never knows who listens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import overload

LN2 = math.log(2)


@overload
def bits(nats: float) -> float: ...
@overload
def bits(nats: None) -> None: ...
@overload
def bits(nats: float | None) -> float | None: ...
def bits(nats: float | None) -> float | None:
    """Nats per character in bits per character (None stays None)."""
    return None if nats is None else nats / LN2


@dataclass
class Started:
    name: str
    total_steps: int
    steps_per_epoch: int
    epochs: int
    parameters: int
    device: str
    batch_size: int
    resumed_at_step: int = 0
    precision: str = "float32"  # "bf16" when steps run under bf16 autocast


@dataclass
class Progress:
    step: int
    total_steps: int
    epoch: int
    epochs: int
    loss: float
    chars_per_sec: float
    eta_seconds: float
    elapsed: float
    lr: float
    grad_norms: dict[str, float] = field(default_factory=dict)  # bottom layer first
    precision: str = "float32"  # of the steps now: bf16 turns float32 if its loss went NaN


@dataclass
class EpochEnd:
    epoch: int
    epochs: int
    step: int
    train_loss: float
    val_loss: float | None  # nats/char over continuous held-out text
    per_source: dict[str, float]
    samples: dict[float, str]  # temperature -> text
    seed_passage: str
    elapsed: float
    best: bool
    # A voiced model: per_source is each source read in its own voice; this, with "any voice".
    per_voice_any: dict[str, float | None] = field(default_factory=dict)

    @property
    def train_bpc(self) -> float | None:
        return bits(self.train_loss)

    @property
    def val_bpc(self) -> float | None:
        return bits(self.val_loss)


@dataclass
class CheckpointSaved:
    path: str
    step: int
    kind: str  # "last" (for --resume) or "best" (what ask uses)


@dataclass
class Notice:
    message: str


@dataclass
class Finished:
    name: str
    reason: str  # "completed", "stopped" or "time budget"
    step: int
    best_val_loss: float | None
    elapsed: float


@dataclass
class Failed:
    message: str


Event = Started | Progress | EpochEnd | CheckpointSaved | Notice | Finished | Failed
