"""An incident on top of the demo world: Piedmont Regional Hospital's verifier (Sam Patel)
runs check-in for two roles — RN (an Ohio RN licence, recognised in North Carolina) and
Medic (the Army's 68W) — and responders with wallets of their own check in by OpenID4VP."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services import demo
from openler.services.issuers import issuing, orgs
from openler.services.issuers.recipients import Recipient
from openler.services.people import accounts
from openler.services.people.accounts import Principal
from openler.services.protocols import oid4vp_verifier
from openler.services.verifiers import incidents
from openler.services.verifiers.incidents import RoleInput
from openler.services.verifiers.verifying import local_fetcher
from openler.store.models import Achievement, IssuedCredential, Person
from openler.vc import (
    Multikey,
    Resolver,
    build_presentation,
    read_request_object,
    sign_presentation,
)
from tests.conftest import SETUP, load_demo

VERIFIER = "hr@demo.openler.org"


def principal(session: Session, email: str) -> Principal:
    person = session.execute(select(Person).where(Person.email == email)).scalar_one()
    return accounts.principal_for(session, person)


def ohio_verifier(session: Session, platform: Any) -> Person:
    """Omar, a verifier of the Ohio Board of Nursing: another organization's verifier."""
    person = accounts.create_person(
        session,
        platform,
        name="Omar Verifier",
        email="omar@ohio.example",
        password=demo.DEMO_PASSWORD,
        actor=SETUP,
    )
    accounts.add_member(
        session,
        platform,
        person=person,
        organization=orgs.organization_by_slug(session, "ohio-nursing"),
        role="verifier",
        actor=SETUP,
    )
    return person


def roles(platform: Any, session: Session) -> list[RoleInput]:
    ohio = orgs.org_did(platform, orgs.organization_by_slug(session, "ohio-nursing"))
    army = orgs.org_did(platform, orgs.organization_by_slug(session, "us-army"))
    return [
        RoleInput("RN", "License", "registered nurse", (ohio,), "US-NC"),
        RoleInput("Medic", "Certification", "Combat Medic Specialist (68W)", (army,), "US-NC"),
    ]


@dataclass
class Opened:
    incident_id: str
    token: str
    verifier: Principal


def open_incident(platform: Any, *, load: bool = True) -> Opened:
    """The demo world and an open incident of Piedmont Regional Hospital."""
    with platform.db.session() as s:
        if load:
            load_demo(s, platform)
        verifier = principal(s, VERIFIER)
        incident = incidents.open_incident(
            s,
            platform,
            verifier,
            organization_slug="piedmont-hospital",
            name="Surfside building collapse",
            roles=roles(platform, s),
        )
        s.flush()
        return Opened(incident.id, incidents.checkin_token(platform, incident), verifier)


def achievement(session: Session, slug: str) -> tuple[Any, Achievement]:
    found = session.execute(select(Achievement).where(Achievement.slug == slug)).scalar_one()
    owner = orgs.organization_by_slug(
        session,
        {
            "registered-nurse": "ohio-nursing",
            "68w": "us-army",
            "servsafe-food-handler": ("nc-corrections-ed"),
            "iv-therapy": "piedmont-hospital",
        }[slug],
    )
    return owner, found


def holder(n: int) -> Multikey:
    """The wallet key of simulated responder ``n``."""
    return Multikey.from_seed(n.to_bytes(4, "big") + bytes(28))


def issue_to(
    session: Session, platform: Any, slug: str, key: Multikey, n: int, **extra: Any
) -> IssuedCredential:
    """``slug`` issued to responder ``n``'s wallet (bound to its DID)."""
    organization, found = achievement(session, slug)
    return issuing.issue(
        session,
        platform,
        SETUP,
        organization,
        found,
        recipient=Recipient(email=f"responder{n}@example.org", did=key.controller),
        extra_subject=extra or None,
    )


def scan(platform: Any, token: str) -> dict[str, Any]:
    """What a wallet reads when it scans the check-in link: the request object behind its
    ``request_uri``, its signature checked."""
    with platform.db.session() as s:
        organization = incidents.incident_by_token(s, token)[1]
        incident = incidents.incident_by_token(s, token)[0]
        link = incidents.wallet_link(platform, incident, organization)
        uri = parse_qs(urlsplit(link).query)["request_uri"][0]
        assert uri.endswith(f"/checkin/{token}/request")
        jwt = incidents.wallet_request(s, platform, token)
        read = read_request_object(jwt, resolver=Resolver(local_fetcher(s, platform)))
        return dict(read.claims)


def answer(
    platform: Any,
    claims: dict[str, Any],
    documents: list[dict[str, Any]],
    key: Multikey,
    *,
    signer: Multikey | None = None,
) -> oid4vp_verifier.Outcome:
    """A wallet's answer: one presentation of ``documents`` held by ``key``, posted to the
    response endpoint."""
    presentation = sign_presentation(
        build_presentation(documents, holder=key.controller),
        signer or key,
        challenge=claims["nonce"],
        domain=claims["client_id"],
        created=platform.now(),
    )
    form = {"state": claims["state"], "vp_token": json.dumps({"credential": [presentation]})}
    with platform.db.session() as s:
        return oid4vp_verifier.receive_response(s, platform, form)


def check_in(
    platform: Any, token: str, documents: list[dict[str, Any]], key: Multikey
) -> oid4vp_verifier.Outcome:
    return answer(platform, scan(platform, token), documents, key)


class Held:
    """A job queue that keeps the jobs it is given, for the test to run as a worker would."""

    def __init__(self) -> None:
        self.submitted: list[str] = []

    def submit(self, job_id: str) -> None:
        self.submitted.append(job_id)


def nurses_check_in(platform: Any, token: str, numbers: range) -> dict[int, str]:
    """Nurses ``numbers`` check in from a wallet app with an Ohio RN licence (licence
    number ``RN.<n>``); their licences' ids."""
    ids = {}
    for n in numbers:
        key = holder(n)
        with platform.db.session() as s:
            licence = issue_to(s, platform, "registered-nurse", key, n, licenseNumber=f"RN.{n}")
            ids[n], document = licence.id, licence.document
        assert check_in(platform, token, [document], key).status == 200
    return ids
