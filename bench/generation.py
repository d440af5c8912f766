"""Generation speed on one CPU thread: stateful streaming (Oracle.ask) against the seed's way.

The seed (Keras lstm_text_generation.py) re-runs the model over the last 40 characters for every
character it writes. We feed the prompt once and then take one LSTM step per character. Speed
does not depend on what the weights learned, so the 1x128 and 2x512 models are freshly initialised.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import torch

from oracle.engine import CharLSTM, ModelConfig, Oracle, SampleSettings, store
from oracle.engine.data.vocab import Vocabulary
from oracle.engine.read.reading import choose

WINDOW = 40


def models(vocab: Vocabulary) -> list[tuple[str, Oracle, str]]:
    """(label, oracle, note): the shipped default model if present, a 1x128 and a 2x512."""
    from oracle.engine import RECIPES

    found, r = [], RECIPES["default"]
    try:
        oracle = store.load("default")
        cfg = oracle.net.config
        found.append((f"default ({cfg.num_layers}x{cfg.hidden_size})", oracle, "models/default"))
        shipped_shape = (cfg.num_layers, cfg.hidden_size)
    except Exception as err:  # no shipped model yet: measure its shape with random weights, and say so
        shipped_shape, note = None, f"random weights (no shipped model: {err.__class__.__name__})"
    if shipped_shape != (r.num_layers, r.hidden_size):  # also the shape the default recipe trains now
        torch.manual_seed(0)
        net = CharLSTM(ModelConfig(len(vocab), r.hidden_size, r.num_layers, r.embed_dim))
        found.append((f"default recipe ({r.num_layers}x{r.hidden_size})", Oracle("default", net, vocab, True),
                      note if shipped_shape is None else "random weights, the default recipe's shape"))
    for layers, hidden in ((1, 128), (2, 512)):
        torch.manual_seed(0)
        net = CharLSTM(ModelConfig(len(vocab), hidden, layers, 64))
        found.append((f"{layers}x{hidden}", Oracle(f"{layers}x{hidden}", net, vocab, True), "random weights"))
    return found


def streaming(oracle: Oracle, prompt: str, chars: int, repeats: int) -> dict:
    """Median and best of `repeats` answers: on a shared host the spread is wide (the 2x512 model's
    12 MB of weights compete for the L3 cache with other tenants), so both are reported."""
    settings = SampleSettings(temperature=0.8, length=chars, stop="length")
    firsts, rates = [], []
    for seed in range(repeats + 1):
        start = time.perf_counter()
        reading = iter(oracle.ask(prompt, settings, seed=seed))
        next(reading)
        first = time.perf_counter()
        rest = sum(1 for _ in reading)
        end = time.perf_counter()
        if seed:  # the first round warms caches and allocators
            firsts.append(first - start)
            rates.append(rest / (end - first))
    return {"first_char_ms": 1000 * statistics.median(firsts), "chars_per_s": statistics.median(rates),
            "best_first_char_ms": 1000 * min(firsts), "best_chars_per_s": max(rates)}


@torch.inference_mode()
def seed_way(oracle: Oracle, prompt: str, chars: int, repeats: int) -> dict:
    """One full forward pass over the last 40 characters per generated character, as Keras did."""
    net, vocab = oracle.net, oracle.vocab
    settings = SampleSettings(temperature=0.8)
    firsts, rates = [], []
    for seed in range(repeats + 1):
        rng = np.random.default_rng(seed)
        ids = list(vocab.encode(vocab.fit_prompt(prompt, oracle.lowercase)[0]))
        start = time.perf_counter()
        for i in range(chars):
            x = torch.tensor(ids[-WINDOW:], dtype=torch.long)[None]
            logits, _ = net(x, last_only=True)
            ids.append(choose(logits[0].numpy(), settings, rng))
            if i == 0:
                first = time.perf_counter()
        end = time.perf_counter()
        if seed:
            firsts.append(first - start)
            rates.append((chars - 1) / (end - first))
    return {"first_char_ms": 1000 * statistics.median(firsts), "chars_per_s": statistics.median(rates)}


def measure(prompt_source: str, stream_chars: int, seed_chars: int, repeats: int) -> list[dict]:
    torch.set_num_threads(1)
    vocab = Vocabulary.from_texts([prompt_source])
    prompt = prompt_source[:100]
    rows = []
    for label, oracle, note in models(vocab):
        fast = streaming(oracle, prompt, stream_chars, repeats)
        slow = seed_way(oracle, prompt, seed_chars, repeats)
        rows.append({"model": label, "note": note, "parameters": oracle.net.num_parameters(),
                     "stream_chars_per_s": fast["chars_per_s"], "stream_first_char_ms": fast["first_char_ms"],
                     "stream_best_chars_per_s": fast["best_chars_per_s"], "stream_best_first_char_ms": fast["best_first_char_ms"],
                     "seed_way_chars_per_s": slow["chars_per_s"], "seed_way_first_char_ms": slow["first_char_ms"],
                     "speedup": fast["chars_per_s"] / slow["chars_per_s"]})
    return rows
