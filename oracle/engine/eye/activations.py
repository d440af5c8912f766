"""The inner eye: what every LSTM unit does on every character of a text.

`Eye(oracle).read(text)` returns, per character read, each layer's cell state, hidden state and
input/forget/output gate values (float32). The weights are the model's own; each layer is one
pass of PyTorch's fused LSTM kernel for the hidden states, then every gate at once from them
(two matrix products), then the cell states by their element-wise recurrence. Side by side on
the shipped default, one thread, 2,000 characters, this took 0.98 s (median of 7) against 1.30 s
for a numpy loop of one matrix-vector product per step (both on a host with load ~13 on 2 cores).
Torch is imported by the first `Eye`, not by this module: `oracle eye --help`, the unit search on
activations already read, and the app's start do not pay for it.
An `Eye` keeps its state, so a second `read` continues where the first ended: the app uses that
to colour an answer as it streams.

Rows follow the characters the model actually read: the text goes through the same mapping as a
question (`Vocabulary.fit_prompt`), so characters the model never saw are left out, and `notice`
says which.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oracle.engine.errors import OracleError

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


class Eye:
    """Reads texts through one loaded oracle, carrying the LSTM state from one read to the next."""

    def __init__(self, oracle, voice=None):
        """`voice`: for a voiced model, blend weights over its voice table (`Oracle.voice_weights`);
        None reads in the "any voice" vector, as an unvoiced answer does."""
        import torch
        from torch import nn

        self.oracle = oracle
        self.voice = None if voice is None else torch.as_tensor(np.asarray(voice, dtype=np.float32))
        net, cfg = oracle.net, oracle.net.config
        self.layers, self.hidden = cfg.num_layers, cfg.hidden_size
        # Each layer as its own one-layer nn.LSTM (the model's weights, copied once): its fused kernel
        # gives the hidden state of every step, exactly as the model's forward pass computes it.
        self._layers = []
        with torch.no_grad():
            for k in range(self.layers):
                weights = {name: getattr(net.lstm, f"{name}_l{k}").detach().float().cpu()
                           for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
                one = nn.LSTM(weights["weight_ih"].shape[1], self.hidden, 1)
                for name, value in weights.items():
                    getattr(one, f"{name}_l0").copy_(value)
                self._layers.append((one.eval(), weights["weight_ih"], weights["weight_hh"],
                                     weights["bias_ih"] + weights["bias_hh"]))
        self.h = np.zeros((self.layers, self.hidden), dtype=np.float32)
        self.c = np.zeros((self.layers, self.hidden), dtype=np.float32)

    def reset(self) -> None:
        self.h[:] = 0
        self.c[:] = 0

    def state(self):
        """(h, c) shaped (layers, 1, hidden), like nn.LSTM's, as torch tensors."""
        import torch

        return (torch.from_numpy(self.h.copy())[:, None], torch.from_numpy(self.c.copy())[:, None])

    def read(self, text: str, exact: bool = False) -> Activations:
        """Run `text` from the current state; return every unit's values on every character read.

        `exact`: the text is the model's own output (an answer), read character for character with
        no mapping; a character outside the vocabulary is then an error.
        """
        if len(text) > LONGEST:
            raise OracleError(f"The text has {len(text):,} characters; the eye reads at most {LONGEST:,} at a time: "
                              "give it a shorter passage.")
        if exact:
            if not set(text) <= set(self.oracle.vocab.chars):
                raise OracleError("The text holds characters this oracle never wrote: it cannot be read exactly.")
            usable, dropped = text, ""
        else:
            usable, dropped = self.oracle.vocab.fit_prompt(text, self.oracle.lowercase)
        notice = None
        if dropped:
            shown = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in dropped[:20])
            notice = f"Left out {len(dropped)} character(s) this oracle never saw: {shown}"
        if not usable:
            return Activations("", {kind: np.zeros((self.layers, 0, self.hidden), np.float32) for kind in KINDS}, notice)
        values = {kind: np.empty((self.layers, len(usable), self.hidden), np.float32) for kind in KINDS}
        x = self._inputs(usable)
        for k in range(self.layers):
            self._layer(k, x, values)
            x = values["hidden"][k]
        return Activations(usable, values, notice)

    def _inputs(self, text: str) -> np.ndarray:
        """The first layer's input for every character, by the model's own input function."""
        import torch

        ids = torch.from_numpy(self.oracle.vocab.encode(text).astype(np.int64))[None]
        with torch.inference_mode():
            if self.voice is None:
                return self.oracle.net.inputs(ids)[0].float().numpy()
            return self.oracle.net.inputs(ids, self.voice)[0].float().numpy()

    def _layer(self, k: int, x: np.ndarray, values: dict[str, np.ndarray]) -> None:
        """Layer k over all steps, from the current state; results go into values[...][k].

        1. nn.LSTM's fused kernel: the hidden state after every step.
        2. With every step's previous hidden state known, all gates at once: two matrix products.
        3. The cell state: c_t = f_t * c_(t-1) + i_t * g_t, the one recurrence left (element-wise).
        """
        import torch

        one, w_ih, w_hh, bias = self._layers[k]
        H = self.hidden
        with torch.inference_mode():
            inputs = torch.from_numpy(x)
            h0, c0 = torch.from_numpy(self.h[k].copy()), torch.from_numpy(self.c[k].copy())
            out, _ = one(inputs, (h0[None], c0[None]))  # (T, H)
            before = torch.cat([h0[None], out[:-1]])  # the hidden state each step starts from
            z = torch.addmm(bias, inputs, w_ih.T).addmm_(before, w_hh.T)  # (T, 4H), PyTorch's order i, f, g, o
            i, f, g, o = z.split(H, dim=1)
            values["hidden"][k] = out.numpy()
            values["input"][k] = torch.sigmoid(i).numpy()
            values["forget"][k] = torch.sigmoid(f).numpy()
            values["output"][k] = torch.sigmoid(o).numpy()
            fresh = (torch.from_numpy(values["input"][k]) * torch.tanh(g)).numpy()  # i_t * g_t
        cells, forget = values["cell"][k], values["forget"][k]
        c_prev = self.c[k]
        for t in range(len(x)):
            c = cells[t]
            np.multiply(forget[t], c_prev, out=c)
            c += fresh[t]
            c_prev = c
        self.h[k], self.c[k] = values["hidden"][k, -1], c_prev


def look(oracle, text: str, voice=None) -> Activations:
    """Every unit's values on every character of `text`, from a fresh state."""
    return Eye(oracle, voice).read(text)
