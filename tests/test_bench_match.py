"""The matching benchmark runs to the end on a few profiles and says what it measured (a
smoke test: the figures themselves are `make bench-match`'s, on a million)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parents[1] / "benchmarks" / "bench_match.py"
SRC = Path(__file__).parents[1] / "src"


def test_bench_match_runs_and_agrees_with_the_loop() -> None:
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    result = subprocess.run(
        [sys.executable, str(BENCH), "20000"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "profiles: 20,000; cores used: [" in out
    assert "rank (top 20 of 20,000" in out and "baseline (per-profile Python loop" in out
    assert "same top scores as the loop on the sample: yes" in out
    assert "peak memory (RSS):" in out
