"""Batches: signing and verifying many files over several processes, in order, row by row."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from openler.services.files.documents import write_key
from openler.services.files.parallel import default_jobs
from openler.services.files.signing import SignOptions, sign_files
from openler.services.files.verify_inputs import VerifyOptions, verify_inputs
from openler.vc import Multikey

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def make_batch(tmp_path: Path, template: dict[str, Any], count: int) -> tuple[Path, list[str]]:
    key_file = tmp_path / "issuer.json"
    write_key(Multikey.from_seed(bytes([7]) * 32), key_file)
    names = []
    for n in range(count):
        doc = copy.deepcopy(template)
        doc["id"] = f"urn:uuid:00000000-0000-4000-8000-{n:012d}"
        doc["credentialSubject"]["licenseNumber"] = f"RN.{n:06d}"
        path = tmp_path / "in" / f"license-{n:03d}.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(doc))
        names.append(str(path))
    return key_file, names


def test_parallel_sign_and_verify_keep_order(
    tmp_path: Path, license_template: dict[str, Any]
) -> None:
    key_file, names = make_batch(tmp_path, license_template, 80)
    bad = tmp_path / "in" / "broken.json"
    bad.write_text("{not json")
    names.insert(40, str(bad))
    out = tmp_path / "out"
    out.mkdir()
    options = SignOptions(str(key_file), str(out), "eddsa-rdfc-2022", NOW)
    results = list(sign_files(names, options, jobs=2))
    assert [r.input for r in results] == names
    assert [r.error is None for r in results].count(False) == 1
    assert "not valid JSON" in (results[40].error or "")
    # a re-run is safe: same outputs, same row-by-row report
    again = list(sign_files(names, options, jobs=2))
    assert [(r.input, r.error is None) for r in again] == [
        (r.input, r.error is None) for r in results
    ]

    signed = sorted(str(p) for p in out.iterdir())
    assert len(signed) == 80
    serial = [r.to_json() for r in verify_inputs(signed, VerifyOptions(at=NOW), jobs=1)]
    parallel = [r.to_json() for r in verify_inputs(signed, VerifyOptions(at=NOW), jobs=2)]
    assert serial == parallel
    assert all(r["verified"] for r in parallel)


@pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or shutil.which("taskset") is None,
    reason="needs Linux's affinity call and taskset",
)
def test_default_jobs_counts_the_cpus_this_process_may_use() -> None:
    """``--jobs 0`` under ``taskset -c 0`` is one process, whatever the machine has."""
    pinned = subprocess.run(
        [
            "taskset",
            "-c",
            "0",
            sys.executable,
            "-c",
            "from openler.services.files.parallel import default_jobs; print(default_jobs())",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert pinned.stdout.strip() == "1"
    assert default_jobs() == len(os.sched_getaffinity(0))
