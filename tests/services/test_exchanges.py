"""VC API exchanges in the service layer: who may make them, what a query must be, and a
whole issuance answered by a DIDAuth presentation openler's own library signs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from openler.services import demo
from openler.services.errors import Forbidden
from openler.services.people import accounts
from openler.services.protocols import exchanges
from openler.store.models import AuditEvent, Exchange, Person
from openler.vc import Multikey, build_presentation, sign_presentation

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
        demo.load(s, platform)
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
        demo.load(s, platform)
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


def test_issuance_by_didauth(platform: Any) -> None:
    wallet = Multikey.from_seed(bytes([7]) * 32)
    with platform.db.session() as s:
        demo.load(s, platform)
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
        assert exchanges.protocols(s, platform, secret) == {
            "protocols": {"vcapi": made.exchange_url}
        }
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
