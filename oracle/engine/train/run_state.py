"""A run's state between steps: where it is, what it has measured, what it keeps as best.

Saved into checkpoint.json and loaded from it symmetrically (`pointer_fields` writes exactly the
fields `from_pointer` reads), beside the tensors of the optimiser, the random generators and the
carried hidden state (`capture` and `restore`), so that a resumed run replays the one that stopped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, TypedDict, cast

import torch

from oracle.engine.errors import CorruptModel
from oracle.engine.store.records import Best, CheckpointPointer, Metric

Hidden = tuple[torch.Tensor, torch.Tensor]


@dataclass
class RunState:
    epoch: int = 0
    batch_index: int = 0  # the next batch of this epoch
    step: int = 0  # optimiser steps taken, over all epochs
    metrics: list[Metric] = field(default_factory=list)
    best: Best | None = None
    elapsed_before: float = 0.0  # training seconds of the earlier runs this one continues
    lr_scale: float = 1.0  # halved after each skipped non-finite step
    created: str | None = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    commands: list[list[str]] = field(default_factory=list)  # every command that trained it, first to last

    @classmethod
    def from_pointer(cls, p: CheckpointPointer, command: list[str], earlier: list[list[str]]) -> RunState:
        """The state a checkpoint recorded, continued by `command`. A checkpoint from before
        `commands` was kept passes the previous step's command (from meta.json) as `earlier`."""
        before = [list(c) for c in p.commands] if p.commands else earlier
        return cls(p.epoch, p.batch_index, p.step, list(p.metrics), p.best, p.elapsed, p.lr_scale,
                   p.created, before + [list(command)])

    def pointer_fields(self, elapsed: float) -> dict[str, Any]:
        """The run's part of checkpoint.json (the model's part is the trainer's)."""
        return {"epoch": self.epoch, "batch_index": self.batch_index, "step": self.step,
                "metrics": [m.to_dict() for m in self.metrics], "best": self.best.to_dict() if self.best else None,
                "elapsed": elapsed, "lr_scale": self.lr_scale, "created": self.created, "commands": self.commands}


class _Saved(TypedDict):
    optimizer: dict[str, Any]
    torch_rng: torch.Tensor
    hidden: list[torch.Tensor]  # the carried (h, c), or [] where none is carried


class SavedState(_Saved, total=False):
    """What a checkpoint keeps beside the weights (torch.save'd, read back weights_only). A dict,
    not a record, since torch.save writes it; typed so that every key read is checked."""
    cuda_rng: torch.Tensor  # saved on CUDA only


def capture(optimizer: torch.optim.Optimizer, hidden: Hidden | None, device: torch.device) -> SavedState:
    """The tensors a resumed run needs besides the weights (torch.save'd, read back weights_only)."""
    state: SavedState = {"optimizer": optimizer.state_dict(), "torch_rng": torch.get_rng_state(),
                         "hidden": [t.detach().cpu() for t in hidden] if hidden is not None else []}
    if device.type == "cuda":
        state["cuda_rng"] = torch.cuda.get_rng_state(device)
    return state


def checked(state: Any, where: str) -> SavedState:
    """A checkpoint's saved state as `capture` wrote it; CorruptModel (naming `where`) when it is not."""
    if not (isinstance(state, dict) and isinstance(state.get("optimizer"), dict)
            and isinstance(state.get("torch_rng"), torch.Tensor) and isinstance(state.get("hidden"), list)
            and all(isinstance(t, torch.Tensor) for t in state["hidden"])
            and isinstance(state.get("cuda_rng", torch.zeros(0)), torch.Tensor)):
        raise CorruptModel(f"{where} does not hold a run's saved state: the run cannot be resumed.")
    return cast(SavedState, state)


def restore(state: SavedState, optimizer: torch.optim.Optimizer, device: torch.device) -> Hidden | None:
    """Put back what `capture` saved; the carried hidden state, if there was one, is returned."""
    optimizer.load_state_dict(state["optimizer"])
    torch.set_rng_state(state["torch_rng"])
    if device.type == "cuda" and "cuda_rng" in state:
        torch.cuda.set_rng_state(state["cuda_rng"], device)
    hidden = state["hidden"]
    return (hidden[0].to(device), hidden[1].to(device)) if len(hidden) == 2 else None
