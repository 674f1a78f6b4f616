"""Sharing from the learner's record: the whole record or a selection, a view limit, the
access log (who opened a share, and when), the one rule for which credentials may go out
(shares and answers alike), and that a learner's shares and their log are theirs alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services.errors import Conflict, Forbidden, NotFound, UsageError
from openler.services.holders import candidates, my_data, sharing
from openler.services.issuers import issuing
from openler.services.people import accounts
from openler.services.people.accounts import Principal
from openler.services.verifiers import requests as requests_service
from openler.store.models import AuditEvent, IssuedCredential, Person, ShareView
from tests.conftest import SETUP, load_demo

MARIA, JAMES, SAM = "maria@demo.openler.org", "james@demo.openler.org", "hr@demo.openler.org"
LINK = Principal.system("share link")  # whoever opens a link without signing in


@pytest.fixture
def world(platform: Any) -> Any:
    with platform.db.session() as s:
        load_demo(s, platform)
    return platform


def who(s: Session, email: str) -> Principal:
    person = s.execute(select(Person).where(Person.email == email)).scalar_one()
    return accounts.principal_for(s, person)


def names_in(presentation: dict[str, Any]) -> list[str]:
    inner = presentation["verifiableCredential"]
    return sorted(c["credentialSubject"]["achievement"]["name"] for c in inner)


def share(world: Any, email: str = MARIA, **options: Any) -> sharing.CreatedShare:
    with world.db.session() as s:
        found = candidates.candidates(s, world, who(s, email))
        ids = options.pop("names", None)
        chosen = [c.value for c in found if ids is None or c.name in ids]
        return sharing.create_share(
            s,
            world,
            who(s, email),
            credential_ids=chosen if not options.get("whole_record") else None,
            audience="Piedmont Regional Hospital",
            purpose="RN position",
            **options,
        )


def test_the_whole_record_or_a_selection(world: Any) -> None:
    whole = share(world, whole_record=True)
    chosen = share(world, names=["Registered Nurse"])
    assert whole.share.whole_record and not chosen.share.whole_record
    assert names_in(whole.share.presentation) == [
        "IS-100.C: Introduction to the Incident Command System",
        "IV Therapy and Infusion Safety",
        "Registered Nurse",
    ]
    assert names_in(chosen.share.presentation) == ["Registered Nurse"]
    with world.db.session() as s:
        view = sharing.view_share(s, world, whole.token, viewer="link:test", principal=LINK)
        assert view.report.verified, view.report.errors()
        summaries = {x.share.id: x for x in sharing.shares_of(s, world, who(s, MARIA))}
        assert summaries[whole.share.id].share.whole_record
        assert summaries[chosen.share.id].credentials == ["Registered Nurse"]
        event = s.execute(
            select(AuditEvent).where(
                AuditEvent.action == "share.create",
                AuditEvent.subject == f"share:{whole.share.id}",
            )
        ).scalar_one()
        assert event.data["whole_record"] is True and len(event.data["credentials"]) == 3


def test_a_whole_record_leaves_out_what_cannot_be_shared(world: Any) -> None:
    with world.db.session() as s:
        found = {c.name: c.value for c in candidates.candidates(s, world, who(s, MARIA))}
        issuing.set_status(s, world, SETUP, found["Registered Nurse"], action="suspend")
    whole = share(world, whole_record=True)
    assert names_in(whole.share.presentation) == [
        "IS-100.C: Introduction to the Incident Command System",
        "IV Therapy and Infusion Safety",
    ]


def test_a_view_limit_refuses_the_link_after_it(world: Any) -> None:
    created = share(world, names=["Registered Nurse"], max_views=2)
    with world.db.session() as s:
        for _ in range(2):
            sharing.view_share(s, world, created.token, viewer="link:test", principal=LINK)
    with (
        world.db.session() as s,
        pytest.raises(Conflict, match="may be opened 2 times, and it has been"),
    ):
        sharing.view_share(s, world, created.token, viewer="link:test", principal=LINK)
    with world.db.session() as s:
        summary = sharing.share_of(s, world, who(s, MARIA), created.share.id)
        assert summary.usage == "used 2 of 2 views" and summary.state == "used up"
        assert summary.views_left == 0
        # the refused opening is not in the log
        assert s.query(ShareView).filter_by(share_id=created.share.id).count() == 2
    for wrong in (0, 1001):
        with pytest.raises(UsageError, match="from 1 to 1000"):
            share(world, names=["Registered Nurse"], max_views=wrong)


def test_the_log_names_the_viewers_organization_when_signed_in(world: Any) -> None:
    created = share(world, names=["Registered Nurse"], max_views=5)
    first = replace(world, clock=lambda: datetime(2026, 11, 26, 14, 3, tzinfo=UTC))
    with first.db.session() as s:
        sharing.view_share(s, first, created.token, viewer="person:x", principal=who(s, SAM))
    second = replace(world, clock=lambda: datetime(2026, 11, 26, 15, 0, tzinfo=UTC))
    with second.db.session() as s:
        sharing.view_share(s, second, created.token, viewer="link:10.0.0.1", principal=LINK)
    third = replace(world, clock=lambda: datetime(2026, 11, 26, 15, 5, tzinfo=UTC))
    with third.db.session() as s:
        sharing.view_share(s, third, created.token, viewer="person:y", principal=who(s, JAMES))
    with world.db.session() as s:
        rows = s.query(ShareView).filter_by(share_id=created.share.id).all()
        assert {r.viewer_organization for r in rows} == {"Piedmont Regional Hospital", None}
        anonymous = [r for r in rows if r.viewer_person_id is None]
        assert len(anonymous) == 1 and anonymous[0].viewer_organization is None
        summary = sharing.share_of(s, world, who(s, MARIA), created.share.id)
        assert summary.usage == "used 3 of 5 views"
        assert [(o.who, o.viewed_at.strftime("%Y-%m-%d %H:%M")) for o in summary.log] == [
            (sharing.SIGNED_IN, "2026-11-26 15:05"),
            (sharing.ANONYMOUS, "2026-11-26 15:00"),
            ("Piedmont Regional Hospital (Sam Patel)", "2026-11-26 14:03"),
        ]
        # the audit trail keeps its event per view, too
        assert s.query(AuditEvent).filter_by(action="share.view").count() == 3


def test_a_learners_shares_and_log_are_theirs_alone(world: Any) -> None:
    marias = share(world, names=["Registered Nurse"])
    james = share(world, email=JAMES, names=["Welding Technology Certificate"])
    with world.db.session() as s:
        sharing.view_share(s, world, marias.token, viewer="link:test", principal=LINK)
        sharing.view_share(s, world, james.token, viewer="link:test", principal=LINK)
    for owner, other, theirs in ((MARIA, JAMES, marias), (JAMES, MARIA, james)):
        with world.db.session() as s:
            intruder = who(s, other)
            assert theirs.share.id not in [
                x.share.id for x in sharing.shares_of(s, world, intruder)
            ]
            with pytest.raises(NotFound):
                sharing.share_of(s, world, intruder, theirs.share.id)
            with pytest.raises(NotFound):
                sharing.revoke_share(s, world, intruder, theirs.share.id)
            log = my_data.share_log(s, world, intruder)
            assert theirs.share.id not in {line["share"] for line in log} and len(log) == 1
            everything = my_data.everything(s, world, intruder)
            assert theirs.share.id not in str(everything)
            assert sharing.share_of(s, world, who(s, owner), theirs.share.id).views == 1
    with world.db.session() as s:
        # the intruders' attempts changed nothing
        assert sharing.share_of(s, world, who(s, MARIA), marias.share.id).state == "active"
        with pytest.raises(Forbidden):
            sharing.shares_of(s, world, SETUP)  # openler itself holds no shares


def test_a_suspended_and_an_expired_credential_are_not_offered(world: Any) -> None:
    later = replace(world, clock=lambda: datetime(2029, 1, 1, tzinfo=UTC))  # the licence ended
    with later.db.session() as s:
        maria = who(s, MARIA)
        ids = {c.name: c.value for c in candidates.candidates(s, later, maria)}
        issuing.set_status(s, later, SETUP, ids["IV Therapy and Infusion Safety"], action="suspend")
    with later.db.session() as s:
        maria = who(s, MARIA)
        found = {c.name: c for c in candidates.candidates(s, later, maria, from_elsewhere=True)}
        expired, suspended = found["Registered Nurse"], found["IV Therapy and Infusion Safety"]
        active = found["IS-100.C: Introduction to the Incident Command System"]
        assert (expired.offered, suspended.offered, active.offered) == (False, False, True)
        assert expired.why_not == "expired on 2028-11-23"  # the state said once
        assert suspended.why_not is not None and suspended.why_not.startswith("suspended")
        for refused in (expired, suspended):
            with pytest.raises(UsageError, match=f"{refused.name} cannot be sent"):
                sharing.create_share(
                    s,
                    later,
                    maria,
                    credential_ids=[active.value, refused.value],
                    audience="x",
                    purpose="y",
                )
        whole = sharing.create_share(s, later, maria, whole_record=True, audience="x", purpose="y")
        assert names_in(whole.share.presentation) == [active.name]
        request = requests_service.create_request(
            s,
            later,
            who(s, SAM),
            organization_slug="piedmont-hospital",
            query=requests_service.request_query("Your RN licence"),
        )
        offered = requests_service.candidates_for(s, later, maria, request)
        assert {c.name for c in offered if c.offered} == {active.name}
        for refused in (expired, suspended):
            with pytest.raises(UsageError, match="cannot be sent"):
                requests_service.answer_from_wallet(
                    s, later, maria, request.challenge, credential_ids=[refused.value]
                )
        james_id = s.execute(
            select(IssuedCredential.id).join(Person).where(Person.email == JAMES)
        ).scalar_one()
        with pytest.raises(NotFound):  # someone else's credential does not exist for her
            requests_service.answer_from_wallet(
                s, later, maria, request.challenge, credential_ids=[james_id]
            )
        report = requests_service.answer_from_wallet(
            s, later, maria, request.challenge, credential_ids=[active.value]
        )
        assert report.verified, report.errors()


def test_the_learner_opening_their_own_link_reads_you(world: Any) -> None:
    created = share(world, names=["Registered Nurse"])
    with world.db.session() as s:
        sharing.view_share(s, world, created.token, viewer="person:m", principal=who(s, MARIA))
    with world.db.session() as s:
        (opening,) = sharing.share_of(s, world, who(s, MARIA), created.share.id).log
        assert opening.who == sharing.YOU and opening.organization is None
