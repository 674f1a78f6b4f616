"""The roster benchmark runs to the end (a smoke test on a small roster; it measures
nothing here) and its own check holds: one credential per row, no index twice."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parents[1] / "benchmarks" / "bench_issue.py"


def test_bench_issue_runs_to_the_end() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "300", "10"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "OPENLER_BENCH_DATABASE_URL": ""},  # SQLite only
    )
    assert result.returncode == 0, result.stderr
    assert "check: 300 credentials, 300 job rows, 300 distinct revocation" in result.stdout
    assert "credentials/s" in result.stdout
    assert "projected for 1,000,000 rows" in result.stdout
    assert "PostgreSQL: skipped" in result.stdout
