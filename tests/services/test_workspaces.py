"""What the home page is built from: counts made in the database, the newest ten loaded,
and the verifier role decided by the service (allowed: a report; denied: nothing read)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services.errors import Forbidden
from openler.services.issuers import achievements, issuing, orgs
from openler.services.people import accounts, workspaces
from openler.services.people.accounts import Principal
from openler.services.verifiers.credential_state import credential_state
from openler.store.models import IssuedCredential, Person
from tests.conftest import NOW, load_demo


@pytest.fixture
def session(platform: Any) -> Any:
    with platform.db.session() as s:
        load_demo(s, platform)
        yield s


def who(session: Session, email: str) -> Principal:
    person = session.execute(select(Person).where(Person.email == email)).scalar_one()
    return accounts.principal_for(session, person)


def test_issued_summary_counts_what_the_rows_say(session: Session, platform: Any) -> None:
    olivia = who(session, "olivia@demo.openler.org")
    ohio = orgs.organization_by_slug(session, "ohio-nursing")
    maria = session.execute(
        select(Person).where(Person.email == "maria@demo.openler.org")
    ).scalar_one()
    achievement = achievements.achievements_of(session, olivia, ohio)[0]
    issued = [  # more than the ten shown
        issuing.issue(session, platform, olivia, ohio, achievement, recipient=maria)
        for _ in range(12)
    ]
    # one expired (issued three years ago, valid two), one revoked, one replaced
    past = replace(platform, clock=lambda: platform.now() - timedelta(days=3 * 365))
    issuing.issue(session, past, olivia, ohio, achievement, recipient=maria)
    first, second = issued[-2:]
    issuing.set_status(session, platform, olivia, first.id, action="revoke", reason="error")
    issuing.reissue(session, platform, olivia, second.id)
    rows = list(
        session.execute(
            select(IssuedCredential).where(IssuedCredential.organization_id == ohio.id)
        ).scalars()
    )
    shown = Counter(credential_state(row, None, at=platform.now()).code for row in rows)
    assert {"active", "expired", "suspended", "revoked", "replaced"} <= set(shown)

    summary = issuing.issued_summary(session, olivia, ohio, at=platform.now())

    assert summary.issued == len(rows) > 10
    assert (
        summary.active,
        summary.expired,
        summary.suspended,
        summary.revoked,
        summary.replaced,
    ) == (
        shown["active"],
        shown["expired"],
        shown["suspended"],
        shown["revoked"],
        shown["replaced"],
    )
    newest = sorted(rows, key=lambda r: r.issued_at, reverse=True)[:10]
    assert len(summary.recent) == 10
    assert [r.issued_at for r in summary.recent] == [r.issued_at for r in newest]


def test_issued_summary_is_for_the_organizations_staff(session: Session) -> None:
    ohio = orgs.organization_by_slug(session, "ohio-nursing")
    for email in ("trainer@demo.openler.org", "maria@demo.openler.org"):
        with pytest.raises(Forbidden):
            issuing.issued_summary(session, who(session, email), ohio, at=NOW)


def test_workspaces_follow_the_roles(session: Session, platform: Any) -> None:
    olivia = workspaces.of(session, platform, who(session, "olivia@demo.openler.org"))
    assert [s.organization.slug for s in olivia.issuing] == ["ohio-nursing"]
    assert olivia.verifying == [] and olivia.registry == [] and olivia.platform == []
    assert all(row.id in olivia.states for s in olivia.issuing for row in s.recent)
    maria = workspaces.of(session, platform, who(session, "maria@demo.openler.org"))
    assert maria.issuing == [] and maria.credentials
    assert set(maria.states) == {row.id for row in maria.credentials}
    admin = workspaces.of(session, platform, who(session, "admin@demo.openler.org"))
    assert [o.name for o in admin.platform] == sorted(o.name for o in admin.platform)
    assert len(admin.platform) == len(orgs.all_organizations(session)) > 3
