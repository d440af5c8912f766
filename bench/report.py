"""Markdown tables from the benchmark's results dict."""

from __future__ import annotations

import importlib

from bench.tables import fmt, table


def markdown(results: dict) -> str:
    out = [f"## Oracle benchmark ({results['mode']})", "",
           f"Machine: {results['machine']}. Corpus: {results['corpus']}. "
           f"Load average at start: {results['load_start']}, at end: {results['load_end']}.", ""]
    q = results.get("quality")
    if q:
        c = q["compare"]
        out += ["### Time to quality (validation loss, nats/char, the seed's way: each held-out char from its 40 previous chars)", "",
                table(["figure", "keras-classic", "default", "ratio / gap"], [
                    ["training seconds measured", q["classic"]["seconds"], q["default"]["seconds"], ""],
                    ["epochs / steps", f"{c['classic_epochs']} / {q['classic']['steps']}",
                     f"{q['default']['epochs']:.2f} / {q['default']['steps']}", ""],
                    ["loss after classic's 1st epoch (s)", f"{fmt(c['classic_1epoch_loss'])} ({fmt(c['classic_1epoch_seconds'], 1)} s)",
                     fmt(c["default_loss_at_classic_1epoch_time"]), f"{fmt(c['gap_at_classic_1epoch_time'])} nats lower"],
                    ["seconds to classic's 1-epoch loss", c["classic_1epoch_seconds"], c["default_seconds_to_classic_1epoch_loss"],
                     f"{fmt(c['speedup_to_classic_1epoch_loss'], 1)}x sooner"],
                    ["best loss reached", c["classic_best_loss"], c["default_best_loss"], ""],
                    ["seconds to classic's best loss", c["classic_seconds_to_best"], c["default_seconds_to_classic_best"],
                     f"{fmt(c['speedup_to_classic_best'], 1)}x sooner"],
                    ["continuous-text loss (ours), last eval", "", q["default"]["last_stream_loss"], ""],
                    ["training signal, chars/s", q["classic"]["chars_per_s"], q["default"]["chars_per_s"],
                     f"{fmt(q['default']['chars_per_s'] / q['classic']['chars_per_s'], 1)}x"],
                ]), ""]
        out += ["Loss against training seconds (window loss; stream loss in brackets):", "",
                table(["recipe", "curve"], [[name, ", ".join(
                    f"{p['seconds']:.{0 if p['seconds'] >= 10 else 1}f}s {p['window_loss']:.3f}"
                    + (f" [{p['stream_loss']:.3f}]" if "stream_loss" in p else "")
                    for p in q[name]["points"])] for name in ("classic", "default")]), ""]
    g = results.get("generation")
    if g:
        out += [f"### Generation on 1 CPU thread (100-char prompt; median and best of {results['config']['repeats']} answers)", "",
                table(["model", "parameters", "streaming chars/s", "first char ms", "best chars/s", "best first char ms",
                       "seed's way chars/s", "seed's way first char ms", "speedup (medians)", "weights"],
                      [[r["model"], r["parameters"], r["stream_chars_per_s"], r["stream_first_char_ms"], r["stream_best_chars_per_s"],
                        r["stream_best_first_char_ms"], r["seed_way_chars_per_s"],
                        r["seed_way_first_char_ms"], r["speedup"], r["note"]] for r in g]), ""]
    m = results.get("memory")
    if m:
        out += ["### Peak memory of training (corpus load + a few steps, own process)", "",
                table(["corpus", "chars", "recipe", "peak RSS MB", "seed's one-hot X+y MB", "seconds"],
                      [[r["label"], r["corpus_chars"], r["recipe"], r["peak_rss_mb"], r["one_hot_mb"], r["seconds"]] for r in m]), ""]
    gpu = results.get("gpu")
    if gpu:
        out += ["### GPU: Trainer against a bare cuDNN training loop (same model and batch)", "",
                table(["device", "amp", "Trainer chars/s", "bare loop chars/s", "ratio"],
                      [[r["device"], r["amp"], r["trainer_chars_per_s"], r["bare_loop_chars_per_s"], r["ratio"]] for r in gpu]), ""]
    # The sections each bench module writes with its own markdown(), imported only when present.
    for section in ("voices", "app", "scripture", "cards", "startup", "prophecy"):
        if results.get(section):
            out += [importlib.import_module(f"bench.{section}").markdown(results[section])]
    return "\n".join(out)
