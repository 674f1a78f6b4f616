"""Attack 2.5 end to end: ``verify --online`` against documents that name loopback and private
addresses, with a real socket listening on 127.0.0.1 that must never see a connection; no
fetch at all for what a document without a valid proof carries; and a budget that bounds
fetches and time and always fails closed."""

from __future__ import annotations

import copy
import json
import select
import socket
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from openler.services.files.documents import online_fetcher
from openler.services.files.outbound import FetchLimits, fetch_budget
from openler.vc import (
    Multikey,
    Policy,
    ResolutionError,
    VerificationReport,
    build_presentation,
    sign_credential,
    sign_presentation,
    verify,
)
from openler.vc.verify import Resolvers
from tests.cli.test_cli import openler
from tests.conftest import NOW


class Listener:
    """A TCP socket listening on 127.0.0.1: a connection would wait in its backlog."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.setblocking(False)
        self.port = int(self.sock.getsockname()[1])

    def connections(self) -> int:
        """How many connections arrived (each is accepted and closed)."""
        count = 0
        while select.select([self.sock], [], [], 0.2)[0]:
            conn, _ = self.sock.accept()
            conn.close()
            count += 1
        return count


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.sock.close()


def status_entry(url: str, index: int = 5) -> dict[str, Any]:
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def with_status(template: dict[str, Any], key: Multikey, holder: str, url: str) -> dict[str, Any]:
    """A credential signed by ``key`` (did:key: its proof needs no fetch) whose status list
    is at ``url``."""
    doc = copy.deepcopy(template)
    doc["credentialSubject"]["id"] = holder
    doc["credentialStatus"] = status_entry(url)
    return sign_credential(doc, key, created=NOW)


def forged_web_issuer(credential: dict[str, Any], host: str) -> dict[str, Any]:
    """The same credential claiming a did:web issuer at ``host``: checking its proof would
    resolve that DID, which means fetching https://host/.well-known/did.json."""
    forged = copy.deepcopy(credential)
    did = f"did:web:{host.replace(':', '%3A')}"
    forged["issuer"]["id"] = did
    forged["proof"]["verificationMethod"] = f"{did}#key-1"
    return forged


def statuses(report: VerificationReport) -> dict[str, str]:
    return {c.id: c.status for c in report.checks}


def messages(report: VerificationReport) -> str:
    return " | ".join(c.message for c in report.checks)


# --- the CLI, a real resolver and a real socket --------------------------------------------


def test_verify_online_never_connects_to_loopback(
    tmp_path: Path, listener: Listener, license_template: dict[str, Any], issuer_key: Multikey
) -> None:
    """A validly signed credential whose status list is on 127.0.0.1 (by address and by the
    name localhost): the status check fails, saying why, and nothing reaches the socket."""
    for n, host in enumerate([f"127.0.0.1:{listener.port}", f"localhost:{listener.port}"]):
        url = f"https://{host}/status/1"
        path = tmp_path / f"credential-{n}.json"
        path.write_text(json.dumps(with_status(license_template, issuer_key, "did:ex:h", url)))
        result = openler("verify", "--online", "--json", "--at", NOW.isoformat(), str(path))
        report = json.loads(result.stdout)
        checks = {c["id"]: c for c in report["checks"]}
        assert result.returncode == 1 and not report["verified"]
        assert checks["proof"]["status"] == "passed"
        assert checks["status"]["status"] == "failed"
        assert "is a loopback address" in checks["status"]["message"], checks["status"]
    assert listener.connections() == 0


def test_an_unsigned_presentation_makes_nothing_get_fetched(
    tmp_path: Path,
    listener: Listener,
    license_template: dict[str, Any],
    issuer_key: Multikey,
    holder_key: Multikey,
) -> None:
    """The attack as reported: an unsigned presentation of 6 credentials whose issuers and
    status lists point at an internal service made 12 fetches and took 62 s. Now its proof
    fails first and nothing it carries is fetched: no connection, no wait."""
    inside = f"localhost:{listener.port}"
    credentials = [
        forged_web_issuer(
            with_status(
                license_template, issuer_key, holder_key.controller, f"https://{inside}/s/{n}"
            ),
            inside,
        )
        for n in range(6)
    ]
    presentation = build_presentation(credentials, holder=f"did:web:{inside.replace(':', '%3A')}")
    path = tmp_path / "presentation.json"
    path.write_text(json.dumps(presentation))
    started = time.monotonic()
    result = openler("verify", "--online", "--json", "--at", NOW.isoformat(), str(path))
    elapsed = time.monotonic() - started
    report = json.loads(result.stdout)
    assert result.returncode == 1 and not report["verified"]
    assert {c["id"]: c["status"] for c in report["checks"]}["proof"] == "failed"
    assert len(report["credentials"]) == 6
    for inner in report["credentials"]:
        proof = next(c for c in inner["checks"] if c["id"] == "proof")
        assert "has no valid proof" in proof["message"], proof
        status = next(c for c in inner["checks"] if c["id"] == "status")
        assert status["status"] == "skipped"
    assert listener.connections() == 0
    print(f"unsigned presentation of 6 credentials: {elapsed:.2f} s, 0 connections")
    assert elapsed < 30  # the CLI's start-up; the reported attack took 62 s


def test_a_name_resolving_inside_is_refused_before_connecting(
    listener: Listener, license_template: dict[str, Any], issuer_key: Multikey
) -> None:
    """An attacker's domain whose DNS answer is 127.0.0.1 (the resolver is a table here; the
    listener is real): refused by address, nothing connects."""
    url = f"https://status.attacker.example:{listener.port}/list"
    credential = with_status(license_template, issuer_key, "did:ex:h", url)
    fetch = online_fetcher(resolve=lambda host, port: ["127.0.0.1"])
    with fetch_budget(FetchLimits()):
        report = verify(credential, at=NOW + timedelta(seconds=1), resolvers=Resolvers(fetch))
    assert statuses(report)["status"] == "failed"
    assert "status.attacker.example (127.0.0.1) is a loopback address" in messages(report)
    assert listener.connections() == 0


# --- order of checks and the budget, with a fake network ------------------------------------


class CountingNetwork:
    """Every fetch is recorded; each answers 404 after ``delay`` seconds."""

    def __init__(self, delay: float = 0.0) -> None:
        self.urls: list[str] = []
        self.delay = delay

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(f"https://{request.headers['host']}{request.url.path}")
        time.sleep(self.delay)
        return httpx.Response(404)

    def fetcher(self) -> Any:
        return online_fetcher(
            transport=httpx.MockTransport(self), resolve=lambda host, port: ["93.184.216.34"]
        )


def six_credentials(
    template: dict[str, Any], key: Multikey, holder: Multikey, *, forged: bool = False
) -> list[dict[str, Any]]:
    found = [
        with_status(template, key, holder.controller, f"https://lists{n}.example/status/1")
        for n in range(6)
    ]
    return (
        [forged_web_issuer(c, f"issuer{n}.example") for n, c in enumerate(found)]
        if forged
        else found
    )


def signed_presentation(
    template: dict[str, Any], key: Multikey, holder: Multikey
) -> dict[str, Any]:
    """The holder's presentation (challenge "c") of six credentials with status lists."""
    presentation = build_presentation(
        six_credentials(template, key, holder), holder=holder.controller
    )
    return sign_presentation(presentation, holder, challenge="c", created=NOW)


def test_a_credential_whose_proof_failed_has_no_status_fetched(
    license_template: dict[str, Any], issuer_key: Multikey
) -> None:
    network = CountingNetwork()
    credential = with_status(license_template, issuer_key, "did:ex:h", "https://lists.example/1")
    credential["name"] = "Tampered"  # the proof no longer matches
    with fetch_budget(FetchLimits()):
        report = verify(credential, at=NOW, resolvers=Resolvers(network.fetcher()))
    assert statuses(report)["proof"] == "failed"
    assert statuses(report)["status"] == "skipped"
    assert network.urls == []


def test_a_presentation_whose_proof_failed_fetches_nothing_for_its_credentials(
    license_template: dict[str, Any], issuer_key: Multikey, holder_key: Multikey
) -> None:
    """Before, the embedded credentials were checked with the network before the
    presentation's own failed proof counted: 6 credentials, 12 fetches."""
    network = CountingNetwork()
    unsigned = build_presentation(
        six_credentials(license_template, issuer_key, holder_key, forged=True),
        holder=holder_key.controller,
    )
    with fetch_budget(FetchLimits()):
        report = verify(unsigned, at=NOW, resolvers=Resolvers(network.fetcher()))
    assert not report.verified and statuses(report)["proof"] == "failed"
    assert network.urls == []


def test_a_signed_presentation_fetches_what_its_credentials_need(
    license_template: dict[str, Any], issuer_key: Multikey, holder_key: Multikey
) -> None:
    """Allowed: with a valid presentation proof, each credential's status list is fetched
    (once each; here they all answer 404, so the status checks fail)."""
    network = CountingNetwork()
    signed = signed_presentation(license_template, issuer_key, holder_key)
    with fetch_budget(FetchLimits()):
        report = verify(signed, at=NOW, challenge="c", resolvers=Resolvers(network.fetcher()))
    assert statuses(report)["proof"] == "passed"
    assert sorted(network.urls) == [f"https://lists{n}.example/status/1" for n in range(6)]
    assert [statuses(c)["status"] for c in report.credentials] == ["failed"] * 6


def test_the_budget_fails_closed_even_for_a_lenient_policy(
    license_template: dict[str, Any], issuer_key: Multikey, holder_key: Multikey
) -> None:
    """A lenient policy accepts "status unknown" when a list cannot be fetched; it must not
    accept it when the budget ran out, or padding a presentation would hide a revocation."""
    network = CountingNetwork()
    signed = signed_presentation(license_template, issuer_key, holder_key)
    with fetch_budget(FetchLimits(max_fetches=3, hint="HINT")):
        report = verify(
            signed,
            at=NOW,
            challenge="c",
            resolvers=Resolvers(network.fetcher()),
            policy=Policy(fail_closed=False),
        )
    assert len(network.urls) == 3
    inner = [statuses(c)["status"] for c in report.credentials]
    assert inner == ["warning"] * 3 + ["failed"] * 3
    last = next(c for c in report.credentials[5].checks if c.id == "status")
    assert "has made the 3 fetches it may make (HINT)" in last.message
    assert not report.verified


def test_the_budget_bounds_the_time_of_one_verification(
    license_template: dict[str, Any], issuer_key: Multikey, holder_key: Multikey
) -> None:
    network = CountingNetwork(delay=0.4)
    signed = signed_presentation(license_template, issuer_key, holder_key)
    started = time.monotonic()
    with fetch_budget(FetchLimits(seconds=1.0)):
        report = verify(signed, at=NOW, challenge="c", resolvers=Resolvers(network.fetcher()))
    elapsed = time.monotonic() - started
    assert len(network.urls) < 6  # 6 × 0.4 s would be 2.4 s
    assert elapsed < 2.2
    assert "spent the 1 s it may spend fetching" in json.dumps(report.to_json())
    assert not report.verified


def test_the_platforms_online_fetcher_is_guarded_too(platform: Any, listener: Listener) -> None:
    """The platform answers its own documents from the database; anything else goes through
    the same guarded fetcher when online (and never at all when not)."""
    from openler.services.verifiers.verifying import local_fetcher

    url = f"https://localhost:{listener.port}/orgs/x/did.json"
    with platform.db.session() as s, fetch_budget(FetchLimits()):
        with pytest.raises(ResolutionError, match="loopback"):
            local_fetcher(s, platform, online=True)(url)
        with pytest.raises(ResolutionError, match="online fetching is off"):
            local_fetcher(s, platform)(url)
    assert listener.connections() == 0
