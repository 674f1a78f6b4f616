"""A small issuing world on top of the demo: the Ohio Board of Nursing's course
achievements, for stacking, transcript and endorsement tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services import demo
from openler.services.issuers import achievements, orgs
from openler.services.people import accounts
from openler.services.people.accounts import Principal
from openler.store.models import Achievement, Organization, Person, TrustEntryRow
from openler.vc import Scope, TrustEntry

COURSES = {
    "fundamentals": "Nursing Fundamentals",
    "pharmacology": "Pharmacology I",
    "practicum": "Clinical Practicum",
    "practical-nurse": "Practical Nurse Program",
}


def who(session: Session, email: str) -> Principal:
    person = session.execute(select(Person).where(Person.email == email)).scalar_one()
    return accounts.principal_for(session, person)


def person(session: Session, email: str) -> Person:
    return session.execute(select(Person).where(Person.email == email)).scalar_one()


def ohio(session: Session) -> Organization:
    return orgs.organization_by_slug(session, "ohio-nursing")


def add_courses(session: Session, platform: Any) -> dict[str, Achievement]:
    """The courses above as Ohio achievements (none requires another yet), and the board
    registered in the trust registry for courses as well as for its licences."""
    board = ohio(session)
    row = session.get(TrustEntryRow, orgs.org_did(platform, board))
    assert row is not None
    entry = TrustEntry.from_json(row.data)
    row.data = replace(entry, authorized=(*entry.authorized, Scope(("Course",)))).to_json()
    return {
        slug: achievements.create_achievement(
            session,
            platform,
            demo.LOADER,
            board,
            slug=slug,
            data={
                "name": name,
                "description": f"{name}, a course of the demo's nursing program.",
                "criteria": {"narrative": "Passed the course."},
                "achievementType": "Course",
            },
        )
        for slug, name in COURSES.items()
    }
