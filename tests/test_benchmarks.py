"""The benchmark harness runs (a smoke test with two rounds; it measures nothing here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parents[1] / "benchmarks" / "bench.py"


def test_benchmark_runs_to_the_end() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "2", "100"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "eddsa-rdfc-2022" in result.stdout
        and "cached status + trust" in result.stdout
        and "platform verify" in result.stdout
        and "verify page" in result.stdout
        and "learner record" in result.stdout
        and "batch verify" in result.stdout
    )
