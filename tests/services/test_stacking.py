"""Stacking rules: who may set them, what they accept, and what a holder's record earns."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openler.services.errors import Conflict, Forbidden, NotFound, UsageError
from openler.services.issuers import achievements, issuing, orgs, stacking
from openler.services.issuers.recipients import Recipient
from openler.services.issuers.stacking import Rule
from openler.store.models import AuditEvent, IssuedCredential, PendingStack
from tests.conftest import load_demo
from tests.services.issuing_world import add_courses, ohio, person, who

OLIVIA = "olivia@demo.openler.org"


@pytest.fixture
def session(platform: Any) -> Any:
    with platform.db.session() as s:
        load_demo(s, platform)
        yield s


@pytest.fixture
def courses(session: Session, platform: Any) -> Any:
    return add_courses(session, platform)


def issue(session: Session, platform: Any, achievement: Any, to: Any) -> IssuedCredential:
    """Issue as Olivia, then run what the issuance paths run after each credential."""
    row = issuing.issue(
        session, platform, who(session, OLIVIA), ohio(session), achievement, recipient=to
    )
    stacking.after_issue(session, platform, row)
    return row


def held(session: Session, achievement: Any) -> list[IssuedCredential]:
    return list(
        session.execute(
            select(IssuedCredential).where(IssuedCredential.achievement_id == achievement.id)
        ).scalars()
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"all": []}, "at least one achievement"),
        ({"count": 3, "of": ["a", "b"]}, "count must be a whole number from 1 to 2"),
        ({"count": 0, "of": ["a"]}, "count must be a whole number from 1 to 1"),
        ({"count": True, "of": ["a"]}, "count must be a whole number"),
        ({"all": ["a"], "count": 1}, 'either "all" or "count"'),
        ({"all": ["a"], "approval": "yes"}, "approval must be true or false"),
        ({"of": "a", "count": 1}, "names the achievements"),
    ],
)
def test_unclear_rules_are_refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        Rule.from_json(data)


def test_rules_round_trip() -> None:
    for data in (
        {"all": ["a", "b"], "approval": False},
        {"count": 1, "of": ["a", "b"], "approval": True},
    ):
        assert Rule.from_json(data).to_json() == data


def test_only_the_organizations_admins_set_a_rule(
    session: Session, platform: Any, courses: Any
) -> None:
    board, stacked = ohio(session), courses["practical-nurse"]
    rule = Rule(("fundamentals", "pharmacology"), 2)
    for outsider in ("trainer@demo.openler.org", "maria@demo.openler.org"):
        with pytest.raises(Forbidden):
            stacking.set_rule(session, platform, who(session, outsider), board, stacked, rule)
    assert stacked.requires is None
    stacking.set_rule(session, platform, who(session, OLIVIA), board, stacked, rule)
    assert stacked.requires == {"all": ["fundamentals", "pharmacology"], "approval": False}
    event = session.execute(
        select(AuditEvent).where(AuditEvent.action == "achievement.stacking")
    ).scalar_one()
    assert event.data["after"] == stacked.requires


def test_a_rule_names_the_organizations_own_achievements_without_circles(
    session: Session, platform: Any, courses: Any
) -> None:
    olivia, board = who(session, OLIVIA), ohio(session)
    with pytest.raises(UsageError, match="cannot require itself"):
        stacking.set_rule(
            session,
            platform,
            olivia,
            board,
            courses["practical-nurse"],
            Rule(("practical-nurse",), 1),
        )
    with pytest.raises(UsageError, match="has no achievement iv-therapy"):
        # Piedmont's achievement: another organization's
        stacking.set_rule(
            session, platform, olivia, board, courses["practical-nurse"], Rule(("iv-therapy",), 1)
        )
    stacking.set_rule(
        session, platform, olivia, board, courses["practical-nurse"], Rule(("practicum",), 1)
    )
    with pytest.raises(UsageError, match="circle: practicum → practical-nurse → practicum"):
        stacking.set_rule(
            session, platform, olivia, board, courses["practicum"], Rule(("practical-nurse",), 1)
        )
    piedmont_achievement = achievements.achievement_by_slug(
        session, orgs.organization_by_slug(session, "piedmont-hospital"), "iv-therapy"
    )
    with pytest.raises(NotFound):
        stacking.set_rule(session, platform, olivia, board, piedmont_achievement, None)


def test_all_of_issues_the_stacked_credential_once(
    session: Session, platform: Any, courses: Any
) -> None:
    board, james = ohio(session), person(session, "james@demo.openler.org")
    stacking.set_rule(
        session,
        platform,
        who(session, OLIVIA),
        board,
        courses["practical-nurse"],
        Rule(("fundamentals", "pharmacology"), 2),
    )
    issue(session, platform, courses["fundamentals"], james)
    assert held(session, courses["practical-nurse"]) == []
    component = issue(session, platform, courses["pharmacology"], james)
    [stacked] = held(session, courses["practical-nurse"])
    assert stacked.person_id == james.id
    assert stacked.document["credentialSubject"]["id"] == james.did
    audit = session.execute(
        select(AuditEvent).where(AuditEvent.action == "stacking.issue")
    ).scalar_one()
    assert audit.subject == stacked.id and component.id in audit.data["components"]
    # a component issued again, or any later evaluation, issues nothing more
    issue(session, platform, courses["pharmacology"], james)
    stacking.after_issue(session, platform, component)
    assert len(held(session, courses["practical-nurse"])) == 1


def test_suspended_or_revoked_components_do_not_count(
    session: Session, platform: Any, courses: Any
) -> None:
    olivia, board = who(session, OLIVIA), ohio(session)
    james = person(session, "james@demo.openler.org")
    stacking.set_rule(
        session,
        platform,
        olivia,
        board,
        courses["practical-nurse"],
        Rule(("fundamentals", "pharmacology"), 2),
    )
    first = issue(session, platform, courses["fundamentals"], james)
    issuing.set_status(session, platform, olivia, first.id, action="suspend")
    issue(session, platform, courses["pharmacology"], james)
    assert held(session, courses["practical-nurse"]) == []
    issuing.set_status(session, platform, olivia, first.id, action="reinstate")
    stacking.after_issue(session, platform, first)
    assert len(held(session, courses["practical-nurse"])) == 1


def test_n_of_a_set_for_a_recipient_without_an_account(
    session: Session, platform: Any, courses: Any
) -> None:
    board = ohio(session)
    stacking.set_rule(
        session,
        platform,
        who(session, OLIVIA),
        board,
        courses["practical-nurse"],
        Rule(("fundamentals", "pharmacology", "practicum"), 2),
    )
    ann = Recipient(email="ann@example.org", name="Ann Lee")
    other = Recipient(email="bo@example.org", name="Bo")
    issue(session, platform, courses["fundamentals"], ann)
    issue(session, platform, courses["pharmacology"], other)  # someone else's record
    assert held(session, courses["practical-nurse"]) == []
    issue(session, platform, courses["practicum"], ann)
    [stacked] = held(session, courses["practical-nurse"])
    assert stacked.recipient_key == "email:ann@example.org" and stacked.person_id is None
    assert "id" not in stacked.document["credentialSubject"]  # named by a hashed email only


def test_approval_queues_then_an_admin_decides(
    session: Session, platform: Any, courses: Any
) -> None:
    olivia, board = who(session, OLIVIA), ohio(session)
    james, dana = (
        person(session, "james@demo.openler.org"),
        person(session, "dana@demo.openler.org"),
    )
    stacking.set_rule(
        session,
        platform,
        olivia,
        board,
        courses["practical-nurse"],
        Rule(("fundamentals",), 1, approval=True),
    )
    issue(session, platform, courses["fundamentals"], james)
    issue(session, platform, courses["fundamentals"], james)  # queued once only
    issue(session, platform, courses["fundamentals"], dana)
    assert held(session, courses["practical-nurse"]) == []
    queue = stacking.waiting(session, olivia, board)
    assert sorted(str(w.pending.person_id) for w in queue) == sorted([james.id, dana.id])
    queue.sort(key=lambda w: w.pending.person_id != james.id)  # James's first
    for outsider in ("trainer@demo.openler.org", "james@demo.openler.org"):
        with pytest.raises(Forbidden):
            stacking.waiting(session, who(session, outsider), board)
        with pytest.raises(Forbidden):
            stacking.approve(session, platform, who(session, outsider), board, queue[0].pending.id)
    issued = stacking.approve(session, platform, olivia, board, queue[0].pending.id)
    assert issued.achievement_id == courses["practical-nurse"].id and issued.person_id == james.id
    stacking.decline(session, platform, olivia, board, queue[1].pending.id, reason="not yet")
    with pytest.raises(Conflict, match="already approved"):
        stacking.approve(session, platform, olivia, board, queue[0].pending.id)
    assert stacking.waiting(session, olivia, board) == []
    # a declined award is not queued again for the same holder
    issue(session, platform, courses["fundamentals"], dana)
    assert session.scalar(select(func.count()).select_from(PendingStack)) == 2
    actions = set(session.execute(select(AuditEvent.action)).scalars())
    assert {"stacking.queue", "stacking.approve", "stacking.decline"} <= actions


def test_approval_rechecks_the_record(session: Session, platform: Any, courses: Any) -> None:
    olivia, board = who(session, OLIVIA), ohio(session)
    james = person(session, "james@demo.openler.org")
    stacking.set_rule(
        session,
        platform,
        olivia,
        board,
        courses["practical-nurse"],
        Rule(("fundamentals",), 1, approval=True),
    )
    component = issue(session, platform, courses["fundamentals"], james)
    issuing.set_status(session, platform, olivia, component.id, action="revoke")
    [item] = stacking.waiting(session, olivia, board)
    with pytest.raises(Conflict, match="no longer satisfies"):
        stacking.approve(session, platform, olivia, board, item.pending.id)
    assert held(session, courses["practical-nurse"]) == []


def test_stacks_of_stacks(session: Session, platform: Any, courses: Any) -> None:
    olivia, board = who(session, OLIVIA), ohio(session)
    james = person(session, "james@demo.openler.org")
    stacking.set_rule(
        session, platform, olivia, board, courses["practicum"], Rule(("fundamentals",), 1)
    )
    stacking.set_rule(
        session,
        platform,
        olivia,
        board,
        courses["practical-nurse"],
        Rule(("practicum", "pharmacology"), 2),
    )
    issue(session, platform, courses["pharmacology"], james)
    issue(session, platform, courses["fundamentals"], james)
    assert len(held(session, courses["practicum"])) == 1
    assert len(held(session, courses["practical-nurse"])) == 1
