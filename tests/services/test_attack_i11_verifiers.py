"""Attack pass on issue 11: hostile wallets against openler's OpenID4VP verifier and its
VC API exchanges (issuance by DIDAuth, presentation)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from openler.services.protocols import exchanges
from openler.store.models import IssuedCredential
from openler.vc import Multikey, VCError, build_presentation, sign_presentation
from tests.conftest import load_demo
from tests.services.test_exchanges import principal, secret_of
from tests.services.test_oid4vp_verifier import QUERY, answer, create, fetch, post, vp
from tests.services.test_requests import world

# --- OpenID4VP ------------------------------------------------------------------------


def test_an_answer_to_request_a_posted_with_request_bs_state_is_refused(platform: Any) -> None:
    w = world(platform)
    a = fetch(platform, create(platform, w).uri)
    b = fetch(platform, create(platform, w).uri)
    assert a["nonce"] != b["nonce"] and a["state"] != b["state"]
    for_a = vp(w, a, platform)
    crossed = post(platform, answer(b, for_a))
    assert crossed.status == 400 and "challenge" in crossed.body["error_description"]
    assert post(platform, answer(a, for_a)).status == 200
    assert post(platform, answer(b, vp(w, b, platform))).status == 200


def test_a_vp_token_with_duplicate_members_or_too_deep_is_refused(platform: Any) -> None:
    w = world(platform)
    claims = fetch(platform, create(platform, w).uri)
    good = json.dumps(vp(w, claims, platform))
    duplicate = f'{{"rn_licence": [{good}], "rn_licence": [{good}]}}'
    out = post(platform, {"state": claims["state"], "vp_token": duplicate})
    assert out.status == 400 and out.body["error"] == "invalid_request"
    inner = good.replace('"holder":', '"holder": "did:example:x", "holder":', 1)
    respelled = f'{{"rn_licence": [{inner}]}}'
    out = post(platform, {"state": claims["state"], "vp_token": respelled})
    assert out.status == 400
    deep = '{"rn_licence": [' + '{"a":' * 2000 + "1" + "}" * 2000 + "]}"
    out = post(platform, {"state": claims["state"], "vp_token": deep})
    assert out.status == 400
    assert post(platform, answer(claims, vp(w, claims, platform))).status == 200


def test_a_presentation_with_the_same_credential_in_another_spelling_is_refused(
    platform: Any,
) -> None:
    """The query reads the compact JSON; what is signed is its RDF. A type or a claim written
    as a full IRI, a compact IRI, a ``@``-key that expansion drops, or an embedded context
    redefining a term is refused (it no longer verifies, or no longer matches): fail closed."""
    w = world(platform)
    claims = fetch(platform, create(platform, w).uri)
    ob = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"

    def respelled(change: Any) -> dict[str, Any]:
        credential = json.loads(json.dumps(w["credential"]))
        change(credential)
        presentation = build_presentation([credential], holder=w["holder"].controller)
        try:  # the holder signs what it sends (with JCS: no JSON-LD processing to refuse)
            return sign_presentation(
                presentation,
                w["holder"],
                challenge=claims["nonce"],
                domain=claims["client_id"],
                created=platform.now(),
                cryptosuite="eddsa-jcs-2022",
            )
        except VCError:  # or sends the respelled credential in a presentation signed before
            signed = vp(w, claims, platform)
            signed["verifiableCredential"] = [credential]
            return signed

    def iri_key(c: dict[str, Any]) -> None:
        achievement = c["credentialSubject"]["achievement"]
        achievement[ob + "achievementType"] = achievement.pop("achievementType")

    def at_key(c: dict[str, Any]) -> None:
        c["credentialSubject"]["achievement"]["@achievementType"] = "Surgeon"

    def scoped(c: dict[str, Any]) -> None:
        c["credentialSubject"]["achievement"]["@context"] = {"achievementType": "@nest"}

    def types(c: dict[str, Any]) -> None:
        c["type"] = ["VerifiableCredential", ob + "OpenBadgeCredential"]

    for change in (iri_key, at_key, scoped, types):
        out = post(platform, answer(claims, respelled(change)))
        assert out.status == 400, change.__name__
    assert post(platform, answer(claims, vp(w, claims, platform))).status == 200


# --- VC API exchanges -------------------------------------------------------------------


def _issuance(platform: Any) -> tuple[str, dict[str, Any]]:
    with platform.db.session() as s:
        load_demo(s, platform)
        made = exchanges.create_issuance(
            s,
            platform,
            principal(s, "olivia@demo.openler.org"),
            organization_slug="ohio-nursing",
            achievement_slug="registered-nurse",
            email="lee@example.org",
        )
        secret = secret_of(made)
    with platform.db.session() as s:
        vpr = exchanges.participate(s, platform, secret, {})["verifiablePresentationRequest"]
    return secret, vpr


def _didauth(key: Multikey, vpr: dict[str, Any], platform: Any, **over: Any) -> dict[str, Any]:
    return sign_presentation(
        build_presentation([], holder=over.get("holder", key.controller)),
        key,
        challenge=over.get("challenge", vpr["challenge"]),
        domain=over.get("domain", vpr["domain"]),
        created=platform.now() - timedelta(seconds=1),
    )


@pytest.mark.parametrize(
    "case", ["holder is another did:key", "holder is a did:web", "other challenge", "other domain"]
)
def test_didauth_binds_the_credential_to_the_key_that_signed(platform: Any, case: str) -> None:
    secret, vpr = _issuance(platform)
    attacker, victim = Multikey.from_seed(bytes([5]) * 32), Multikey.from_seed(bytes([6]) * 32)
    over: dict[str, Any] = {
        "holder is another did:key": {"holder": victim.controller},
        "holder is a did:web": {"holder": "did:web:127.0.0.1%3A8000:orgs:ohio-nursing"},
        "other challenge": {"challenge": "not-this-exchanges"},
        "other domain": {"domain": "https://elsewhere.example"},
    }[case]
    with platform.db.session() as s, pytest.raises(exchanges.ExchangeError) as refused:
        exchanges.participate(
            s,
            platform,
            secret,
            {"verifiablePresentation": _didauth(attacker, vpr, platform, **over)},
        )
    assert refused.value.body()["error"] == "invalid_presentation"
    with platform.db.session() as s:
        bound = (
            s.execute(
                select(IssuedCredential).where(
                    IssuedCredential.recipient_email == "lee@example.org"
                )
            )
            .scalars()
            .all()
        )
    # the email-only credential the exchange offers (claim flow) is all there is: none bound
    assert [r.document["credentialSubject"].get("id") for r in bound] == [None]
    # the exchange is still open for its rightful wallet
    with platform.db.session() as s:
        done = exchanges.participate(
            s, platform, secret, {"verifiablePresentation": _didauth(attacker, vpr, platform)}
        )
    [credential] = done["verifiablePresentation"]["verifiableCredential"]
    assert credential["credentialSubject"]["id"] == attacker.controller


def test_one_exchanges_challenge_does_not_open_another(platform: Any) -> None:
    secret_a, vpr_a = _issuance(platform)
    with platform.db.session() as s:
        made = exchanges.create_issuance(
            s,
            platform,
            principal(s, "olivia@demo.openler.org"),
            organization_slug="ohio-nursing",
            achievement_slug="registered-nurse",
            email="other@example.org",
        )
        secret_b = secret_of(made)
    key = Multikey.from_seed(bytes([5]) * 32)
    with platform.db.session() as s, pytest.raises(exchanges.ExchangeError):
        exchanges.participate(
            s, platform, secret_b, {"verifiablePresentation": _didauth(key, vpr_a, platform)}
        )
    for bad in ("", "x" * 5000, "../" + secret_a, secret_a.upper()):
        with platform.db.session() as s, pytest.raises(exchanges.ExchangeError) as refused:
            exchanges.participate(s, platform, bad, {})
        assert refused.value.http_status == 404


# --- Ed25519Signature2020 (what LCW signs DIDAuth with) -------------------------------

ED2020 = "https://w3id.org/security/suites/ed25519-2020/v1"


def _didauth_2020(key: Multikey, vpr: dict[str, Any], platform: Any, **over: Any) -> dict[str, Any]:
    """A DIDAuth presentation with an Ed25519Signature2020 proof, made as LCW makes it."""
    from openler.vc.dataintegrity import ED25519_2020, _hashes
    from openler.vc.multibase import encode_base58btc

    document: dict[str, Any] = {
        "@context": over.get("context", ["https://www.w3.org/2018/credentials/v1", ED2020]),
        "type": ["VerifiablePresentation"],
        "holder": over.get("holder", key.controller),
    }
    proof: dict[str, Any] = {
        "type": ED25519_2020,
        "created": (platform.now() - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": over.get("method", key.id),
        "proofPurpose": over.get("purpose", "authentication"),
        "challenge": vpr["challenge"],
        "domain": vpr["domain"],
        **over.get("extra", {}),
    }
    config = {**proof, "@context": document["@context"]}
    data = _hashes(document, config, ED25519_2020, None)
    proof["proofValue"] = encode_base58btc(key.sign(data))
    return {**document, "proof": proof}


def test_an_ed25519_2020_didauth_verifies_when_made_as_lcw_makes_it(platform: Any) -> None:
    secret, vpr = _issuance(platform)
    key = Multikey.from_seed(bytes([5]) * 32)
    with platform.db.session() as s:
        done = exchanges.participate(
            s, platform, secret, {"verifiablePresentation": _didauth_2020(key, vpr, platform)}
        )
    [credential] = done["verifiablePresentation"]["verifiableCredential"]
    assert credential["credentialSubject"]["id"] == key.controller


@pytest.mark.parametrize(
    "case",
    [
        "method of another did",
        "holder is another did",
        "assertion purpose",
        "no ed25519-2020 context",
        "with a cryptosuite",
        "inline context",
    ],
)
def test_odd_ed25519_2020_didauth_is_refused(platform: Any, case: str) -> None:
    secret, vpr = _issuance(platform)
    key, other = Multikey.from_seed(bytes([5]) * 32), Multikey.from_seed(bytes([6]) * 32)
    cases: dict[str, dict[str, Any]] = {
        # signed by key, holder key, but the proof names other's method: signature fails
        "method of another did": {"method": other.id},
        "holder is another did": {"holder": other.controller},
        "assertion purpose": {"purpose": "assertionMethod"},
        "no ed25519-2020 context": {"context": ["https://www.w3.org/2018/credentials/v1"]},
        "with a cryptosuite": {"extra": {"cryptosuite": "eddsa-rdfc-2022"}},
        "inline context": {
            "context": [
                "https://www.w3.org/2018/credentials/v1",
                ED2020,
                {"challenge": "https://example.org/not-the-challenge"},
            ]
        },
    }
    over = cases[case]
    try:
        presentation = _didauth_2020(key, vpr, platform, **over)
    except VCError:  # cannot be signed as such: a valid one changed after signing instead
        presentation = _didauth_2020(key, vpr, platform)
        if "context" in over:
            presentation["@context"] = over["context"]
        presentation["proof"].update(over.get("extra", {}))
    with platform.db.session() as s, pytest.raises(exchanges.ExchangeError) as refused:
        exchanges.participate(s, platform, secret, {"verifiablePresentation": presentation})
    assert refused.value.body()["error"] == "invalid_presentation"


def test_jwt_presentations_with_alg_none_another_key_or_no_nonce_are_refused(
    platform: Any,
) -> None:
    from openler.vc.jose import encode
    from openler.vc.multibase import b64url_encode

    w = world(platform)
    query = json.loads(json.dumps(QUERY))
    query["credentials"][0]["format"] = "jwt_vc_json"
    claims = fetch(platform, create(platform, w, query=query).uri)
    holder = w["holder"].controller
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [w["credential"]],
    }
    payload = {
        "vp": presentation,
        "iss": holder,
        "nonce": claims["nonce"],
        "aud": claims["client_id"],
    }

    def part(value: dict[str, Any]) -> str:
        return b64url_encode(json.dumps(value).encode())

    other = Multikey.from_seed(bytes([4]) * 32)
    forged = [
        f"{part({'alg': 'none', 'typ': 'JWT', 'kid': w['holder'].id})}.{part(payload)}.",
        encode(payload, other.with_controller(holder, w["holder"].id), typ="JWT"),
        encode({k: v for k, v in payload.items() if k != "nonce"}, w["holder"], typ="JWT"),
        encode({**payload, "nonce": "another"}, w["holder"], typ="JWT"),
        encode({**payload, "exp": 1}, w["holder"], typ="JWT"),
    ]
    for index, token in enumerate(forged):
        out = post(platform, answer(claims, token))
        assert out.status == 400, index
    assert post(platform, answer(claims, encode(payload, w["holder"], typ="JWT"))).status == 200


def test_a_licence_the_holder_issued_to_themself_does_not_satisfy_the_verifier(
    platform: Any,
) -> None:
    """A hostile wallet signs its own "Registered Nurse" licence (another did:key as issuer,
    the holder as subject) and answers with it: it verifies as a signature, but no registry
    vouches for its issuer, so the answer is refused, as openler's own protocol refuses it."""
    from openler.vc import sign_credential

    w = world(platform)
    claims = fetch(platform, create(platform, w).uri)
    fake_board = Multikey.from_seed(bytes([2]) * 32)
    forged = {k: v for k, v in w["credential"].items() if k not in ("proof", "credentialStatus")}
    forged["id"] = "urn:uuid:7d0c2b7e-0000-4000-8000-000000000001"
    forged["issuer"] = {**forged["issuer"], "id": fake_board.controller}
    signed = sign_credential(forged, fake_board, created=platform.now())
    presentation = sign_presentation(
        build_presentation([signed], holder=w["holder"].controller),
        w["holder"],
        challenge=claims["nonce"],
        domain=claims["client_id"],
        created=platform.now(),
    )
    out = post(platform, answer(claims, presentation))
    assert out.status == 400, out.body
    assert "trust" in out.body["error_description"] or "registry" in out.body["error_description"]
