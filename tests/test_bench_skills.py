"""``make bench-skills`` runs to the end on a small framework and sentence set of its own
layout (the real figures need ../shared/data and the openler[ml] extra), and R-Precision
is counted as the benchmark's source defines it."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from openler.services.skills import embedder

BENCH = Path(__file__).parents[1] / "benchmarks" / "bench_skills.py"
SKILLS = [
    ("u1", "PostgreSQL", "Postgres"),
    ("u2", "JavaScript", "JS"),
    ("u3", "manage staff", "supervise employees"),
    ("u4", "administer medication", "give medicines"),
]
SENTENCES = [
    ("We use Postgres and JavaScript", "PostgreSQL"),
    ("We use Postgres and JavaScript", "JavaScript"),
    ("You will supervise employees", "manage staff"),
    ("You will be a team player", "LABEL NOT PRESENT"),
    ("Gives medicines to patients", "an ESCO label this file lacks"),
]


@pytest.mark.skipif(not embedder.available(), reason="the openler[ml] extra is not installed")
def test_the_benchmark_runs_to_the_end(tmp_path: Path) -> None:
    (tmp_path / "esco").mkdir()
    (tmp_path / "skill-extraction-dev").mkdir()
    with (tmp_path / "esco" / "skills_en.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["conceptUri", "preferredLabel", "altLabels", "description"])
        writer.writerows([(f"http://x/{u}", label, alt, "") for u, label, alt in SKILLS])
    with (tmp_path / "skill-extraction-dev" / "tech_validation_annotations.csv").open(
        "w", newline=""
    ) as f:
        writer = csv.writer(f)
        writer.writerow(["sentence", "span", "sub_span", "label"])
        writer.writerows([(s, "", "", label) for s, label in SENTENCES])
    args = ["--data", str(tmp_path), "--sets", "tech_validation", "--cache", str(tmp_path)]
    result = subprocess.run(
        [sys.executable, str(BENCH), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "# tech_validation (validation): 1 gold labels are not in this ESCO file" in lines
    rows = {line.split()[1]: line.split() for line in lines if line.startswith("tech_valid")}
    assert set(rows) == {"baseline", "lexical", "semantic", "fused"}
    assert all(row[2] == "3" for row in rows.values())  # the team player has no label
    # both Postgres and JavaScript, and "manage staff" found; the lacking label never
    assert rows["lexical"][3] == "0.667" and rows["fused"][3] == "0.667"


def test_r_precision_counts_what_could_be_right() -> None:
    sys.path.insert(0, str(BENCH.parent))
    from bench_skills import r_precision

    assert r_precision(["a", "b", "c", "d", "e", "f"], {"a", "f", "x"}, 5) == pytest.approx(1 / 3)
    assert r_precision(["x"], {"x"}, 10) == 1.0
