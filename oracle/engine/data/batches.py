"""Training batches, addressable by (epoch, step) so a resumed run sees exactly the same data.

ContiguousBatches (the default): the epoch's text is cut into `batch` parallel rows; step k takes
the next `seq_len` chars of every row, and the LSTM state carries over from step to step, so the
model learns across sequence boundaries (truncated BPTT) and every position predicts its next char.

WindowBatches (keras-classic): 40-char windows every 3 chars, shuffled each epoch, one target
each. Windows are gathered from the integer array on the fly: nothing is ever one-hot in memory.

With several processes (DDP), `rank` and `world` give each its own share of every batch.

Voices (ContiguousBatches only): sources are mixed in VOICE_BLOCK-char blocks rather than the
corpus' 64k ones. A voice is learned where the text alone cannot tell the source: at a row's start
and where the source switches; with 64k blocks a switch came once in a thousand sequences and the
voices barely steered. `voices(epoch, step)` labels every input character with the voice
row of the source it was read from (1 + the source's index); each sequence (one row's chunk of one
step) is read with the "any voice" row 0 instead with probability `any_voice_share`. The labels
depend on (seed, epoch, step) alone, like the text, so a resumed or distributed run sees the same.
"""

from __future__ import annotations

import numpy as np
import torch

from oracle.engine.data.corpus import MIX_BLOCK, Corpus

VOICE_BLOCK = 256  # chars read from one source at a time when training voices (tried: 1024 steered far weaker)


class ContiguousBatches:
    carries_state = True

    def __init__(self, corpus: Corpus, batch: int, seq_len: int, seed: int, rank: int = 0, world: int = 1,
                 voiced: bool = False, any_voice_share: float = 0.0):
        self.corpus, self.seq_len, self.seed = corpus, seq_len, seed
        self.any_voice_share = any_voice_share
        self.block = VOICE_BLOCK if voiced else MIX_BLOCK
        self._blocks_epoch: int | None = None
        self._blocks: np.ndarray = np.zeros(0, np.int64)
        n = corpus.train_chars
        # Fewer rows when the text is short: every row needs at least one full sequence plus a target.
        self.batch = max(world, min(batch, (n - 1) // (seq_len + 1)) // world * world)
        self.rows = slice(rank, self.batch, world)
        self.row_len = (n - 1) // self.batch
        self.steps_per_epoch = max(1, (self.row_len - 1) // seq_len)
        self._epoch: int | None = None
        self._grid: np.ndarray = np.zeros((0, 0), np.int64)
        self.signal_per_step = self.batch * seq_len

    def _rows(self, epoch: int) -> np.ndarray:
        if self._epoch != epoch:
            stream = self.corpus.epoch_stream(epoch, self.seed, self.block)
            self._grid = stream[: self.batch * self.row_len].reshape(self.batch, self.row_len)[self.rows]
            self._epoch = epoch
        return self._grid

    def get(self, epoch: int, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        grid = self._rows(epoch)
        start = step * self.seq_len
        chunk = torch.from_numpy(grid[:, start:start + self.seq_len + 1].astype(np.int64))
        return chunk[:, :-1], chunk[:, 1:]

    def voices(self, epoch: int, step: int) -> torch.Tensor:
        """(rows, seq_len) voice rows for the inputs `get(epoch, step)` returns."""
        if self._blocks_epoch != epoch:
            self._blocks, self._blocks_epoch = self.corpus.epoch_blocks(epoch, self.seed, self.block), epoch
        rows = np.arange(self.batch)[self.rows]
        positions = rows[:, None] * self.row_len + step * self.seq_len + np.arange(self.seq_len)
        labels = self._blocks[positions // self.block] + 1
        # Drawn for every row of the whole batch, then this rank's rows taken: the same labels under DDP.
        anyone = np.random.default_rng([self.seed, epoch, step, 13]).random(self.batch)[self.rows] < self.any_voice_share
        labels[anyone] = 0
        return torch.from_numpy(labels.astype(np.int64))


class WindowBatches:
    carries_state = False

    def __init__(self, corpus: Corpus, batch: int, seq_len: int, seed: int, window_step: int, rank: int = 0, world: int = 1):
        self.corpus, self.seq_len, self.seed, self.window_step = corpus, seq_len, seed, window_step
        self.batch = batch
        self.rank, self.world = rank, world
        self.n_windows = max(0, (corpus.train_chars - seq_len - 1) // window_step + 1)
        self.steps_per_epoch = max(1, -(-self.n_windows // batch))
        self._epoch: int | None = None
        self._order: np.ndarray = np.zeros(0, np.int64)
        self._stream: np.ndarray = np.zeros(0, np.int64)
        self.signal_per_step = batch

    def get(self, epoch: int, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        if self._epoch != epoch:
            self._stream = self.corpus.epoch_stream(epoch, self.seed)
            self._order = np.random.default_rng([self.seed, epoch, 3]).permutation(self.n_windows)  # Keras shuffles
            self._epoch = epoch
        starts = self._order[step * self.batch:(step + 1) * self.batch][self.rank::self.world] * self.window_step
        idx = starts[:, None] + np.arange(self.seq_len + 1)
        chunk = torch.from_numpy(self._stream[idx].astype(np.int64))
        return chunk[:, :-1], chunk[:, -1]
