"""`python -m bench`: Oracle against the seed recipe, side by side in one run; prints Markdown, writes JSON.

Sections: time to quality and training throughput (keras-classic vs default, same corpus, same
device), generation speed on one CPU thread, and peak memory on 1/10/100 MB corpora. `--quick`
runs a small version of everything (CI runs it through tests/test_bench_quick.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent

FULL = dict(corpus_chars=600_000, classic_seconds=3600.0, classic_epochs=15, default_seconds=900.0, first_eval=5.0,
            eval_chars=3000, stream_chars=1000, seed_chars=100, repeats=7, memory_mb=(1, 10, 100), memory_steps=3)
QUICK = dict(corpus_chars=60_000, classic_seconds=6.0, classic_epochs=3, default_seconds=6.0, first_eval=1.0,
             eval_chars=1500, stream_chars=300, seed_chars=30, repeats=1, memory_mb=(1,), memory_steps=2)


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a small version of every section (under two minutes)")
    p.add_argument("--corpus", type=Path, help="train on this text file instead of the bundled KJV's first 600,000 chars "
                                               "(e.g. /work/shared/bench/kjv_600k.txt, the file the seed figures come from)")
    p.add_argument("--classic-seconds", type=float, help="training-time cap for keras-classic")
    p.add_argument("--classic-epochs", type=int, help="epoch cap for keras-classic")
    p.add_argument("--default-seconds", type=float, help="training-time cap for the default recipe")
    p.add_argument("--default-set", action="append", default=[], metavar="FIELD=VALUE",
                   help="override a default-recipe field for an experiment (recorded in the results)")
    p.add_argument("--threads", type=int, default=1, help="torch threads for training (default 1: on a shared 2-core "
                   "machine a second thread spin-waits and runs 3-4x slower; the generation section always uses 1)")
    p.add_argument("--eval-chars", type=int, help="held-out chars each evaluation scores (the seed's way costs 40 steps per char)")
    p.add_argument("--no-early-stop", action="store_true", help="train default for its whole budget, even after it beats classic's best")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                   help="where both recipes train; cuda also runs the GPU section (Trainer against a bare cuDNN loop)")
    p.add_argument("--only", action="append",
                   choices=["quality", "generation", "memory", "gpu", "voices", "prophecy", "app", "cards", "scripture", "startup"],
                   help="run only these sections (voices, prophecy, app, cards, scripture and startup run only when named: "
                        "`--only voices` writes results_voices.*, `--only prophecy` results_prophecy.*, `--only app` "
                        "results_app.*, `--only cards` results_cards.*, `--only scripture` results_scripture.*, "
                        "`--only startup` results_startup.*)")
    p.add_argument("--out", type=Path, help="folder for results.md and results.json (default: bench/ for a full run, "
                                          "a new temporary folder for --quick, so it never overwrites the committed results)")
    args = p.parse_args(argv)
    if args.out is None:
        args.out = Path(tempfile.mkdtemp(prefix="oracle-bench-quick-")) if args.quick else HERE
    return args


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, torch {torch.__version__}")


def quality(cfg: dict, corpus: Path, default_overrides: dict, early_stop: bool = True, device: str = "cpu") -> dict:
    from bench.quality import Run, compare, throughput

    classic = Run("keras-classic", corpus, cfg["classic_seconds"], cfg["first_eval"], cfg["eval_chars"],
                  max_epochs=cfg["classic_epochs"], device=device).run()
    best, t1 = classic.best(), (classic.epoch_seconds[0] if classic.epoch_seconds else None)

    def reached(curve) -> bool:  # the comparison is complete once default beats classic's best and passed its epoch-1 time
        last = curve.points[-1] if curve.points else None
        return last is not None and last["window_loss"] <= best and (t1 is None or last["seconds"] >= t1)

    run = Run("default", corpus, cfg["default_seconds"], cfg["first_eval"], cfg["eval_chars"], overrides=default_overrides,
              stop_when=reached if early_stop else None, eval_before=(t1,), device=device)
    default = run.run()
    result = {"compare": compare(classic, default), "default_overrides": default_overrides}
    for name, curve, _trainer in (("classic", classic, None), ("default", default, run.trainer)):
        result[name] = {"seconds": curve.seconds, "steps": curve.steps, "points": curve.points,
                        "epoch_seconds": curve.epoch_seconds, "stop_reason": curve.stop_reason,
                        "chars_per_s": throughput(curve), "signal_chars": curve.signal_chars}
    steps_per_epoch = run.trainer.batches.steps_per_epoch
    result["default"]["epochs"] = default.steps / steps_per_epoch
    result["default"]["last_stream_loss"] = default.points[-1].get("stream_loss") if default.points else None
    result["default"]["recipe"] = run.trainer.recipe.to_dict()
    return result


def generation(cfg: dict, corpus: Path) -> list[dict]:
    from bench.generation import measure

    threads = torch.get_num_threads()
    try:
        return measure(corpus.read_text("utf-8")[:5000], cfg["stream_chars"], cfg["seed_chars"], cfg["repeats"])
    finally:
        torch.set_num_threads(threads)


def memory(cfg: dict) -> list[dict]:
    from bench.data import big_corpus
    from bench.memory import one_hot_bytes, peak_rss

    rows = []
    plan = [(mb, "default") for mb in cfg["memory_mb"]] + ([(cfg["memory_mb"][-1], "keras-classic")] if len(cfg["memory_mb"]) > 1 else [])
    for mb, recipe in plan:
        report = peak_rss(big_corpus(mb), recipe, cfg["memory_steps"])
        report.update(label=f"{mb} MB", recipe=recipe, one_hot_mb=one_hot_bytes(report["corpus_chars"], report["vocab"]) / 1e6)
        rows.append(report)
    return rows


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def main(argv=None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    cfg = dict(QUICK if args.quick else FULL)
    for key in ("classic_seconds", "classic_epochs", "default_seconds", "eval_chars"):
        if getattr(args, key) is not None:
            cfg[key] = getattr(args, key)
    torch.set_num_threads(args.threads)
    cfg["threads"] = args.threads
    sections = args.only or ["quality", "generation", "memory"] + (["gpu"] if args.device == "cuda" else [])
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.stderr.write("bench: --device cuda was asked for, but no CUDA GPU is available: use --device cpu.\n")
        return 2
    scratch = None
    if "ORACLE_HOME" not in os.environ:  # never touch the user's models; the runs' files go when we are done
        scratch = tempfile.TemporaryDirectory(prefix="oracle-bench-home-")
        os.environ["ORACLE_HOME"] = scratch.name
    try:
        return run(args, cfg, sections, "python -m bench " + " ".join(sys.argv[1:] if argv is None else argv))
    finally:
        if scratch is not None:
            scratch.cleanup()


def run(args, cfg: dict, sections: list[str], command: str) -> int:
    from bench.data import kjv_slice
    from bench.report import markdown

    corpus = args.corpus or kjv_slice(cfg["corpus_chars"])
    if not corpus.is_file():
        sys.stderr.write(f"bench: {corpus} does not exist: give a text file to --corpus.\n")
        return 2
    results = {"mode": "quick" if args.quick else "full", "machine": machine(), "device": args.device, "corpus": str(corpus),
               "command": command,
               "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "load_start": load(), "config": cfg}
    t0 = time.perf_counter()
    if "quality" in sections:
        from bench.quality import recipe_overrides

        results["quality"] = quality(cfg, corpus, recipe_overrides(args.default_set), not args.no_early_stop, args.device)
    if "generation" in sections:
        results["generation"] = generation(cfg, corpus)
    if "memory" in sections:
        results["memory"] = memory(cfg)
    if "gpu" in sections:
        from bench.gpu import measure as gpu_measure

        results["gpu"] = gpu_measure(corpus, steps=50 if args.quick else 200)
    if "voices" in sections:
        from bench import voices

        results["voices"] = voices.measure(voices.QUICK if args.quick else voices.FULL)
    if "prophecy" in sections:
        from bench import prophecy

        results["prophecy"] = prophecy.measure(**(prophecy.QUICK if args.quick else {}))
    if "app" in sections:
        from bench import app

        results["app"] = app.measure(**(app.QUICK if args.quick else {}))
    if "cards" in sections:
        from bench import cards

        results["cards"] = cards.measure(**(cards.QUICK if args.quick else {}))
    if "scripture" in sections:
        from bench import scripture

        results["scripture"] = scripture.measure(**(scripture.QUICK if args.quick else {}))
    if "startup" in sections:
        from bench import startup

        results["startup"] = startup.measure(**(startup.QUICK if args.quick else {}))
    results["load_end"], results["seconds"] = load(), round(time.perf_counter() - t0, 1)
    text = markdown(results)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    # A voices-only or prophecy-only run keeps the main results.
    stem = {("voices",): "results_voices", ("prophecy",): "results_prophecy", ("app",): "results_app",
            ("cards",): "results_cards", ("scripture",): "results_scripture",
            ("startup",): "results_startup"}.get(tuple(sections), "results")
    (args.out / f"{stem}.md").write_text(text + f"\nCommand: `{results['command']}` ({results['seconds']} s).\n", "utf-8")
    (args.out / f"{stem}.json").write_text(json.dumps(results, indent=1, default=float) + "\n", "utf-8")
    sys.stderr.write(f"bench: results written to {args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
