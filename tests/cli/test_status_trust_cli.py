"""``openler status`` and ``openler trust``, and ``verify`` with lists and snapshots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_cli import LICENSE, openler

LIST_URL = "https://nursing.ohio.example/status/1"


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Path]:
    """A board key, an office key, a revocation list and a license that points into it."""
    paths = {
        name: tmp_path / f"{name}.json"
        for name in ("board", "office", "list", "license", "signed", "registry", "snapshot")
    }
    assert openler("key", "generate", "--out", str(paths["board"])).returncode == 0
    assert openler("key", "generate", "--out", str(paths["office"])).returncode == 0
    created = openler(
        "status",
        "create",
        "--id",
        LIST_URL,
        "--purpose",
        "revocation",
        "--key",
        str(paths["board"]),
        "--out",
        str(paths["list"]),
    )
    assert created.returncode == 0, created.stderr
    doc = json.loads(LICENSE.read_text())
    doc["credentialStatus"] = {
        "id": f"{LIST_URL}#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": LIST_URL,
    }
    paths["license"].write_text(json.dumps(doc))
    signed = openler("sign", str(paths["license"]), "--key", str(paths["board"]))
    paths["signed"].write_text(signed.stdout)
    return paths


def did_of(key: Path) -> str:
    return str(json.loads(key.read_text())["controller"])


def verify_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = openler("verify", *args, "--json")
    return result.returncode, json.loads(result.stdout)


def checks(report: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {c["id"]: c for c in report["checks"]}


def test_status_create_set_get(world: dict[str, Path]) -> None:
    listed = json.loads(world["list"].read_text())
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert listed["credentialSubject"]["encodedList"].startswith("u")
    assert openler("status", "get", str(world["list"]), "--index", "42").stdout.strip() == "0"
    assert (
        openler(
            "status", "set", str(world["list"]), "--index", "42", "--key", str(world["board"])
        ).returncode
        == 0
    )
    assert openler("status", "get", str(world["list"]), "--index", "42").stdout.strip() == "1"
    assert openler("status", "get", str(world["list"]), "--index", "43").stdout.strip() == "0"
    assert openler("verify", str(world["list"])).returncode == 0  # re-signed list verifies


def test_status_errors(world: dict[str, Path], tmp_path: Path) -> None:
    again = openler(
        "status",
        "create",
        "--id",
        LIST_URL,
        "--purpose",
        "revocation",
        "--key",
        str(world["board"]),
        "--out",
        str(world["list"]),
    )
    assert again.returncode == 2 and "refusing to replace" in again.stderr
    bad = openler(
        "status",
        "create",
        "--id",
        LIST_URL,
        "--purpose",
        "hiding",
        "--key",
        str(world["board"]),
        "--out",
        str(tmp_path / "x.json"),
    )
    assert bad.returncode == 2 and "--purpose" in bad.stderr
    out_of_range = openler(
        "status", "set", str(world["list"]), "--index", "200000", "--key", str(world["board"])
    )
    assert out_of_range.returncode == 2 and "RANGE_ERROR" in out_of_range.stderr
    wrong_key = openler(
        "status", "set", str(world["list"]), "--index", "1", "--key", str(world["office"])
    )
    assert wrong_key.returncode == 2 and "the key belongs to" in wrong_key.stderr
    assert openler("status", "get", str(world["list"]), "--index", "1").stdout.strip() == "0"


def test_revoke_then_reinstate_through_verify(world: dict[str, Path]) -> None:
    doc = f"{LIST_URL}={world['list']}"
    code, report = verify_json(str(world["signed"]), "--doc", doc)
    assert code == 0 and checks(report)["status"]["status"] == "passed"
    openler("status", "set", str(world["list"]), "--index", "42", "--key", str(world["board"]))
    code, report = verify_json(str(world["signed"]), "--doc", doc)
    assert code == 1
    assert checks(report)["status"]["message"].startswith("Revoked by")
    openler(
        "status",
        "set",
        str(world["list"]),
        "--index",
        "42",
        "--value",
        "0",
        "--key",
        str(world["board"]),
    )
    assert verify_json(str(world["signed"]), "--doc", doc)[0] == 0


def test_status_is_required_when_present(world: dict[str, Path]) -> None:
    code, report = verify_json(str(world["signed"]))
    assert code == 1
    assert "supply it with --doc URL=FILE" in checks(report)["status"]["message"]


def test_trust_registry_and_snapshot(world: dict[str, Path]) -> None:
    board, registry, snapshot = (
        did_of(world["board"]),
        str(world["registry"]),
        str(world["snapshot"]),
    )
    assert (
        openler(
            "trust",
            "add",
            registry,
            "--did",
            board,
            "--name",
            "Ohio Board of Nursing",
            "--jurisdiction",
            "US-OH",
            "--authority",
            "Ohio Department of Higher Education",
            "--type",
            "License",
            "--occupation",
            "29-1141.00",
        ).returncode
        == 0
    )
    assert (
        openler(
            "trust",
            "recognize",
            registry,
            "--name",
            "the Nurse Licensure Compact",
            "--jurisdiction",
            "US-NC",
            "--from",
            "US-OH",
            "--type",
            "License",
        ).returncode
        == 0
    )
    assert (
        openler(
            "trust", "export", registry, "--key", str(world["office"]), "--out", snapshot
        ).returncode
        == 0
    )
    doc = f"{LIST_URL}={world['list']}"
    office = did_of(world["office"])
    unpinned = openler("verify", str(world["signed"]), "--doc", doc, "--trust", snapshot)
    assert unpinned.returncode == 2
    assert "--trust needs --trust-authority DID" in unpinned.stderr
    assert unpinned.stdout == ""
    code, report = verify_json(
        str(world["signed"]),
        "--doc",
        doc,
        "--trust",
        snapshot,
        "--trust-authority",
        office,
        "--jurisdiction",
        "US-NC",
    )
    assert code == 0, report["summary"]
    assert (
        "recognised in US-NC under the Nurse Licensure Compact"
        in checks(report)["trust"]["message"]
    )
    code, report = verify_json(
        str(world["signed"]),
        "--doc",
        doc,
        "--trust",
        snapshot,
        "--trust-authority",
        office,
        "--jurisdiction",
        "US-CA",
    )
    assert code == 1 and "not recognised in US-CA" in checks(report)["trust"]["message"]
    pinned = openler(
        "verify",
        str(world["signed"]),
        "--doc",
        doc,
        "--trust",
        snapshot,
        "--trust-authority",
        board,
    )
    assert pinned.returncode == 2 and "not by the expected authority" in pinned.stderr

    check = openler(
        "trust",
        "check",
        snapshot,
        "--did",
        board,
        "--type",
        "License",
        "--occupation",
        "29-1141.00",
        "--jurisdiction",
        "US-NC",
    )
    assert check.returncode == 0 and check.stdout.startswith("TRUSTED")
    assert (
        openler(
            "trust", "state", registry, "--did", board, "--state", "suspended", "--reason", "audit"
        ).returncode
        == 0
    )
    suspended = openler("trust", "check", registry, "--did", board, "--type", "License", "--json")
    assert suspended.returncode == 1
    assert "is suspended in the trust registry" in json.loads(suspended.stdout)["message"]
    assert openler("trust", "remove", registry, "--did", board, "--yes").returncode == 0
    assert openler("trust", "check", registry, "--did", board).returncode == 1


def test_tampered_snapshot_is_refused(world: dict[str, Path]) -> None:
    registry, snapshot = str(world["registry"]), world["snapshot"]
    openler(
        "trust",
        "add",
        registry,
        "--did",
        "did:example:x",
        "--name",
        "X",
        "--jurisdiction",
        "US-OH",
        "--authority",
        "A",
    )
    openler("trust", "export", registry, "--key", str(world["office"]), "--out", str(snapshot))
    data = json.loads(snapshot.read_text())
    data["credentialSubject"]["entries"][0]["name"] = "Y"
    snapshot.write_text(json.dumps(data))
    result = openler(
        "verify",
        str(world["signed"]),
        "--trust",
        str(snapshot),
        "--trust-authority",
        did_of(world["office"]),
    )
    assert result.returncode == 2 and "does not verify" in result.stderr


def _add(registry: Path, *extra: str, did: str = "did:web:army.example") -> Any:
    return openler(
        "trust",
        "add",
        str(registry),
        "--did",
        did,
        "--name",
        "U.S. Army",
        "--jurisdiction",
        "US",
        "--authority",
        "North Carolina LER Office",
        "--type",
        "Certification",
        *extra,
    )


def test_trust_add_never_replaces_an_issuer(tmp_path: Path) -> None:
    registry = tmp_path / "registry.json"
    assert _add(registry).returncode == 0
    before = registry.read_bytes()
    again = openler(
        "trust",
        "add",
        str(registry),
        "--did",
        "did:web:army.example",
        "--name",
        "U.S. Army",
        "--jurisdiction",
        "US",
        "--authority",
        "anyone",
    )
    assert again.returncode == 2
    assert "already in" in again.stderr and "openler trust edit" in again.stderr
    assert registry.read_bytes() == before


@pytest.mark.parametrize(
    ("did", "jurisdiction", "extra", "expected"),
    [
        ("hello", "US", [], "must be a DID"),
        ("did:web:army.example", "North Carolina", [], "ISO 3166"),
        ("did:web:army.example", "US-ZZ", [], "no subdivision US-ZZ"),
        ("did:web:army.example", "US", ["--occupation", "68W"], "O*NET-SOC"),
        ("did:web:army.example", "US", ["--type", "Lisence"], "Open Badges 3.0"),
    ],
)
def test_trust_add_checks_what_it_is_given(
    tmp_path: Path, did: str, jurisdiction: str, extra: list[str], expected: str
) -> None:
    registry = tmp_path / "registry.json"
    result = openler(
        "trust",
        "add",
        str(registry),
        "--did",
        did,
        "--name",
        "U.S. Army",
        "--jurisdiction",
        jurisdiction,
        "--authority",
        "NC",
        *extra,
    )
    assert result.returncode == 2 and expected in result.stderr
    assert not registry.exists()


def test_trust_edit_shows_old_and_new_and_needs_a_yes(tmp_path: Path) -> None:
    registry = tmp_path / "registry.json"
    _add(registry)
    before = registry.read_bytes()
    asked = openler("trust", "edit", str(registry), "--did", "did:web:army.example", "--any")
    assert asked.returncode == 2 and "Add --yes to do it (nothing was changed)" in asked.stderr
    assert "May issue: Certification  ->  any credential" in asked.stdout
    assert registry.read_bytes() == before
    done = openler(
        "trust", "edit", str(registry), "--did", "did:web:army.example", "--any", "--yes"
    )
    assert done.returncode == 0, done.stderr
    entry = json.loads(registry.read_text())["entries"][0]
    assert entry["authorized"] == [{}] and entry["name"] == "U.S. Army"
    nothing = openler(
        "trust", "edit", str(registry), "--did", "did:web:army.example", "--any", "--yes"
    )
    assert nothing.returncode == 2 and "changes nothing" in nothing.stderr
    bad = openler(
        "trust", "edit", str(registry), "--did", "did:web:army.example", "--jurisdiction", "Mars"
    )
    assert bad.returncode == 2 and "ISO 3166" in bad.stderr


def test_trust_remove_and_unrecognize_ask_first(tmp_path: Path) -> None:
    registry = tmp_path / "registry.json"
    _add(registry)
    rule = openler(
        "trust",
        "recognize",
        str(registry),
        "--name",
        "national credentials",
        "--jurisdiction",
        "US-NC",
        "--from",
        "US",
    )
    assert rule.returncode == 0, rule.stderr
    nonsense = openler(
        "trust",
        "recognize",
        str(registry),
        "--name",
        "zz recognises !!",
        "--jurisdiction",
        "zz",
        "--from",
        "!!",
    )
    assert nonsense.returncode == 2 and "ISO 3166" in nonsense.stderr
    before = registry.read_bytes()
    for command in (
        ("remove", "--did", "did:web:army.example"),
        ("unrecognize", "--name", "national credentials"),
    ):
        asked = openler("trust", command[0], str(registry), *command[1:])
        assert asked.returncode == 2 and "Add --yes" in asked.stderr
        assert registry.read_bytes() == before
    gone = openler("trust", "unrecognize", str(registry), "--name", "national credentials", "--yes")
    assert gone.returncode == 0, gone.stderr
    assert json.loads(registry.read_text())["recognitions"] == []
    removed = openler("trust", "remove", str(registry), "--did", "did:web:army.example", "--yes")
    assert removed.returncode == 0
    assert json.loads(registry.read_text())["entries"] == []
    unknown = openler("trust", "unrecognize", str(registry), "--name", "nothing", "--yes")
    assert unknown.returncode == 2 and "no rule named" in unknown.stderr
