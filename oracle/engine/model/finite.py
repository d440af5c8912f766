"""Weights that hold NaN or infinity answer "yyyy..." or nothing at all: they are refused where they are read.

Torch-free on purpose (numpy arrays and torch tensors alike), so that every path that reads weights
(loading a model to answer, importing an export, `train --from`, resuming) can call the one check.
"""

from __future__ import annotations

import numpy as np

from oracle.engine.errors import CorruptModel


def check_finite(tensors: dict, where: str, remedy: str = "restore the model from an export or train it again") -> None:
    """CorruptModel naming the first tensor of `tensors` that holds NaN or an infinity."""
    for name, tensor in tensors.items():
        ok = tensor.isfinite().all() if hasattr(tensor, "isfinite") else np.isfinite(tensor).all()
        if not bool(ok):
            raise CorruptModel(f"{where} holds NaN or infinite values in its tensor {name!r}, so it cannot answer: {remedy}.")
