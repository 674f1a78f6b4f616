"""openler's wallet answering a VC API exchange of a verifier others wrote: a Node exchange
server whose verification is Digital Bazaar's ``@digitalbazaar/vc`` with the
``eddsa-rdfc-2022`` suite (``tests/interop/vcapi/verifier.mjs``). Maria's wallet (the CLI
``openler wallet exchange``, acting for her) sees what is asked, sends her licence signed
by her holder key for the request's challenge and domain, and the verifier accepts it —
status list included, fetched from the live openler. The consent is audited."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.interop.node import node_server
from tests.interop.vcapi_world import Live, live_demo
from tests.live import openler_command

MARIA = "maria@demo.openler.org"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with live_demo(tmp_path_factory.mktemp("vcapi-wallet")) as world:
        yield world


@pytest.fixture(scope="module")
def verifier(live: Live) -> Iterator[str]:
    with node_server("vcapi/verifier.mjs", live.base) as base:
        yield base


def exchange(verifier: str, *, did_auth: bool = True) -> dict[str, Any]:
    made = httpx.post(f"{verifier}/admin/exchanges", json={"didAuth": did_auth})
    return dict(made.json())


def wallet(live: Live, url: str, *credentials: str) -> subprocess.CompletedProcess[str]:
    args = ["wallet", "exchange", "--email", MARIA, url]
    for credential in credentials:
        args += ["--credential", credential]
    return subprocess.run(
        openler_command(*args), env=live.env(), capture_output=True, text=True, timeout=120
    )


def result(verifier: str, exchange_id: str) -> dict[str, Any]:
    return dict(httpx.get(f"{verifier}/admin/results/{exchange_id}").json())


def first_match(live: Live, url: str) -> str:
    shown = wallet(live, url)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("asked by 127.0.0.1:")
    return lines[2].split()[0]


def test_maria_answers_an_independent_verifier(live: Live, verifier: str) -> None:
    made = exchange(verifier)
    url = made["interactionUrl"]
    shown = wallet(live, url)
    assert "signed (DIDAuthentication)" in shown.stdout
    credential = first_match(live, url)
    sent = wallet(live, url, credential)
    assert sent.returncode == 0, sent.stderr
    assert "sent 1 credential(s)" in sent.stdout
    outcome = result(verifier, made["id"])
    assert outcome["state"] == "complete"
    assert outcome["verified"], outcome["error"]
    proof = outcome["presentation"]["proof"]
    assert proof["cryptosuite"] == "eddsa-rdfc-2022" and proof["proofPurpose"] == "authentication"
    with sqlite3.connect(live.workdir / "demo.db") as db:
        rows = db.execute(
            "SELECT action, data FROM audit_events WHERE action IN "
            "('exchange.present', 'consent.grant') ORDER BY seq"
        ).fetchall()
    recorded = [(action, json.loads(data)) for action, data in rows]
    assert ("exchange.present", recorded[-1][1]) in recorded
    assert recorded[-1][0] == "consent.grant"
    assert recorded[-1][1]["credentials"] == [credential]
    assert recorded[-1][1]["protocol"] == "vcapi"


def test_an_unsigned_answer_where_only_query_by_example_is_asked(live: Live, verifier: str) -> None:
    made = exchange(verifier, did_auth=False)
    url = made["interactionUrl"]
    assert "unsigned presentation" in wallet(live, url).stdout
    sent = wallet(live, url, first_match(live, url))
    assert sent.returncode == 0, sent.stderr
    outcome = result(verifier, made["id"])
    assert outcome["verified"], outcome["error"]
    assert "proof" not in outcome["presentation"]


def test_a_refusal_is_reported_and_nothing_is_consented(live: Live, verifier: str) -> None:
    made = exchange(verifier)
    url = made["interactionUrl"]
    credential = first_match(live, url)
    assert wallet(live, url, credential).returncode == 0
    again = wallet(live, url, credential)
    assert again.returncode != 0
    assert "did not accept the presentation: already answered" in again.stderr


def test_a_credential_the_verifier_did_not_ask_for_is_not_sent(live: Live, verifier: str) -> None:
    made = exchange(verifier)
    refused = wallet(live, made["interactionUrl"], "not-one-of-hers")
    assert refused.returncode != 0
    assert "not among those the verifier asks for" in refused.stderr
    assert result(verifier, made["id"])["state"] == "pending"
