"""The inner eye: what every LSTM unit does on every character of a text.

`Eye(oracle).read(text)` returns, per character read, each layer's cell state, hidden state and
input/forget/output gate values (float32), computed in numpy from the weights the oracle was loaded
with (float32 arrays read from its safetensors file, laid out once by the numpy stepper,
model/stepper.py) and run through the stepper's own recurrence (`recur`, the cell answers use):
one matrix-vector product and one tanh over the four gates per step and layer, each step's gates,
cell and hidden state kept. They equal PyTorch's forward pass to float32 rounding
(tests/test_eye.py checks them against nn.LSTM and its gate layout). About as fast as
the torch kernels this replaced (`git show 1e9dacf:oracle/engine/eye/activations.py`): 2,000
characters through the shipped default on one thread, alternated in one process on the shared
2-core host at load ~4, 1.12 s against 1.31 s (median of 5); scripts/eye_measure.py at load ~5.5,
332-352 ms of CPU against 334 ms.
Torch is needed nowhere here: every loaded oracle holds its weights as numpy arrays (a model in
training hands them over as float32 too), so `oracle eye`, the Eye screen and answers coloured by a
unit never import it (tests/test_instant.py checks `oracle eye`).
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
from oracle.engine.model.stepper import LSTMStepper, recur

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

    def __init__(self, oracle, voice=None) -> None:
        """`voice`: for a voiced model, blend weights over its voice table (`Oracle.voice_weights`);
        None reads in the "any voice" vector, as an unvoiced answer does."""
        self.oracle = oracle
        self.stepper: LSTMStepper = oracle.stepper  # the weights as float32 arrays, laid out once at load
        self.layers, self.hidden = self.stepper.layers_count, self.stepper.hidden
        self.table = self.stepper.voice_table(None if voice is None else np.asarray(voice, dtype=np.float32))
        self.h = np.zeros((self.layers, self.hidden), dtype=np.float32)
        self.c = np.zeros((self.layers, self.hidden), dtype=np.float32)

    def reset(self) -> None:
        self.h[:] = 0
        self.c[:] = 0

    def state(self) -> tuple[np.ndarray, np.ndarray]:
        """(h, c) shaped (layers, 1, hidden), like nn.LSTM's (and `Cursor.state()`)."""
        return self.h.copy()[:, None], self.c.copy()[:, None]

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
        gates = np.empty((len(usable), 4 * self.hidden), np.float32)  # one layer's at a time
        x = self.table[self.oracle.vocab.encode(usable).astype(np.intp)]  # layer 1's input projections, biases in
        for k in range(self.layers):
            if k:  # this layer's input projections for every position at once, from the layer below
                w_ih_t, w_hh, bias = self.stepper.prime_upper[k - 1]
                x = values["hidden"][k - 1] @ w_ih_t
                x += bias
            else:
                w_hh = self.stepper.w_hh0
            self._layer(k, x, w_hh, gates, values)
        return Activations(usable, values, notice)

    def _layer(self, k: int, x: np.ndarray, w_hh: np.ndarray, gates: np.ndarray, values: dict[str, np.ndarray]) -> None:
        """Layer k over every step from the current state, through the stepper's own recurrence
        (`recur`, the cell answers use), each step's gates, cell and hidden state kept (values[...][k])."""
        H, T = self.hidden, len(x)
        recur(x, w_hh, self.h[k], self.c[k], values["hidden"][k], gates[:T], values["cell"][k])
        values["input"][k], values["forget"][k], values["output"][k] = (gates[:T, j * H:(j + 1) * H] for j in range(3))
        self.h[k] = values["hidden"][k][-1]


def look(oracle, text: str, voice=None) -> Activations:
    """Every unit's values on every character of `text`, from a fresh state."""
    return Eye(oracle, voice).read(text)
