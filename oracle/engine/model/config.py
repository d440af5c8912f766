"""A model's shape, readable without torch: the config dataclass and the weights it implies.

The reading path (loading a model, reading a question, stepping an answer) runs on numpy alone, so
what it needs to know about a network lives here, not next to the torch module (network.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int
    hidden_size: int = 512
    num_layers: int = 2
    embed_dim: int = 64
    dropout: float = 0.2
    one_hot: bool = False  # keras-classic feeds one-hot vectors instead of a learned embedding
    voices: int = 0  # learned source voices (0: an unvoiced model, as every single-source one is)
    voice_dim: int = 0  # size of each voice vector

    @property
    def input_size(self) -> int:
        return (self.vocab_size if self.one_hot else self.embed_dim) + (self.voice_dim if self.voices else 0)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ModelConfig:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def weight_shapes(config: ModelConfig) -> dict[str, tuple[int, ...]]:
    """Every tensor a CharLSTM of this config holds, by its state_dict name: what a weights file must match."""
    H, V = config.hidden_size, config.vocab_size
    shapes: dict[str, tuple[int, ...]] = {}
    if not config.one_hot:
        shapes["embed.weight"] = (V, config.embed_dim)
    if config.voices:
        shapes["voice.weight"] = (config.voices + 1, config.voice_dim)
    for k in range(config.num_layers):
        shapes[f"lstm.weight_ih_l{k}"] = (4 * H, config.input_size if k == 0 else H)
        shapes[f"lstm.weight_hh_l{k}"] = (4 * H, H)
        shapes[f"lstm.bias_ih_l{k}"] = (4 * H,)
        shapes[f"lstm.bias_hh_l{k}"] = (4 * H,)
    shapes["head.weight"] = (V, H)
    shapes["head.bias"] = (V,)
    return shapes


@dataclass(frozen=True)
class Weights:
    """A model's numbers as numpy arrays by state_dict name, checked against its config: all that
    reading needs (the torch network is built from them only when something asks for it)."""

    config: ModelConfig
    arrays: dict[str, np.ndarray]

    @classmethod
    def from_net(cls, net) -> Weights:
        return cls(net.config, {k: v.detach().float().cpu().numpy() for k, v in net.state_dict().items()})
