"""VC API exchanges in the service layer: who may make them, what a query must be, and a
whole issuance answered by a DIDAuth presentation openler's own library signs."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from openler.services.errors import Forbidden
from openler.services.issuers import claims
from openler.services.people import accounts
from openler.services.protocols import exchanges
from openler.store.models import AuditEvent, Claim, Exchange, IssuedCredential, Person
from openler.vc import Multikey, build_presentation, sign_presentation
from tests.conftest import DATA, load_demo

QUERY = {
    "type": "QueryByExample",
    "credentialQuery": {"example": {"type": ["VerifiableCredential", "OpenBadgeCredential"]}},
}


def principal(session: Any, email: str) -> accounts.Principal:
    person = session.execute(select(Person).where(Person.email == email)).scalar_one()
    return accounts.principal_for(session, person)


def secret_of(made: exchanges.Made) -> str:
    return made.exchange_url.rsplit("/", 1)[-1]


def test_only_issuers_make_issuance_exchanges(platform: Any) -> None:
    with platform.db.session() as s:
        load_demo(s, platform)
        maria = principal(s, "maria@demo.openler.org")
        with pytest.raises(Forbidden):
            exchanges.create_issuance(
                s,
                platform,
                maria,
                organization_slug="ohio-nursing",
                achievement_slug="registered-nurse",
                email="x@example.org",
            )
        registrar = principal(s, "olivia@demo.openler.org")
        made = exchanges.create_issuance(
            s,
            platform,
            registrar,
            organization_slug="ohio-nursing",
            achievement_slug="registered-nurse",
            email="x@example.org",
        )
        row = s.get(Exchange, made.exchange.id)
        assert row is not None and secret_of(made) not in (row.token_hash, row.challenge)
        assert made.interaction_url == made.exchange_url + "?iuv=1"


def test_only_verifiers_make_presentation_exchanges_and_types_are_arrays(platform: Any) -> None:
    with platform.db.session() as s:
        load_demo(s, platform)
        with pytest.raises(Forbidden):
            exchanges.create_presentation(
                s,
                platform,
                principal(s, "maria@demo.openler.org"),
                organization_slug="piedmont-hospital",
                query=QUERY,
            )
        hr = principal(s, "hr@demo.openler.org")
        bad: Any
        for bad in (
            {"type": "QueryByExample", "credentialQuery": {"example": {"type": "X"}}},
            {"type": "QueryByFrame"},
            [],
        ):
            with pytest.raises(exchanges.ExchangeError) as refused:
                exchanges.create_presentation(
                    s, platform, hr, organization_slug="piedmont-hospital", query=bad
                )
            assert refused.value.body()["error"] == "invalid_request"


def rn_exchange(session: Any, platform: Any, email: str) -> exchanges.Made:
    """The Ohio board's registrar makes an exchange issuing the RN licence to ``email``."""
    return exchanges.create_issuance(
        session,
        platform,
        principal(session, "olivia@demo.openler.org"),
        organization_slug="ohio-nursing",
        achievement_slug="registered-nurse",
        email=email,
    )


def test_issuance_by_didauth(platform: Any) -> None:
    wallet = Multikey.from_seed(bytes([7]) * 32)
    with platform.db.session() as s:
        load_demo(s, platform)
        made = rn_exchange(s, platform, "lee@example.org")
        secret = secret_of(made)
    with platform.db.session() as s:
        protocols = exchanges.protocols(s, platform, secret)["protocols"]
        assert protocols["vcapi"] == made.exchange_url
        assert protocols["OID4VCI"].startswith("openid-credential-offer://?credential_offer_uri=")
        vpr = exchanges.participate(s, platform, secret, {})["verifiablePresentationRequest"]
    vp = sign_presentation(
        build_presentation([], holder=wallet.controller),
        wallet,
        challenge=vpr["challenge"],
        domain=vpr["domain"],
        created=platform.now() - timedelta(seconds=1),
    )
    with platform.db.session() as s:
        answer = exchanges.participate(s, platform, secret, {"verifiablePresentation": vp})
        [credential] = answer["verifiablePresentation"]["verifiableCredential"]
        assert credential["credentialSubject"]["id"] == wallet.controller
        actions = [e.action for e in s.execute(select(AuditEvent)).scalars()]
        assert "exchange.create" in actions and "exchange.issue" in actions
    with platform.db.session() as s, pytest.raises(exchanges.ExchangeError) as again:
        exchanges.participate(s, platform, secret, {"verifiablePresentation": vp})
    assert again.value.body()["error"] == "exchange_complete"
    with platform.db.session() as s:  # one credential held: the email-only one was replaced
        rows = (
            s.execute(
                select(IssuedCredential).where(
                    IssuedCredential.recipient_email == "lee@example.org"
                )
            )
            .scalars()
            .all()
        )
        assert sorted((r.state, r.replaced_by is None) for r in rows) == [
            ("active", True),
            ("revoked", False),
        ]
        [claim] = s.execute(select(Claim)).scalars().all()
        assert claim.claimed_at is not None  # the claim link mailed to lee works no more


def test_a_claim_taken_another_way_first_ends_the_exchange(platform: Any) -> None:
    """The exchange, its OpenID4VCI offer and the claim link offer one credential: once it
    is claimed one way the exchange says so and issues nothing."""
    wallet = Multikey.from_seed(bytes([8]) * 32)
    with platform.db.session() as s:
        load_demo(s, platform)
        made = rn_exchange(s, platform, "kim@example.org")
        secret = secret_of(made)
        credential_id = made.exchange.credential_id
        assert credential_id is not None
        claims.claim_for_did(
            s,
            platform,
            claim_id=made.exchange.claim_id,
            credential_id=credential_id,
            holder="did:example:kims-other-wallet",
            actor=accounts.Principal.system("test"),
        )
    with platform.db.session() as s:
        vpr = exchanges.participate(s, platform, secret, {})["verifiablePresentationRequest"]
    vp = sign_presentation(
        build_presentation([], holder=wallet.controller),
        wallet,
        challenge=vpr["challenge"],
        domain=vpr["domain"],
        created=platform.now() - timedelta(seconds=1),
    )
    with platform.db.session() as s, pytest.raises(exchanges.ExchangeError) as refused:
        exchanges.participate(s, platform, secret, {"verifiablePresentation": vp})
    assert refused.value.body()["error"] == "invalid_request"
    assert "already used" in refused.value.body()["error_description"]


OB = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def badge(kind: str) -> dict[str, Any]:
    return {
        "@context": OB,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "credentialSubject": {"achievement": {"achievementType": kind}},
    }


def test_an_answer_must_hold_what_was_asked() -> None:
    """The query kept with a request (QueryByExample, and the DCQL it came from) is what an
    answer is held to: a verified presentation of something else answers nothing."""
    dcql = json.loads((DATA / "oid4vp" / "rn_licence.json").read_text())
    asked = exchanges.query_by_example(dcql)
    kept = {"query": [asked], "dcql": dcql}
    assert exchanges.unmet(kept, {"verifiableCredential": [badge("License")]}) is None
    assert (
        exchanges.unmet(kept, {"verifiableCredential": [badge("Badge"), badge("License")]}) is None
    )
    refused = exchanges.unmet(kept, {"verifiableCredential": [badge("Badge")]})
    assert refused is not None and "License" in refused
    plain = {"@context": OB[:1], "type": ["VerifiableCredential"]}
    assert "OpenBadgeCredential" in (
        exchanges.unmet({"query": [asked]}, {"verifiableCredential": [plain]}) or ""
    )
    assert exchanges.unmet(kept, {}) == "it holds no credential"
