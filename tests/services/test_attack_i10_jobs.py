"""Attacks on roster jobs (issue 10): a job's per-row results name every recipient's email
address, so they are for the organization's issuer staff — not for someone who submitted
a job and has since been removed from the organization."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select

from openler.services import jobs
from openler.services.errors import NotFound
from openler.services.issuers import job_reports, orgs, rosters
from openler.services.people import accounts
from openler.store.models import Member, Person
from tests.services.test_rosters import ROSTER, ohio, person

__all__ = ["ohio"]


def test_a_former_member_no_longer_sees_the_jobs_they_submitted(ohio: Any, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(ROSTER.encode())
    olivia = person(ohio, "olivia@demo.openler.org")
    queue = jobs.InProcessQueue(ohio)
    job_id = rosters.submit(
        ohio,
        queue,
        olivia,
        organization_slug="ohio-nursing",
        achievement_slug="infection-control",
        path=path,
        mapping={"email": "Email"},
        dry_run=True,
    )
    queue.wait()
    with ohio.db.session() as s:
        ohio_org = orgs.organization_by_slug(s, "ohio-nursing")
        assert job_reports.job_view(s, olivia, ohio_org, job_id).counts["would_issue"] == 3
        found = s.execute(select(Person).where(Person.email == olivia.email)).scalar_one()
        s.execute(delete(Member).where(Member.person_id == found.id))
    with ohio.db.session() as s:
        ohio_org = orgs.organization_by_slug(s, "ohio-nursing")
        former = accounts.principal_for(
            s, s.execute(select(Person).where(Person.email == olivia.email)).scalar_one()
        )
        assert former.label == olivia.label and not former.roles
        with pytest.raises(NotFound):
            job_reports.job_view(s, former, ohio_org, job_id)
        with pytest.raises(NotFound):
            job_reports.job_rows(s, former, ohio_org, job_id)
    with pytest.raises(NotFound):
        job_reports.check_access(ohio, former, "ohio-nursing", job_id)


def test_the_api_job_state_is_refused_to_a_former_member_too(ohio: Any, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(ROSTER.encode())
    olivia = person(ohio, "olivia@demo.openler.org")
    queue = jobs.InProcessQueue(ohio)
    job_id = rosters.submit(
        ohio,
        queue,
        olivia,
        organization_slug="ohio-nursing",
        achievement_slug="infection-control",
        path=path,
        mapping={"email": "Email"},
        dry_run=True,
    )
    queue.wait()
    assert jobs.job_state(ohio, job_id, olivia)["rows"]  # staff: the rows and their addresses
    trainer = person(ohio, "trainer@demo.openler.org")  # staff of another organization
    with pytest.raises(NotFound):
        jobs.job_state(ohio, job_id, trainer)
    with ohio.db.session() as s:
        found = s.execute(select(Person).where(Person.email == olivia.email)).scalar_one()
        s.execute(delete(Member).where(Member.person_id == found.id))
    former = person(ohio, "olivia@demo.openler.org")
    with pytest.raises(NotFound):
        jobs.job_state(ohio, job_id, former)
