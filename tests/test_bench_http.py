"""``make bench-http``: its Node.js counterpart does the checks it claims, and the benchmark
runs to the end (a smoke test; it measures nothing here).

The counterpart (``benchmarks/http/verifier.mjs``, Digital Bazaar's ``vc`` library) must
fail what openler fails — a revoked, a suspended, an expired and an altered credential —
and must really verify the status list credentials it reads: a list whose bits were changed
after signing fails every credential that names it. These run against the documents a live
openler publishes, as in the benchmark. They need Node.js and ``npm ci`` in
``benchmarks/http`` (``make test`` runs it) and fail, never skip, without them.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_http  # noqa: E402 - the benchmark's own module, from its folder


def node_ready() -> None:
    if shutil.which("node") is None:
        raise AssertionError("Node.js is not installed: bench-http's counterpart needs `node`")
    if not (bench_http.NODE_DIR / "node_modules" / ".package-lock.json").exists():
        raise AssertionError("run `npm ci` in benchmarks/http (`make test` does)")


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, Any]]]:
    """A bench world (three licences and the failing ones) and the documents its live
    openler publishes."""
    node_ready()
    folder = tmp_path_factory.mktemp("bench-http")
    port = bench_http.free_port()
    url = f"http://127.0.0.1:{port}"
    world = bench_http.build_world(folder, url, 3)
    command = bench_http.openler_command(port, 1)
    with bench_http.running(command, url, folder / "openler.log", world.environment):
        yield world, bench_http.published_documents(world)


def verify_with_node(
    tmp_path: Path, documents: dict[str, Any], bodies: list[dict[str, Any]], verify_lists: str
) -> list[tuple[int, dict[str, Any]]]:
    """Each body's (status, answer) from a fresh Node.js verifier holding ``documents``."""
    path = tmp_path / f"documents-{verify_lists}.json"
    path.write_text(json.dumps(documents))
    port = bench_http.free_port()
    url = f"http://127.0.0.1:{port}"
    command = bench_http.node_command(port, path, 1, verify_lists)
    answers = []
    with bench_http.running(command, url, tmp_path / "node.log", {}):
        for body in bodies:
            answer = httpx.post(f"{url}/credentials/verify", json=body, timeout=30)
            answers.append((answer.status_code, answer.json()))
    return answers


@pytest.mark.parametrize("verify_lists", ["once", "every-time"])
def test_node_verifier_fails_revoked_suspended_expired_and_altered_credentials(
    published: tuple[Any, dict[str, Any]], tmp_path: Path, verify_lists: str
) -> None:
    world, documents = published
    altered = copy.deepcopy(world.valid[1])
    altered["verifiableCredential"]["credentialSubject"]["licenseNumber"] = "RN.000001"
    failing = world.failing()
    bodies = [world.valid[0], *failing.values(), altered]
    answers = verify_with_node(tmp_path, documents, bodies, verify_lists)
    passed = {"verified": True, "checks": ["proof", "validity", "status"], "warnings": []}
    assert answers[0] == (200, {**passed, "errors": []})
    reasons = {
        label: " ".join(answer["errors"])
        for label, (_, answer) in zip(failing, answers[1:4], strict=True)
    }
    assert [status for status, _ in answers[1:]] == [400, 400, 400, 400]
    assert "status revocation is set" in reasons["revoked"]
    assert "status suspension is set" in reasons["suspended"]
    assert 'after "validUntil"' in reasons["expired"]
    assert answers[4][1]["verified"] is False and answers[4][1]["errors"]


def _cleared(encoded_list: str) -> str:
    """A status list's ``encodedList`` with every bit cleared (same length)."""
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded_list[1:] + "=="))
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(len(bits)))).decode().rstrip("=")


@pytest.mark.parametrize("verify_lists", ["once", "every-time"])
def test_node_verifier_verifies_the_status_lists_it_reads(
    published: tuple[Any, dict[str, Any]], tmp_path: Path, verify_lists: str
) -> None:
    """The revoked licence's list with its bits cleared after signing: were the list not
    verified, the licence would pass; it fails, and so does a valid licence on that list."""
    world, documents = published
    entry = next(
        e
        for e in world.revoked["verifiableCredential"]["credentialStatus"]
        if e["statusPurpose"] == "revocation"
    )
    forged = copy.deepcopy(documents)
    subject = forged[entry["statusListCredential"]]["credentialSubject"]
    subject["encodedList"] = _cleared(subject["encodedList"])
    answers = verify_with_node(tmp_path, forged, [world.revoked, world.valid[0]], verify_lists)
    for status, answer in answers:
        assert status == 400
        assert f"status list {entry['statusListCredential']} does not verify" in answer["errors"]


def test_bench_http_runs_to_the_end() -> None:
    node_ready()
    result = subprocess.run(
        [
            *(sys.executable, str(BENCHMARKS / "bench_http.py"), "--credentials", "3"),
            *("--seconds", "1", "--warmup", "1", "--rounds", "1", "--workers", "1"),
            *("--connections", "2"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("openler", "node-vc", "node-vc/every"):
        assert f"{name:14} valid 200; revoked, suspended, expired 400" in result.stdout
    assert "openler / node-vc/every" in result.stdout
