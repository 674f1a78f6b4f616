"""CLR 2.0 transcripts: what they bundle, who may issue them, and that openler's verifier
and the 1EdTech reference schema both accept them."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services.errors import Forbidden, NotFound, UsageError
from openler.services.issuers import issuing, orgs, stacking, transcripts
from openler.services.issuers.recipients import Recipient
from openler.services.issuers.stacking import Rule
from openler.services.issuers.transcripts import Link
from openler.services.verifiers.verifying import verify_document
from openler.store.models import AuditEvent, IssuedCredential
from openler.vc.models import schema_errors
from tests.conftest import load_demo, load_json, shared_path
from tests.services.issuing_world import add_courses, ohio, person, who
from tests.vc.test_models import as_vc11

OLIVIA = "olivia@demo.openler.org"
CLR_SCHEMA = "clr_v2p0_clrcredential_schema_draft4.json"


def one_status(doc: Any) -> Any:
    """The reference schemas predate VC 2.0 and Bitstring Status List: their
    ``credentialStatus`` is one object closed to all but ``id`` and ``type``, where openler
    gives each credential two ``BitstringStatusListEntry`` objects (the difference
    ``openler.vc.models`` and docs/standards.md state). Express it in their terms."""
    if isinstance(doc, list):
        return [one_status(item) for item in doc]
    if not isinstance(doc, dict):
        return doc
    out = {key: one_status(value) for key, value in doc.items()}
    status = out.get("credentialStatus")
    if isinstance(status, list) and status:
        out["credentialStatus"] = {"id": status[0]["id"], "type": status[0]["type"]}
    return out


def reference_errors(doc: dict[str, Any]) -> list[str]:
    """What the 1EdTech CLR 2.0 reference schema says of ``doc`` (in its pre-VC 2.0 terms)."""
    schema = load_json(shared_path("standards", "schemas", CLR_SCHEMA))
    validator = jsonschema.validators.validator_for(schema)(schema)
    found = validator.iter_errors(as_vc11(one_status(doc)))
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in found]


@pytest.fixture
def session(platform: Any) -> Any:
    with platform.db.session() as s:
        load_demo(s, platform)
        yield s


@pytest.fixture
def courses(session: Session, platform: Any) -> Any:
    found = add_courses(session, platform)
    stacking.set_rule(
        session,
        platform,
        who(session, OLIVIA),
        ohio(session),
        found["practical-nurse"],
        Rule(("fundamentals", "pharmacology"), 2),
    )
    return found


def issue(session: Session, platform: Any, achievement: Any, to: Any) -> IssuedCredential:
    row = issuing.issue(
        session, platform, who(session, OLIVIA), ohio(session), achievement, recipient=to
    )
    stacking.after_issue(session, platform, row)
    return row


def test_a_transcript_bundles_the_learners_current_credentials(
    session: Session, platform: Any, courses: Any
) -> None:
    olivia, board = who(session, OLIVIA), ohio(session)
    james = person(session, "james@demo.openler.org")
    first = issue(session, platform, courses["fundamentals"], james)
    issue(session, platform, courses["pharmacology"], james)  # and the stacked one follows
    withdrawn = issue(session, platform, courses["practicum"], james)
    issuing.set_status(session, platform, olivia, withdrawn.id, action="revoke")
    issue(session, platform, courses["fundamentals"], person(session, "dana@demo.openler.org"))

    record = transcripts.learner_record(session, platform, olivia, board, first.id)
    slugs = sorted(a.slug for _row, a in record.credentials)
    assert slugs == ["fundamentals", "pharmacology", "practical-nurse"]  # not the revoked one
    stacked_id = courses["practical-nurse"].data["id"]
    assert {(link.source, link.kind) for link in record.derived} == {(stacked_id, "isParentOf")}

    row = transcripts.issue_transcript(
        session,
        platform,
        olivia,
        board,
        first.id,
        links=[
            Link(courses["fundamentals"].data["id"], "precedes", courses["pharmacology"].data["id"])
        ],
    )
    assert row.kind == "ClrCredential" and row.person_id == james.id
    subject = row.document["credentialSubject"]
    assert subject["id"] == james.did
    bundled = {vc["id"] for vc in subject["verifiableCredential"]}
    assert bundled == {r.id for r, _a in record.credentials}
    embedded = {vc["id"]: vc for vc in subject["verifiableCredential"]}
    assert embedded[first.id] == first.document  # exactly as signed
    kinds = sorted(a["associationType"] for a in subject["association"])
    assert kinds == ["isParentOf", "isParentOf", "precedes"]
    assert "partial" not in row.document

    report = verify_document(session, platform, row.document)
    assert report.verified, report.errors()
    assert len(report.credentials) == 3 and all(r.verified for r in report.credentials)
    assert schema_errors(row.document) == []
    assert reference_errors(row.document) == []
    broken = copy.deepcopy(row.document)
    broken["credentialSubject"]["association"][0]["associationType"] = "isCousinOf"
    assert reference_errors(broken) and schema_errors(broken)
    assert (
        session.execute(
            select(AuditEvent.subject).where(AuditEvent.action == "transcript.issue")
        ).scalar_one()
        == row.id
    )


def test_a_revoked_component_fails_the_transcript_later(
    session: Session, platform: Any, courses: Any
) -> None:
    olivia, board = who(session, OLIVIA), ohio(session)
    james = person(session, "james@demo.openler.org")
    first = issue(session, platform, courses["fundamentals"], james)
    row = transcripts.issue_transcript(session, platform, olivia, board, first.id)
    assert verify_document(session, platform, row.document).verified
    issuing.set_status(session, platform, olivia, first.id, action="revoke")
    report = verify_document(session, platform, row.document)
    assert report.status_of("proof") == "passed" and report.status_of("status") == "passed"
    assert not report.verified
    assert report.credentials[0].status_of("status") == "failed"


def test_a_chosen_subset_is_partial_and_checked(
    session: Session, platform: Any, courses: Any
) -> None:
    olivia, board = who(session, OLIVIA), ohio(session)
    ann = Recipient(email="ann@example.org", name="Ann Lee")
    first = issue(session, platform, courses["fundamentals"], ann)
    second = issue(session, platform, courses["practicum"], ann)
    row = transcripts.issue_transcript(
        session, platform, olivia, board, second.id, include=[second.id]
    )
    assert row.document["partial"] is True
    assert [vc["id"] for vc in row.document["credentialSubject"]["verifiableCredential"]] == [
        second.id
    ]
    assert row.recipient_key == "email:ann@example.org"
    assert row.document["credentialSubject"]["identifier"][0]["identityType"] == "emailAddress"
    assert verify_document(session, platform, row.document).verified
    assert reference_errors(row.document) == []
    other = issue(session, platform, courses["fundamentals"], Recipient(email="bo@example.org"))
    with pytest.raises(UsageError, match="not a current credential of Ann Lee"):
        transcripts.issue_transcript(session, platform, olivia, board, first.id, include=[other.id])
    with pytest.raises(UsageError, match="two different achievements in the record"):
        transcripts.issue_transcript(
            session,
            platform,
            olivia,
            board,
            first.id,
            include=[first.id],
            links=[
                Link(
                    courses["fundamentals"].data["id"], "precedes", courses["practicum"].data["id"]
                )
            ],
        )
    with pytest.raises(UsageError, match="not a CLR association type"):
        transcripts.issue_transcript(
            session,
            platform,
            olivia,
            board,
            first.id,
            links=[
                Link(
                    courses["fundamentals"].data["id"],
                    "isCousinOf",
                    courses["practicum"].data["id"],
                )
            ],
        )


def test_only_the_issuers_staff_issue_its_transcripts(
    session: Session, platform: Any, courses: Any
) -> None:
    board = ohio(session)
    first = issue(
        session, platform, courses["fundamentals"], person(session, "james@demo.openler.org")
    )
    with pytest.raises(Forbidden):  # the hospital's trainer may not even see it
        transcripts.issue_transcript(
            session, platform, who(session, "trainer@demo.openler.org"), board, first.id
        )
    with pytest.raises(Forbidden):  # nor may the learner issue one to themselves
        transcripts.issue_transcript(
            session, platform, who(session, "james@demo.openler.org"), board, first.id
        )
    piedmont = orgs.organization_by_slug(session, "piedmont-hospital")
    with pytest.raises((NotFound, Forbidden)):  # nor another organization, over its own
        transcripts.issue_transcript(
            session, platform, who(session, "trainer@demo.openler.org"), piedmont, first.id
        )
    assert (
        session.execute(
            select(IssuedCredential).where(IssuedCredential.kind == "ClrCredential")
        ).first()
        is None
    )
