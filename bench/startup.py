"""Startup and pace (#26): whole processes side by side with `python -c "import numpy, textual.app"`.

Each measure is a whole process started cold from the shell, run right after the yardstick in the
same round, so both see the same host (a loaded host slows both: the ratio is what holds). Rounds
alternate yardstick and measure; each figure is the median over the rounds.
- `oracle ask "what is truth?" --length 60`: wall time to the end of the answer, and its peak RSS;
- `oracle models list`;
- the app, started in tmux at 80x24, until the question box shows (its placeholder is drawn), and
  until the model is loaded (the welcome line names it);
- the pace: in the app (Pilot, the shipped default) at 90 chars/s with a process spinning on each
  core, the time from the first character of a 300-character answer on screen to the last.
`python -m bench --only startup` writes bench/results_startup.md and .json.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
YARDSTICK = [sys.executable, "-c", "import numpy, textual.app"]
ORACLE = [sys.executable, "-m", "oracle"]
TARGETS = {"ask": 1.5, "models list": 1.3, "app: question box": 2.0}  # at most this many yardsticks (the issue's)
PACE, PACE_CHARS = 90.0, 300
QUICK = dict(rounds=2, pace_rounds=1)


def _env() -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("OMP_NUM_THREADS", None)  # as a user's shell has it
    # An installed package has its bytecode compiled (pip does it); a checkout run with
    # PYTHONDONTWRITEBYTECODE would compile Oracle's 200-odd modules on every start (0.25 s).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _run(argv: list[str]) -> float:
    """Wall seconds of one whole process."""
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env(), cwd=ROOT)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode('utf-8', 'replace')[-500:]}")
    return took


# A child forked from this (torch-laden) process counts the parent's pages in its peak until it execs:
# a small launcher starts the command and reports its children's peak instead.
_PEAK = "import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); " \
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"


def _peak_rss(argv: list[str]) -> int:
    """Peak resident memory (bytes) of one whole process."""
    out = subprocess.run([sys.executable, "-c", _PEAK, *argv], capture_output=True, text=True, env=_env(), cwd=ROOT, check=True)
    return int(out.stdout.split()[-1]) * 1024


def _app_in_tmux(session: str) -> tuple[float, float]:
    """Seconds until the app's question box shows in tmux at 80x24, and until the model is loaded."""
    # The app runs under the tmux server's environment, which is the one that started the server, not
    # _env(): unset what _env() unsets there too (PYTHONDONTWRITEBYTECODE made every start compile the
    # app's modules afresh, as an installed package never does).
    command = "env -u PYTHONDONTWRITEBYTECODE -u OMP_NUM_THREADS " + " ".join(f"'{part}'" for part in ORACLE)
    env_args = [arg for key in ("PYTHONPATH", "ORACLE_HOME") if key in _env() for arg in ("-e", f"{key}={_env()[key]}")]
    start = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", *env_args, command], check=True)
    box = loaded = None
    try:
        while loaded is None and time.perf_counter() - start < 60:
            screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout
            now = time.perf_counter() - start
            if box is None and "Ask the oracle" in screen:
                box = now
            if box is not None and "anything and press" in screen:  # the welcome line: the model is ready
                loaded = now
            time.sleep(0.05)  # each capture starts a tmux client: polling faster would take CPU from the app
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    if box is None or loaded is None:
        raise RuntimeError("the app did not show its question box and model within 60 s in tmux")
    return box, loaded


PACE_SCRIPT = textwrap.dedent("""
    import asyncio, sys, time
    from oracle.engine import SampleSettings
    from oracle.tui.app import make_app
    from oracle.tui.widgets.transcript import ExchangeView

    shown, real_add = [], ExchangeView.add
    def timed(view, chars):
        if chars:
            shown.append((time.perf_counter(), len(chars)))
        real_add(view, chars)
    ExchangeView.add = timed

    async def main():
        app = make_app(pace=float(sys.argv[1]))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.oracle_screen
            while screen.oracle is None:
                await pilot.pause(0.05)
            n = int(sys.argv[2])
            screen.controls.panel.settings = SampleSettings(stop="length", length=n, min_length=n)
            await pilot.press(*"what is truth?", "enter")
            while not (screen.exchanges and len(screen.exchanges[-1].answer) == n and not screen.speaking):
                await pilot.pause(0.05)
        print("PACE", shown[-1][0] - shown[0][0], shown[0][1], sum(c for _, c in shown), max(c for _, c in shown))

    asyncio.run(main())
""")


def _app_answer(pace: float) -> dict:
    done = subprocess.run([sys.executable, "-c", PACE_SCRIPT, str(pace), str(PACE_CHARS)], capture_output=True,
                          text=True, env=_env(), cwd=ROOT, timeout=300)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("PACE")), None)
    if line is None:
        raise RuntimeError(f"the paced app run failed: {done.stderr[-800:]}")
    took, first, total, most = line.split()[1:]
    due = (int(total) - int(first)) / pace if pace else 0.0
    return {"seconds": float(took), "due": due, "chars": int(total), "most_per_frame": int(most)}


def _paced(rounds: int) -> list[dict]:
    """The app at PACE with a spinner on every core (the first chunk's chars are due when it is drawn),
    each run beside the same answer at pace 0: how fast the model itself went under that load."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)]
    try:
        out = []
        for _ in range(rounds):
            paced, free = _app_answer(PACE), _app_answer(0.0)
            out.append({**paced, "unpaced_seconds": free["seconds"]})
        return out
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def measure(rounds: int = 7, pace_rounds: int = 3) -> dict:
    if shutil.which("tmux") is None:
        raise RuntimeError("the startup bench needs tmux (apt-get install tmux)")
    times: dict[str, list[float]] = {"yardstick": [], "ask": [], "models list": [], "app: question box": [],
                                     "app: model loaded": []}
    ratios: dict[str, list[float]] = {name: [] for name in times if name != "yardstick"}
    ask = ORACLE + ["ask", "what is truth?", "--length", "60"]
    _run(ORACLE + ["models", "list"])  # the first run pays for the disk cache, not for Oracle
    for k in range(rounds):
        for name, argv in (("ask", ask), ("models list", ORACLE + ["models", "list"]), ("app", None)):
            yard = _run(YARDSTICK)
            times["yardstick"].append(yard)
            if argv is None:
                box, loaded = _app_in_tmux(f"oracle-bench-{os.getpid()}-{k}")
                for label, value in (("app: question box", box), ("app: model loaded", loaded)):
                    times[label].append(value)
                    ratios[label].append(value / yard)
                continue
            took = _run(argv)
            times[name].append(took)
            ratios[name].append(took / yard)
    ask_rss = [_peak_rss(ask) for _ in range(3)]
    yard_rss = [_peak_rss(YARDSTICK) for _ in range(3)]
    paced = _paced(pace_rounds)
    return {"rounds": rounds, "load": Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else None,
            "median_s": {k: statistics.median(v) for k, v in times.items()},
            "ratio": {k: statistics.median(v) for k, v in ratios.items()}, "targets": TARGETS,
            "ask_peak_rss_mb": statistics.median(ask_rss) / 2**20, "yardstick_peak_rss_mb": statistics.median(yard_rss) / 2**20,
            "pace": {"chars_per_s": PACE, "answer_chars": PACE_CHARS, "spinners": os.cpu_count(), "runs": paced,
                     "median_s": statistics.median(r["seconds"] for r in paced),
                     "median_due_s": statistics.median(r["due"] for r in paced),
                     "median_unpaced_s": statistics.median(r["unpaced_seconds"] for r in paced)}}


def markdown(r: dict) -> str:
    rows = ["## Startup and pace (`python -m bench --only startup`)", "",
            f"Whole processes, each right after `python -c \"import numpy, textual.app\"` in the same round; "
            f"median of {r['rounds']} rounds (load at the end: {' '.join(r['load'] or ['n/a'])}).", "",
            "| process | median s | yardstick x | target |", "|---|---:|---:|---:|",
            f"| `python -c \"import numpy, textual.app\"` (yardstick) | {r['median_s']['yardstick']:.2f} | 1.00 | |"]
    for name, label in (("ask", "`oracle ask \"what is truth?\" --length 60`"), ("models list", "`oracle models list`"),
                        ("app: question box", "the app in tmux 80x24: question box shown"),
                        ("app: model loaded", "the app in tmux 80x24: model loaded")):
        target = r["targets"].get(name)
        rows.append(f"| {label} | {r['median_s'][name]:.2f} | {r['ratio'][name]:.2f} | {f'<= {target}' if target else ''} |")
    p = r["pace"]
    rows += ["", f"Peak RSS of `oracle ask`: {r['ask_peak_rss_mb']:.0f} MB (the yardstick: {r['yardstick_peak_rss_mb']:.0f} MB; "
             "before the torch-free read path: 292 MB).", "",
             f"Pace: {p['answer_chars']} characters at {p['chars_per_s']:.0f} chars/s in the app, with a process spinning on each of "
             f"{p['spinners']} cores: {p['median_s']:.2f} s from the first character on screen to the last (due: "
             f"{p['median_due_s']:.2f} s; target 3.3 s +/- 10%), median of {len(p['runs'])}; at most "
             f"{max(x['most_per_frame'] for x in p['runs'])} characters in one frame. The same answer at pace 0 (as fast as the "
             f"model goes) under the same load, each run beside a paced one: {p['median_unpaced_s']:.2f} s: where that "
             "is over the due time, the model, not the schedule, sets the pace."]
    return "\n".join(rows)
