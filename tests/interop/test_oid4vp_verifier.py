"""openler's OpenID4VP verifier answered by a wallet others wrote (@openid4vc/openid4vp to
read the link, resolve the request_uri, check the signed request object and post the
response; `dcql` to match the query; Digital Bazaar's vc library to sign the
presentation). openler verifies; every bad path is refused with the specification's error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from openler.services.issuers import issuing
from openler.store.models import PresentationRequest
from tests.conftest import DATA, SETUP
from tests.interop.node import run_node
from tests.interop.oid4vp_world import World, live_world, query_file

QUERY = json.loads((DATA / "oid4vp" / "rn_licence.json").read_text())
WALLET = "oid4vp/wallet.mjs"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with live_world(tmp_path_factory.mktemp("oid4vp-verifier")) as built:
        yield built


def create(world: World, query: dict[str, Any] = QUERY) -> dict[str, str]:
    out = world.openler(
        "requests",
        "create",
        "--org",
        "piedmont-hospital",
        "--query",
        str(query_file(world.workdir, query)),
        "--protocol",
        "oid4vp",
        "--json",
    )
    created: dict[str, str] = json.loads(out.strip().splitlines()[-1])
    return created


def show(world: World, request_id: str) -> dict[str, Any]:
    shown: dict[str, Any] = json.loads(world.openler("requests", "show", request_id, "--json"))
    return shown


def test_an_independent_wallet_answers_and_openler_verifies(world: World) -> None:
    created = create(world)
    assert created["uri"].startswith("openid4vp://?client_id=decentralized_identifier")
    assert show(world, created["id"])["state"] == "waiting"
    out = run_node(WALLET, world.wallet_input(created["uri"]))
    assert (out.get("status"), out.get("body")) == (200, {}), out
    # what the library read: OpenID4VP 1.0 (100), a signed request of a did verifier
    assert out["version"] == 100
    assert out["client"]["prefix"] == "decentralized_identifier"
    assert out["request"]["response_mode"] == "direct_post"
    assert out["request"]["client_metadata"]["vp_formats_supported"]["ldp_vc"]
    assert list(out["vp_token"]) == ["rn_licence"] and len(out["vp_token"]["rn_licence"]) == 1
    shown = show(world, created["id"])
    assert shown["state"] == "answered" and shown["verified"] is True, shown["verification"]
    assert shown["vp_token"]["rn_licence"][0]["proof"]["domain"] == shown["client_id"]


def test_a_response_is_taken_once(world: World) -> None:
    out = run_node(WALLET, world.wallet_input(create(world)["uri"], twist="replay"))
    assert out["status"] == 200
    assert out["replay"]["status"] == 400
    assert out["replay"]["body"]["error"] == "invalid_request"
    assert "already answered" in out["replay"]["body"]["error_description"]


@pytest.mark.parametrize(
    ("twist", "expected"),
    [
        ("wrong_nonce", "challenge mismatch"),
        ("wrong_domain", "domain mismatch"),
        ("tamper", "did not verify"),
    ],
)
def test_bad_presentations_are_refused(world: World, twist: str, expected: str) -> None:
    created = create(world)
    out = run_node(WALLET, world.wallet_input(created["uri"], twist=twist))
    assert out["status"] == 400 and out["body"]["error"] == "invalid_request"
    assert expected in out["body"]["error_description"]
    shown = show(world, created["id"])
    assert shown["state"] == "waiting" and shown["verified"] is None
    assert shown["refused"]["error"] == "invalid_request"


def test_a_presentation_for_another_request_is_refused(world: World) -> None:
    first, second = create(world), create(world)
    out = run_node(
        WALLET, world.wallet_input(first["uri"], twist="other_state", second_uri=second["uri"])
    )
    assert out["status"] == 400 and "challenge mismatch" in out["body"]["error_description"]
    assert show(world, second["id"])["state"] == "waiting"


def test_an_expired_request_is_not_served(world: World) -> None:
    created = create(world)
    with world.platform.db.session() as s:
        row = s.get(PresentationRequest, created["id"])
        assert row is not None
        row.expires_at = world.platform.now() - timedelta(minutes=1)
    out = run_node(WALLET, world.wallet_input(created["uri"]))
    assert out["resolve_error"]["error"] == "invalid_request_uri"
    assert show(world, created["id"])["state"] == "expired"


def test_a_query_the_credentials_do_not_satisfy(world: World) -> None:
    query = json.loads(json.dumps(QUERY))
    query["credentials"][0]["claims"][0]["values"] = ["Certification"]
    out = run_node(WALLET, world.wallet_input(create(world, query)["uri"]))
    assert out["dcql"] == {"can_be_satisfied": False}


def test_a_suspended_licence_is_refused_with_a_clear_verdict(world: World) -> None:
    with world.platform.db.session() as s:
        issuing.set_status(
            s, world.platform, SETUP, world.credential_id, action="suspend", reason="inquiry"
        )
    try:
        created = create(world)
        out = run_node(WALLET, world.wallet_input(created["uri"]))
        assert out["status"] == 400 and out["body"]["error"] == "invalid_request"
        assert "suspended" in out["body"]["error_description"].lower()
    finally:
        with world.platform.db.session() as s:
            issuing.set_status(
                s, world.platform, SETUP, world.credential_id, action="reinstate", reason="cleared"
            )


def test_request_uri_is_redacted_from_the_access_log(world: World) -> None:
    created = create(world)
    token = created["uri"].rsplit("%2F", 1)[-1]
    run_node(WALLET, world.wallet_input(created["uri"]))
    assert token not in world.server.log_text()


def test_a_wallet_that_declines_gets_200_and_the_verifier_sees_it(world: World) -> None:
    created = create(world)
    out = run_node(WALLET, world.wallet_input(created["uri"], twist="decline"))
    assert (out["status"], out["body"]) == (200, {})
    shown = show(world, created["id"])
    assert shown["state"] == "answered" and shown["verified"] is None
    assert shown["wallet_error"]["error"] == "access_denied"
