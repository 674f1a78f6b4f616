"""Every responder of an incident checked again as of now, so that the roster can be
trusted now and not only as it was at each check-in: a licence revoked or suspended since,
or one that expired during a long incident, turns its row from verified to refused (and a
reinstated one back), with the reason, and the counts follow.

A *pass* verifies again, for every responder whose check-in showed who they are
(:func:`~openler.services.verifiers.incident_checkins.can_recheck`), each credential their
check-in presented (:func:`~openler.services.verifiers.incident_checkins.recheck`), with the
same copies of issuers' documents as check-in when an issuer cannot be reached
(:mod:`~openler.services.verifiers.fetched_copies`; an issuer that is down is asked once a
run, not once a responder). A pass is started by a verifier of the incident's organization —
"Check everyone again" on the roster page — or by that page itself while it is open, once
the oldest verdict is ``incident_recheck_minutes`` old (:func:`due`).

A roster of at most :data:`INLINE_MAX` responders is checked within the request that asks;
a larger one by a background job (:mod:`~openler.services.jobs`, kind
:data:`RECHECK_KIND`) whose progress the roster page follows live. Either way responders
are checked :data:`CHUNK` a transaction, each marked with the pass that checked it, so a
run stopped half way and run again checks nobody twice; the pass keeps its tally on the
incident (``Incident.last_recheck``), one pass at a time. Each chunk is audited
(``incident.recheck``: who changed, and to what), as are its start
(``incident.recheck_start``) and its end (``incident.recheck_done``, with the check-in
requests it cleared away: :func:`~openler.services.verifiers.incidents.purge_requests`).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from openler.services import audit, jobs
from openler.services.context import Platform
from openler.services.errors import Conflict
from openler.services.people.accounts import Principal, require_role
from openler.services.verifiers import incident_checkins
from openler.services.verifiers.fetched_copies import FetchedCopies
from openler.services.verifiers.incidents import incident_of, purge_requests, require_open
from openler.services.verifiers.verifying import trust_registry
from openler.store.models import Incident, IncidentCheckin, Job, Organization
from openler.vc import Fetcher, TrustRegistry, format_datetime, parse_datetime

RECHECK_KIND = "incident_recheck"
#: a roster of at most this many responders is checked again within the request: one whose
#: credentials were issued here takes about 6 ms (500 in 2.8 s in
#: tests/services/test_incident_500.py), so 20 answer in about a tenth of a second. A larger
#: one goes to a background job with live progress, so that it never holds a request (and a
#: server thread) open; an issuer elsewhere that does not answer may still spend one
#: verification's fetch budget (``OPENLER_VERIFY_FETCH_SECONDS``) once a run, inline too
INLINE_MAX = 20
#: responders checked again per transaction: the progress moves this often, and a run
#: stopped half way repeats no more
CHUNK = 25
#: a pass that has not finished this long after it started is taken as stopped (its
#: worker was killed), so another may start
STUCK = timedelta(minutes=30)
RUNNING, DONE, STOPPED, FAILED = "running", "done", "stopped", "failed"
log = logging.getLogger("openler.incident_recheck")


@dataclass(frozen=True)
class Pass:
    """One re-check of everyone: who asked (or whose open roster page did, ``automatic``),
    when, its job (None: checked within the request), and its tally so far."""

    id: str
    by: str
    by_name: str
    automatic: bool
    started_at: datetime
    total: int
    state: str = RUNNING
    job: str | None = None
    checked: int = 0
    changed: int = 0
    #: responders checked from copies because an issuer could not be reached
    stale: int = 0
    finished_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["started_at"] = format_datetime(self.started_at)
        data["finished_at"] = format_datetime(self.finished_at) if self.finished_at else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Pass:
        finished = data.get("finished_at")
        return cls(
            **{
                **data,
                "started_at": parse_datetime(str(data["started_at"])),
                "finished_at": parse_datetime(str(finished)) if finished else None,
            }
        )

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.checked * 100 // self.total)


def last_pass(incident: Incident) -> Pass | None:
    """The incident's last re-check (running, or the last that ended)."""
    return Pass.from_json(incident.last_recheck) if incident.last_recheck else None


def _eligible(incident_id: str) -> Any:
    """The conditions of the responders of ``incident_id`` that can be checked again."""
    return (
        IncidentCheckin.incident_id == incident_id,
        IncidentCheckin.presentations.is_not(None),
        IncidentCheckin.responder.not_like(incident_checkins.UNPROVEN + "%"),
    )


def running(session: Session, platform: Platform, incident: Incident) -> Pass | None:
    """The pass running now, if one is: started less than :data:`STUCK` ago, not ended,
    and its job (when it has one) neither done nor failed."""
    current = last_pass(incident)
    if current is None or current.state != RUNNING:
        return None
    if current.started_at < platform.now() - STUCK:
        return None
    if current.job is not None:
        job = session.get(Job, current.job)
        if job is None or job.state in ("done", "failed"):
            return None
    return current


def due(session: Session, platform: Platform, incident: Incident) -> bool:
    """Whether the roster page, open, should have everyone checked again now: the incident
    is open, automatic re-checks are on (``incident_recheck_minutes``), none started within
    that many minutes, none is running, and some responder's verdict is that old."""
    minutes = platform.settings.incident_recheck_minutes
    if not minutes or incident.closed_at is not None:
        return False
    cutoff = platform.now() - timedelta(minutes=minutes)
    if incident.recheck_started_at is not None and incident.recheck_started_at > cutoff:
        return False
    if running(session, platform, incident) is not None:
        return False
    oldest = session.execute(
        select(func.min(IncidentCheckin.verified_at)).where(*_eligible(incident.id))
    ).scalar()
    return oldest is not None and oldest <= cutoff


@dataclass(frozen=True)
class Standing:
    """Where re-checking stands for the roster page: the last pass (running or ended),
    whether one is running, whether the page should start one now, and every how many
    minutes it does (0: never by itself)."""

    last: Pass | None
    running: bool
    due: bool
    every: int


def standing(session: Session, platform: Platform, incident: Incident) -> Standing:
    """Where re-checking ``incident`` stands (the caller has checked who may see it)."""
    return Standing(
        last_pass(incident),
        running(session, platform, incident) is not None,
        due(session, platform, incident),
        platform.settings.incident_recheck_minutes,
    )


def start(
    platform: Platform,
    queue: jobs.JobQueue,
    principal: Principal,
    incident_id: str,
    *,
    automatic: bool = False,
    remote: Fetcher | None = None,
) -> Pass | None:
    """Check every responder of the incident again (its organization's verifiers only; to
    anyone else it does not exist). At most :data:`INLINE_MAX` are checked before this
    returns the pass ended; more, by a job on ``queue``, and the pass is returned running.
    A pass already running is returned as it is (no second one starts). ``automatic``
    (the roster page asking by itself) starts one only when :func:`due`, and returns None
    otherwise. ``remote`` fetches issuers' documents from elsewhere (the online fetcher
    when not given). Raises :class:`Conflict` once check-in has closed: the roster then
    stays as it was."""
    with platform.db.session() as session:
        incident = incident_of(session, principal, incident_id)
        require_open(incident)
        current = running(session, platform, incident)
        if current is not None:
            return None if automatic else current
        if automatic and not due(session, platform, incident):
            return None
        now = platform.now()
        total = session.execute(
            select(func.count(IncidentCheckin.id)).where(*_eligible(incident.id))
        ).scalar_one()
        started = Pass(
            secrets.token_hex(8), principal.label, principal.name, automatic, now, int(total)
        )
        before = incident.recheck_started_at
        claimed = session.execute(
            update(Incident)
            .where(
                Incident.id == incident.id,
                Incident.recheck_started_at.is_(None)
                if before is None
                else Incident.recheck_started_at == before,
            )
            .values(recheck_started_at=now, last_recheck=started.to_json())
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) != 1:  # another page started one meanwhile
            return None
        audit.record(
            session,
            at=now,
            actor=principal.label,
            action="incident.recheck_start",
            subject=f"incident:{incident.id}",
            data={"pass": started.id, "automatic": automatic, "responders": started.total},
        )
        organization = session.get(Organization, incident.organization_id)
        slug = organization.slug if organization is not None else ""
        organization_id = incident.organization_id
    if started.total <= INLINE_MAX:
        try:
            return run(platform, incident_id, started.id, principal, remote=remote)
        except Exception:
            _stop(platform, incident_id, started.id, FAILED)  # so that it may be asked again
            raise

    def note_job(session: Session, job: Job) -> None:
        found = session.get(Incident, incident_id)
        if found is not None and found.last_recheck and found.last_recheck["id"] == started.id:
            found.last_recheck = replace(started, job=job.id).to_json()

    job_id = jobs.create_job(
        platform,
        queue,
        principal,
        kind=RECHECK_KIND,
        payload={"incident": incident_id, "pass": started.id, "organization": slug},
        organization_id=organization_id,
        total=started.total,
        before_submit=note_job,
    )
    return replace(started, job=job_id)


def run(
    platform: Platform,
    incident_id: str,
    pass_id: str,
    principal: Principal,
    *,
    remote: Fetcher | None = None,
) -> Pass | None:
    """Check again, :data:`CHUNK` a transaction, the responders pass ``pass_id`` has not
    checked yet, then end it; returns it as it ended (None when a newer pass took its
    place). ``principal`` must still be a verifier of the organization at every chunk."""
    unreachable: dict[str, str] = {}
    while _chunk(platform, incident_id, pass_id, principal, remote, unreachable):
        pass
    with platform.db.session() as session:
        incident = session.get(Incident, incident_id, with_for_update=True)
        current = last_pass(incident) if incident is not None else None
        if incident is None or current is None or current.id != pass_id:
            return None
        if current.state != RUNNING:
            return current
        now = platform.now()
        ended = replace(current, state=DONE, finished_at=now)
        incident.last_recheck, incident.rechecked_at = ended.to_json(), now
        purged = purge_requests(session, platform, incident)
        audit.record(
            session,
            at=now,
            actor=principal.label,
            action="incident.recheck_done",
            subject=f"incident:{incident.id}",
            data={
                "pass": pass_id,
                "checked": ended.checked,
                "changed": ended.changed,
                "stale": ended.stale,
                "purged": purged,
            },
        )
        return ended


def _stop(platform: Platform, incident_id: str, pass_id: str, state: str) -> None:
    """End pass ``pass_id`` as ``state`` where it stands (when it is still the incident's)."""
    with platform.db.session() as session:
        incident = session.get(Incident, incident_id, with_for_update=True)
        current = last_pass(incident) if incident is not None else None
        if incident is not None and current is not None and current.id == pass_id:
            ended = replace(current, state=state, finished_at=platform.now())
            incident.last_recheck = ended.to_json()


def _chunk(
    platform: Platform,
    incident_id: str,
    pass_id: str,
    principal: Principal,
    remote: Fetcher | None,
    unreachable: dict[str, str],
) -> bool:
    """Check the next :data:`CHUNK` responders of the pass again in one transaction;
    whether there were any (False too when the pass was replaced or check-in closed, which
    stops it: the roster then stays as it was at close)."""
    with platform.db.session() as session:
        # the incident's row is locked first: two runs of one pass take turns
        incident = session.get(Incident, incident_id, with_for_update=True)
        current = last_pass(incident) if incident is not None else None
        if incident is None or current is None or current.id != pass_id:
            return False
        require_role(principal, incident.organization_id, "verifier")
        if current.state != RUNNING:
            return False
        if incident.closed_at is not None:
            stopped = replace(current, state=STOPPED, finished_at=platform.now())
            incident.last_recheck = stopped.to_json()
            return False
        rows = list(
            session.execute(
                select(IncidentCheckin)
                .where(
                    *_eligible(incident.id),
                    (IncidentCheckin.recheck_pass.is_(None))
                    | (IncidentCheckin.recheck_pass != pass_id),
                    # a responder who checked in since the pass began is as fresh as it
                    IncidentCheckin.verified_at <= current.started_at,
                )
                .order_by(IncidentCheckin.id)
                .limit(CHUNK)
                .with_for_update()
            ).scalars()
        )
        if not rows:
            return False
        registry = trust_registry(session, platform) or TrustRegistry()
        changed: list[dict[str, Any]] = []
        stale = 0
        for row in rows:
            documents = FetchedCopies(session, platform, remote, unreachable=unreachable)
            found = incident_checkins.recheck(
                session,
                platform,
                incident,
                row,
                registry=registry,
                documents=documents,
                pass_id=pass_id,
            )
            stale += bool(row.stale)
            if found.changed:
                changed.append(
                    {"responder": row.responder, "verified": row.verified, "roles": found.roles}
                )
        incident.last_recheck = replace(
            current,
            checked=current.checked + len(rows),
            changed=current.changed + len(changed),
            stale=current.stale + stale,
        ).to_json()
        if current.job is not None:
            job = session.get(Job, current.job)
            if job is not None:
                job.done = (job.done or 0) + len(rows)
        audit.record(
            session,
            at=platform.now(),
            actor=principal.label,
            action="incident.recheck",
            subject=f"incident:{incident.id}",
            data={"pass": pass_id, "checked": len(rows), "changed": changed},
        )
        return True


@jobs.handler(RECHECK_KIND)
def run_recheck_job(platform: Platform, job: Job) -> dict[str, Any]:
    """A re-check too large to run within the request: run as the verifier who asked,
    checked again at every chunk."""
    with platform.db.session() as session:
        principal = jobs.submitter(session, job)
    ended = run(platform, str(job.payload["incident"]), str(job.payload["pass"]), principal)
    if ended is None:
        raise Conflict("a newer re-check of this incident took this one's place")
    return {"checked": ended.checked, "changed": ended.changed, "stale": ended.stale}
