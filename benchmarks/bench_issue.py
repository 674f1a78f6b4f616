"""Roster issuance throughput (``make bench-issue``): ROWS credentials through the real job
handler on SQLite (a temporary file) and on PostgreSQL, next to the per-row path.

For each database it prints, all measured in this run:

* the time to submit the roster (its rows streamed into the database) and to run the job
  (``jobs.run_job``, the handler a worker runs), and credentials per second;
* the baseline: the per-row path — ``issuing.issue`` and, for an address without an
  account, ``claims.offer_claim``, each row in its own transaction — on BASELINE rows, and
  the ratio;
* the process's resident memory after a fifth of the rows and at the end (flat while
  streaming), and the workers' peak;
* the projected time for 1,000,000 rows at the measured rate;
* a correctness check: one credential and one ``JobRow`` per row, no status index twice.

Half of the recipients have an account (bound by their DID; one in a hundred of those has
no DID yet and gets a wallet key made), the other half are addresses without one.

PostgreSQL: ``OPENLER_BENCH_DATABASE_URL`` (a server URL whose user may create databases),
else ``postgresql+psycopg://127.0.0.1:5432/test`` when it answers (set it empty to leave
PostgreSQL out); a database ``bench_issue_<pid>`` is created for the run and dropped after.

Usage: ``python benchmarks/bench_issue.py [ROWS] [BASELINE]`` (defaults 100000 and 1000).
"""

from __future__ import annotations

import base64
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from openler.services import jobs
from openler.services.context import Platform
from openler.services.issuers import achievements, bulk, claims, issuing, orgs
from openler.services.issuers.recipients import Award, Recipient
from openler.services.people import accounts
from openler.services.people.accounts import Principal
from openler.settings import Settings
from openler.store import Database
from openler.store.models import IssuedCredential, Job, JobRow, Person
from openler.vc import Multikey

LOCAL_POSTGRES = "postgresql+psycopg://127.0.0.1:5432/test"
SETUP = Principal.system("bench-setup")
MILLION = 1_000_000


class NoQueue:
    """Jobs are run by the benchmark itself, as a worker would (``jobs.run_job``)."""

    def submit(self, job_id: str) -> None:
        pass


def rss_mb(pid: int | str = "self") -> float:
    """A process's resident memory now (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (FileNotFoundError, ProcessLookupError):
        return 0.0


def descendants() -> list[int]:
    """The processes started by this one and by those (the signing workers)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
    found, frontier = [], [os.getpid()]
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid]
        found.extend(children)
        frontier.extend(children)
    return found


def world(url: str, data_dir: Path) -> tuple[Platform, Principal]:
    """A migrated database with an organization, its key, an achievement and a trainer."""
    settings = Settings(
        database_url=url,
        key_encryption_key=SecretStr(base64.b64encode(bytes(range(32))).decode()),
        data_dir=data_dir,
        public_url="https://bench.openler.org",
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
    )
    db = Database(url)
    db.upgrade()
    platform = Platform(settings, db)
    with db.session() as session:
        organization = orgs.create_organization(
            session, platform, SETUP, slug="bench-board", name="Bench Board", kind="issuer"
        )
        orgs.create_key(session, platform, organization, actor=SETUP)
        for slug in ("rn", "baseline"):
            achievements.create_achievement(
                session,
                platform,
                SETUP,
                organization,
                slug=slug,
                data={
                    "name": "Registered Nurse",
                    "description": "Licensed to practise as a registered nurse.",
                    "criteria": {"narrative": "Passed the licensing examination."},
                    "achievementType": "License",
                },
                valid_days=730,
            )
        trainer = accounts.create_person(
            session,
            platform,
            name="Trainer",
            email="trainer@bench.example",
            password=None,
            actor=SETUP,
        )
        accounts.add_member(
            session,
            platform,
            person=trainer,
            organization=organization,
            role="issuer_staff",
            actor=SETUP,
        )
        principal = accounts.principal_for(session, trainer)
    return platform, principal


def add_accounts(platform: Platform, prefix: str, count: int) -> None:
    """Accounts for every other recipient address (one in a hundred without a DID yet)."""
    batch: list[dict[str, Any]] = []
    with platform.db.session() as session:
        for i in range(2, count + 1, 2):
            batch.append(
                {
                    "id": f"{prefix}-{i:08d}",
                    "name": f"Person {i}",
                    "email": f"{prefix}{i}@bench.example",
                    "did": None if i % 200 == 0 else Multikey.generate().controller,
                    "is_platform_admin": False,
                    "created_at": platform.now(),
                }
            )
            if len(batch) == 5000:
                session.execute(insert(Person), batch)
                batch = []
        if batch:
            session.execute(insert(Person), batch)


def awards(prefix: str, count: int) -> Iterator[Award]:
    for i in range(1, count + 1):
        yield Award(Recipient(email=f"{prefix}{i}@bench.example", name=f"Person {i}"), row=i)


class Sampler:
    """Samples this process's memory and the job's progress while it runs."""

    def __init__(self, platform: Platform, job_id: str) -> None:
        self.platform, self.job_id = platform, job_id
        self.samples: list[tuple[int, float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            with self.platform.db.session() as session:
                done = session.execute(select(Job.done).where(Job.id == self.job_id)).scalar()
            workers = max((rss_mb(pid) for pid in descendants()), default=0.0)
            self.samples.append((int(done or 0), rss_mb(), workers))

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def at(self, rows: int) -> tuple[float, float]:
        """This process's memory and the largest worker's, sampled once ``rows`` rows were
        done (the first sample past it)."""
        for done, mb, worker in self.samples:
            if done >= rows:
                return mb, worker
        return (self.samples[-1][1], self.samples[-1][2]) if self.samples else (rss_mb(), 0.0)


def roster(platform: Platform, principal: Principal, rows: int) -> dict[str, Any]:
    """Submit and run a roster of ``rows`` rows; check what it wrote."""
    add_accounts(platform, "r", rows)
    start = time.perf_counter()
    job_id = bulk.submit_roster(
        platform,
        NoQueue(),
        principal,
        organization_slug="bench-board",
        achievement_slug="rn",
        awards=awards("r", rows),
    )
    submitted = time.perf_counter()
    before = rss_mb()
    with Sampler(platform, job_id) as sampler:
        state = jobs.run_job(platform, job_id)
    finished = time.perf_counter()
    assert state == "done", state
    check(platform, job_id, rows)
    return {
        "submit": submitted - start,
        "run": finished - submitted,
        "rss_start": before,
        "rss_fifth": sampler.at(rows // 5),
        "rss_end": sampler.at(rows),
    }


def check(platform: Platform, job_id: str, rows: int) -> None:
    """One credential and one row per roster row; no status index handed out twice."""
    with platform.db.session() as session:
        of_job = IssuedCredential.job_id == job_id
        credentials = session.execute(select(func.count()).where(of_job)).scalar()
        job_rows = session.execute(select(func.count()).where(JobRow.job_id == job_id)).scalar()
        revocation = session.execute(
            select(func.count()).select_from(
                select(IssuedCredential.revocation_list_id, IssuedCredential.revocation_index)
                .where(of_job)
                .distinct()
                .subquery()
            )
        ).scalar()
        suspension = session.execute(
            select(func.count()).select_from(
                select(IssuedCredential.suspension_list_id, IssuedCredential.suspension_index)
                .where(of_job)
                .distinct()
                .subquery()
            )
        ).scalar()
        bound = session.execute(
            select(func.count()).where(of_job, IssuedCredential.person_id.is_not(None))
        ).scalar()
    assert credentials == job_rows == revocation == suspension == rows, (
        credentials,
        job_rows,
        revocation,
        suspension,
    )
    assert bound == rows // 2, bound
    print(
        f"  check: {credentials:,} credentials, {job_rows:,} job rows, {revocation:,} distinct "
        f"revocation and {suspension:,} suspension indexes, {bound:,} bound to accounts"
    )


def baseline(platform: Platform, principal: Principal, rows: int) -> float:
    """The per-row path the roster job took before: each row in its own transaction."""
    add_accounts(platform, "b", rows)
    start = time.perf_counter()
    for award in awards("b", rows):
        with platform.db.session() as session:
            organization = orgs.organization_by_slug(session, "bench-board")
            achievement = achievements.achievement_by_slug(session, organization, "baseline")
            person = session.execute(
                select(Person).where(Person.email == award.recipient.email)
            ).scalar()
            credential = issuing.issue(
                session,
                platform,
                principal,
                organization,
                achievement,
                recipient=person or award.recipient,
            )
            if person is None:  # as the per-row job did: a claim offered to an address
                claims.offer_claim(session, platform, credential, award.recipient)
    return rows / (time.perf_counter() - start)


def bench(label: str, url: str, rows: int, baseline_rows: int) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        platform, principal = world(url, Path(data_dir))
        try:
            print(f"{label}:")
            per_row = baseline(platform, principal, baseline_rows)
            figures = roster(platform, principal, rows)
        finally:
            platform.db.dispose()
    rate = rows / figures["run"]
    overall = rows / (figures["submit"] + figures["run"])
    print(
        f"  roster of {rows:,}: submitted in {figures['submit']:.1f} s, issued in "
        f"{figures['run']:.1f} s = {rate:,.0f} credentials/s ({overall:,.0f}/s with the submission)"
    )
    print(
        f"  baseline (the per-row path, {baseline_rows:,} rows): {per_row:,.0f} credentials/s;"
        f" ratio {rate / per_row:,.1f}x"
    )
    own_fifth, worker_fifth = figures["rss_fifth"]
    own_end, worker_end = figures["rss_end"]
    print(
        f"  memory: this process {figures['rss_start']:.0f} MB before the run, {own_fifth:.0f} MB "
        f"after {rows // 5:,} rows, {own_end:.0f} MB after {rows:,}; a signing worker "
        f"{worker_fifth:.0f} MB and {worker_end:.0f} MB"
    )
    print(
        f"  projected for {MILLION:,} rows: {MILLION / rate / 60:.1f} min "
        f"({MILLION / overall / 60:.1f} min with the submission)"
    )


@contextmanager
def postgres_database(prefix: str = "bench_issue") -> Iterator[str | None]:
    """A fresh PostgreSQL database for the run, ``<prefix>_<pid>`` (None when no server
    answers); dropped at the end."""
    admin_url = os.environ.get("OPENLER_BENCH_DATABASE_URL", LOCAL_POSTGRES)
    if not admin_url:
        print("PostgreSQL: skipped (OPENLER_BENCH_DATABASE_URL is empty)")
        yield None
        return
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{os.getpid()}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - no server is a skip, said so
        print(f"PostgreSQL: skipped ({admin_url} does not answer: {type(exc).__name__})")
        admin.dispose()
        yield None
        return
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    baseline_rows = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    load = os.getloadavg()[0]
    print(
        f"roster issuance, {rows:,} rows; {os.cpu_count()} cores, load average {load:.1f} "
        "(other work on the machine slows every figure)"
    )
    with tempfile.TemporaryDirectory() as directory:
        bench("SQLite", f"sqlite:///{directory}/bench.db", rows, baseline_rows)
    with postgres_database() as url:
        if url is not None:
            bench("PostgreSQL", url, rows, baseline_rows)


if __name__ == "__main__":  # the signing workers import this module again; they run nothing
    main()
