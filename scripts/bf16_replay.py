"""How exactly a reading recorded with a bf16 prime ("prime": "bf16") replays where bf16 cannot run.

On a CPU with bf16 kernels, for each question and seed: the answer read in bf16 (the record), the same
reading with the prompt read in float32 (what a CPU without bf16 kernels does), and with bf16 emulated
(inputs, weights, h and c rounded to bf16, sums in float32). Prints how many answers each reproduces
and how far each one's logits after the prompt are from oneDNN's bf16.

    python scripts/bf16_replay.py [MODEL] [--questions N] [--seeds S]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from oracle.engine import SampleSettings, store
from oracle.engine.model import precision


def bf16(t: torch.Tensor) -> torch.Tensor:
    return t.float().bfloat16().float()


@torch.inference_mode()
def emulated_prime(oracle, text: str):
    """The prompt through the network with every bf16 rounding oneDNN could make, summed in float32."""
    net, hidden = oracle.net, oracle.net.config.hidden_size
    x = bf16(net.inputs(torch.from_numpy(oracle.vocab.encode(text).astype(np.int64))[None], None)[0])
    hs, cs = [], []
    for layer in range(net.config.num_layers):
        w_ih, w_hh = (bf16(getattr(net.lstm, f"weight_{k}_l{layer}")) for k in ("ih", "hh"))
        bias = bf16(getattr(net.lstm, f"bias_ih_l{layer}")) + bf16(getattr(net.lstm, f"bias_hh_l{layer}"))
        pre, h, c, out = x @ w_ih.T + bias, torch.zeros(hidden), torch.zeros(hidden), []
        for t in range(x.shape[0]):
            i, f, g, o = (pre[t] + h @ w_hh.T).split(hidden)
            c = bf16(torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g))
            h = bf16(torch.sigmoid(o) * torch.tanh(c))
            out.append(h)
        x = torch.stack(out)
        hs.append(h)
        cs.append(c)
    logits = bf16(x[-1] @ bf16(net.head.weight).T + bf16(net.head.bias))
    return logits.numpy(), (torch.stack(hs)[:, None], torch.stack(cs)[:, None])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default="default")
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    if not precision.bf16_kernels_work():
        raise SystemExit("This CPU has no bf16 kernels to compare with: run it on one that has them.")
    torch.set_num_threads(1)
    oracle = store.load(args.model)
    questions = [q.strip() for q in Path("bench/questions.txt").read_text().splitlines() if q.strip() and not q.startswith("#")]
    questions = questions[: args.questions]
    real_prime = oracle.prime
    same = {"float32": 0, "emulated": 0}
    gap = {"float32": 0.0, "emulated": 0.0}
    for question in questions:
        text = oracle.vocab.fit_prompt(question, oracle.lowercase)[0]
        native = real_prime(text, None, "bf16")[0]
        gap["float32"] = max(gap["float32"], float(np.abs(real_prime(text, None, "float32")[0] - native).max()))
        gap["emulated"] = max(gap["emulated"], float(np.abs(emulated_prime(oracle, text)[0] - native).max()))
        for seed in range(1, args.seeds + 1):
            settings = SampleSettings(length=200)
            recorded = "".join(oracle.ask(question, settings, seed=seed, prime="bf16"))
            same["float32"] += "".join(oracle.ask(question, settings, seed=seed, prime="float32")) == recorded
            oracle.prime = lambda t, v=None, r=None: emulated_prime(oracle, t) if r == "bf16" else real_prime(t, v, r)
            same["emulated"] += "".join(oracle.ask(question, settings, seed=seed, prime="bf16")) == recorded
            oracle.prime = real_prime
    total = len(questions) * args.seeds
    for way in same:
        print(f"{way:>9}: {same[way]}/{total} answers as recorded; largest logit gap after the prompt {gap[way]:.4f}")


if __name__ == "__main__":
    main()
