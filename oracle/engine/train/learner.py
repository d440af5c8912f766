"""One optimisation step and the learning-rate schedule: the part of training that touches gradients."""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F

from oracle.engine.errors import OracleError
from oracle.engine.model.network import CharLSTM
from oracle.engine.train import distributed
from oracle.engine.train.recipes import Recipe
from oracle.engine.train.run_state import Hidden


def make_optimizer(net: CharLSTM, r: Recipe) -> torch.optim.Optimizer:
    if r.optimizer == "rmsprop":
        # Keras' RMSprop: rho 0.9, epsilon 1e-7 (PyTorch's defaults differ).
        return torch.optim.RMSprop(net.parameters(), lr=r.lr, alpha=0.9, eps=1e-7)
    # Embeddings (characters and voices) are looked up, not multiplied: no weight decay on them.
    decayed = {n for n, p in net.named_parameters() if p.dim() >= 2 and not n.startswith(("embed", "voice"))}
    decay = [p for n, p in net.named_parameters() if n in decayed]
    rest = [p for n, p in net.named_parameters() if n not in decayed]
    return torch.optim.AdamW([{"params": decay, "weight_decay": r.weight_decay}, {"params": rest, "weight_decay": 0.0}], lr=r.lr)


def lr_at(r: Recipe, step: int, total_steps: int, scale: float) -> float:
    """Cosine decay to a tenth after a linear warmup (or constant), times `scale`."""
    if r.schedule == "constant":
        return r.lr * scale
    if step < r.warmup_steps:
        return r.lr * scale * (step + 1) / r.warmup_steps
    progress = min(1.0, (step - r.warmup_steps) / max(1, total_steps - r.warmup_steps))
    return r.lr * scale * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


class Learner:
    """The network (and its DDP wrapper), its optimiser and the state carried between batches."""

    def __init__(self, net: CharLSTM, model: torch.nn.Module, recipe: Recipe, device: torch.device, last_only: bool):
        self.net, self.model, self.recipe, self.device, self.last_only = net, model, recipe, device, last_only
        self.optimizer = make_optimizer(net, recipe)
        self.hidden: Hidden | None = None

    def step(self, x: torch.Tensor, y: torch.Tensor, voice: torch.Tensor | None, lr: float, use_amp: bool,
             report: bool, carries_state: bool, step: int) -> tuple[float | None, dict | None]:
        """One step at `lr`: the loss (averaged over ranks) and, when `report`, each layer's gradient
        norm; (None, None) when the loss or gradients were not finite (the step is skipped)."""
        x, y = x.to(self.device, non_blocking=True), y.to(self.device, non_blocking=True)
        voice = voice.to(self.device, non_blocking=True) if voice is not None else None
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=use_amp):
            logits, state = self.model(x, self.hidden, last_only=self.last_only, voice=voice)
        loss = F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), y.reshape(-1))
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norms = None
        if report:
            # One norm per layer: the UI shows whether the lower layers learn slower than the top.
            norms = {name: float(torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in params if p.grad is not None])))
                     for name, params in self.net.layer_groups().items()}
        if self.recipe.grad_clip:
            total = torch.nn.utils.clip_grad_norm_(self.net.parameters(), self.recipe.grad_clip)
        else:
            total = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in self.net.parameters() if p.grad is not None]))
        value = loss.item()  # one sync per step; the value is needed for the divergence check anyway
        value = distributed.mean(value)  # with DDP: every rank skips or takes the step together
        if not (math.isfinite(value) and torch.isfinite(total)):
            self.optimizer.zero_grad(set_to_none=True)
            self.hidden = None
            return None, None
        self.optimizer.step()
        if not self.weights_finite():
            # A finite loss, then an update that overflowed: skipping later steps cannot repair these
            # weights, and they must never reach a checkpoint, so stop before anything is saved.
            raise OracleError(f"Training stopped at step {step + 1}: an update made the weights NaN or infinite; nothing from it "
                              "was saved and the last good checkpoint is kept", remedy="lower_lr", lr=self.recipe.lr)
        if carries_state:
            self.hidden = (state[0].detach(), state[1].detach())
        return value, norms

    def weights_finite(self) -> bool:
        return bool(torch.stack([torch.isfinite(p).all() for p in self.net.parameters()]).all())
