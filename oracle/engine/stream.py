"""One LSTM step per character, without nn.LSTM's per-call overhead.

Calling nn.LSTM for a single time step spends most of its time in dispatch and checks, not in
arithmetic. Here the weights are laid out once for stepping: the first layer's input projection
becomes a lookup table (embedding or one-hot times W_ih plus both biases, one row per
character), and every other layer does a single fused matmul of [input, h] with [W_ih; W_hh].
"""

from __future__ import annotations

import torch

from .model import CharLSTM


class LSTMStepper:
    def __init__(self, net: CharLSTM):
        cfg = net.config
        self.hidden = cfg.hidden_size
        with torch.no_grad():
            lstm = net.lstm
            w_ih0 = lstm.weight_ih_l0.detach().float()
            bias0 = (lstm.bias_ih_l0 + lstm.bias_hh_l0).detach().float()
            inputs = torch.eye(cfg.vocab_size) if cfg.one_hot else net.embed.weight.detach().float()
            self.table = (inputs @ w_ih0.T + bias0).contiguous()  # (vocab, 4H)
            self.w_hh0 = lstm.weight_hh_l0.detach().float().T.contiguous()  # (H, 4H)
            self.layers = []
            for k in range(1, cfg.num_layers):
                w = torch.cat([getattr(lstm, f"weight_ih_l{k}"), getattr(lstm, f"weight_hh_l{k}")], dim=1)
                b = getattr(lstm, f"bias_ih_l{k}") + getattr(lstm, f"bias_hh_l{k}")
                self.layers.append((w.detach().float().T.contiguous(), b.detach().float().contiguous()))
            self.w_out = net.head.weight.detach().float().T.contiguous()  # (H, vocab)
            self.b_out = net.head.bias.detach().float().contiguous()

    def _cell(self, gates: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        i, f, g, o = gates.chunk(4, dim=-1)  # PyTorch's gate order
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c

    @torch.inference_mode()
    def step(self, char_id: int, state: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, tuple]:
        """Advance by one character. state: (h, c), each (layers, 1, hidden) as nn.LSTM returns for a batch of one. Returns (logits, state)."""
        h_all, c_all = state
        hs, cs = [], []
        gates = torch.addmm(self.table[char_id], h_all[0], self.w_hh0)
        h, c = self._cell(gates, c_all[0])
        hs.append(h)
        cs.append(c)
        for k, (w, b) in enumerate(self.layers, start=1):
            gates = torch.addmm(b, torch.cat([h, h_all[k]], dim=1), w)
            h, c = self._cell(gates, c_all[k])
            hs.append(h)
            cs.append(c)
        logits = torch.addmm(self.b_out, h, self.w_out)
        return logits, (torch.stack(hs), torch.stack(cs))
