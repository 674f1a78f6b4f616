"""The ``openler`` command line: the contract of commands, options, output and exit codes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from openler.vc import bake_png
from openler.vc.baking import blank_png
from tests.conftest import DATA, EXAMPLES_CONTEXT, EXAMPLES_CONTEXT_URL

LICENSE = Path(__file__).parents[2] / "src" / "openler" / "demo" / "rn-license.json"


def openler(
    *args: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from openler.cli import main; main()", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "250"},
        timeout=120,
        check=False,
    )


@pytest.fixture
def keyfile(tmp_path: Path) -> Path:
    path = tmp_path / "issuer.json"
    result = openler("key", "generate", "--out", str(path))
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture
def signed(tmp_path: Path, keyfile: Path) -> Path:
    result = openler(
        "sign", str(LICENSE), "--key", str(keyfile), "--created", "2026-11-01T00:00:00Z"
    )
    assert result.returncode == 0, result.stderr
    path = tmp_path / "signed.json"
    path.write_text(result.stdout)
    return path


def test_version() -> None:
    result = openler("--version")
    assert result.returncode == 0 and result.stdout.startswith("openler 0.")


def test_key_file_is_private_multikey(keyfile: Path) -> None:
    key = json.loads(keyfile.read_text())
    assert key["type"] == "Multikey" and key["publicKeyMultibase"].startswith("z6Mk")
    assert key["id"] == f"{key['controller']}#{key['publicKeyMultibase']}"
    assert key["secretKeyMultibase"].startswith("z3u2")
    assert os.stat(keyfile).st_mode & 0o077 == 0
    again = openler("key", "generate", "--out", str(keyfile))
    assert again.returncode == 2 and "refusing to overwrite" in again.stderr


def test_sign_sets_issuer_and_adds_proof_only(signed: Path, keyfile: Path) -> None:
    original = json.loads(LICENSE.read_text())
    doc = json.loads(signed.read_text())
    key = json.loads(keyfile.read_text())
    assert doc["issuer"]["id"] == key["controller"]
    assert doc["proof"]["created"] == "2026-11-01T00:00:00Z"
    assert doc["proof"]["verificationMethod"] == key["id"]
    rest = {k: v for k, v in doc.items() if k not in ("proof", "issuer")}
    assert rest == {k: v for k, v in original.items() if k != "issuer"}
    assert "secretKeyMultibase" not in signed.read_text()


def test_verify_exit_codes_and_json_report(signed: Path, tmp_path: Path) -> None:
    ok = openler("verify", str(signed), "--json")
    assert ok.returncode == 0, ok.stdout
    report = json.loads(ok.stdout)
    assert set(report) == {"input", "verified", "format", "kind", "checks", "summary"}
    assert report["verified"] is True and report["kind"] == "credential"
    assert [c["id"] for c in report["checks"]][:5] == [
        "parse",
        "context",
        "schema",
        "type",
        "proof",
    ]
    tampered = tmp_path / "tampered.json"
    tampered.write_text(signed.read_text().replace("RN.123456", "RN.999999"))
    bad = openler("verify", str(tampered))
    assert bad.returncode == 1
    assert "NOT VERIFIED" in bad.stdout and "signature does not match" in bad.stdout
    missing = openler("verify", str(tmp_path / "nope.json"))
    assert missing.returncode == 2


def test_verify_jsonl_batch(signed: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text("{oops")
    result = openler("verify", str(signed), str(junk), str(signed), "--jsonl")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["verified"] for r in lines] == [True, False, True]
    assert lines[1]["checks"] == [
        {"id": "parse", "status": "failed", "message": lines[1]["checks"][0]["message"]}
    ]
    assert result.returncode == 2


def test_verify_at_time(signed: Path) -> None:
    assert openler("verify", str(signed), "--at", "2030-01-01T00:00:00Z").returncode == 1
    usage = openler("verify", str(signed), "--at", "next tuesday")
    assert usage.returncode == 2 and "--at" in usage.stderr


def test_jcs_suite_and_stdin(keyfile: Path) -> None:
    result = openler(
        "sign", "-", "--key", str(keyfile), "--suite", "eddsa-jcs-2022", stdin=LICENSE.read_text()
    )
    assert result.returncode == 0
    doc = json.loads(result.stdout)
    assert doc["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert openler("verify", "-", stdin=result.stdout).returncode == 0


def test_what_openler_sign_makes_openler_verify_accepts(keyfile: Path) -> None:
    # VC DM 2.0 §4.9: validFrom is optional ("If present, …"); a plain VC 2.0 credential
    # without it, signed by openler, must verify with openler
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:5a1c0f63-8d55-4f0e-9a43-3f4e1c2b7d10",
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:subject"},
    }
    signed = openler("sign", "-", "--key", str(keyfile), stdin=json.dumps(unsigned))
    assert signed.returncode == 0, signed.stderr
    assert "validFrom" not in json.loads(signed.stdout)
    verified = openler("verify", "-", "--json", stdin=signed.stdout)
    assert verified.returncode == 0, verified.stdout


def test_the_w3c_vectors_verify_with_the_bundled_examples_context() -> None:
    vector = DATA / "vectors" / "rdfc" / "signed.json"
    report = json.loads(openler("verify", str(vector), "--json").stdout)
    by_id = {c["id"]: c["status"] for c in report["checks"]}
    assert by_id["context"] == "passed" and by_id["proof"] == "passed"
    assert by_id["issuer"] == "failed"  # the vectors' issuer is not the key's controller


def test_context_option_adds_a_context(tmp_path: Path) -> None:
    url = "https://contexts.example/badge-extras/v1"
    ctx = tmp_path / "extras.json"
    ctx.write_text(json.dumps({"@context": {"shoeSize": "https://contexts.example/shoeSize"}}))
    vector = json.loads((DATA / "vectors" / "rdfc" / "signed.json").read_text())
    vector["@context"].append(url)
    doc = tmp_path / "extended.json"
    doc.write_text(json.dumps(vector))
    without = json.loads(openler("verify", str(doc), "--json").stdout)
    assert without["checks"][1]["status"] == "failed" and url in without["checks"][1]["message"]
    with_ctx = json.loads(openler("verify", str(doc), "--json", "--context", f"{url}={ctx}").stdout)
    assert with_ctx["checks"][1]["status"] == "passed"


def test_sign_vector_with_vector_key_reproduces_proof(tmp_path: Path) -> None:
    ctx = tmp_path / "examples.json"
    ctx.write_text(json.dumps(EXAMPLES_CONTEXT))
    result = openler(
        "sign",
        str(DATA / "vectors" / "unsigned.json"),
        "--key",
        str(DATA / "vectors" / "keyPair.json"),
        "--created",
        "2023-02-24T23:36:38Z",
        "--context",
        f"{EXAMPLES_CONTEXT_URL}={ctx}",
    )
    assert result.returncode == 0, result.stderr
    expected = json.loads((DATA / "vectors" / "rdfc" / "signed.json").read_text())
    assert json.loads(result.stdout) == expected


def test_doc_option_serves_did_web(tmp_path: Path) -> None:
    did = "did:web:nursing.ohio.example"
    key = tmp_path / "web-key.json"
    assert openler("key", "generate", "--out", str(key), "--controller", did).returncode == 0
    public = json.loads(openler("key", "show", str(key)).stdout)
    diddoc = tmp_path / "did.json"
    diddoc.write_text(
        json.dumps({"id": did, "verificationMethod": [public], "assertionMethod": [public["id"]]})
    )
    signed = tmp_path / "signed.json"
    signed.write_text(openler("sign", str(LICENSE), "--key", str(key)).stdout)
    offline = openler("verify", str(signed), "--json")
    assert offline.returncode == 1 and "--doc URL=FILE" in offline.stdout
    served = openler(
        "verify",
        str(signed),
        "--doc",
        f"https://nursing.ohio.example/.well-known/did.json={diddoc}",
    )
    assert served.returncode == 0, served.stdout
    by_did = openler("verify", str(signed), "--doc", f"{did}={diddoc}")
    assert by_did.returncode == 0


def test_baked_png_verifies(signed: Path, tmp_path: Path) -> None:
    png = tmp_path / "badge.png"
    png.write_bytes(bake_png(blank_png(), signed.read_text()))
    result = openler("verify", str(png), "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["format"] == "png"


def test_bad_usage_is_exit_2(tmp_path: Path, keyfile: Path) -> None:
    assert openler("verify").returncode == 2
    assert openler("sign", str(LICENSE), "--key", str(keyfile), "--suite", "rsa").returncode == 2
    bad_key = tmp_path / "bad.json"
    bad_key.write_text('{"publicKeyMultibase": "zNotAKey"}')
    result = openler("sign", str(LICENSE), "--key", str(bad_key))
    assert result.returncode == 2 and "key file" in result.stderr
    assert "Traceback" not in result.stderr
    assert openler("verify", str(LICENSE), "--doc", "no-equals-sign").returncode == 2


def test_present_then_verify_with_challenge(tmp_path: Path, keyfile: Path) -> None:
    holder = tmp_path / "holder.json"
    assert openler("key", "generate", "--out", str(holder)).returncode == 0
    license_ = json.loads(LICENSE.read_text())
    license_["credentialSubject"]["id"] = json.loads(holder.read_text())["controller"]
    unsigned = tmp_path / "mine.json"
    unsigned.write_text(json.dumps(license_))
    signed = tmp_path / "mine-signed.json"
    signed.write_text(openler("sign", str(unsigned), "--key", str(keyfile)).stdout)
    vp = openler(
        "present", str(signed), "--key", str(holder), "--challenge", "n-1", "--domain", "hr.example"
    )
    assert vp.returncode == 0, vp.stderr
    path = tmp_path / "vp.json"
    path.write_text(vp.stdout)
    ok = openler("verify", str(path), "--challenge", "n-1", "--domain", "hr.example", "--json")
    report: dict[str, Any] = json.loads(ok.stdout)
    assert report["kind"] == "presentation" and report["verified"], report["summary"]
    assert openler("verify", str(path), "--challenge", "n-2").returncode == 1


def test_presenting_someone_elses_credential_is_refused_only_with_bind_holder(
    signed: Path, tmp_path: Path
) -> None:
    """VC Data Model 2.0 §1.2: a holder may present a credential about someone else, so the
    generic verifier warns; ``--bind-holder`` makes holder = subject the verifier's policy."""
    holder = tmp_path / "holder.json"
    assert openler("key", "generate", "--out", str(holder)).returncode == 0
    vp = openler("present", str(signed), "--key", str(holder), "--challenge", "n-1")
    path = tmp_path / "vp.json"
    path.write_text(vp.stdout)
    generic = openler("verify", str(path), "--challenge", "n-1", "--json")
    warned = next(c for c in json.loads(generic.stdout)["checks"] if c["id"] == "holder")
    assert warned["status"] == "warning" and "about someone else" in warned["message"]
    assert generic.returncode == 0, generic.stdout
    result = openler("verify", str(path), "--challenge", "n-1", "--json", "--bind-holder")
    report = json.loads(result.stdout)
    holder_check = next(c for c in report["checks"] if c["id"] == "holder")
    assert holder_check["status"] == "failed"
    assert "about someone else" in holder_check["message"]
    assert report["errors"] == [f"holder: {holder_check['message']}"]
    assert result.returncode == 1


def test_web_demo_loads_the_stories_and_prints_one_login_per_role(tmp_path: Path) -> None:
    result = openler("demo", "--no-serve", "--database", str(tmp_path / "demo.db"))
    assert result.returncode == 0, result.stderr
    for role in (
        "learner",
        "issuer admin",
        "issuer staff",
        "verifier",
        "registry admin",
        "platform admin",
    ):
        assert f"  {role} " in result.stdout
    assert "maria@demo.openler.org" in result.stdout


def test_web_demo_refuses_a_busy_port_before_touching_its_database(tmp_path: Path) -> None:
    database = tmp_path / "demo.db"
    database.write_bytes(b"the running demo's data")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        result = openler("demo", "--port", str(port), "--database", str(database))
    assert result.returncode == 2
    assert f"127.0.0.1:{port} is already in use" in result.stderr
    assert "--port" in result.stderr
    assert database.read_bytes() == b"the running demo's data"


def test_demo_runs_to_the_end() -> None:
    result = openler("demo", "--script")
    assert result.returncode == 0, result.stderr
    for expected in (
        "VERIFIED — Verified: presentation",
        "signature does not match",
        "recognised in US-NC under the Nurse Licensure Compact",
        "Suspended by Ohio Board of Nursing",
    ):
        assert expected in result.stdout


def test_sign_gives_a_document_without_id_one_that_verify_accepts(
    tmp_path: Path, keyfile: Path
) -> None:
    # The OB 3.0 AchievementCredential JSON schema lists "id" under "required" ("Unambiguous
    # reference to the credential."), so signing without one made a credential that verify
    # rejects; sign adds a urn:uuid: id and says so.
    unsigned = json.loads(LICENSE.read_text())
    del unsigned["id"]
    source = tmp_path / "no-id.json"
    source.write_text(json.dumps(unsigned))
    result = openler("sign", str(source), "--key", str(keyfile))
    assert result.returncode == 0, result.stderr
    signed = json.loads(result.stdout)
    assert signed["id"].startswith("urn:uuid:") and len(signed["id"]) == 45
    assert list(signed)[:2] == ["@context", "id"]
    assert f"the document had no id; it was given {signed['id']}" in result.stderr
    path = tmp_path / "signed.json"
    path.write_text(result.stdout)
    assert openler("verify", str(path)).returncode == 0

    out = tmp_path / "out"
    out.mkdir()
    batch = openler("sign", str(source), "--key", str(keyfile), "--out-dir", str(out))
    assert batch.returncode == 0, batch.stdout
    given = json.loads((out / "no-id.json").read_text())["id"]
    assert given.startswith("urn:uuid:") and given != signed["id"]
    assert f"(it had no id; given {given})" in batch.stdout
    assert openler("verify", str(out / "no-id.json")).returncode == 0


def test_batch_sign_into_a_directory(tmp_path: Path, keyfile: Path) -> None:
    good = tmp_path / "a.json"
    good.write_text(LICENSE.read_text())
    bad = tmp_path / "b.json"
    bad.write_text("[1, 2]")
    out = tmp_path / "signed"
    out.mkdir()
    result = openler("sign", str(good), str(bad), "--key", str(keyfile), "--out-dir", str(out))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("signed ") and lines[1].startswith(f"FAILED {bad}")
    assert lines[-1] == "1 signed, 1 failed"
    assert openler("verify", str(out / "a.json")).returncode == 0
    assert (
        openler("sign", str(good), str(bad), "--key", str(keyfile)).returncode == 2
    )  # needs --out-dir
