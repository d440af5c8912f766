"""The app with a long history: the real Textual app, headless (Pilot), with 0, 1,000 and 10,000 exchanges.

Each launch runs in its own process (`python -m bench.app child HOME`), so its peak RSS (VmHWM) is
its own. The figures per history size:
- ready: seconds from building the app until a key typed into the question box shows there
  (imports, the same for every size, are not counted);
- streaming: characters per second of one long answer with pacing off (what the UI lets through:
  the model alone runs several times faster);
- peak RSS of the whole process (Python, torch, Textual, the model, the conversation).
Sizes are measured in turns, rotated each round (0, 1k, 10k, then 1k, 10k, 0, ...), and the medians
are reported, so a busy moment on a shared host, or coming first, hurts every size alike.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.tables import table

REPO = Path(__file__).resolve().parent.parent
SIZE = (100, 30)
QUICK = dict(sizes=(0, 200), repeats=1, answer_chars=400)
TARGETS = dict(ready_ratio=1.2, stream_ratio=0.9, rss_extra_mb=100.0)  # issue 18: at 10,000 exchanges against none
QUESTION = "what is wisdom"


def write_history(home: Path, exchanges: int, answer_chars: int = 280) -> None:
    """A conversation of `exchanges` short questions with ~280-character answers, for the default model."""
    os.environ["ORACLE_HOME"] = str(home)
    from oracle.engine import ReadingRecord
    from oracle.engine.io.paths import bundled_corpora_dir
    from oracle.tui import history
    from oracle.tui.history import Exchange

    text = " ".join((bundled_corpora_dir() / "proverbs.txt").read_text("utf-8").split())
    settings = {"temperature": 0.7, "top_k": 0, "top_p": 1.0, "length": 400, "stop": "sentence", "min_length": 60}
    items = []
    for i in range(exchanges):
        start = (i * 7919) % (len(text) - answer_chars)
        items.append(Exchange(f"question number {i}?", text[start:start + answer_chars],
                              ReadingRecord.read({"model": "default", "seed": i, "settings": settings})))
    history.save("default", items)


def vm_hwm_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def question_text(box) -> str:
    return getattr(box, "value", None) if hasattr(box, "value") else box.text


async def drive(answer_chars: int) -> dict:
    from oracle.tui.app import make_app
    from oracle.tui.widgets.transcript import ExchangeView

    async def until(pilot, predicate, timeout=600.0):
        start = time.perf_counter()
        while not predicate():
            if time.perf_counter() - start > timeout:
                raise TimeoutError("the app did not get there in time")
            await asyncio.sleep(0.01)  # not pilot.pause: it walks every widget, a cost of the harness, not the app

    start, cpu = time.perf_counter(), time.thread_time()  # this thread runs the app's event loop: the UI's CPU
    app = make_app(pace=0)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.oracle_screen
        await until(pilot, lambda: app.screen is screen and screen.oracle is not None)
        box = screen.query_one("#ask")
        await until(pilot, lambda: app.focused is box)
        await pilot.press("x")  # the key waits in the queue behind whatever the app is still doing
        await until(pilot, lambda: question_text(box) == "x")
        ready, ready_cpu = time.perf_counter() - start, time.thread_time() - cpu
        shown = len(screen.query(ExchangeView))
        await pilot.press("backspace", *QUESTION)
        panel = screen.query_one("#settings")
        panel.settings.stop, panel.settings.length = "length", answer_chars
        asked = len(screen.query(ExchangeView))
        t0, cpu = time.perf_counter(), time.thread_time()
        await pilot.press("enter")
        await until(pilot, lambda: len(screen.query(ExchangeView)) > asked and not screen.speaking)
        seconds, ui_cpu = time.perf_counter() - t0, time.thread_time() - cpu
        answer = screen.query(ExchangeView).last().answer
    return {"ready_s": ready, "ready_cpu_s": ready_cpu, "stream_chars": len(answer), "stream_s": seconds,
            "chars_per_s": len(answer) / seconds, "ui_cpu_ms_per_1000": 1e6 * ui_cpu / max(1, len(answer)), "views_shown": shown}


def child(answer_chars: int) -> None:
    import torch

    torch.set_num_threads(1)
    report = asyncio.run(drive(answer_chars))
    report["vm_hwm_kb"] = vm_hwm_kb()
    print(json.dumps(report))


def launch(home: Path, answer_chars: int, timeout: float) -> dict:
    """One launch on a fresh copy of `home`: the answer it saves must not lengthen the next launch's history."""
    with tempfile.TemporaryDirectory(prefix="oracle-bench-launch-") as scratch:
        copy = Path(scratch) / "home"
        shutil.copytree(home, copy)
        env = dict(os.environ, ORACLE_HOME=str(copy), OMP_NUM_THREADS="1")
        done = subprocess.run([sys.executable, "-m", "bench.app", "child", str(answer_chars)], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=timeout)
    if done.returncode:
        raise RuntimeError(f"app child failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(sizes=(0, 1000, 10000), repeats: int = 6, answer_chars: int = 1000, timeout: float = 900.0) -> list[dict]:
    """Median figures per history size, each launch in a fresh process, sizes taken in turns."""
    runs: dict[int, list[dict]] = {n: [] for n in sizes}
    with tempfile.TemporaryDirectory(prefix="oracle-bench-app-") as scratch:
        homes = {}
        for n in sizes:
            homes[n] = Path(scratch) / f"home-{n}"
            homes[n].mkdir()
            subprocess.run([sys.executable, "-m", "bench.app", "write", str(homes[n]), str(n)], cwd=REPO, check=True)
        for r in range(repeats):
            for n in sizes[r % len(sizes):] + sizes[:r % len(sizes)]:  # each size takes each place in the order
                runs[n].append(launch(homes[n], answer_chars, timeout))
                got = runs[n][-1]
                sys.stderr.write(f"bench app: round {r + 1}/{repeats}, {n:,} exchanges: ready {got['ready_s']:.2f} s, "
                                 f"{got['chars_per_s']:,.0f} chars/s, peak RSS {got['vm_hwm_kb'] / 1024:,.0f} MB\n")
    rows = []
    for n in sizes:
        rs = runs[n]
        rows.append({"exchanges": n, "ready_s": statistics.median(r["ready_s"] for r in rs),
                     "chars_per_s": statistics.median(r["chars_per_s"] for r in rs),
                     "peak_rss_mb": statistics.median(r["vm_hwm_kb"] for r in rs) / 1024,
                     "ready_cpu_s": statistics.median(r["ready_cpu_s"] for r in rs),
                     "ui_cpu_ms_per_1000": statistics.median(r["ui_cpu_ms_per_1000"] for r in rs),
                     "views_shown": rs[0]["views_shown"], "runs": rs})
    base = rows[0]
    for row in rows:
        row["ready_ratio"] = row["ready_s"] / base["ready_s"]
        row["stream_ratio"] = row["chars_per_s"] / base["chars_per_s"]
        row["rss_extra_mb"] = row["peak_rss_mb"] - base["peak_rss_mb"]
        row["ready_cpu_ratio"] = row["ready_cpu_s"] / base["ready_cpu_s"]
        row["ui_cpu_ratio"] = row["ui_cpu_ms_per_1000"] / base["ui_cpu_ms_per_1000"]
    return rows


def markdown(rows: list[dict]) -> str:
    runs = len(rows[0]["runs"]) if rows else 0
    body = [[r["exchanges"], r["views_shown"], r["ready_s"], r["ready_ratio"], r["chars_per_s"], r["stream_ratio"],
             r["peak_rss_mb"], r["rss_extra_mb"]] for r in rows]
    cpu = [[r["exchanges"], r["ready_cpu_s"], r["ready_cpu_ratio"], r["ui_cpu_ms_per_1000"], r["ui_cpu_ratio"]] for r in rows]
    return "\n".join([
        f"### The app with a long history (real app, headless at {SIZE[0]}x{SIZE[1]}; "
        f"median of {runs} launches each, sizes in rotating turns)", "",
        table(["exchanges", "built at start", "ready s", "ready ratio", "streaming chars/s", "streaming ratio", "peak RSS MB",
               "RSS extra MB"], body), "",
        "The same launches in CPU time of the thread that runs the app (what a busy host does not inflate):", "",
        table(["exchanges", "ready CPU s", "ratio", "UI CPU ms per 1,000 streamed chars", "ratio"], cpu), "",
        f"Ready: from building the app until a typed key shows in the question box. Streaming: one answer of "
        f"{rows[0]['runs'][0]['stream_chars'] if rows else '?'} characters with pacing off, default model, 1 thread. "
        f"Targets at 10,000 exchanges: ready ratio <= {TARGETS['ready_ratio']}, streaming ratio >= {TARGETS['stream_ratio']}, "
        f"RSS extra <= {TARGETS['rss_extra_mb']:.0f} MB.", ""])


if __name__ == "__main__":
    if sys.argv[1] == "child":
        child(int(sys.argv[2]))
    elif sys.argv[1] == "write":
        write_history(Path(sys.argv[2]), int(sys.argv[3]))
    else:  # python -m bench.app [repeats] [sizes...]: a quick look without the rest of the benchmark
        found = measure(tuple(int(s) for s in sys.argv[2:]) or (0, 1000, 10000), repeats=int(sys.argv[1]))
        print(json.dumps([{k: v for k, v in r.items() if k != "runs"} for r in found], indent=1))
