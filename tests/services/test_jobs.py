"""Background jobs: batch issuance in-process (SQLite) and through Procrastinate workers
(PostgreSQL), row by row, and safe to run again."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from sqlalchemy import func, select

from openler.services import jobs
from openler.services.errors import UsageError
from openler.services.issuers import bulk
from openler.services.people import accounts
from openler.store.models import IssuedCredential, Job
from tests.conftest import load_demo

RECIPIENTS = [
    "james@demo.openler.org",
    "not an address",
    "newcomer@example.org",  # no account here: issued to the address, to be claimed
    "JAMES@demo.openler.org",  # the same person again: already holds it
]


def trainer(platform: Any) -> accounts.Principal:
    with platform.db.session() as s:
        from openler.store.models import Person

        person = s.execute(
            select(Person).where(Person.email == "olivia@demo.openler.org")
        ).scalar_one()
        return accounts.principal_for(s, person)


def issued_count(platform: Any) -> int:
    with platform.db.session() as s:
        return int(s.execute(select(func.count()).select_from(IssuedCredential)).scalar_one())


def test_batch_issue_in_process(platform: Any) -> None:
    with platform.db.session() as s:
        load_demo(s, platform)
    before = issued_count(platform)
    queue = jobs.InProcessQueue(platform)
    job_id = bulk.submit_emails(
        platform,
        queue,
        trainer(platform),
        organization_slug="ohio-nursing",
        achievement_slug="registered-nurse",
        recipients=RECIPIENTS,
    )
    queue.wait()
    state = jobs.job_state(platform, job_id, trainer(platform))
    # the run reached its end: done, though one row was not issued (the result says so)
    assert state["state"] == "done" and state["error"] is None
    assert state["result"] == {"issued": 2, "already_holds": 1, "would_issue": 0, "failed": 1}
    assert state["done"] == state["total"] == 4
    rows = state["rows"]
    assert [r["outcome"] for r in rows] == ["issued", "failed", "issued", "already_holds"]
    assert rows[1]["message"] == "'not an address' is not an email address"
    assert rows[3]["credential"] == rows[0]["credential"]
    assert issued_count(platform) == before + 2
    # running it again (a killed worker, a resubmitted job) issues nothing twice
    with platform.db.session() as s:  # as after a crash half way
        s.get(Job, job_id).state = "failed"
    assert jobs.run_job(platform, job_id) == "done"
    assert issued_count(platform) == before + 2
    # nor does the same file submitted again: everyone already holds it
    again = bulk.submit_emails(
        platform,
        queue,
        trainer(platform),
        organization_slug="ohio-nursing",
        achievement_slug="registered-nurse",
        recipients=RECIPIENTS,
    )
    queue.wait()
    assert jobs.job_state(platform, again, trainer(platform))["result"]["already_holds"] == 3
    assert issued_count(platform) == before + 2


def test_batch_needs_an_issuer_role(platform: Any) -> None:
    import pytest

    from openler.services.errors import Forbidden

    with platform.db.session() as s:
        load_demo(s, platform)
        from openler.store.models import Person

        maria = s.execute(
            select(Person).where(Person.email == "maria@demo.openler.org")
        ).scalar_one()
        learner = accounts.principal_for(s, maria)
    with pytest.raises(Forbidden):
        bulk.submit_emails(
            platform,
            jobs.InProcessQueue(platform),
            learner,
            organization_slug="ohio-nursing",
            achievement_slug="registered-nurse",
            recipients=RECIPIENTS,
        )


def test_procrastinate_worker_runs_the_job(platform: Any) -> None:
    import pytest

    if not platform.settings.database_url.startswith("postgresql"):
        # SQLite (the embedded default) runs jobs in-process; workers need PostgreSQL.
        assert isinstance(jobs.queue_for(platform), jobs.InProcessQueue)
        with pytest.raises(UsageError, match="workers need PostgreSQL"):
            jobs.ProcrastinateQueue(platform.settings.database_url)
        return
    with platform.db.session() as s:
        load_demo(s, platform)
    queue = jobs.ProcrastinateQueue(platform.settings.database_url)
    queue.apply_schema()
    queue.apply_schema()  # idempotent
    before = issued_count(platform)
    job_id = bulk.submit_emails(
        platform,
        queue,
        trainer(platform),
        organization_slug="ohio-nursing",
        achievement_slug="registered-nurse",
        recipients=[RECIPIENTS[0]],
    )
    env = {
        **os.environ,
        "OPENLER_DATABASE_URL": platform.settings.database_url,
        "OPENLER_KEY_ENCRYPTION_KEY": platform.settings.key_encryption_key.get_secret_value(),
        "OPENLER_PUBLIC_URL": platform.settings.public_url,
    }
    worker = subprocess.run(
        [sys.executable, "-c", "from openler.cli import main; main()", "worker", "--burst"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert worker.returncode == 0, worker.stderr
    assert jobs.job_state(platform, job_id, trainer(platform))["state"] == "done"
    assert issued_count(platform) == before + 1
