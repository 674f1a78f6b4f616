"""Attacks on endorsements (issue 10): an endorsement of an achievement vouches for what
its organization issues, so it is shown beside a credential only when that credential
was issued by the achievement's own organization — not beside a credential anyone else
signed naming the same achievement id."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services.issuers import endorsements, orgs
from openler.store.models import IssuedCredential
from tests.services.test_endorsements import RN, piedmont_admin, session

__all__ = ["piedmont_admin", "session"]


def rn_licence(session: Session) -> dict[str, Any]:
    for row in session.execute(select(IssuedCredential)).scalars():
        subject = row.document.get("credentialSubject")
        achievement = subject.get("achievement") if isinstance(subject, dict) else None
        if isinstance(achievement, dict) and achievement.get("id") == RN:
            return copy.deepcopy(row.document)
    raise AssertionError("the demo has no RN licence")


def test_endorsements_of_an_achievement_follow_only_its_own_issuer(
    session: Session, platform: Any, piedmont_admin: Any
) -> None:
    hospital = orgs.organization_by_slug(session, "piedmont-hospital")
    ohio = orgs.organization_by_slug(session, "ohio-nursing")
    endorsements.endorse(
        session, platform, piedmont_admin, hospital, target_id=RN, comment="We hire on it."
    )
    genuine = rn_licence(session)
    assert genuine["issuer"]["id"] == orgs.org_did(platform, ohio)
    assert [s.comment for s in endorsements.for_document(session, platform, genuine)] == [
        "We hire on it."
    ]
    # a credential of someone else's making that names Ohio's achievement by its id
    forged = copy.deepcopy(genuine)
    forged["issuer"] = {"id": "did:key:z6MkattackerAttackerAttacker", "type": ["Profile"]}
    assert endorsements.for_document(session, platform, forged) == []
    forged["issuer"] = "did:key:z6MkattackerAttackerAttacker"
    assert endorsements.for_document(session, platform, forged) == []
    # inside a presentation, or a CLR, the same
    wrapped = {"type": ["VerifiablePresentation"], "verifiableCredential": [forged, genuine]}
    assert len(endorsements.for_document(session, platform, wrapped)) == 1
    wrapped = {"type": ["VerifiablePresentation"], "verifiableCredential": [forged]}
    assert endorsements.for_document(session, platform, wrapped) == []
    clr = {
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": "did:key:z6MkattackerAttackerAttacker",
        "credentialSubject": {"type": ["ClrSubject"], "verifiableCredential": [forged]},
    }
    assert endorsements.for_document(session, platform, clr) == []
