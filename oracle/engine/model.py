"""CharLSTM: the whole model in one small file.

`forward(x, state)` runs a batch of sequences and returns next-character logits for every
position; `step` (in stream.py) reuses the same weights one character at a time for generation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int
    hidden_size: int = 512
    num_layers: int = 2
    embed_dim: int = 64
    dropout: float = 0.2
    one_hot: bool = False  # keras-classic feeds one-hot vectors instead of a learned embedding

    @property
    def input_size(self) -> int:
        return self.vocab_size if self.one_hot else self.embed_dim

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ModelConfig":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


State = tuple[torch.Tensor, torch.Tensor]


class CharLSTM(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        if not config.one_hot:
            self.embed = nn.Embedding(config.vocab_size, config.embed_dim)
        self.lstm = nn.LSTM(config.input_size, config.hidden_size, config.num_layers, batch_first=True,
                            dropout=config.dropout if config.num_layers > 1 else 0.0)
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden_size, config.vocab_size)

    def inputs(self, x: torch.Tensor) -> torch.Tensor:
        if self.config.one_hot:
            return F.one_hot(x.long(), self.config.vocab_size).to(self.head.weight.dtype)
        return self.embed(x.long())

    def forward(self, x: torch.Tensor, state: State | None = None, last_only: bool = False) -> tuple[torch.Tensor, State]:
        """x: (batch, time) ids -> logits (batch, time, vocab), or (batch, vocab) with last_only."""
        out, state = self.lstm(self.inputs(x), state)
        if last_only:
            out = out[:, -1]
        return self.head(self.drop(out)), state

    def init_state(self, batch: int, device=None) -> State:
        shape = (self.config.num_layers, batch, self.config.hidden_size)
        return torch.zeros(shape, device=device), torch.zeros(shape, device=device)

    def layer_groups(self) -> dict[str, list[nn.Parameter]]:
        """Parameters by layer, bottom to top, for the per-layer gradient norms the UI draws."""
        groups = {} if self.config.one_hot else {"embed": list(self.embed.parameters())}
        for layer in range(self.config.num_layers):
            groups[f"lstm{layer + 1}"] = [p for n, p in self.lstm.named_parameters() if n.endswith(f"_l{layer}")]
        groups["head"] = list(self.head.parameters())
        return groups

    def init_keras_style(self) -> None:
        """Keras' LSTM defaults: Glorot-uniform inputs, orthogonal recurrence, forget-gate bias 1."""
        hidden = self.config.hidden_size
        for name, param in self.lstm.named_parameters():
            if name.startswith("weight_ih"):
                nn.init.xavier_uniform_(param)
            elif name.startswith("weight_hh"):
                for gate in range(4):
                    nn.init.orthogonal_(param.data[gate * hidden:(gate + 1) * hidden])
            elif name.startswith("bias_ih"):
                param.data.zero_()
                param.data[hidden:2 * hidden] = 1.0
            else:
                param.data.zero_()
        nn.init.xavier_uniform_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
