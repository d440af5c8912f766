"""The benchmark must never rot: run `python -m bench --quick` with a tiny budget and check its output."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_quick_benchmark_writes_every_section(tmp_path, oracle_home):
    out = tmp_path / "out"
    env = dict(os.environ, ORACLE_HOME=str(oracle_home))
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--classic-seconds", "1.5", "--default-seconds", "1.5",
                           "--out", str(out)], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    table = (out / "results.md").read_text()
    assert done.stdout.strip() in table  # what it prints is what it saves

    q = results["quality"]
    for recipe in ("classic", "default"):
        assert q[recipe]["points"], recipe
        assert all(math.isfinite(p["window_loss"]) and 0 < p["window_loss"] < 10 for p in q[recipe]["points"])
        assert math.isfinite(q[recipe]["chars_per_s"]) and q[recipe]["chars_per_s"] > 0
    assert all(math.isfinite(p["stream_loss"]) for p in q["default"]["points"])  # ours is also measured on continuous text
    for label in ("time to quality", "training signal, chars/s", "seconds to classic's best loss"):
        assert label in table.lower() or label in table

    rows = {r["model"].split(" ")[0]: r for r in results["generation"]}
    assert set(rows) == {"default", "1x128", "2x512"}
    for row in rows.values():
        for key in ("stream_chars_per_s", "stream_first_char_ms", "seed_way_chars_per_s", "seed_way_first_char_ms"):
            assert math.isfinite(row[key]) and row[key] > 0, (row["model"], key)
        assert f"| {row['model']} |" in table

    (memory,) = results["memory"]
    assert memory["corpus_chars"] > 900_000 and 50 < memory["peak_rss_mb"] < 4000
    assert memory["one_hot_mb"] > 100  # the seed's arrays for 1 MB of text: about N/3 x 40 x V bytes
