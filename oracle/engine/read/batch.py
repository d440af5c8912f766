"""Several LSTM states stepped side by side: the candidates of a ranked answer, and the lookahead
through a question word's letters.

The states are kept as columns, h (layers * hidden, N) and c (layers, hidden, N), so each layer's
gates are one product W (4H, in) @ h (in, N). OpenBLAS takes a fast path for that shape: on the
shipped default (2x384, one thread) 8 states cost 0.8 ms a step against 0.29 ms for one, where
the same product with the states as rows, h (N, in) @ W.T, costs 1.2 ms. The weights and their
layout (gate order, halved sigmoid rows, the first layer's per-character table) are the stepper's
(`oracle.engine.model.stepper.LSTMStepper`); this only steps them N at a time, in numpy.
"""

from __future__ import annotations

import numpy as np

from oracle.engine.model.stepper import lstm_cell


class Batch:
    def __init__(self, stepper, h: np.ndarray, c: np.ndarray, table: np.ndarray):
        self.s, self.h, self.c, self.table = stepper, h, c, table

    @classmethod
    def start(cls, stepper, state, n: int, voice: np.ndarray | None = None) -> Batch:
        """`n` copies of one state ((h, c), each (layers, 1, hidden) as nn.LSTM returns, tensor or array)."""
        L, H = stepper.layers_count, stepper.hidden
        h = np.asarray(state[0], dtype=np.float32).reshape(L * H, 1)
        c = np.asarray(state[1], dtype=np.float32).reshape(L, H, 1)
        return cls(stepper, np.repeat(h, n, axis=1), np.repeat(c, n, axis=2), stepper.voice_table(voice))

    def __len__(self) -> int:
        return self.h.shape[1]

    def take(self, columns) -> Batch:
        """A batch of copies of some of these states (a column may be taken more than once)."""
        return Batch(self.s, self.h[:, columns], self.c[:, :, columns], self.table)

    def set_voice(self, voice: np.ndarray | None) -> None:
        self.table = self.s.voice_table(voice)

    def state(self, column: int) -> tuple[np.ndarray, np.ndarray]:
        """One state as (h, c), each (layers, 1, hidden)."""
        L, H = self.s.layers_count, self.s.hidden
        return self.h[:, column].reshape(L, 1, H).copy(), self.c[:, :, column].reshape(L, 1, H).copy()

    def advance(self, ids) -> np.ndarray:
        """Feed one character to each state; return the next-character logits, (N, vocab)."""
        s, h = self.s, self.h
        H, L = s.hidden, s.layers_count
        gates = s.w_hh0 @ h[:H]
        gates += self.table[np.asarray(ids)].T
        self._cell(0, gates)
        for k, (w, b) in enumerate(s.upper, start=1):
            gates = w @ h[(k - 1) * H:(k + 1) * H]
            gates += b[:, None]
            self._cell(k, gates)
        logits = s.w_out @ h[(L - 1) * H:]
        logits += s.b_out[:, None]
        return logits.T

    def _cell(self, k: int, g: np.ndarray) -> None:
        """Layer k's cell on N columns: the stepper's own (`lstm_cell`), state updated in place."""
        H = self.s.hidden
        lstm_cell(g, self.c[k], self.c[k], self.h[k * H:(k + 1) * H], np.empty((H, g.shape[1]), np.float32))
