"""Background jobs: long work (batch issuance, re-issue, imports) off the request path.

A job is a row in ``jobs`` (kind, payload, state, result) — what the UI and the API report
on. Running it is the queue's business:

* ``InProcessQueue`` (the embedded default, SQLite): a worker thread inside ``openler serve``;
* ``ProcrastinateQueue`` (PostgreSQL): the job id is deferred to Procrastinate, an
  established PostgreSQL-backed task queue, and any number of ``openler worker``
  processes run it.

Handlers are idempotent per row: a batch that failed half way can be run again and only
repeats what did not succeed.

A job that ran to its end is ``done``, whatever its rows' outcomes — its ``result`` counts
them (``{"issued": 20, "failed": 1, …}``: rows not issued) for programs to read; ``failed``
means the run itself broke off (an error, or the person it acts for lost the role).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Forbidden, NotFound, ServiceError, UsageError
from openler.services.issuers import achievements, issuing, orgs
from openler.services.people import accounts
from openler.services.people.accounts import Principal, require_role
from openler.store.models import IssuedCredential, IssuerKey, Job, JobRow, Organization

Handler = Callable[[Platform, Job], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}
#: the job runner's own bookkeeping (a job's work is done as the person who submitted it)
RUNNER = Principal.system("jobs")


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


class JobQueue(Protocol):
    def submit(self, job_id: str) -> None: ...


#: the payload key that keeps the scope of the API token a job was submitted with
SUBMITTED_WITH = "submitted_with_token"


def create_job(
    platform: Platform,
    queue: JobQueue,
    principal: Principal,
    *,
    kind: str,
    payload: dict[str, Any],
    organization_id: str | None = None,
    total: int | None = None,
    before_submit: Callable[[Session, Job], None] | None = None,
) -> str:
    """Record a job for ``principal`` and hand it to the queue; returns its id. The job
    runs as that principal, whose rights are checked again when it runs (:func:`submitter`).
    ``organization_id`` files it in that organization's past jobs; ``total`` is the number
    of rows its progress counts to; ``before_submit`` records more in the same transaction."""
    if kind not in HANDLERS:
        raise UsageError(f"unknown job kind {kind!r}")
    scope = list(principal.token_scope) if principal.token_scope else None
    with platform.db.session() as session:
        job = Job(
            kind=kind,
            payload={**payload, SUBMITTED_WITH: scope},
            created_by=principal.label,
            created_at=platform.now(),
            organization_id=organization_id,
            total=total,
        )
        session.add(job)
        session.flush()
        if before_submit is not None:
            before_submit(session, job)
        audit.record(
            session,
            at=platform.now(),
            actor=principal.label,
            action="job.create",
            subject=f"job:{job.id}",
            data={"kind": kind},
        )
        job_id = job.id
    queue.submit(job_id)
    return job_id


def submitter(session: Session, job: Job) -> Principal:
    """Who the job acts for, as they stand now: a person who lost the role (or the
    account) since submitting cannot have it done for them."""
    if job.created_by is None:
        raise Forbidden(f"job {job.id} does not say who submitted it, so it is not run")
    scope = job.payload.get(SUBMITTED_WITH)
    return accounts.principal_again(session, job.created_by, tuple(scope) if scope else None)


def run_job(platform: Platform, job_id: str) -> str:
    """Run one job to the end and record the outcome; returns the final state."""
    with platform.db.session() as session:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None:
            raise NotFound(f"no job {job_id}")
        if job.state == "done":
            return job.state
        job.state, job.started_at, job.attempts = "running", platform.now(), job.attempts + 1
    result: dict[str, Any] | None = None  # None keeps what an earlier run recorded
    try:
        with platform.db.session() as session:
            job = session.get(Job, job_id)
            assert job is not None
            result = HANDLERS[job.kind](platform, job)
        # a run that reached the end is done, whatever its rows' outcomes (``result``
        # counts the rows not issued); "failed" is a run that broke off
        state, error = "done", None
    except ServiceError as exc:
        state, error = "failed", exc.message
    except Exception as exc:  # noqa: BLE001 - a job's crash is recorded, never lost
        state, error = "failed", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"
    with platform.db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        if result is not None:
            job.result = result
        job.state, job.error, job.finished_at = state, error, platform.now()
        audit.record(
            session,
            at=platform.now(),
            actor=RUNNER.label,
            action=f"job.{state}",
            subject=f"job:{job_id}",
        )
    return state


class InProcessQueue:
    """Runs jobs on a background thread of this process (the embedded default)."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openler-job")

    def submit(self, job_id: str) -> None:
        self._pool.submit(run_job, self.platform, job_id)

    def wait(self) -> None:
        """Finish the queued jobs (for tests and orderly shutdown)."""
        self._pool.shutdown(wait=True)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openler-job")


def procrastinate_conninfo(database_url: str) -> str:
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise UsageError("workers need PostgreSQL (OPENLER_DATABASE_URL=postgresql+psycopg://…)")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def procrastinate_app(database_url: str, *, sync: bool = False) -> Any:
    """The Procrastinate app with openler's one task, ``openler.run_job``. Workers need the
    asynchronous connector; synchronous code (requests, the CLI) defers through a
    synchronous one, whose pool opens and closes with each ``open()``."""
    import procrastinate

    conninfo = procrastinate_conninfo(database_url)
    connector = (
        procrastinate.SyncPsycopgConnector(conninfo=conninfo)
        if sync
        else procrastinate.PsycopgConnector(conninfo=conninfo)
    )
    app = procrastinate.App(connector=connector)

    @app.task(name="openler.run_job", queue="openler", pass_context=False)
    def run(job_id: str) -> None:
        from openler.settings import Settings

        platform = Platform.from_settings(Settings())
        try:
            run_job(platform, job_id)
        finally:
            platform.db.dispose()

    return app


class ProcrastinateQueue:
    """Defers job ids to Procrastinate; ``openler worker`` processes run them."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.conninfo = procrastinate_conninfo(database_url)
        self.sync_app = procrastinate_app(database_url, sync=True)

    def submit(self, job_id: str) -> None:
        with self.sync_app.open():
            self.sync_app.tasks["openler.run_job"].defer(job_id=job_id)

    def apply_schema(self) -> None:
        """Create Procrastinate's tables once (``openler db upgrade`` calls this)."""
        import psycopg

        with psycopg.connect(self.conninfo) as conn:
            exists = conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()
        if exists and exists[0]:
            return
        with self.sync_app.open():
            self.sync_app.schema_manager.apply_schema()

    def run_worker(self, *, burst: bool) -> None:
        """Process jobs; with ``burst`` stop when the queue is empty."""
        app = procrastinate_app(self.database_url)
        app.run_worker(queues=["openler"], wait=not burst, install_signal_handlers=not burst)


def queue_for(platform: Platform) -> JobQueue:
    if platform.settings.database_url.startswith("postgresql"):
        return ProcrastinateQueue(platform.settings.database_url)
    return InProcessQueue(platform)


@handler("bulk_reissue")
def bulk_reissue(platform: Platform, job: Job) -> dict[str, Any]:
    """Re-issue an organization's current credentials — all, those of one achievement, or
    those signed by one key (after it was revoked) — one row per credential. A re-run
    skips what an earlier run re-issued (``replaced_by`` is set then)."""
    payload = job.payload
    rows: list[dict[str, Any]] = [
        r for r in (job.result or {}).get("rows", []) if r.get("replacement")
    ]
    with platform.db.session() as session:
        organization = orgs.organization_by_slug(session, payload["organization"])
        require_role(submitter(session, job), organization.id, "issuer_admin")
        query = select(IssuedCredential.id).where(
            IssuedCredential.organization_id == organization.id,
            IssuedCredential.replaced_by.is_(None),
            IssuedCredential.state != "revoked",
        )
        if payload.get("achievement"):
            achievement = achievements.achievement_by_slug(
                session, organization, payload["achievement"]
            )
            query = query.where(IssuedCredential.achievement_id == achievement.id)
        if payload.get("key"):
            query = query.where(IssuedCredential.key_id == payload["key"])
        selected = list(session.execute(query.order_by(IssuedCredential.issued_at)).scalars())
    for credential_id in selected:
        try:
            with platform.db.session() as session:
                replacement = issuing.reissue(
                    session,
                    platform,
                    submitter(session, job),
                    credential_id,
                    refresh_achievement=bool(payload.get("refresh_achievement")),
                )
                rows.append({"credential": credential_id, "replacement": replacement.id})
        except ServiceError as exc:
            rows.append({"credential": credential_id, "error": exc.message})
    failed = sum(1 for r in rows if "error" in r)
    return {"rows": rows, "reissued": len(rows) - failed, "failed": failed}


def submit_bulk_reissue(
    platform: Platform,
    queue: JobQueue,
    principal: Principal,
    *,
    organization_slug: str,
    achievement_slug: str | None = None,
    key_id: str | None = None,
    refresh_achievement: bool = False,
) -> str:
    """Queue a bulk re-issue; only the organization's issuer admins may."""
    with platform.db.session() as session:
        organization = orgs.organization_by_slug(session, organization_slug)
        require_role(principal, organization.id, "issuer_admin")
        if key_id is not None:
            key = session.get(IssuerKey, key_id)
            if key is None or key.organization_id != organization.id:
                raise NotFound(f"no key {key_id} in {organization_slug}")
    payload = {
        "organization": organization_slug,
        "achievement": achievement_slug,
        "key": key_id,
        "refresh_achievement": refresh_achievement,
    }
    return create_job(platform, queue, principal, kind="bulk_reissue", payload=payload)


def job_state(
    platform: Platform, job_id: str, principal: Principal, *, rows: int = 1000
) -> dict[str, Any]:
    """A job's state, progress (``done`` of ``total``), result and its first ``rows``
    per-row outcomes, for the organization's issuer staff (its creator only while they
    are), platform administrators and the system principal (others are told it does not
    exist: the rows name recipients)."""
    with platform.db.session() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFound(f"no job {job_id}")
        if not principal.is_system:
            slug = job.payload.get("organization")
            organization = session.execute(
                select(Organization).where(Organization.slug == slug)
            ).scalar()
            try:
                if organization is None:
                    raise Forbidden("the job's organization is gone")
                require_role(principal, organization.id, *issuing.ISSUERS)
            except Forbidden:
                raise NotFound(f"no job {job_id}") from None
        return {
            "id": job.id,
            "kind": job.kind,
            "state": job.state,
            "result": job.result,
            "error": job.error,
            "done": job.done,
            "total": job.total,
            "rows": [
                {
                    "row": r.row,
                    "recipient": r.recipient,
                    "outcome": r.outcome,
                    "credential": r.credential_id,
                    "message": r.message,
                }
                for r in session.execute(
                    select(JobRow).where(JobRow.job_id == job.id).order_by(JobRow.row).limit(rows)
                ).scalars()
            ],
        }


def prepare_database(platform: Platform) -> None:
    """What ``openler db upgrade`` does besides migrations: the job queue's own schema."""
    queue = queue_for(platform)
    if isinstance(queue, ProcrastinateQueue):
        queue.apply_schema()


# the handlers that live with their domain register themselves when imported
from openler.services.issuers import bulk as _bulk  # noqa: E402,F401
from openler.services.verifiers import incident_rechecks as _incident_rechecks  # noqa: E402,F401
from openler.services.verifiers import rosters as _verification_rosters  # noqa: E402,F401
