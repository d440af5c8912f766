"""CharLSTM: the whole model in one small file.

`forward(x, state)` runs a batch of sequences and returns next-character logits for every
position; `LSTMStepper` (stepper.py) reuses the same weights one character at a time for generation.

Voices: a model trained on several sources has a small learned vector per source (row k of
`voice`, k = 1..voices) and one "any voice" vector (row 0). The chosen voice is fed with every
character, next to its embedding. A blend is a weighting of the rows: since the vector enters the
first layer linearly, blending vectors is blending their effect on the gates.
"""

from __future__ import annotations

from dataclasses import replace

import torch
from torch import nn
from torch.nn import functional as F

from oracle.engine.model.config import ModelConfig

__all__ = ["CharLSTM", "ModelConfig", "State", "from_arrays", "without_voices"]  # ModelConfig: its old home

State = tuple[torch.Tensor, torch.Tensor]


class CharLSTM(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        if not config.one_hot:
            self.embed = nn.Embedding(config.vocab_size, config.embed_dim)
        if config.voices:
            self.voice = nn.Embedding(config.voices + 1, config.voice_dim)  # row 0: "any voice"
            # Voices start at zero: the network begins as an unvoiced one and each voice grows only as
            # far as its source differs. Embedding's N(0, 1) start cost 0.03 nats/char of held-out
            # loss on the voices benchmark (2 epochs, own voice, mean: 1.920 against 1.887 at zero and
            # 1.892-1.893 at std 0.03-0.1; the unvoiced model 1.895).
            nn.init.zeros_(self.voice.weight)
        self.lstm = nn.LSTM(config.input_size, config.hidden_size, config.num_layers, batch_first=True,
                            dropout=config.dropout if config.num_layers > 1 else 0.0)
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden_size, config.vocab_size)

    def inputs(self, x: torch.Tensor, voice: torch.Tensor | None = None) -> torch.Tensor:
        if self.config.one_hot:
            chars = F.one_hot(x.long(), self.config.vocab_size).to(self.head.weight.dtype)
        else:
            chars = self.embed(x.long())
        if not self.config.voices:
            return chars
        return torch.cat([chars, self.voice_inputs(voice, x.shape).to(chars.dtype)], dim=-1)

    def voice_inputs(self, voice: torch.Tensor | None, shape: torch.Size) -> torch.Tensor:
        """The voice vector for every position of a (batch, time) input.

        `voice` is None (the "any voice" row), integer row ids ((batch, time), (batch,) or a
        scalar), or float weights over the rows ((voices + 1,) or (batch, voices + 1)): a blend.
        """
        table = self.voice.weight
        batch, time = shape
        if voice is None:
            voice = torch.zeros((), dtype=torch.long, device=table.device)
        if voice.is_floating_point():
            vectors = voice.to(table.dtype) @ table
        else:
            vectors = F.embedding(voice.long(), table)
        if vectors.dim() == 1:
            vectors = vectors[None, None]
        elif vectors.dim() == 2:
            vectors = vectors[:, None]
        return vectors.expand(batch, time, -1)

    def forward(self, x: torch.Tensor, state: State | None = None, last_only: bool = False,
                voice: torch.Tensor | None = None) -> tuple[torch.Tensor, State]:
        """x: (batch, time) ids -> logits (batch, time, vocab), or (batch, vocab) with last_only.
        `voice` matters only to a voiced model (see `voice_inputs`)."""
        out, state = self.lstm(self.inputs(x, voice), state)
        if last_only:
            out = out[:, -1]
        return self.head(self.drop(out)), state

    def layer_groups(self) -> dict[str, list[nn.Parameter]]:
        """Parameters by layer, bottom to top, for the per-layer gradient norms the UI draws."""
        groups = {} if self.config.one_hot else {"embed": list(self.embed.parameters())}
        if self.config.voices:  # the voice vectors are inputs too: drawn with the embedding
            groups.setdefault("embed", []).extend(self.voice.parameters())
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


def without_voices(tensors: dict[str, torch.Tensor], config: ModelConfig) -> tuple[dict[str, torch.Tensor], ModelConfig]:
    """A voiced network's weights as an unvoiced one that speaks exactly as it did in the any voice:
    that vector's constant share of the first layer's gates moves into the layer's bias and the
    voice table goes (to continue a voiced model on corpora other than its voices)."""
    if not config.voices:
        return tensors, config
    chars = config.input_size - config.voice_dim
    w = tensors["lstm.weight_ih_l0"]
    folded = {k: v for k, v in tensors.items() if k != "voice.weight"}
    folded["lstm.bias_ih_l0"] = tensors["lstm.bias_ih_l0"] + w[:, chars:] @ tensors["voice.weight"][0]
    folded["lstm.weight_ih_l0"] = w[:, :chars].contiguous()
    return folded, replace(config, voices=0, voice_dim=0)


def from_arrays(config: ModelConfig, arrays: dict) -> CharLSTM:
    """A network for training or the eye from the numpy weights a reading loaded (already checked
    against the config), built when first needed."""
    net = CharLSTM(config)
    net.load_state_dict({k: torch.tensor(v) for k, v in arrays.items()}, strict=True)  # copies: the arrays may be read-only views
    return net.eval()
