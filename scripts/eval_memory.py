#!/usr/bin/env python
"""Peak memory of one validation pass at the vocabulary limit, chunked (now) or not (before issue 13).

    OMP_NUM_THREADS=1 .venv/bin/python scripts/eval_memory.py unchunked
    OMP_NUM_THREADS=1 .venv/bin/python scripts/eval_memory.py chunked

Run each in its own process: ru_maxrss only grows. Prints the loss (the same either way) and the
growth of the peak resident set during `stream_loss`.
"""

import resource
import sys

import numpy as np
import torch

from oracle.engine.io.limits import MAX_VOCAB
from oracle.engine.model.network import CharLSTM, ModelConfig
from oracle.engine.train import evaluate

torch.set_num_threads(1)
torch.manual_seed(0)
if sys.argv[1:] == ["unchunked"]:
    evaluate.EVAL_FLOATS = 1 << 40  # the old behaviour: 16 rows x 256 steps x vocab logits at once
net = CharLSTM(ModelConfig(vocab_size=MAX_VOCAB, hidden_size=64, num_layers=1, embed_dim=16, dropout=0.0)).eval()
ids = np.random.default_rng(0).integers(0, MAX_VOCAB, 40_000).astype(np.uint16)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
loss = evaluate.stream_loss(net, ids)
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
print(f"{sys.argv[1] if len(sys.argv) > 1 else 'chunked'}: loss {loss:.5f}, peak RSS grew {grown:.0f} MB")
