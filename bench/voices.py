"""Voices: does each learned voice speak like its source, and do blends land between them?

A voiced and an unvoiced model of the same size train side by side in one run on the same slices
of bundled corpora, for the same number of steps on the same text: the unvoiced model reads the
sources mixed in the voiced training's 256-char blocks too (not the 64k ones it would use alone),
so the comparison isolates the voices; a third model, unvoiced with the 64k blocks (what
`oracle train` does without voices), shows what the finer mix alone changes. On a shared host equal steps are a steadier measure than
equal seconds; both models' training seconds are reported. Then:
- held-out loss per source (nats/char, the last 5% of each slice): the voiced model in the source's
  own voice, in the "any voice", and the unvoiced model; read two ways: as continuous text (the
  state carried along: after a few characters the text itself names its source), and the seed's
  way, each char from its 40 previous chars alone (what an answer has to go on after a short
  question: where knowing the source is worth most);
- fidelity, for every ordered pair (A, B): the share of answers generated in voice A that score a
  lower loss under voice A than under voice B (an answer is scored after its question, on its own
  characters only);
- blends, for every pair: how much better voice A explains an answer than voice B (the loss under
  B minus the loss under A, nats/char; the answer's own predictability cancels out), averaged over
  answers in voice A, in the 50/50 blend and in voice B: the blend should land between them.
Run with `python -m bench --only voices`; `python -m bench.voices --epochs 1` alone.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from bench.data import CACHE
from bench.tables import fmt, table
from oracle.engine import Oracle, SampleSettings, Trainer, get_recipe
from oracle.engine.data.batches import VOICE_BLOCK
from oracle.engine.data.corpus import MIX_BLOCK
from oracle.engine.io.paths import bundled_corpora_dir
from oracle.engine.train.evaluate import stream_loss, voice_tensor, window_loss

SOURCES = ("kjv", "devils-dictionary", "dhammapada", "jargon")
QUESTIONS = ("what is the way?\n", "who am i?\n", "what shall i do tomorrow?\n", "why is there evil?\n",
             "what is a computer?\n")
# Small enough for a few minutes on one thread, big enough for the voices to differ.
MODEL = dict(hidden_size=128, num_layers=1, embed_dim=32, seq_len=64, batch_size=32, lr=0.01, warmup_steps=10)
# 36 epochs (about 3 minutes a model on a quiet thread): the voices' gain grows with training (own voice
# against the 64k-mix unvoiced model, mean: -0.010 at 4 epochs, -0.033 at 12, -0.061 at 36), so a short
# run understates it; at 2 epochs fidelity was 10 of 12 pairs at 90%+.
FULL = dict(slice_chars=120_000, epochs=36, answers=20, answer_chars=200)
QUICK = dict(slice_chars=20_000, epochs=1, answers=2, answer_chars=60, sources=2)


def slices(chars: int, names=SOURCES) -> list[Path]:
    """The first `chars` characters of each bundled corpus, lowercased, named after it (its voice's name)."""
    folder = CACHE / f"voices-{chars}"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        path = folder / f"{name}.txt"
        if not path.is_file():
            path.write_text((bundled_corpora_dir() / f"{name}.txt").read_text("utf-8")[:chars].lower(), "utf-8")
        paths.append(path)
    return paths


def train(name: str, sources: list[Path], epochs: int, voice_dim: int, block: int = VOICE_BLOCK) -> tuple[Trainer, float]:
    recipe = get_recipe("default").with_overrides(**MODEL, voice_dim=voice_dim, epochs=epochs, lowercase=True, device="cpu",
                                                  checkpoint_minutes=0.0, sample_length=1, max_val_chars=2000)
    trainer = Trainer(name, [str(p) for p in sources], recipe, recipe_name="default", force=True, command=["bench"])
    trainer.batches.block = block  # VOICE_BLOCK for the unvoiced model too: the same stream of text
    finished = trainer.run()
    return trainer, finished.elapsed


@torch.no_grad()
def answer_loss(net, vocab, prompt: str, answer: str, voice) -> float:
    """Mean loss of the answer's characters, read after its question, in `voice` (row or blend weights)."""
    ids = torch.from_numpy(vocab.encode(prompt + answer).astype(np.int64))[None]
    logits, _ = net(ids[:, :-1], voice=voice_tensor(voice))
    start = len(prompt) - 1  # the logits at this position predict the answer's first character
    return F.cross_entropy(logits[0, start:], ids[0, len(prompt):]).item()


def measure(cfg: dict) -> dict:
    names = SOURCES[: cfg.get("sources", len(SOURCES))]
    sources = slices(cfg["slice_chars"], names)
    voiced, voiced_s = train("bench-voiced", sources, cfg["epochs"], voice_dim=get_recipe("default").voice_dim)
    plain, plain_s = train("bench-unvoiced", sources, cfg["epochs"], voice_dim=0)
    coarse, coarse_s = train("bench-unvoiced-64k", sources, cfg["epochs"], voice_dim=0, block=MIX_BLOCK)
    # Slices of the bundled texts are texts of one's own, named apart from the bundled ones (my-kjv).
    assert voiced.voices == [f"my-{name}" for name in names] and not plain.voices and voiced.step == plain.step
    result = {"sources": list(names), "epochs": cfg["epochs"], "slice_chars": cfg["slice_chars"],
              "seconds": {"voiced": round(voiced_s, 1), "unvoiced": round(plain_s, 1), "unvoiced_64k": round(coarse_s, 1)},
              "model": MODEL, "voice_dim": voiced.config.voice_dim, "any_voice_share": voiced.recipe.any_voice_share,
              "steps": {"voiced": voiced.step, "unvoiced": plain.step},
              "parameters": {"voiced": voiced.net.num_parameters(), "unvoiced": plain.net.num_parameters()}}
    net, vocab = voiced.net.eval(), voiced.corpus.vocab
    rows = []
    for k, (name, source) in enumerate(zip(names, voiced.corpus.sources)):
        ids = source.val
        rows.append({"source": name, "val_chars": len(ids), "own": stream_loss(net, ids, voice=k + 1),
                     "any": stream_loss(net, ids, voice=0), "unvoiced": stream_loss(plain.net.eval(), ids),
                     "unvoiced_64k": stream_loss(coarse.net.eval(), ids),
                     "window": {"own": window_loss(net, ids, voice=k + 1), "any": window_loss(net, ids, voice=0),
                                "unvoiced": window_loss(plain.net, ids), "unvoiced_64k": window_loss(coarse.net, ids)}})
    result["held_out"] = rows
    result["own_minus_unvoiced"] = statistics.mean(r["own"] - r["unvoiced"] for r in rows)
    result["own_minus_unvoiced_64k"] = statistics.mean(r["own"] - r["unvoiced_64k"] for r in rows)
    result["window_own_minus_unvoiced"] = statistics.mean(r["window"]["own"] - r["window"]["unvoiced"] for r in rows)
    result["window_own_minus_unvoiced_64k"] = statistics.mean(r["window"]["own"] - r["window"]["unvoiced_64k"] for r in rows)

    oracle = Oracle("bench-voiced", copy.deepcopy(net), vocab, True, voices=names)
    settings = SampleSettings(temperature=0.8, stop="length", length=cfg["answer_chars"], min_length=0)
    voices = {name: k + 1 for k, name in enumerate(names)}

    def answers(blend: dict) -> list[tuple[str, str]]:
        found = []
        for i in range(cfg["answers"]):
            prompt = QUESTIONS[i % len(QUESTIONS)]
            reading = oracle.ask(prompt, settings, seed=i, voice=blend)
            found.append((reading.prompt, "".join(reading)))
        return found

    t0 = time.perf_counter()
    own = {name: answers({name: 1.0}) for name in names}
    scores = {name: [{other: answer_loss(net, vocab, p, a, row) for other, row in voices.items()} for p, a in own[name]]
              for name in names}
    result["fidelity"] = [{"voice": a, "against": b, "share": float(np.mean([s[a] < s[b] for s in scores[a]]))}
                          for a, b in itertools.permutations(names, 2)]
    blends = []
    for a, b in itertools.combinations(names, 2):
        mixed = [{v: answer_loss(net, vocab, p, t, voices[v]) for v in (a, b)} for p, t in answers({a: 0.5, b: 0.5})]
        row = {"pair": f"{a} / {b}", "in_a": statistics.mean(s[b] - s[a] for s in scores[a]),
               "blend": statistics.mean(s[b] - s[a] for s in mixed), "in_b": statistics.mean(s[b] - s[a] for s in scores[b])}
        row["between"] = row["in_a"] > row["blend"] > row["in_b"]
        blends.append(row)
    result["blends"] = blends
    result["generation_seconds"] = round(time.perf_counter() - t0, 1)
    return result


def markdown(r: dict) -> str:
    out = [f"### Voices: {len(r['sources'])} sources, a voiced and an unvoiced model "
           f"({r['model']['num_layers']}x{r['model']['hidden_size']}, voice size {r['voice_dim']}, "
           f"{fmt(r['any_voice_share'], 2)} of sequences in the any voice), {r['steps']['voiced']} steps each "
           f"({r['seconds']['voiced']:.0f} s, {r['seconds']['unvoiced']:.0f} s and {r['seconds']['unvoiced_64k']:.0f} s)", "",
           "Held-out loss, nats/char (last 5% of each slice, continuous text):", "",
           table(["source", "own voice", "any voice", "unvoiced, same mix", "own - unvoiced", "unvoiced, 64k mix", "own - unvoiced 64k"],
                 [[x["source"], x["own"], x["any"], x["unvoiced"], x["own"] - x["unvoiced"], x["unvoiced_64k"],
                   x["own"] - x["unvoiced_64k"]] for x in r["held_out"]]),
           "", f"Own voice against the unvoiced model, mean over sources: {r['own_minus_unvoiced']:+.3f} nats/char "
               f"(same 256-char mix), {r['own_minus_unvoiced_64k']:+.3f} (the 64k mix an unvoiced run uses).", ""]
    if all("window" in x for x in r["held_out"]):
        w = [x["window"] for x in r["held_out"]]
        out += ["The same held-out text the seed's way, each char from its 40 previous chars alone (an answer's "
                "situation after a short question), nats/char:", "",
                table(["source", "own voice", "any voice", "unvoiced, same mix", "own - unvoiced", "unvoiced, 64k mix",
                       "own - unvoiced 64k"],
                      [[x["source"], y["own"], y["any"], y["unvoiced"], y["own"] - y["unvoiced"], y["unvoiced_64k"],
                        y["own"] - y["unvoiced_64k"]] for x, y in zip(r["held_out"], w)]),
                "", f"Own voice against the unvoiced model, 40-char context, mean over sources: "
                    f"{r['window_own_minus_unvoiced']:+.3f} nats/char (same mix), {r['window_own_minus_unvoiced_64k']:+.3f} (64k mix).", ""]
    names = r["sources"]
    share = {(f["voice"], f["against"]): f["share"] for f in r["fidelity"]}
    out += ["Fidelity: share of answers in voice (row) scoring lower under it than under voice (column):", "",
            table(["voice \\ against"] + names, [[a] + ["–" if a == b else f"{share[a, b]:.0%}" for b in names] for a in names]),
            "", f"Pairs at 90% or more: {sum(v >= 0.9 for v in share.values())} of {len(share)}.", "",
            "50/50 blends: loss under B minus loss under A (nats/char; above 0: A explains it better), mean over answers:", "",
            table(["A / B", "answers in A", "in the blend", "answers in B", "blend between"],
                  [[b["pair"], b["in_a"], b["blend"], b["in_b"], "yes" if b["between"] else "no"] for b in r["blends"]]),
            "", f"Blends between their two voices: {sum(b['between'] for b in r['blends'])} of {len(r['blends'])}.", ""]
    return "\n".join(out)


def main(argv=None) -> int:
    import json
    import os
    import tempfile

    p = argparse.ArgumentParser(prog="python -m bench.voices", description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=FULL["epochs"], help="training epochs for each model")
    p.add_argument("--answers", type=int, default=FULL["answers"], help="answers generated per voice and per blend")
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    cfg = dict(QUICK) if args.quick else dict(FULL, epochs=args.epochs, answers=args.answers)
    os.environ.setdefault("ORACLE_HOME", tempfile.mkdtemp(prefix="oracle-bench-voices-"))
    result = measure(cfg)
    print(markdown(result))
    print(json.dumps(result, indent=1, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
