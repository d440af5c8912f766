"""The inner eye: what every LSTM unit does on every character of a text.

`Eye(oracle).read(text)` returns, per character read, each layer's cell state, hidden state and
input/forget/output gate values (float32). The weights are the model's own; each layer is one
pass: the input projection of every step as a single matrix product, then the recurrence, one
matrix-vector product per step, writing straight into the result arrays (no per-step copies).
An `Eye` keeps its state, so a second `read` continues where the first ended: the app uses that
to colour an answer as it streams.

Rows follow the characters the model actually read: the text goes through the same mapping as a
question (`Vocabulary.fit_prompt`), so characters the model never saw are left out, and `notice`
says which.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .errors import OracleError

KINDS = ("cell", "hidden", "input", "forget", "output")
LONGEST = 20_000  # characters per read: each costs layers x hidden x 5 floats (2x256: 10 KB)


@dataclass
class Activations:
    text: str  # the characters read, one row each
    values: dict[str, np.ndarray]  # kind -> (layers, len(text), hidden) float32
    notice: str | None = None

    @property
    def layers(self) -> int:
        return self.values["cell"].shape[0]

    @property
    def hidden(self) -> int:
        return self.values["cell"].shape[2]

    def unit(self, layer: int, unit: int, kind: str = "cell") -> np.ndarray:
        """One unit's values over the text (layer and unit count from 0)."""
        check_unit(layer, unit, kind, self.layers, self.hidden)
        return self.values[kind][layer, :, unit]


def check_unit(layer: int, unit: int, kind: str, layers: int, hidden: int) -> None:
    if kind not in KINDS:
        raise OracleError(f"Unknown kind {kind!r}: choose one of {', '.join(KINDS)}.")
    if not 0 <= layer < layers:
        raise OracleError(f"Layer {layer + 1} does not exist: this model has layers 1 to {layers}.")
    if not 0 <= unit < hidden:
        raise OracleError(f"Unit {unit} does not exist: this model's layers have units 0 to {hidden - 1}.")


def _sigmoid_rows_halved(w: np.ndarray, hidden: int) -> np.ndarray:
    """PyTorch's gate rows (i, f, g, o) -> (i, f, o, g), the three sigmoid gates scaled by 1/2.

    sigmoid(x) = (1 + tanh(x / 2)) / 2, so one tanh over all four gates does the work of three
    sigmoids and a tanh; halving is exact in floating point.
    """
    i, f, g, o = np.split(w, 4, axis=0)
    return np.ascontiguousarray(np.concatenate([i * 0.5, f * 0.5, o * 0.5, g], axis=0))


class Eye:
    """Reads texts through one loaded oracle, carrying the LSTM state from one read to the next."""

    def __init__(self, oracle, voice=None):
        """`voice`: for a voiced model, blend weights over its voice table (`Oracle.voice_weights`);
        None reads in the "any voice" vector, as an unvoiced answer does."""
        self.oracle = oracle
        self.voice = None if voice is None else torch.as_tensor(np.asarray(voice, dtype=np.float32))
        net, cfg = oracle.net, oracle.net.config
        self.layers, self.hidden = cfg.num_layers, cfg.hidden_size
        lstm = net.lstm
        self._weights = []
        for k in range(self.layers):
            def get(name):
                return getattr(lstm, f"{name}_l{k}").detach().float().cpu().numpy()

            bias = (get("bias_ih") + get("bias_hh"))[:, None]
            self._weights.append((_sigmoid_rows_halved(get("weight_ih"), self.hidden).T.copy(),  # (in, 4H)
                                  _sigmoid_rows_halved(get("weight_hh"), self.hidden),  # (4H, H)
                                  _sigmoid_rows_halved(bias, self.hidden)[:, 0]))
        self.h = np.zeros((self.layers, self.hidden), dtype=np.float32)
        self.c = np.zeros((self.layers, self.hidden), dtype=np.float32)

    def reset(self) -> None:
        self.h[:] = 0
        self.c[:] = 0

    def state(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(h, c) shaped (layers, 1, hidden), like nn.LSTM's."""
        return (torch.from_numpy(self.h.copy())[:, None], torch.from_numpy(self.c.copy())[:, None])

    def read(self, text: str) -> Activations:
        """Run `text` from the current state; return every unit's values on every character read."""
        if len(text) > LONGEST:
            raise OracleError(f"The text has {len(text):,} characters; the eye reads at most {LONGEST:,} at a time: give it a shorter passage.")
        usable, dropped = self.oracle.vocab.fit_prompt(text, self.oracle.lowercase)
        notice = None
        if dropped:
            shown = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in dropped[:20])
            notice = f"Left out {len(dropped)} character(s) this oracle never saw: {shown}"
        if not usable:
            return Activations("", {kind: np.zeros((self.layers, 0, self.hidden), np.float32) for kind in KINDS}, notice)
        values = {kind: np.empty((self.layers, len(usable), self.hidden), np.float32) for kind in KINDS}
        x = self._inputs(usable)
        gates = np.empty((len(usable), 4 * self.hidden), np.float32)
        for k in range(self.layers):
            self._layer(k, x, gates, values)
            x = values["hidden"][k]
        return Activations(usable, values, notice)

    def _inputs(self, text: str) -> np.ndarray:
        """The first layer's input for every character, by the model's own input function."""
        ids = torch.from_numpy(self.oracle.vocab.encode(text).astype(np.int64))[None]
        with torch.inference_mode():
            if self.voice is None:
                return self.oracle.net.inputs(ids)[0].float().numpy()
            return self.oracle.net.inputs(ids, self.voice)[0].float().numpy()

    def _layer(self, k: int, x: np.ndarray, z: np.ndarray, values: dict[str, np.ndarray]) -> None:
        """One layer over all steps: gates (T, 4H) in z, results written into values[...][k]."""
        w_in, w_rec, bias = self._weights[k]
        H = self.hidden
        np.matmul(x, w_in, out=z)  # every step's input projection in one product
        z += bias
        cells, hiddens = values["cell"][k], values["hidden"][k]
        h_prev, c_prev = self.h[k], self.c[k]
        tmp = np.empty(H, np.float32)
        for t in range(len(x)):
            zt = z[t]
            zt += w_rec @ h_prev
            np.tanh(zt, out=zt)
            sig = zt[:3 * H]
            sig *= 0.5
            sig += 0.5  # i, f, o are sigmoids now; zt[3H:] is the tanh candidate
            c = cells[t]
            np.multiply(zt[H:2 * H], c_prev, out=c)
            np.multiply(zt[:H], zt[3 * H:], out=tmp)
            c += tmp
            h = hiddens[t]
            np.tanh(c, out=h)
            h *= zt[2 * H:3 * H]
            h_prev, c_prev = h, c
        values["input"][k] = z[:, :H]
        values["forget"][k] = z[:, H:2 * H]
        values["output"][k] = z[:, 2 * H:3 * H]
        self.h[k], self.c[k] = h_prev, c_prev


def look(oracle, text: str, voice=None) -> Activations:
    """Every unit's values on every character of `text`, from a fresh state."""
    return Eye(oracle, voice).read(text)
