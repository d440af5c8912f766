"""One LSTM step per character, without nn.LSTM's per-call overhead.

Calling nn.LSTM for a single time step spends most of its time in dispatch and checks, not in
arithmetic. Here the weights are laid out once for stepping:
- the first layer's input projection becomes a lookup table (embedding or one-hot times W_ih plus
  both biases, one row per character), so layer 1 costs one matrix-vector product (with W_hh);
- every other layer does a single fused product of [input, h] with [W_ih; W_hh];
- the sigmoid gates' rows are pre-scaled by 1/2, because sigmoid(x) = (1 + tanh(x/2)) / 2: one
  tanh over all four gates replaces three sigmoids and a tanh (scaling by 1/2 is exact in floats);
- all buffers are allocated once and everything runs in numpy: an element-wise op costs about
  1 µs there against several µs for a torch op, and numpy's OpenBLAS does a matrix-vector product
  1.5-2x faster than torch's CPU build on the AMD EPYC we measure on (1024x256: 25 µs against
  43 µs; 2048x1024: 200 µs against 250-300 µs, one thread each);
- OpenBLAS would start one thread per core for the bigger products, so a stream runs under
  `blas_threads(read_threads())`: one thread unless OMP_NUM_THREADS says otherwise (see there).

A voiced model's voice vector is constant through a reading, so its share of the first layer's
gates (W_ih's voice columns times the blended vector) is added into that lookup table once per
blend (`voice_table`), and again only when the blend changes mid-reading: streaming costs the same.

`Cursor` holds the running (h, c) of one stream. `prime` reads a whole prompt: the first layer's
input projections are rows of the same table, each upper layer's input projections for all
positions are one matrix product (T x H by H x 4H), and only the recurrence (W_hh times h) goes
step by step. Everything is built from the safetensors arrays, so answering never imports torch.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import numpy as np

from oracle.engine.model.config import ModelConfig


def _gates_ifog(w: np.ndarray, hidden: int) -> np.ndarray:
    """Reorder PyTorch's gate rows (i, f, g, o) to (i, f, o, g) and halve the three sigmoid gates."""
    i, f, g, o = np.split(np.asarray(w, dtype=np.float32), 4, axis=0)
    return np.ascontiguousarray(np.concatenate([i * 0.5, f * 0.5, o * 0.5, g], axis=0))


_controller = None


@contextmanager
def blas_threads(limit: int):
    """Cap numpy's BLAS (OpenBLAS) at `limit` threads while the block runs."""
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController  # finding the loaded BLAS takes ~7 ms: once per process

        _controller = ThreadpoolController()
    with _controller.limit(limits=max(1, limit), user_api="blas"):
        yield


def read_threads() -> int:
    """How many BLAS threads a reading uses: OMP_NUM_THREADS where it is set, else one. A reading's
    products are small (8 candidates of the 2x384 default: 1536x384 by 384x8), so a second thread only
    waits on the first: on a shared 2-core host (load 11), 60 chars of a ranked answer took 3.0 s
    (0.87 s of CPU) with 2 threads against 0.46 s (0.12 s of CPU) with one, median of 5, alternated."""
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "")))
    except ValueError:
        return 1


class LSTMStepper:
    """A model's weights laid out for reading: from the arrays of its safetensors file (state_dict names)."""

    def __init__(self, config: ModelConfig, arrays: dict[str, np.ndarray]):
        cfg = self.config = config
        self.hidden, self.layers_count, self.vocab_size = cfg.hidden_size, cfg.num_layers, cfg.vocab_size
        H = cfg.hidden_size

        def f32(name: str) -> np.ndarray:
            return np.asarray(arrays[name], dtype=np.float32)

        w_ih0 = f32("lstm.weight_ih_l0")
        bias0 = f32("lstm.bias_ih_l0") + f32("lstm.bias_hh_l0")
        # W_ih's first columns read the character; a voiced model's last ones its voice
        chars = cfg.vocab_size if cfg.one_hot else cfg.embed_dim
        # (vocab, 4H): the first layer's input contribution for every character, biases included. A
        # one-hot row times W_ih is just a column of W_ih: no (vocab x vocab) identity is built.
        per_char = w_ih0[:, :chars].T if cfg.one_hot else f32("embed.weight") @ w_ih0[:, :chars].T
        self.table = np.ascontiguousarray(_gates_ifog((per_char + bias0).T, H).T)
        # (voice rows, 4H): each voice vector's contribution to the first layer's gates.
        self.voice_gates = None
        if cfg.voices:
            self.voice_gates = np.ascontiguousarray(_gates_ifog((f32("voice.weight") @ w_ih0[:, chars:].T).T, H).T)
        # Weights are kept (out, in) so each product is one BLAS gemv over contiguous rows.
        self.w_hh0 = _gates_ifog(f32("lstm.weight_hh_l0"), H)
        self.upper = []
        for k in range(1, cfg.num_layers):
            w = np.concatenate([f32(f"lstm.weight_ih_l{k}"), f32(f"lstm.weight_hh_l{k}")], axis=1)
            b = f32(f"lstm.bias_ih_l{k}") + f32(f"lstm.bias_hh_l{k}")
            self.upper.append((_gates_ifog(w, H), _gates_ifog(b[:, None], H)[:, 0].copy()))
        # The same upper layers split for `prime`: W_ih transposed (in, 4H) for the all-positions
        # product, W_hh alone (4H, H) for the recurrence (a few MB more than stepping alone needs).
        self.prime_upper = [(np.ascontiguousarray(w[:, :H].T), np.ascontiguousarray(w[:, H:]), b) for w, b in self.upper]
        # (vocab, H). Copies, as every array above is: the loader's may be read-only views of the file's bytes.
        self.w_out = np.array(f32("head.weight"), order="C")
        self.b_out = np.array(f32("head.bias"), order="C")

    @classmethod
    def from_net(cls, net) -> LSTMStepper:
        """From a torch CharLSTM (tests, training): its weights as float32 arrays."""
        arrays = {k: v.detach().float().cpu().numpy() for k, v in net.state_dict().items()}
        return cls(net.config, arrays)

    def voice_table(self, weights: np.ndarray | None) -> np.ndarray:
        """The per-character table with a voice blend's constant term added (weights over the voice rows)."""
        if self.voice_gates is None:
            return self.table
        if weights is None:
            weights = np.eye(len(self.voice_gates), 1, dtype=np.float32)[:, 0]  # row 0: any voice
        return self.table + (np.asarray(weights, dtype=np.float32) @ self.voice_gates)[None]

    def cursor(self, state=None, voice: np.ndarray | None = None) -> Cursor:
        """A stream positioned after `state` ((h, c), each (layers, 1, hidden) or (layers, hidden) arrays,
        or nn.LSTM's tensors), or at the start; `voice`: blend weights over a voiced model's voice rows
        (None: any voice)."""
        return Cursor(self, state, voice)

    def prime(self, ids: np.ndarray, voice: np.ndarray | None = None) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Read a whole prompt (char ids, at least one): the logits after its last char and (h, c),
        each (layers, 1, hidden), as nn.LSTM's forward gives them, to float32 rounding."""
        H, L, T = self.hidden, self.layers_count, len(ids)
        x = self.voice_table(voice)[np.asarray(ids, dtype=np.intp)]  # (T, 4H): layer 1's input projections
        h_all, c_all = np.zeros((L, 1, H), np.float32), np.zeros((L, 1, H), np.float32)
        seq = np.empty((T, H), np.float32)  # each layer's h at every position, the next layer's input
        for k in range(L):
            w_hh = self.w_hh0
            if k:  # this layer's input projections for every position at once
                w_ih_t, w_hh, b = self.prime_upper[k - 1]
                x = seq @ w_ih_t
                x += b
            recur(x, w_hh, np.zeros(H, np.float32), c_all[k, 0], seq)
            h_all[k, 0] = seq[-1]
        logits = self.w_out @ seq[-1] + self.b_out
        return logits, (h_all, c_all)


def lstm_cell(g: np.ndarray, c_prev: np.ndarray, c: np.ndarray, h: np.ndarray, tmp: np.ndarray) -> None:
    """One LSTM cell, in place: every reader's (`prime`, `Cursor`, the eye). g (4H) holds the gates'
    pre-activations in (i, f, o, g) order with the sigmoid rows halved (`_gates_ifog`) and becomes
    their values; then c = f * c_prev + i * g and h = o * tanh(c). c may be c_prev itself (a state
    updated in place); tmp (H) is scratch. It works on N states side by side as well: g (4H, N), the
    others (H, N)."""
    H = len(h)
    np.tanh(g, out=g)
    sig = g[:3 * H]
    sig *= 0.5
    sig += 0.5  # i, f, o are now sigmoids; g[3H:] is the tanh candidate
    np.multiply(g[H:2 * H], c_prev, out=c)
    np.multiply(g[:H], g[3 * H:], out=tmp)
    c += tmp
    np.tanh(c, out=h)
    h *= g[2 * H:3 * H]


def recur(x: np.ndarray, w_hh: np.ndarray, h: np.ndarray, c: np.ndarray, out: np.ndarray,
          gates: np.ndarray | None = None, cells: np.ndarray | None = None) -> None:
    """One layer's recurrence over a sequence from the state (h, c): x (T, 4H) the input projections
    (gate order and halving as `lstm_cell`, biases in). Writes each step's h into out (T, H) and leaves
    the last c in c. `gates` (T, 4H) and `cells` (T, H), when given, keep each step's gate values and
    c (what the eye shows); without them one buffer serves every step."""
    H = len(c)
    tmp, step = np.empty(H, np.float32), np.empty(4 * H, np.float32)
    c_prev = c
    for t in range(len(x)):
        g = step if gates is None else gates[t]
        np.matmul(w_hh, h, out=g)
        g += x[t]
        c_t = c if cells is None else cells[t]
        lstm_cell(g, c_prev, c_t, out[t], tmp)
        h, c_prev = out[t], c_t
    if cells is not None and len(x):
        c[:] = c_prev


class Cursor:
    """The running state of one stream, in preallocated numpy buffers."""

    def __init__(self, stepper: LSTMStepper, state=None, voice: np.ndarray | None = None):
        H, L = stepper.hidden, stepper.layers_count
        self.s = stepper
        self.table = stepper.voice_table(voice)
        # All layers' h side by side: layer k's input and its own previous h, [h_{k-1}; h_k], are then
        # one contiguous slice (h_{k-1} already updated this step, h_k not yet), so stacking layers
        # needs no concatenation per step.
        self.h = np.zeros(L * H, dtype=np.float32)
        self.c = np.zeros((L, H), dtype=np.float32)
        if state is not None:
            h, c = state
            self.h[:] = np.asarray(h, dtype=np.float32).reshape(-1)
            self.c[:] = np.asarray(c, dtype=np.float32).reshape(L, H)
        self.gates = np.empty(4 * H, dtype=np.float32)
        self.logits = np.empty(stepper.vocab_size, dtype=np.float32)
        # The views each product reads, made once: slicing per call costs time on every character.
        self._inputs = [self.h[:H]] + [self.h[(k - 1) * H:(k + 1) * H] for k in range(1, L)]
        self._own_h = [self.h[k * H:(k + 1) * H] for k in range(L)]
        self._top = self._own_h[-1]
        self._tmp = np.empty(H, dtype=np.float32)

    def advance(self, char_id: int) -> np.ndarray:
        """Feed one character; return the next-character logits (a buffer the next call reuses: copy to keep)."""
        s, inputs, gates = self.s, self._inputs, self.gates
        np.matmul(s.w_hh0, inputs[0], out=gates)
        gates += self.table[char_id]
        lstm_cell(gates, self.c[0], self.c[0], self._own_h[0], self._tmp)
        for k, (w, b) in enumerate(s.upper, start=1):
            np.matmul(w, inputs[k], out=gates)
            gates += b
            lstm_cell(gates, self.c[k], self.c[k], self._own_h[k], self._tmp)
        np.matmul(s.w_out, self._top, out=self.logits)
        self.logits += s.b_out
        return self.logits

    def set_voice(self, weights: np.ndarray | None) -> None:
        """Speak on in another blend from the next character (the state read so far is kept)."""
        self.table = self.s.voice_table(weights)

    def state(self) -> tuple[np.ndarray, np.ndarray]:
        """(h, c) as arrays shaped (layers, 1, hidden), like nn.LSTM's."""
        L, H = self.s.layers_count, self.s.hidden
        return self.h.copy().reshape(L, 1, H), self.c.copy().reshape(L, 1, H)
