"""Verification roster throughput: a ZIP of ITEMS credential files through the real job
handler (``jobs.run_job``, what a worker runs), on SQLite (a temporary file) and on
PostgreSQL, next to the verify page's own path on the same files.

For each database it prints, all measured in this run:

* the time to submit the roster (the ZIP read, its items stored) and to run the job, and
  items per second;
* the baseline: ``verifying.verify_document`` on each file, one after the other in one
  transaction (what the verify page does for one file), and the ratio — what the roster
  adds to verification (reading the upload, the state of each credential, the verdicts
  written and the inputs deleted chunk by chunk);
* the same in this process's CPU time, which other work on a shared machine disturbs far
  less than the wall clock (the database server's own time is not in it);
* a correctness check: one verdict per item, with the counts expected (a hundredth of the
  credentials revoked, a hundredth altered after signing).

PostgreSQL: ``OPENLER_BENCH_DATABASE_URL``, else the local server as ``bench_issue.py``
finds it (set it empty to leave PostgreSQL out).

Usage: ``python benchmarks/bench_verify_roster.py [ITEMS]`` (default 1000).
"""

from __future__ import annotations

import copy
import io
import json
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from bench_issue import NoQueue, postgres_database, world
from sqlalchemy import func, select

from openler.services import jobs
from openler.services.context import Platform
from openler.services.issuers import bulk, issuing, orgs
from openler.services.issuers.recipients import Award, Recipient
from openler.services.people import accounts
from openler.services.people.accounts import Principal
from openler.services.verifiers import rosters
from openler.services.verifiers.verifying import verify_document
from openler.store.models import IssuedCredential, JobRow, Person, RosterVerdict


def licences(platform: Platform, principal: Principal, items: int) -> list[bytes]:
    """``items`` licence files: issued by the board's roster job, one in a hundred revoked,
    one in a hundred altered after signing."""
    job_id = bulk.submit_roster(
        platform,
        NoQueue(),
        principal,
        organization_slug="bench-board",
        achievement_slug="rn",
        awards=(
            Award(Recipient(identifier=f"RN.{n}"), row=n, subject={"licenseNumber": f"RN.{n}"})
            for n in range(1, items + 1)
        ),
    )
    assert jobs.run_job(platform, job_id) == "done"
    with platform.db.session() as session:
        ids = list(
            session.execute(
                select(JobRow.credential_id).where(JobRow.job_id == job_id).order_by(JobRow.row)
            ).scalars()
        )
        lists: set[str] = set()
        for credential_id in ids[: items // 100]:
            issuing.set_status(
                session,
                platform,
                principal,
                str(credential_id),
                action="revoke",
                reason="bench",
                deferred=lists,
            )
        issuing.publish_lists(
            session, platform, orgs.organization_by_slug(session, "bench-board"), lists
        )
        documents = {
            row.id: row.document
            for row in session.execute(
                select(IssuedCredential).where(IssuedCredential.job_id == job_id)
            ).scalars()
        }
    files = []
    for n, credential_id in enumerate(ids):
        document = documents[str(credential_id)]
        if n >= items - items // 100:
            document = copy.deepcopy(document)
            document["credentialSubject"]["licenseNumber"] = "RN.0"
        files.append(json.dumps(document).encode())
    return files


def verifier(platform: Platform) -> Principal:
    with platform.db.session() as session:
        person = accounts.create_person(
            session,
            platform,
            name="Verifier",
            email="verifier@bench.example",
            password=None,
            actor=Principal.system("bench-setup"),
        )
        accounts.add_member(
            session,
            platform,
            person=person,
            organization=orgs.organization_by_slug(session, "bench-board"),
            role="verifier",
            actor=Principal.system("bench-setup"),
        )
        return accounts.principal_for(session, session.get(Person, person.id) or person)


def bench(label: str, url: str, items: int) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        platform, board = world(url, Path(data_dir))
        try:
            files = licences(platform, board, items)
            sam = verifier(platform)
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for n, data in enumerate(files, start=1):
                    archive.writestr(f"licences/rn-{n:05d}.json", data)
            content = buffer.getvalue()
            start, cpu = time.perf_counter(), time.process_time()
            with platform.db.session() as session:  # the verify page's path, file by file
                for data in files:
                    verify_document(session, platform, data)
            baseline = time.perf_counter() - start
            baseline_cpu = time.process_time() - cpu
            start = time.perf_counter()
            job_id = rosters.submit(
                platform,
                NoQueue(),
                sam,
                organization_slug="bench-board",
                content=content,
                filename="licences.zip",
            )
            submitted, cpu = time.perf_counter(), time.process_time()
            assert jobs.run_job(platform, job_id) == "done"
            finished, run_cpu = time.perf_counter(), time.process_time() - cpu
            with platform.db.session() as session:
                counts = rosters.outcome_counts(session, job_id)
                judged = session.execute(
                    select(func.count()).where(RosterVerdict.job_id == job_id)
                ).scalar_one()
        finally:
            platform.db.dispose()
    hundredth = items // 100
    expected = {"active": items - 2 * hundredth, "revoked": hundredth, "forged": hundredth}
    assert judged == items, judged
    assert counts == {k: v for k, v in expected.items() if v}, counts
    run = finished - submitted
    print(f"{label}: a ZIP of {items:,} credential files ({len(content) / 1e6:.1f} MB)")
    print(
        f"  submitted in {submitted - start:.2f} s, verified in {run:.2f} s = "
        f"{items / run:,.0f} items/s ({items / (finished - start):,.0f}/s with the submission)"
    )
    print(
        f"  baseline (verify_document on each file): {items / baseline:,.0f} items/s; "
        f"the roster runs at {baseline / run:.2f}x of it"
    )
    print(
        f"  CPU time of this process (steadier on a busy machine): {run_cpu * 1000 / items:.2f} "
        f"ms an item = {items / run_cpu:,.0f} items/s a core; baseline "
        f"{baseline_cpu * 1000 / items:.2f} ms, ratio {baseline_cpu / run_cpu:.2f}x"
    )
    print(f"  check: {judged:,} verdicts, {counts}")


def main() -> None:
    items = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as folder:
        bench("SQLite", f"sqlite:///{Path(folder) / 'bench.db'}", items)
    with postgres_database() as url:
        if url is not None:
            bench("PostgreSQL", url, items)


if __name__ == "__main__":
    main()
