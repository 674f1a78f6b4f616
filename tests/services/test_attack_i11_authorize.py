"""Attack pass on issue 11: the OpenID4VCI authorization code flow (a resident's own
credential copied to a wallet app) against stale offers, other people and other issuers."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from openler.services.errors import Forbidden, NotFound, UsageError
from openler.services.people.accounts import principal_for
from openler.services.protocols import oid4vci_authorize
from openler.store.models import Achievement, IssuedCredential, Organization, Person
from tests.conftest import load_demo

PKCE = {
    "response_type": "code",
    "client_id": "a-wallet",
    "redirect_uri": "https://wallet.example/cb",
    "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    "code_challenge_method": "S256",
}


def _people(platform: Any) -> tuple[Any, Any, IssuedCredential, str, str]:
    with platform.db.session() as s:
        load_demo(s, platform)
        maria = s.execute(
            select(Person).where(Person.email == "maria@demo.openler.org")
        ).scalar_one()
        kevin = s.execute(
            select(Person).where(Person.email == "kevin@demo.openler.org")
        ).scalar_one()
        held = (
            s.execute(
                select(IssuedCredential).where(
                    IssuedCredential.person_id == maria.id,
                    IssuedCredential.state == "active",
                    IssuedCredential.achievement_id.is_not(None),
                )
            )
            .scalars()
            .first()
        )
        assert held is not None
        org = s.get(Organization, held.organization_id)
        achievement = s.get(Achievement, held.achievement_id)
        assert org is not None and achievement is not None
        s.expunge(held)
        return principal_for(s, maria), principal_for(s, kevin), held, org.slug, achievement.slug


def _issuer_state(made: Any) -> str:
    offer = json.loads(parse_qs(urlsplit(made.by_value).query)["credential_offer"][0])
    return str(offer["grants"]["authorization_code"]["issuer_state"])


def test_an_expired_own_offer_cannot_be_authorized(platform: Any) -> None:
    maria, _kevin, held, slug, _a = _people(platform)
    with platform.db.session() as s:
        made = oid4vci_authorize.offer_own_credential(s, platform, maria, held.id)
        state = _issuer_state(made)
    later = replace(
        platform,
        clock=lambda: (
            platform.now() + timedelta(hours=platform.settings.oid4vci_offer_hours, seconds=1)
        ),
    )
    with later.db.session() as s, pytest.raises(UsageError, match="expired"):
        oid4vci_authorize.request_from(s, later, maria, slug, {**PKCE, "issuer_state": state})
    with platform.db.session() as s:  # before it expires, it works
        assert oid4vci_authorize.authorize(
            s, platform, maria, slug, {**PKCE, "issuer_state": state}
        )


def test_another_persons_issuer_state_or_credential_is_refused(platform: Any) -> None:
    maria, kevin, held, slug, _a = _people(platform)
    with platform.db.session() as s:
        state = _issuer_state(oid4vci_authorize.offer_own_credential(s, platform, maria, held.id))
    with platform.db.session() as s, pytest.raises(Forbidden):
        oid4vci_authorize.request_from(s, platform, kevin, slug, {**PKCE, "issuer_state": state})
    with platform.db.session() as s, pytest.raises(NotFound):
        oid4vci_authorize.offer_own_credential(s, platform, kevin, held.id)


def test_a_scope_at_another_issuer_finds_nothing(platform: Any) -> None:
    maria, _kevin, _held, slug, achievement = _people(platform)
    with platform.db.session() as s:
        others = [o.slug for o in s.execute(select(Organization)).scalars() if o.slug != slug]
    with platform.db.session() as s:
        found = oid4vci_authorize.request_from(
            s, platform, maria, slug, {**PKCE, "scope": f"{achievement}.ldp_vc"}
        )
        assert found.credential.person_id == maria.person_id
    for other in others:
        with platform.db.session() as s, pytest.raises(UsageError):
            oid4vci_authorize.request_from(
                s, platform, maria, other, {**PKCE, "scope": f"{achievement}.ldp_vc"}
            )


@pytest.mark.parametrize(
    "redirect",
    [
        "http://wallet.example/cb",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,x",
        "https://wallet.example/cb#frag",
        "https://user@wallet.example/cb",
        "https://wallet.example\\@evil.example/cb",
        "http://127.0.0.1.evil.example/cb",
        "//evil.example/cb",
        "https://wallet.example/cb\r\nSet-Cookie: x=1",
    ],
)
def test_redirect_uris_that_could_mislead_are_refused(platform: Any, redirect: str) -> None:
    maria, _kevin, _held, slug, achievement = _people(platform)
    with platform.db.session() as s, pytest.raises(UsageError, match="redirect_uri"):
        oid4vci_authorize.request_from(
            s,
            platform,
            maria,
            slug,
            {**PKCE, "scope": f"{achievement}.ldp_vc", "redirect_uri": redirect},
        )
