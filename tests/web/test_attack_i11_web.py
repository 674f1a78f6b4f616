"""Attack pass on issue 11, through the app: other tenants, other people, the access log,
and hostile wallets at the OpenID4VCI endpoints."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, unquote, urlencode

from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.services.issuers import orgs
from openler.services.protocols import oid4vci_offers
from openler.store.models import IssuedCredential, Person, ReceivedCredential
from openler.vc import Multikey, sign_key_proof
from openler.web.edge import redact
from tests.conftest import NOW
from tests.services.issuing_world import who
from tests.web.conftest import csrf_of, login
from tests.web.test_oid4vci_issuer import (
    ISSUER,
    _sign,
    access_token,
    ask,
    code_of,
    get_token,
    nonce,
    offer_json,
    request_for,
)
from tests.web.test_oid4vp_pages import ask as ask_oid4vp

SECRET = "s3cr3t-capability"


def test_wallet_links_stay_out_of_the_access_log() -> None:
    request_uri = f"https://verifier.example/oid4vp/requests/{SECRET}"
    link = "openid4vp://?" + urlencode({"client_id": "x", "request_uri": request_uri})
    for path in (
        "/oid4vp/answer?uri=" + quote(link, safe=""),
        "/somewhere?request_uri=" + quote(request_uri, safe=""),
        f"/orgs/o/oid4vci/authorize?response_type=code&issuer_state={SECRET}",
        f"/orgs/o/oid4vci/token?pre-authorized_code={SECRET}&tx_code={SECRET}",
        f"/oid4vp/response?vp_token={SECRET}&state={SECRET}",
    ):
        assert SECRET not in unquote(unquote(redact(path))), path
    # what is not a secret stays readable
    assert "response_type=code" in redact("/orgs/o/oid4vci/authorize?response_type=code&x=1")


def test_a_proof_with_an_iat_out_of_any_calendar_is_invalid_proof(
    client: TestClient, demo_platform: Any
) -> None:
    access = access_token(client, demo_platform)
    holder = Multikey.generate()
    header = {"alg": "EdDSA", "typ": "openid4vci-proof+jwt", "kid": holder.id}
    proof = _sign(header, {"aud": ISSUER, "iat": 10**20, "nonce": nonce(client)}, holder)
    refused = ask(client, access, request_for(proof))
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "invalid_proof"


def _offer_at(platform: Any, slug: str, achievement: str, staff: str) -> Any:
    with platform.db.session() as session:
        return oid4vci_offers.offer_new_credential(
            session,
            platform,
            who(session, staff),
            orgs.organization_by_slug(session, slug),
            achievement_slug=achievement,
            email="someone@example.org",
            name="Some One",
            format="ldp_vc",
            tx_code=False,
        )


def test_another_organizations_code_token_and_nonce_are_refused(
    client: TestClient, demo_platform: Any
) -> None:
    """The board's pre-authorized code, access token and nonce do nothing at another
    organization's endpoints (and are still good at the board's after the attempt)."""
    code = code_of(
        offer_json(
            client,
            _offer_at(demo_platform, "ohio-nursing", "registered-nurse", "olivia@demo.openler.org"),
        )
    )
    elsewhere = client.post(
        "/orgs/piedmont-hospital/oid4vci/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            "pre-authorized_code": code,
        },
    )
    assert elsewhere.status_code == 400 and elsewhere.json()["error"] == "invalid_grant"
    got = get_token(client, code)
    assert got.status_code == 200
    access = got.json()["access_token"]
    holder = Multikey.generate()
    other_issuer = "http://127.0.0.1:8000/orgs/piedmont-hospital"
    other_nonce = client.post("/orgs/piedmont-hospital/oid4vci/nonce").json()["c_nonce"]
    proof = sign_key_proof(holder, audience=other_issuer, nonce=other_nonce, at=NOW)
    wrong_org = client.post(
        "/orgs/piedmont-hospital/oid4vci/credential",
        json=request_for(proof),
        headers={"Authorization": f"Bearer {access}"},
    )
    assert wrong_org.status_code == 401 and wrong_org.json()["error"] == "invalid_token"
    # the other organization's nonce, in a proof for the board: not this issuer's
    crossed = sign_key_proof(holder, audience=ISSUER, nonce=other_nonce, at=NOW)
    assert ask(client, access, request_for(crossed)).json()["error"] == "invalid_nonce"
    fine = sign_key_proof(holder, audience=ISSUER, nonce=nonce(client), at=NOW)
    assert ask(client, access, request_for(fine)).status_code == 200


def test_an_access_token_in_the_query_or_a_body_is_not_taken(
    client: TestClient, demo_platform: Any
) -> None:
    access = access_token(client, demo_platform)
    proof = sign_key_proof(Multikey.generate(), audience=ISSUER, nonce=nonce(client), at=NOW)
    for answer in (
        client.post(
            f"/orgs/ohio-nursing/oid4vci/credential?access_token={access}", json=request_for(proof)
        ),
        client.post(
            "/orgs/ohio-nursing/oid4vci/credential",
            json={**request_for(proof), "access_token": access},
        ),
        client.post(
            "/orgs/ohio-nursing/oid4vci/credential",
            json=request_for(proof),
            headers={"Authorization": f"Basic {access}"},
        ),
    ):
        assert answer.status_code == 401 and answer.json()["error"] == "invalid_token"


def test_hostile_credential_request_bodies_are_oauth_errors(
    client: TestClient, demo_platform: Any
) -> None:
    access = access_token(client, demo_platform)
    headers = {"Authorization": f"Bearer {access}", "Content-Type": "application/json"}
    bodies = [
        b'{"credential_configuration_id": "a", "credential_configuration_id": "b"}',
        b"[" * 10_000 + b"]" * 10_000,
        b'{"credential_configuration_id": ' + b'"x' * 10 + b"}",
        b"\xff\xfe{}",
        b'{"proofs": {"jwt": ["a", "b"]}, "credential_configuration_id": "registered-nurse.ldp_vc"}',
        b'{"proofs": {"jwt": [{"not": "a string"}]}, "credential_configuration_id": "registered-nurse.ldp_vc"}',
        b'{"proofs": {"jwt": ["x"], "di_vp": [{}]}, "credential_configuration_id": "registered-nurse.ldp_vc"}',
        b'{"proof": {"proof_type": "cwt", "cwt": "x"}, "format": "ldp_vc"}',
        b'{"credential_identifier": ["registered-nurse.ldp_vc"], "proofs": {"jwt": ["x"]}}',
        b'{"credential_configuration_id": "../../registered-nurse.ldp_vc", "proofs": {"jwt": ["x"]}}',
    ]
    for body in bodies:
        answer = client.post("/orgs/ohio-nursing/oid4vci/credential", content=body, headers=headers)
        assert 400 <= answer.status_code < 500, (body[:60], answer.text)
        assert answer.json()["error"], body[:60]
    # the token still works: no refusal above used it up
    proof = sign_key_proof(Multikey.generate(), audience=ISSUER, nonce=nonce(client), at=NOW)
    assert ask(client, access, request_for(proof)).status_code == 200


def test_another_organizations_staff_do_not_see_an_oid4vp_request(
    client: TestClient, demo_platform: Any
) -> None:
    detail_path, link = ask_oid4vp(client)
    token = link.rsplit("/", 1)[-1]
    for person in ("olivia", "maria"):
        client.cookies.clear()
        login(client, f"{person}@demo.openler.org")
        seen = client.get(detail_path)
        assert seen.status_code in (403, 404), (person, seen.status_code)
        assert token not in seen.text


def _maria_credential(platform: Any) -> tuple[str, str]:
    with platform.db.session() as s:
        maria = s.execute(
            select(Person).where(Person.email == "maria@demo.openler.org")
        ).scalar_one()
        held = (
            s.execute(
                select(IssuedCredential).where(
                    IssuedCredential.person_id == maria.id, IssuedCredential.state == "active"
                )
            )
            .scalars()
            .first()
        )
        assert held is not None
        return maria.id, held.id


def test_a_persons_wallet_offer_and_received_credentials_are_theirs_only(
    client: TestClient, demo_platform: Any
) -> None:
    maria_id, credential_id = _maria_credential(demo_platform)
    with demo_platform.db.session() as s:
        row = ReceivedCredential(
            person_id=maria_id,
            issuer="did:web:elsewhere.example",
            issuer_name="Elsewhere",
            credential_issuer="https://elsewhere.example",
            format="ldp_vc",
            name="Secret Clearance",
            document={"type": ["VerifiableCredential"], "credentialSubject": {}},
            jwt=None,
            received_at=NOW,
        )
        s.add(row)
        s.flush()
        received_id = row.id
    login(client, "kevin@demo.openler.org")
    token = csrf_of(client.get("/home").text)
    # Kevin cannot make an offer of Maria's credential
    theirs = client.post(
        "/wallet-offers",
        data={"csrf_token": token, "credential": credential_id},
        follow_redirects=False,
    )
    assert theirs.status_code in (403, 404), theirs.status_code
    seen = client.get(f"/received/{received_id}")
    assert seen.status_code == 404 and "Secret Clearance" not in seen.text
    client.cookies.clear()
    login(client, "maria@demo.openler.org")
    token = csrf_of(client.get("/home").text)
    assert client.get(f"/received/{received_id}").status_code == 200
    made = client.post(
        "/wallet-offers",
        data={"csrf_token": token, "credential": credential_id},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    offer_path = made.headers["location"]
    assert client.get(offer_path).status_code == 200
    client.cookies.clear()
    login(client, "kevin@demo.openler.org")
    assert client.get(offer_path).status_code == 404


def test_a_wrong_transaction_code_is_audited_without_the_code(
    client: TestClient, demo_platform: Any
) -> None:
    from openler.store.models import AuditEvent
    from tests.web.test_oid4vci_issuer import make_offer

    made = make_offer(demo_platform, tx_code=True)
    code = code_of(offer_json(client, made))
    wrong = "000000" if made.tx_code != "000000" else "111111"
    assert get_token(client, code, tx_code=wrong).json()["error"] == "invalid_grant"
    with demo_platform.db.session() as s:
        events = (
            s.execute(select(AuditEvent).where(AuditEvent.action == "oid4vci.tx_code_refused"))
            .scalars()
            .all()
        )
        assert [e.data["failures"] for e in events] == [1]
        assert wrong not in json.dumps(events[0].data) and code not in json.dumps(events[0].data)
