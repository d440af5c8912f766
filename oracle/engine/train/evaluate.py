"""Validation loss, two ways, both in nats per character.

`stream_loss`: over continuous held-out text, carrying the LSTM state (how our default model reads).
`window_loss`: the seed's way, predicting each held-out char from its previous 40 chars alone.

`voice` (for a voiced model): a voice row (0 is "any voice", k the k-th source) or blend weights
over the rows; None reads with "any voice".
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from oracle.engine.io.limits import EVAL_FLOATS


@torch.no_grad()
def stream_loss(net, ids: np.ndarray, seq_len: int = 256, rows: int = 16, device="cpu", voice=None) -> float | None:
    if len(ids) < 2:
        return None
    was_training = net.training
    net.eval()
    rows = max(1, min(rows, (len(ids) - 1) // max(1, seq_len)))
    row_len = (len(ids) - 1) // rows
    data = torch.from_numpy(ids.astype(np.int64))
    x = data[: rows * row_len].view(rows, row_len)
    y = data[1: rows * row_len + 1].view(rows, row_len)
    state, total = None, 0.0
    voice = voice_tensor(voice, device)
    # Logits are rows x step x vocab: with a large vocabulary, shorter steps (the state carries
    # over, so the loss is the same) keep that under EVAL_FLOATS instead of growing with it.
    step = max(1, min(seq_len, EVAL_FLOATS // (rows * net.config.vocab_size)))
    for start in range(0, row_len, step):
        xb, yb = x[:, start:start + step].to(device), y[:, start:start + step].to(device)
        logits, state = net(xb, state, voice=voice)
        total += F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), yb.reshape(-1), reduction="sum").item()
    net.train(was_training)
    return total / (rows * row_len)


def voice_tensor(voice, device="cpu") -> torch.Tensor | None:
    """A voice row (int) or blend weights (a float array) as the tensor CharLSTM.forward takes."""
    if voice is None:
        return None
    if isinstance(voice, (int, np.integer)):
        return torch.tensor(int(voice), dtype=torch.long, device=device)
    return torch.as_tensor(np.asarray(voice, dtype=np.float32), device=device)


@torch.no_grad()
def window_loss(net, ids: np.ndarray, window: int = 40, batch: int = 1024, device="cpu", voice=None) -> float | None:
    if len(ids) <= window:
        return None
    was_training = net.training
    net.eval()
    targets = np.arange(window, len(ids))
    total = 0.0
    voice = voice_tensor(voice, device)
    # One-hot windows are batch x window x vocab floats, logits batch x vocab: bounded, whatever the vocabulary.
    per_window = net.config.vocab_size * (window if net.config.one_hot else 1)
    batch = max(1, min(batch, EVAL_FLOATS // per_window))
    for start in range(0, len(targets), batch):
        t = targets[start:start + batch]
        x = torch.from_numpy(ids[t[:, None] - window + np.arange(window)].astype(np.int64)).to(device)
        y = torch.from_numpy(ids[t].astype(np.int64)).to(device)
        logits, _ = net(x, last_only=True, voice=voice)
        total += F.cross_entropy(logits.float(), y, reduction="sum").item()
    net.train(was_training)
    return total / len(targets)
