"""Endorsements: one organization vouches for another's achievement or for the
organization; shown with a verification wherever the achievement appears."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services import demo
from openler.services.errors import Forbidden, NotFound, UsageError
from openler.services.issuers import endorsements, issuing, orgs
from openler.services.verifiers.verifying import verify_document
from openler.store.models import AuditEvent, IssuedCredential
from openler.vc.models import schema_errors
from tests.conftest import load_demo, load_json, shared_path
from tests.services.issuing_world import ohio, person, who
from tests.services.test_transcripts import one_status
from tests.vc.test_models import as_vc11

OLIVIA = "olivia@demo.openler.org"
RN = "http://127.0.0.1:8000/orgs/ohio-nursing/achievements/registered-nurse"


@pytest.fixture
def session(platform: Any) -> Any:
    with platform.db.session() as s:
        load_demo(s, platform)
        yield s


@pytest.fixture
def piedmont_admin(session: Session, platform: Any) -> Any:
    """Piedmont's trainer made an issuer admin of the hospital (the demo has none)."""
    from openler.services.people import accounts

    hospital = orgs.organization_by_slug(session, "piedmont-hospital")
    trainer = person(session, "trainer@demo.openler.org")
    accounts.add_member(
        session,
        platform,
        person=trainer,
        organization=hospital,
        role="issuer_admin",
        actor=demo.LOADER,
    )
    return who(session, "trainer@demo.openler.org")


def reference_errors(doc: dict[str, Any]) -> list[str]:
    """The OB 3.0 reference schema's EndorsementCredential definition applied to ``doc``."""
    schema = load_json(
        shared_path("standards", "schemas", "ob_v3p0_achievementcredential_schema_draft4.json")
    )
    endorsement = {
        "$schema": schema["$schema"],
        "$defs": schema["$defs"],
        "$ref": "#/$defs/EndorsementCredential",
    }
    validator = jsonschema.validators.validator_for(schema)(endorsement)
    return [e.message[:200] for e in validator.iter_errors(as_vc11(one_status(doc)))]


def test_an_endorsement_of_an_achievement_is_signed_shown_and_verified(
    session: Session, platform: Any, piedmont_admin: Any
) -> None:
    hospital = orgs.organization_by_slug(session, "piedmont-hospital")
    row = endorsements.endorse(
        session,
        platform,
        piedmont_admin,
        hospital,
        target_id=RN,
        comment="Ohio's RN licence meets our hiring standard.",
    )
    assert row.kind == "EndorsementCredential" and row.recipient == RN
    subject = row.document["credentialSubject"]
    assert subject == {
        "id": RN,
        "type": ["EndorsementSubject"],
        "endorsementComment": "Ohio's RN licence meets our hiring standard.",
    }
    assert row.document["issuer"]["id"] == orgs.org_did(platform, hospital)
    report = verify_document(session, platform, row.document)
    assert report.status_of("proof") == "passed" and report.status_of("status") == "passed"
    assert schema_errors(row.document) == []
    assert reference_errors(row.document) == []
    broken = copy.deepcopy(row.document)
    broken["credentialSubject"]["favourite"] = "x"
    assert reference_errors(broken) and schema_errors(broken)

    maria_licence = next(
        c
        for c in session.execute(
            select(IssuedCredential).where(IssuedCredential.kind == "OpenBadgeCredential")
        ).scalars()
        if c.document["credentialSubject"]["achievement"].get("id") == RN
    )
    assert maria_licence is not None
    shown = endorsements.for_document(session, platform, maria_licence.document)
    assert [(s.endorser, s.comment) for s in shown] == [
        ("Piedmont Regional Hospital", "Ohio's RN licence meets our hiring standard.")
    ]
    assert shown[0].verified and shown[0].summary.startswith("Verified")
    assert endorsements.endorsements_of(session, platform, ["https://elsewhere.example/a"]) == []
    event = session.execute(
        select(AuditEvent).where(AuditEvent.action == "endorsement.issue")
    ).scalar_one()
    assert event.subject == row.id and event.data["target"] == RN

    # withdrawn by revoking it: no longer shown
    issuing.set_status(session, platform, piedmont_admin, row.id, action="revoke")
    assert endorsements.endorsements_of(session, platform, [RN]) == []


def test_a_tampered_endorsement_shows_as_not_verified(
    session: Session, platform: Any, piedmont_admin: Any
) -> None:
    hospital = orgs.organization_by_slug(session, "piedmont-hospital")
    row = endorsements.endorse(
        session, platform, piedmont_admin, hospital, target_id=RN, comment="Good."
    )
    row.document = {
        **row.document,
        "credentialSubject": {
            **row.document["credentialSubject"],
            "endorsementComment": "Best in the world.",
        },
    }
    [shown] = endorsements.endorsements_of(session, platform, [RN])
    assert not shown.verified and "proof" in shown.summary


def test_an_organization_profile_can_be_endorsed(
    session: Session, platform: Any, piedmont_admin: Any
) -> None:
    hospital = orgs.organization_by_slug(session, "piedmont-hospital")
    board_did = orgs.org_did(platform, ohio(session))
    endorsements.endorse(
        session,
        platform,
        piedmont_admin,
        hospital,
        target_id=board_did,
        comment="A careful regulator.",
    )
    licence = next(
        c
        for c in session.execute(
            select(IssuedCredential).where(IssuedCredential.kind == "OpenBadgeCredential")
        ).scalars()
        if c.document["credentialSubject"]["achievement"].get("id") == RN
    )
    assert licence is not None
    assert [s.about for s in endorsements.for_document(session, platform, licence.document)] == [
        board_did
    ]
    targets = endorsements.targets(session, platform, piedmont_admin, hospital)
    assert any(t.id == RN and t.kind == "achievement" for t in targets)
    assert all(t.organization.id != hospital.id for t in targets)


def test_who_may_endorse_what(session: Session, platform: Any, piedmont_admin: Any) -> None:
    hospital = orgs.organization_by_slug(session, "piedmont-hospital")
    with pytest.raises(Forbidden, match="issuer_admin"):  # the hospital's HR verifier
        endorsements.endorse(
            session,
            platform,
            who(session, "hr@demo.openler.org"),
            hospital,
            target_id=RN,
            comment="x",
        )
    with pytest.raises(Forbidden, match="issuer_admin"):  # Ohio's admin, for the hospital
        endorsements.endorse(
            session, platform, who(session, OLIVIA), hospital, target_id=RN, comment="x"
        )
    with pytest.raises(Forbidden, match="does not endorse itself"):
        endorsements.endorse(
            session, platform, who(session, OLIVIA), ohio(session), target_id=RN, comment="x"
        )
    with pytest.raises(NotFound):
        endorsements.endorse(
            session,
            platform,
            piedmont_admin,
            hospital,
            target_id="https://elsewhere.example/a",
            comment="x",
        )
    with pytest.raises(UsageError, match="comment"):
        endorsements.endorse(
            session, platform, piedmont_admin, hospital, target_id=RN, comment="  "
        )
    endorsements.endorse(session, platform, piedmont_admin, hospital, target_id=RN, comment="Yes.")
    with pytest.raises(UsageError, match="already endorses"):
        endorsements.endorse(
            session, platform, piedmont_admin, hospital, target_id=RN, comment="Again."
        )
    with pytest.raises(Forbidden):
        endorsements.targets(session, platform, who(session, "hr@demo.openler.org"), hospital)
    assert (
        len(
            session.execute(
                select(IssuedCredential).where(IssuedCredential.kind == "EndorsementCredential")
            ).all()
        )
        == 1
    )


def test_subjects_of_documents() -> None:
    badge = {
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:web:board"},
        "credentialSubject": {"achievement": {"id": "urn:a"}},
    }
    record = {
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": "did:web:office",
        "credentialSubject": {"verifiableCredential": [badge], "achievement": [{"id": "urn:b"}]},
    }
    presentation = {"type": ["VerifiablePresentation"], "verifiableCredential": [record]}
    assert endorsements.subjects_in(badge) == ["urn:a", "did:web:board"]
    assert endorsements.subjects_in(presentation) == [
        "urn:b",
        "urn:a",
        "did:web:board",
        "did:web:office",
    ]
