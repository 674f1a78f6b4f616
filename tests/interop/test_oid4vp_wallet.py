"""openler's wallet answers an OpenID4VP verifier others wrote: a Node server where
@openid4vc/openid4vp creates the signed request and parses openler's response, Digital
Bazaar's vc library verifies the presentation (nonce as challenge, client_id as domain)
and `dcql` checks it satisfies the query. The wallet is driven by its CLI, `openler
wallet answer`, as an operator would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from openler.services.errors import UsageError
from openler.services.people.accounts import principal_for
from openler.services.protocols import oid4vp_wallet
from openler.services.protocols.client import ProtocolClient
from openler.store.models import IssuedCredential, Person
from openler.vc import DID_CONTEXT
from tests.conftest import DATA
from tests.interop.node import node_server
from tests.interop.oid4vp_world import World, contexts_for, live_world
from tests.live import openler_command

QUERY = json.loads((DATA / "oid4vp" / "rn_licence.json").read_text())
MARIA = "maria@demo.openler.org"
KEVIN = "kevin@demo.openler.org"  # his RN licence is suspended in the demo


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with live_world(tmp_path_factory.mktemp("oid4vp-wallet"), protocol_allow_loopback="1") as w:
        yield w


@pytest.fixture(scope="module")
def verifier(world: World) -> Iterator[str]:
    contexts = contexts_for(world.credential)
    from openler.vc import DocumentLoader

    contexts.update({url: dict(DocumentLoader().load(url)) for url in DID_CONTEXT})
    path = world.workdir / "verifier-contexts.json"
    path.write_text(json.dumps({"contexts": contexts}))
    with node_server("oid4vp/verifier.mjs", str(path)) as base:
        yield base


def ask(verifier: str, twist: str = "none", query: dict[str, Any] = QUERY) -> dict[str, str]:
    created: dict[str, str] = httpx.post(
        f"{verifier}/requests", json={"query": query, "twist": twist}
    ).json()
    return created


def results(verifier: str, request_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = httpx.get(f"{verifier}/results/{request_id}").json()
    return found


def wallet(world: World, *args: str) -> tuple[int, str, str]:
    import subprocess

    done = subprocess.run(
        openler_command("wallet", "answer", *args),
        env=world.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout, done.stderr


def test_openler_wallet_answers_an_independent_verifier(world: World, verifier: str) -> None:
    created = ask(verifier)
    code, out, err = wallet(world, "--email", MARIA, created["uri"])
    assert code == 0, err
    assert "Blue Ridge Staffing" in out and "rn_licence" in out
    assert "the verifier answered 200" in out
    [result] = results(verifier, created["id"])
    assert result["ok"], result
    assert result["can_be_satisfied"] and result["vp_token_keys"] == ["rn_licence"]
    # bound as OpenID4VP 1.0 says: the nonce as challenge, the full client_id as domain
    assert result["proof"]["challenge"] == result["nonce"]
    assert result["proof"]["domain"].startswith("decentralized_identifier:did:key:")


def test_the_wallet_shows_who_asks_and_what_matches(world: World, verifier: str) -> None:
    created = ask(verifier)
    with world.platform.db.session() as s:
        maria = s.execute(select(Person).where(Person.email == MARIA)).scalar_one()
        incoming = oid4vp_wallet.read_request(
            s,
            world.platform,
            principal_for(s, maria),
            created["uri"],
            client=ProtocolClient(
                world.platform.settings.model_copy(update={"protocol_allow_loopback": True})
            ),
        )
    assert incoming.verifier.startswith("Blue Ridge Staffing")
    assert incoming.signed_by is not None and incoming.signed_by.startswith("did:key:")
    [asked] = incoming.asked
    assert "License" in asked.words
    assert [h.offerable for h in asked.held] == [True]
    assert incoming.satisfiable


def test_a_suspended_licence_is_not_offered(world: World, verifier: str) -> None:
    created = ask(verifier)
    code, out, err = wallet(world, "--email", KEVIN, created["uri"])
    assert code != 0
    assert "suspended" in out
    assert "none of your credentials can answer" in err
    assert results(verifier, created["id"]) == []
    with world.platform.db.session() as s:
        kevin = s.execute(select(Person).where(Person.email == KEVIN)).scalar_one()
        row = (
            s.execute(select(IssuedCredential).where(IssuedCredential.person_id == kevin.id))
            .scalars()
            .first()
        )
        assert row is not None
        chosen = row.id
    code, _out, err = wallet(world, "--email", KEVIN, created["uri"], "--credential", chosen)
    assert code != 0 and "suspended" in err.lower() and "cannot be sent" in err


def test_a_credential_the_query_does_not_ask_for_is_refused(world: World, verifier: str) -> None:
    created = ask(verifier)
    with world.platform.db.session() as s:
        maria = s.execute(select(Person).where(Person.email == MARIA)).scalar_one()
        ids = [
            r.id
            for r in s.execute(
                select(IssuedCredential).where(IssuedCredential.person_id == maria.id)
            ).scalars()
            if "License" not in json.dumps(r.document)
        ]
    code, _out, err = wallet(world, "--email", MARIA, created["uri"], "--credential", ids[0])
    assert code != 0 and "not one this request asks for" in err


@pytest.mark.parametrize(
    ("twist", "expected"),
    [("tampered_request", "signature does not verify"), ("expired", "expired")],
)
def test_bad_requests_are_refused_by_the_wallet(
    world: World, verifier: str, twist: str, expected: str
) -> None:
    created = ask(verifier, twist)
    code, _out, err = wallet(world, "--email", MARIA, created["uri"])
    assert code != 0 and expected in err, err
    assert results(verifier, created["id"]) == []


def test_the_wallet_refuses_a_link_without_a_request_uri(world: World) -> None:
    with world.platform.db.session() as s:
        maria = s.execute(select(Person).where(Person.email == MARIA)).scalar_one()
        with pytest.raises(UsageError, match="request_uri"):
            oid4vp_wallet.read_request(
                s, world.platform, principal_for(s, maria), "openid4vp://?client_id=x"
            )


def test_openler_wallet_answers_an_openler_verifier(world: World) -> None:
    """Both sides openler, over the live server: the request signed with Piedmont's did:web
    key, read by the wallet, answered and verified."""
    from tests.interop.oid4vp_world import query_file

    query = query_file(world.workdir, QUERY)
    created = json.loads(
        world.openler(
            "requests", "create", "--org", "piedmont-hospital", "--query", str(query), "--json"
        ).splitlines()[-1]
    )
    code, out, err = wallet(world, "--email", MARIA, created["uri"])
    assert code == 0, err
    assert "Piedmont Regional Hospital (127.0.0.1:" in out
    shown = json.loads(world.openler("requests", "show", created["id"], "--json"))
    assert shown["state"] == "answered" and shown["verified"] is True


def test_a_refused_answer_is_reported_and_audited(world: World, verifier: str) -> None:
    from openler.store.models import AuditEvent

    created = ask(verifier, "refuse")
    code, _out, err = wallet(world, "--email", MARIA, created["uri"])
    assert code != 0 and "refused the answer (400): invalid_request" in err
    with world.platform.db.session() as s:
        events = (
            s.execute(
                select(AuditEvent).where(AuditEvent.action.in_(["consent.grant", "wallet.answer"]))
            )
            .scalars()
            .all()
        )
        answered = [e for e in events if e.action == "wallet.answer"]
        assert answered[-1].data["status"] == 400
        assert any(e.data.get("protocol") == "oid4vp" for e in events)


def test_declining_tells_the_verifier_and_sends_nothing(world: World) -> None:
    from tests.interop.oid4vp_world import query_file

    query = query_file(world.workdir, QUERY)
    created = json.loads(
        world.openler(
            "requests", "create", "--org", "piedmont-hospital", "--query", str(query), "--json"
        ).splitlines()[-1]
    )
    loopback = world.platform.settings.model_copy(update={"protocol_allow_loopback": True})
    with world.platform.db.session() as s:
        maria = s.execute(select(Person).where(Person.email == MARIA)).scalar_one()
        sent = oid4vp_wallet.decline_request(
            s,
            world.platform,
            principal_for(s, maria),
            created["uri"],
            client=ProtocolClient(loopback),
        )
    assert sent.accepted and sent.credentials == []
    shown = json.loads(world.openler("requests", "show", created["id"], "--json"))
    assert shown["wallet_error"]["error"] == "access_denied" and shown["vp_token"] is None
