"""OpenID4VCI issuer endpoints through the app: metadata, the pre-authorized flow, and every
refusal with the error code the specification names. (The same flow run by a wallet others
wrote is in ``tests/interop/test_oid4vci_wallet_client.py``.)"""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.services.issuers import orgs
from openler.services.protocols import oid4vci_issuer as vci
from openler.services.protocols import oid4vci_offers
from openler.store.models import AuditEvent, IssuedCredential
from openler.vc import Multikey, check_key_proof, parse_json, sign_key_proof, verify
from openler.vc.multibase import b64url_encode
from tests.conftest import NOW
from tests.services.issuing_world import who

ISSUER = "http://127.0.0.1:8000/orgs/ohio-nursing"
BASE = "http://127.0.0.1:8000"
ADDRESSES = itertools.count(1)


def make_offer(
    platform: Any, *, format: str = "ldp_vc", tx_code: bool = False
) -> oid4vci_offers.MadeOffer:
    with platform.db.session() as session:
        made = oid4vci_offers.offer_new_credential(
            session,
            platform,
            who(session, "olivia@demo.openler.org"),
            orgs.organization_by_slug(session, "ohio-nursing"),
            achievement_slug="registered-nurse",
            email=f"new.nurse.{next(ADDRESSES)}@example.org",  # each offer to a new nurse
            name="Nia Newton",
            format=format,
            tx_code=tx_code,
        )
        return made


def offer_json(client: TestClient, made: oid4vci_offers.MadeOffer) -> dict[str, Any]:
    uri = parse_qs(urlsplit(made.uri).query)["credential_offer_uri"][0]
    answer = client.get(uri.removeprefix(BASE))
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def code_of(offer: dict[str, Any]) -> str:
    return str(offer["grants"][vci.PRE_AUTHORIZED_GRANT]["pre-authorized_code"])


def get_token(client: TestClient, code: str, **extra: str) -> Any:
    return client.post(
        "/orgs/ohio-nursing/oid4vci/token",
        data={"grant_type": vci.PRE_AUTHORIZED_GRANT, "pre-authorized_code": code, **extra},
    )


def nonce(client: TestClient) -> str:
    answer = client.post("/orgs/ohio-nursing/oid4vci/nonce")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    return str(answer.json()["c_nonce"])


def ask(client: TestClient, access: str, body: dict[str, Any]) -> Any:
    return client.post(
        "/orgs/ohio-nursing/oid4vci/credential",
        json=body,
        headers={"Authorization": f"Bearer {access}"},
    )


def access_token(client: TestClient, platform: Any, **offer: Any) -> str:
    answer = get_token(client, code_of(offer_json(client, make_offer(platform, **offer))))
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def request_for(proof: str, config: str = "registered-nurse.ldp_vc") -> dict[str, Any]:
    return {"credential_configuration_id": config, "proofs": {"jwt": [proof]}}


def test_metadata_at_the_well_known_locations(client: TestClient) -> None:
    meta = client.get("/.well-known/openid-credential-issuer/orgs/ohio-nursing").json()
    assert meta["credential_issuer"] == ISSUER
    assert meta["credential_endpoint"] == f"{ISSUER}/oid4vci/credential"
    assert meta["nonce_endpoint"] == f"{ISSUER}/oid4vci/nonce"
    assert meta["display"][0]["name"] == "Ohio Board of Nursing"
    ldp = meta["credential_configurations_supported"]["registered-nurse.ldp_vc"]
    assert ldp["format"] == "ldp_vc"
    assert ldp["credential_definition"]["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert ldp["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"]
    jwt = meta["credential_configurations_supported"]["registered-nurse.jwt_vc_json"]
    assert "@context" not in jwt["credential_definition"]
    server = client.get("/.well-known/oauth-authorization-server/orgs/ohio-nursing").json()
    assert server["issuer"] == ISSUER
    assert server["token_endpoint"] == f"{ISSUER}/oid4vci/token"
    assert server["pre-authorized_grant_anonymous_access_supported"] is True


def test_the_pre_authorized_flow_issues_a_credential_bound_to_the_wallet(
    client: TestClient, demo_platform: Any
) -> None:
    made = make_offer(demo_platform)
    offer = offer_json(client, made)
    assert offer["credential_issuer"] == ISSUER
    assert offer["credential_configuration_ids"] == ["registered-nurse.ldp_vc"]
    by_value = json.loads(unquote(made.by_value.split("credential_offer=", 1)[1]))
    assert by_value == offer
    answer = get_token(client, code_of(offer))
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    access = answer.json()["access_token"]
    holder = Multikey.generate()
    proof = sign_key_proof(holder, audience=ISSUER, nonce=nonce(client), at=NOW)
    issued = ask(client, access, request_for(proof))
    assert issued.status_code == 200, issued.text
    credential = issued.json()["credentials"][0]["credential"]
    assert credential["credentialSubject"]["id"] == holder.controller
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    with demo_platform.db.session() as session:
        row = session.get(IssuedCredential, credential["id"])
        assert row is not None and row.state == "active" and row.previous_id is not None
        old = session.get(IssuedCredential, row.previous_id)
        assert old is not None and old.state == "revoked"
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {"oid4vci.offer", "oid4vci.token", "oid4vci.credential"} <= actions
    # the offer is used: neither the code nor the offer URI works again
    assert get_token(client, code_of(offer)).json()["error"] == "invalid_grant"
    uri = parse_qs(urlsplit(made.uri).query)["credential_offer_uri"][0]
    assert client.get(uri.removeprefix(BASE)).status_code == 404


def test_jwt_vc_json_and_a_jwk_proof(client: TestClient, demo_platform: Any) -> None:
    access = access_token(client, demo_platform, format="jwt_vc_json")
    holder = Multikey.generate()
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(holder.public)}
    header = {"alg": "EdDSA", "typ": "openid4vci-proof+jwt", "jwk": jwk}
    payload = {"aud": ISSUER, "iat": int(NOW.timestamp()), "nonce": nonce(client)}
    proof = _sign(header, payload, holder)
    issued = ask(client, access, request_for(proof, "registered-nurse.jwt_vc_json"))
    assert issued.status_code == 200, issued.text
    token = issued.json()["credentials"][0]["credential"]
    assert isinstance(token, str)
    holder_did = check_key_proof(proof, audience=ISSUER, at=NOW).holder
    assert holder_did.startswith("did:jwk:")
    with demo_platform.db.session() as session:
        from openler.services.verifiers import verifying

        report = verifying.verify_document(session, demo_platform, token)
    assert report.verified, report.errors()


def test_draft_13_request_shape(client: TestClient, demo_platform: Any) -> None:
    access = access_token(client, demo_platform)
    holder = Multikey.generate()
    proof = sign_key_proof(holder, audience=ISSUER, nonce=nonce(client), at=NOW)
    body = {
        "format": "ldp_vc",
        "credential_definition": {"type": ["VerifiableCredential", "OpenBadgeCredential"]},
        "proof": {"proof_type": "jwt", "jwt": proof},
    }
    issued = ask(client, access, body)
    assert issued.status_code == 200, issued.text
    assert issued.json()["credential"]["credentialSubject"]["id"] == holder.controller
    assert "credentials" not in issued.json()


def _sign(header: dict[str, Any], payload: dict[str, Any], key: Multikey) -> str:
    def part(value: dict[str, Any]) -> str:
        return b64url_encode(json.dumps(value, separators=(",", ":")).encode())

    signing_input = f"{part(header)}.{part(payload)}"
    return f"{signing_input}.{b64url_encode(key.sign(signing_input.encode()))}"


# --- refusals -----------------------------------------------------------------------


def test_a_replayed_pre_authorized_code_is_invalid_grant(
    client: TestClient, demo_platform: Any
) -> None:
    code = code_of(offer_json(client, make_offer(demo_platform)))
    assert get_token(client, code).status_code == 200
    again = get_token(client, code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert get_token(client, "made-up").json()["error"] == "invalid_grant"


def test_transaction_codes(client: TestClient, demo_platform: Any) -> None:
    made = make_offer(demo_platform, tx_code=True)
    assert made.tx_code is not None and len(made.tx_code) == 6
    offer = offer_json(client, made)
    assert offer["grants"][vci.PRE_AUTHORIZED_GRANT]["tx_code"]["length"] == 6
    code = code_of(offer)
    assert get_token(client, code).json()["error"] == "invalid_request"  # none sent
    wrong = "000000" if made.tx_code != "000000" else "111111"
    refused = get_token(client, code, tx_code=wrong)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert get_token(client, code, tx_code=made.tx_code).status_code == 200


def test_wrong_and_reused_nonces_are_invalid_nonce(client: TestClient, demo_platform: Any) -> None:
    access = access_token(client, demo_platform)
    holder = Multikey.generate()
    made_up = sign_key_proof(holder, audience=ISSUER, nonce="not-from-here", at=NOW)
    refused = ask(client, access, request_for(made_up))
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_nonce"
    assert refused.json()["c_nonce"]  # a fresh one, for Draft-13 wallets
    missing = sign_key_proof(holder, audience=ISSUER, nonce=None, at=NOW)
    assert ask(client, access, request_for(missing)).json()["error"] == "invalid_nonce"
    used = nonce(client)
    first = sign_key_proof(holder, audience=ISSUER, nonce=used, at=NOW)
    assert ask(client, access, request_for(first)).status_code == 200
    second_access = access_token(client, demo_platform)
    again = sign_key_proof(holder, audience=ISSUER, nonce=used, at=NOW)
    assert ask(client, second_access, request_for(again)).json()["error"] == "invalid_nonce"


def test_expired_nonce(client: TestClient, demo_platform: Any) -> None:
    access = access_token(client, demo_platform)
    old = nonce(client)
    later = NOW + timedelta(seconds=vci.NONCE_SECONDS + 1)
    demo_platform.clock = lambda: later
    proof = sign_key_proof(Multikey.generate(), audience=ISSUER, nonce=old, at=later)
    assert ask(client, access, request_for(proof)).json()["error"] == "invalid_nonce"


@pytest.mark.parametrize("case", ["other key", "wrong aud", "wrong typ", "stale", "no proof"])
def test_bad_proofs_are_invalid_proof(client: TestClient, demo_platform: Any, case: str) -> None:
    access = access_token(client, demo_platform)
    holder, other = Multikey.generate(), Multikey.generate()
    fresh = nonce(client)
    header = {"alg": "EdDSA", "typ": "openid4vci-proof+jwt", "kid": holder.id}
    payload: dict[str, Any] = {"aud": ISSUER, "iat": int(NOW.timestamp()), "nonce": fresh}
    if case == "other key":
        proof = _sign(header, payload, other)  # names holder's key, signed by another
    elif case == "wrong aud":
        proof = _sign(header, {**payload, "aud": "http://127.0.0.1:8000/orgs/fema-emi"}, holder)
    elif case == "wrong typ":
        proof = _sign({**header, "typ": "JWT"}, payload, holder)
    elif case == "stale":
        proof = _sign(header, {**payload, "iat": int(NOW.timestamp()) - 3600}, holder)
    else:
        proof = ""
    body = (
        request_for(proof) if proof else {"credential_configuration_id": "registered-nurse.ldp_vc"}
    )
    refused = ask(client, access, body)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_proof", refused.json()
    assert refused.json()["error_description"]


def test_bad_access_tokens_are_invalid_token(client: TestClient, demo_platform: Any) -> None:
    proof = sign_key_proof(Multikey.generate(), audience=ISSUER, nonce=nonce(client), at=NOW)
    refused = ask(client, "not-a-token", request_for(proof))
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_token"
    assert "invalid_token" in refused.headers["www-authenticate"]
    none = client.post("/orgs/ohio-nursing/oid4vci/credential", json=request_for(proof))
    assert none.status_code == 401 and none.json()["error"] == "invalid_token"


def test_an_access_token_gives_one_credential(client: TestClient, demo_platform: Any) -> None:
    access = access_token(client, demo_platform)
    holder = Multikey.generate()
    first = sign_key_proof(holder, audience=ISSUER, nonce=nonce(client), at=NOW)
    assert ask(client, access, request_for(first)).status_code == 200
    second = sign_key_proof(holder, audience=ISSUER, nonce=nonce(client), at=NOW)
    assert ask(client, access, request_for(second)).json()["error"] == "invalid_token"


def test_other_configurations_are_refused(client: TestClient, demo_platform: Any) -> None:
    access = access_token(client, demo_platform)
    proof = sign_key_proof(Multikey.generate(), audience=ISSUER, nonce=nonce(client), at=NOW)
    refused = ask(client, access, request_for(proof, "licensed-practical-nurse.ldp_vc"))
    assert refused.json()["error"] == "unknown_credential_configuration"
    other = ask(
        client, access, {"format": "mso_mdoc", "proof": {"proof_type": "jwt", "jwt": proof}}
    )
    assert other.json()["error"] == "unsupported_credential_format"


def test_an_expired_offer_is_refused(client: TestClient, demo_platform: Any) -> None:
    made = make_offer(demo_platform)
    offer = offer_json(client, made)
    demo_platform.clock = lambda: NOW + timedelta(hours=demo_platform.settings.oid4vci_offer_hours)
    refused = get_token(client, code_of(offer))
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert "expired" in refused.json()["error_description"]


def test_only_the_pre_authorized_grant(client: TestClient) -> None:
    answer = client.post(
        "/orgs/ohio-nursing/oid4vci/token", data={"grant_type": "client_credentials"}
    )
    assert answer.json()["error"] == "unsupported_grant_type"
    as_json = client.post("/orgs/ohio-nursing/oid4vci/token", json={"grant_type": "x"})
    assert as_json.json()["error"] == "invalid_request"


def test_offers_are_for_issuer_staff_only(demo_platform: Any) -> None:
    from openler.services.errors import Forbidden

    with demo_platform.db.session() as session, pytest.raises(Forbidden):
        oid4vci_offers.offer_new_credential(
            session,
            demo_platform,
            who(session, "maria@demo.openler.org"),
            orgs.organization_by_slug(session, "ohio-nursing"),
            achievement_slug="registered-nurse",
            email="someone@example.org",
        )


def test_no_secret_is_stored(client: TestClient, demo_platform: Any) -> None:
    made = make_offer(demo_platform, tx_code=True)
    offer = offer_json(client, made)
    with demo_platform.db.session() as session:
        from openler.store.models import CredentialOffer

        row = session.get(CredentialOffer, made.offer.id)
        assert row is not None
        stored = json.dumps({c.name: str(getattr(row, c.name)) for c in row.__table__.columns})
    assert code_of(offer) not in stored
    assert made.tx_code is not None and f'"{made.tx_code}"' not in stored
    assert parse_json(json.dumps(offer))
    _ = verify  # the verifier checks what is issued in the tests above


def test_an_issuer_state_is_no_pre_authorized_code(client: TestClient, demo_platform: Any) -> None:
    from urllib.parse import parse_qs as qs

    from openler.services.protocols import oid4vci_authorize

    with demo_platform.db.session() as session:
        maria = who(session, "maria@demo.openler.org")
        held = session.scalars(
            select(IssuedCredential).where(
                IssuedCredential.person_id == maria.person_id,
                IssuedCredential.state == "active",
                IssuedCredential.achievement_id.is_not(None),
            )
        ).first()
        assert held is not None
        made = oid4vci_authorize.offer_own_credential(session, demo_platform, maria, held.id)
    offer = json.loads(qs(urlsplit(made.by_value).query)["credential_offer"][0])
    state = offer["grants"]["authorization_code"]["issuer_state"]
    assert get_token(client, state).json()["error"] == "invalid_grant"


def _di_vp(key: Multikey, *, challenge: str, domain: str = ISSUER, holder: str = "") -> Any:
    from openler.vc import build_presentation, sign_presentation

    presentation = build_presentation([], holder=holder or key.controller)
    del presentation["verifiableCredential"]
    return sign_presentation(presentation, key, challenge=challenge, domain=domain, created=NOW)


def test_a_di_vp_proof_binds_the_presentations_holder(
    client: TestClient, demo_platform: Any
) -> None:
    access = access_token(client, demo_platform)
    holder = Multikey.generate()
    body = {
        "credential_configuration_id": "registered-nurse.ldp_vc",
        "proofs": {"di_vp": [_di_vp(holder, challenge=nonce(client))]},
    }
    issued = ask(client, access, body)
    assert issued.status_code == 200, issued.text
    assert issued.json()["credentials"][0]["credential"]["credentialSubject"]["id"] == (
        holder.controller
    )
    meta = client.get("/.well-known/openid-credential-issuer/orgs/ohio-nursing").json()
    di_vp = meta["credential_configurations_supported"]["registered-nurse.ldp_vc"][
        "proof_types_supported"
    ]["di_vp"]
    assert "eddsa-rdfc-2022" in di_vp["proof_signing_alg_values_supported"]


@pytest.mark.parametrize("case", ["other domain", "other holder", "made-up nonce", "draft 13"])
def test_bad_di_vp_proofs(client: TestClient, demo_platform: Any, case: str) -> None:
    access = access_token(client, demo_platform)
    key, other = Multikey.generate(), Multikey.generate()
    fresh = nonce(client)
    if case == "other domain":
        vp = _di_vp(key, challenge=fresh, domain="http://127.0.0.1:8000/orgs/fema-emi")
    elif case == "other holder":
        vp = _di_vp(key, challenge=fresh, holder=other.controller)
    elif case == "made-up nonce":
        vp = _di_vp(key, challenge="never-given")
    else:  # Draft 13 calls it ldp_vp; a good one is accepted
        good = _di_vp(key, challenge=fresh)
        body = {"format": "ldp_vc", "proof": {"proof_type": "ldp_vp", "ldp_vp": good}}
        assert ask(client, access, body).status_code == 200
        return
    body = {"credential_configuration_id": "registered-nurse.ldp_vc", "proofs": {"di_vp": [vp]}}
    refused = ask(client, access, body).json()
    expected = "invalid_nonce" if case == "made-up nonce" else "invalid_proof"
    assert refused["error"] == expected, refused


def test_five_wrong_transaction_codes_end_the_offer(client: TestClient, demo_platform: Any) -> None:
    made = make_offer(demo_platform, tx_code=True)
    assert made.tx_code is not None
    code = code_of(offer_json(client, made))
    wrong = f"{(int(made.tx_code) + 1) % 10**6:06d}"
    for _ in range(vci.MAX_TX_FAILURES):
        assert get_token(client, code, tx_code=wrong).json()["error"] == "invalid_grant"
    ended = get_token(client, code, tx_code=made.tx_code)
    assert ended.json()["error"] == "invalid_grant"
    assert "too many" in ended.json()["error_description"]
