"""Career navigators with the person's consent: Luis granted Carmen (NCWorks) access in the
demo; she lists him and reads his navigator; another coach, an issuer admin and a verifier
are refused; when Luis withdraws it — or Carmen loses her role — she is refused too. Every
grant, withdrawal and view is audited."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from openler.services.errors import Conflict, Forbidden, NotFound, UsageError
from openler.services.issuers import orgs
from openler.services.people import accounts
from openler.services.skills import coaching
from openler.store.models import AuditEvent, Member
from tests.conftest import load_demo
from tests.services.issuing_world import person, who
from tests.services.navigation_world import EMT, save_world

CARMEN = "carmen@demo.openler.org"
LUIS = "luis@demo.openler.org"


@pytest.fixture
def session(platform: Any) -> Any:
    with platform.db.session() as s:
        load_demo(s, platform)
        save_world(s, platform)
        yield s


def actions(session: Session) -> list[str]:
    return list(
        session.execute(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("coach.%"))
            .order_by(AuditEvent.seq)
        ).scalars()
    )


def another_coach(session: Session, platform: Any) -> Any:
    center = orgs.organization_by_slug(session, "ncworks")
    other = accounts.create_person(
        session,
        platform,
        name="Pat Other",
        email="pat@example.org",
        password=None,
        actor=accounts.Principal.system("test"),
    )
    accounts.add_member(
        session,
        platform,
        person=other,
        organization=center,
        role="career_navigator",
        actor=accounts.Principal.system("test"),
    )
    return accounts.principal_for(session, other)


def test_carmen_reads_luis_navigator_read_only_and_it_is_audited(
    session: Session, platform: Any
) -> None:
    carmen = who(session, CARMEN)
    luis = person(session, LUIS)
    listed = coaching.coachees(session, carmen)
    assert [(g.person.name, g.organization.name) for g in listed] == [
        ("Luis Ortega", "NCWorks Career Center")
    ]
    seen, found = coaching.navigator(session, platform, carmen, luis.id, EMT)
    assert seen.grant.person.name == "Luis Ortega"
    assert len(found.gap.held) == 2  # Luis's credentials, not Carmen's (she holds none)
    seen = coaching.view(session, platform, carmen, luis.id)
    assert [s.name for s in seen.profile.skills][:1] == ["provide first aid"]
    coaching.translation(session, platform, carmen, luis.id, "Army", "99W")
    assert actions(session) == ["coach.granted", "coach.viewed", "coach.viewed", "coach.viewed"]


@pytest.mark.parametrize(
    "email", ["olivia@demo.openler.org", "hr@demo.openler.org", "maria@demo.openler.org"]
)
def test_anyone_without_a_grant_is_refused(session: Session, platform: Any, email: str) -> None:
    luis = person(session, LUIS)
    with pytest.raises(Forbidden):
        coaching.navigator(session, platform, who(session, email), luis.id, EMT)
    with pytest.raises(Forbidden):
        coaching.coachees(session, who(session, email))
    assert actions(session) == ["coach.granted"]


def test_another_coach_is_refused_until_granted(session: Session, platform: Any) -> None:
    pat = another_coach(session, platform)
    luis = who(session, LUIS)
    assert coaching.coachees(session, pat) == []
    with pytest.raises(Forbidden):
        coaching.view(session, platform, pat, luis.person_id)
    coaching.grant(session, platform, luis, "PAT@example.org ")
    assert coaching.view(session, platform, pat, luis.person_id).grant.coach.name == "Pat Other"
    assert [g.coach.name for g in coaching.grants_of(session, luis)] == [
        "Carmen Diaz",
        "Pat Other",
    ]


def test_withdrawn_access_is_refused_and_kept_in_the_history(
    session: Session, platform: Any
) -> None:
    luis = who(session, LUIS)
    carmen = who(session, CARMEN)
    (granted,) = coaching.grants_of(session, luis)
    with pytest.raises(NotFound):  # Maria cannot withdraw Luis's grant
        coaching.withdraw(session, platform, who(session, "maria@demo.openler.org"), granted.id)
    coaching.withdraw(session, platform, luis, granted.id)
    with pytest.raises(Forbidden):
        coaching.navigator(session, platform, carmen, luis.person_id, EMT)
    assert coaching.coachees(session, carmen) == []
    (kept,) = coaching.grants_of(session, luis)
    assert not kept.active and kept.row.withdrawn_at is not None
    with pytest.raises(NotFound):  # withdrawn once
        coaching.withdraw(session, platform, luis, granted.id)
    assert actions(session) == ["coach.granted", "coach.withdrawn"]
    coaching.grant(session, platform, luis, CARMEN)  # and granted again
    assert coaching.view(session, platform, carmen, luis.person_id).grant.active


def test_a_coach_who_loses_the_role_loses_access(session: Session, platform: Any) -> None:
    carmen = person(session, CARMEN)
    session.execute(delete(Member).where(Member.person_id == carmen.id))
    principal = accounts.principal_for(session, carmen)
    with pytest.raises(Forbidden):
        coaching.coachees(session, principal)
    with pytest.raises(Forbidden):
        coaching.view(session, platform, principal, person(session, LUIS).id)


def test_a_grant_names_a_career_navigator(session: Session, platform: Any) -> None:
    luis = who(session, LUIS)
    with pytest.raises(NotFound, match=r"no career navigator here has the email nobody@x\.org"):
        coaching.grant(session, platform, luis, "nobody@x.org")
    with pytest.raises(NotFound):  # an issuer admin is no career navigator
        coaching.grant(session, platform, luis, "olivia@demo.openler.org")
    with pytest.raises(Conflict, match="Carmen Diaz has access already"):
        coaching.grant(session, platform, luis, CARMEN)
    with pytest.raises(UsageError):
        coaching.grant(session, platform, luis, "not an address")
    with pytest.raises(UsageError, match="yourself"):
        coaching.grant(session, platform, who(session, CARMEN), CARMEN)
    with pytest.raises(Forbidden):
        coaching.grant(session, platform, accounts.Principal.system("test"), CARMEN)
    maria = person(session, "maria@demo.openler.org")
    with pytest.raises(Forbidden):  # nor for anyone else
        coaching.grant(session, platform, luis, CARMEN, person_id=maria.id)
