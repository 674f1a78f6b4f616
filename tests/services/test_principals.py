"""Who acts is always explicit: every use case that changes something takes a Principal (never
"nobody"), refuses the wrong one without changing anything, and audits the right one under its
label — a person's, or the system principal's ``system:<reason>``."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

import openler.services
from openler.services import jobs
from openler.services.errors import Forbidden, UsageError
from openler.services.issuers import achievements, bulk, issuing, orgs
from openler.services.people import accounts, members
from openler.services.people.accounts import Principal
from openler.store import Base
from openler.store.models import (
    AuditEvent,
    IssuedCredential,
    Job,
    Member,
    Organization,
    Person,
)
from tests.conftest import load_demo

SYSTEM = Principal.system("test")
LPN = {
    "name": "Licensed Practical Nurse",
    "description": "Licensed to practise as an LPN in Ohio.",
    "criteria": {"narrative": "NCLEX-PN."},
}


def _service_functions() -> list[tuple[str, Callable[..., Any]]]:
    found: list[tuple[str, Callable[..., Any]]] = []
    for info in pkgutil.walk_packages(openler.services.__path__, "openler.services."):
        module = importlib.import_module(info.name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == info.name:
                found.append((f"{info.name}.{name}", fn))
        for _cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == info.name:
                for name, fn in inspect.getmembers(cls, inspect.isfunction):
                    found.append((f"{info.name}.{cls.__name__}.{name}", fn))
    return found


def test_no_use_case_accepts_nobody_as_the_acting_party() -> None:
    """The check that passed when skipped: ``principal: Principal | None`` with ``if
    principal is not None: require_…``. No service may take an optional principal (the
    annotations are read as written: every service module postpones them)."""
    checked = 0
    for name, fn in _service_functions():
        for parameter in inspect.signature(fn).parameters.values():
            written = str(parameter.annotation)
            if not re.search(r"\bPrincipal\b", written):
                continue
            checked += 1
            assert not re.search(r"\bNone\b|Optional", written), f"{name}({parameter.name})"
            assert parameter.default is inspect.Parameter.empty, f"{name}({parameter.name})"
    assert checked > 30  # the walk found the services (issuing, orgs, members, jobs, …)


@pytest.fixture
def world(platform: Any) -> dict[str, Any]:
    with platform.db.session() as s:
        load_demo(s, platform)

        def who(email: str) -> Principal:
            person = s.execute(select(Person).where(Person.email == email)).scalar_one()
            return accounts.principal_for(s, person)

        def org(slug: str) -> str:
            return orgs.organization_by_slug(s, slug).id

        def first_credential_of(slug: str) -> str | None:
            query = select(IssuedCredential.id).where(IssuedCredential.organization_id == org(slug))
            found: str | None = s.scalars(query).first()
            return found

        olivia = who("olivia@demo.openler.org")
        return {
            "ohio admin": olivia,
            "ohio admin's verifier token": Principal(
                olivia.person_id,
                olivia.name,
                olivia.email,
                olivia.roles,
                token_scope=(org("ohio-nursing"), "verifier"),
            ),
            "hospital staff": who("trainer@demo.openler.org"),
            "learner": who("maria@demo.openler.org"),
            "registry admin": who("renee@demo.openler.org"),
            "platform admin": who("admin@demo.openler.org"),
            "system": SYSTEM,
            "ohio credential": first_credential_of("ohio-nursing"),
            "piedmont credential": first_credential_of("piedmont-hospital"),
        }


def _org(s: Session, slug: str) -> Organization:
    return orgs.organization_by_slug(s, slug)


def create_achievement(s: Session, platform: Any, who: Principal, world: dict[str, Any]) -> str:
    achievements.create_achievement(s, platform, who, _org(s, "ohio-nursing"), slug="lpn", data=LPN)
    return "achievement.create"


def issue(s: Session, platform: Any, who: Principal, world: dict[str, Any]) -> str:
    piedmont = _org(s, "piedmont-hospital")
    badge = achievements.achievement_by_slug(s, piedmont, "iv-therapy")
    james = s.execute(select(Person).where(Person.email == "james@demo.openler.org")).scalar_one()
    issuing.issue(s, platform, who, piedmont, badge, recipient=james)
    return "credential.issue"


def issue_document(s: Session, platform: Any, who: Principal, world: dict[str, Any]) -> str:
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:someone"},
    }
    issuing.issue_document(s, platform, who, _org(s, "ohio-nursing"), document)
    return "credential.issue"


def suspend(s: Session, platform: Any, who: Principal, world: dict[str, Any]) -> str:
    issuing.set_status(s, platform, who, world["ohio credential"], action="suspend")
    return "credential.suspend"


def reissue(s: Session, platform: Any, who: Principal, world: dict[str, Any]) -> str:
    issuing.reissue(s, platform, who, world["piedmont credential"])
    return "credential.reissue"


def create_organization(s: Session, platform: Any, who: Principal, world: dict[str, Any]) -> str:
    orgs.create_organization(s, platform, who, slug="new-board", name="New Board", kind="issuer")
    return "organization.create"


def grant(s: Session, platform: Any, who: Principal, world: dict[str, Any]) -> str:
    members.grant_role(
        s,
        platform,
        who,
        _org(s, "ohio-nursing"),
        email="dana@demo.openler.org",
        role="issuer_staff",
    )
    return "member.add"


def create_account(s: Session, platform: Any, who: Principal, world: dict[str, Any]) -> str:
    members.create_account(s, platform, who, name="New", email="new@example.org", password=None)
    return "person.create"


def rotate_key(s: Session, platform: Any, who: Principal, world: dict[str, Any]) -> str:
    orgs.rotate_key(s, platform, who, "ohio-nursing")
    return "key.create"


Operation = Callable[[Session, Any, Principal, dict[str, Any]], str]
MATRIX: list[tuple[Operation, list[str], list[str]]] = [
    # (operation, allowed, refused)
    (
        create_achievement,
        ["ohio admin", "platform admin", "system"],
        ["hospital staff", "learner", "registry admin", "ohio admin's verifier token"],
    ),
    (issue, ["hospital staff", "platform admin", "system"], ["ohio admin", "learner"]),
    (
        issue_document,
        ["ohio admin", "system"],
        ["hospital staff", "learner", "ohio admin's verifier token"],
    ),
    (suspend, ["ohio admin", "system"], ["hospital staff", "learner", "registry admin"]),
    (reissue, ["platform admin", "system"], ["hospital staff", "ohio admin", "learner"]),
    (create_organization, ["platform admin", "system"], ["ohio admin", "learner"]),
    (grant, ["ohio admin", "system"], ["hospital staff", "learner", "registry admin"]),
    (create_account, ["platform admin", "system"], ["ohio admin", "registry admin", "learner"]),
    (rotate_key, ["ohio admin", "system"], ["hospital staff", "learner"]),
]
CASES = [
    pytest.param(op, who, allowed, id=f"{op.__name__}-{who}-{'allowed' if allowed else 'refused'}")
    for op, yes, no in MATRIX
    for who, allowed in [*((w, True) for w in yes), *((w, False) for w in no)]
]


def snapshot(platform: Any) -> dict[str, Any]:
    """Every table's row count and the audit trail's head: what "nothing changed" means."""
    with platform.db.session() as s:
        counts: dict[str, Any] = {
            table.name: s.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }
        counts["states"] = sorted(s.execute(select(IssuedCredential.state)).scalars())
        counts["head"] = s.execute(select(func.max(AuditEvent.seq))).scalar_one()
        return counts


@pytest.mark.parametrize(("operation", "who", "allowed"), CASES)
def test_each_use_case_checks_who_acts(
    platform: Any, world: dict[str, Any], operation: Operation, who: str, allowed: bool
) -> None:
    principal = world[who]
    before = snapshot(platform)
    if not allowed:
        with pytest.raises(Forbidden), platform.db.session() as s:
            operation(s, platform, principal, world)
        assert snapshot(platform) == before  # refused: nothing changed, nothing audited
        return
    with platform.db.session() as s:
        action = operation(s, platform, principal, world)
    after = snapshot(platform)
    assert after != before
    with platform.db.session() as s:
        new = s.execute(
            select(AuditEvent).where(AuditEvent.seq > before["head"]).order_by(AuditEvent.seq)
        ).scalars()
        actors = {event.action: event.actor for event in new}
    assert actors[action] == principal.label  # the effect, audited as the one who acted
    if who == "system":
        assert principal.label == "system:test"


def test_the_system_principal_is_no_person(platform: Any, world: dict[str, Any]) -> None:
    """It may do what an operator may, but it has no wallet and no records of its own."""
    with pytest.raises(Forbidden, match="theirs alone"):
        accounts.require_self(SYSTEM, "")
    with platform.db.session() as s:
        maria = s.execute(
            select(Person).where(Person.email == "maria@demo.openler.org")
        ).scalar_one()
        with pytest.raises(Forbidden, match="theirs alone"):
            accounts.require_self(SYSTEM, maria.id)
    assert SYSTEM.label == "system:test" and SYSTEM.is_system
    with pytest.raises(UsageError, match="needs a reason"):
        Principal.system(" ")


def test_the_demo_is_loaded_by_the_system_principal(platform: Any, world: dict[str, Any]) -> None:
    with platform.db.session() as s:
        actors = set(s.execute(select(AuditEvent.actor)).scalars())
    assert actors == {"system:demo"}


def _batch(platform: Any, who: Principal) -> tuple[jobs.InProcessQueue, str]:
    queue = jobs.InProcessQueue(platform)
    job_id = bulk.submit_emails(
        platform,
        queue,
        who,
        organization_slug="piedmont-hospital",
        achievement_slug="iv-therapy",
        recipients=["james@demo.openler.org"],
    )
    return queue, job_id


def _remove_roles(platform: Any, who: Principal) -> None:
    with platform.db.session() as s:
        s.execute(delete(Member).where(Member.person_id == who.person_id))


def test_a_job_acts_for_its_submitter_and_the_runner_books_it(
    platform: Any, world: dict[str, Any]
) -> None:
    staff = world["hospital staff"]
    queue, job_id = _batch(platform, staff)
    queue.wait()
    assert jobs.job_state(platform, job_id, staff)["state"] == "done"
    with platform.db.session() as s:
        events = {
            e.action: e.actor
            for e in s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
        }
    assert events["job.create"] == staff.label
    assert events["credential.issue"] == staff.label  # done for the person who asked
    assert events["job.done"] == "system:jobs"  # the runner's own bookkeeping


def test_a_job_whose_submitter_lost_the_role_does_nothing(
    platform: Any, world: dict[str, Any]
) -> None:
    staff = world["hospital staff"]
    queue = jobs.InProcessQueue(platform)
    job_id = bulk.submit_emails(
        platform,
        _Held(),  # submitted now, run below after the role is gone
        staff,
        organization_slug="piedmont-hospital",
        achievement_slug="iv-therapy",
        recipients=["james@demo.openler.org"],
    )
    _remove_roles(platform, staff)
    before = snapshot(platform)
    queue.submit(job_id)
    queue.wait()
    state = jobs.job_state(platform, job_id, SYSTEM)
    assert state["state"] == "failed"
    assert "needs the issuer_admin or issuer_staff role" in state["error"]
    after = snapshot(platform)
    assert after["credentials"] == before["credentials"]


def test_a_job_submitted_with_a_token_keeps_the_token_scope(
    platform: Any, world: dict[str, Any]
) -> None:
    """A token for one role submits a job; the person keeps other roles, but the job acts
    only within the token's scope, and not at all once that role is gone."""
    staff = world["hospital staff"]
    with platform.db.session() as s:
        piedmont = _org(s, "piedmont-hospital")
        token = Principal(
            staff.person_id,
            staff.name,
            staff.email,
            staff.roles,
            token_scope=(piedmont.id, "issuer_staff"),
        )
        members.grant_role(s, platform, SYSTEM, piedmont, email=staff.email, role="verifier")
    job_id = bulk.submit_emails(
        platform,
        _Held(),
        token,
        organization_slug="piedmont-hospital",
        achievement_slug="iv-therapy",
        recipients=["james@demo.openler.org"],
    )
    with platform.db.session() as s:
        s.execute(
            delete(Member).where(Member.person_id == staff.person_id, Member.role == "issuer_staff")
        )
        job = s.get(Job, job_id)
        with pytest.raises(Forbidden, match="no longer has the issuer_staff role the token"):
            jobs.submitter(s, job)
    assert jobs.run_job(platform, job_id) == "failed"


def test_a_job_without_a_submitter_is_not_run(platform: Any, world: dict[str, Any]) -> None:
    with platform.db.session() as s:
        job = Job(kind="batch_issue", payload={}, created_by=None, created_at=platform.now())
        s.add(job)
        s.flush()
        with pytest.raises(Forbidden, match="does not say who submitted it"):
            jobs.submitter(s, job)
        job.created_by = "person:no-such-person"
        with pytest.raises(Forbidden, match="no longer has an account"):
            jobs.submitter(s, job)


class _Held:
    """A queue that keeps what is submitted (the test runs it later)."""

    def submit(self, job_id: str) -> None:
        pass


def test_a_failed_run_keeps_the_rows_an_earlier_run_recorded(
    platform: Any, world: dict[str, Any]
) -> None:
    staff = world["hospital staff"]
    queue, job_id = _batch(platform, staff)
    queue.wait()
    rows = jobs.job_state(platform, job_id, staff)["rows"]
    _remove_roles(platform, staff)
    assert jobs.run_job(platform, job_id) == "done"  # done jobs are not run again
    with platform.db.session() as s:
        s.get(Job, job_id).state = "failed"
    assert jobs.run_job(platform, job_id) == "failed"  # refused now…
    assert jobs.job_state(platform, job_id, SYSTEM)["rows"] == rows  # …rows kept
