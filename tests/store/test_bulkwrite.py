"""Rows written in bulk (COPY on PostgreSQL, executemany on SQLite) read back as an
ORM insert would have written them, and a duplicate key fails as an INSERT does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from openler.store.bulkwrite import table_of, write_rows
from openler.store.models import Job, JobInput, JobRow


def test_rows_read_back_as_written(platform: Any) -> None:
    at = datetime(2026, 11, 24, 12, 30, 5, 123456, tzinfo=UTC)
    with platform.db.session() as s:
        write_rows(
            s,
            table_of(Job),
            [
                {
                    "id": "job-1",
                    "kind": "roster_issue",
                    "payload": {"name": 'Zoë "quoted"\ttab\nline', "n": [1, 2.5, None, True]},
                    "state": "queued",
                    "attempts": 0,
                    "created_at": at.astimezone(timezone(timedelta(hours=-5))),
                    "done": 0,
                }
            ],
        )
        write_rows(
            s,
            table_of(JobInput),
            [
                {"job_id": "job-1", "row": n, "recipient_key": None, "data": {"row": n}}
                for n in range(1, 2001)
            ],
        )
        write_rows(s, table_of(JobRow), [])  # nothing to write is fine
    with platform.db.session() as s:
        job = s.get(Job, "job-1")
        assert job is not None
        assert job.payload == {"name": 'Zoë "quoted"\ttab\nline', "n": [1, 2.5, None, True]}
        assert job.created_at == at
        assert job.result is None
        data = s.execute(select(JobInput.data).order_by(JobInput.row)).scalars().all()
        assert data == [{"row": n} for n in range(1, 2001)]


def test_shared_moments_are_written_each_where_it_belongs(platform: Any) -> None:
    """A chunk's rows share their moments; each is converted once per column, and every
    row — the same moment, another one, one in another zone — reads back as given."""
    at = datetime(2026, 11, 24, 12, 30, 5, 123456, tzinfo=UTC)
    moments = [at, at, at + timedelta(microseconds=1), at.astimezone(timezone(timedelta(0))), at]
    moments.append(at.astimezone(timezone(timedelta(hours=2))))
    with platform.db.session() as s:
        write_rows(
            s,
            table_of(Job),
            [
                {
                    "id": f"job-m{n}",
                    "kind": "roster_issue",
                    "payload": {},
                    "state": "queued",
                    "attempts": 0,
                    "created_at": moment,
                    "started_at": at if n % 2 else None,
                    "done": 0,
                }
                for n, moment in enumerate(moments)
            ],
        )
    with platform.db.session() as s:
        for n, moment in enumerate(moments):
            job = s.get(Job, f"job-m{n}")
            assert job is not None
            assert job.created_at == moment
            assert job.started_at == (at if n % 2 else None)


def test_a_duplicate_key_fails_and_writes_nothing(platform: Any) -> None:
    with platform.db.session() as s:
        s.add(Job(id="job-2", kind="roster_issue", payload={}, created_at=datetime.now(UTC)))
    first = [{"job_id": "job-2", "row": 1, "outcome": "issued"}, {"job_id": "job-2", "row": 2}]
    first[1]["outcome"] = "failed"

    def write_twice() -> None:
        with platform.db.session() as s:
            write_rows(s, table_of(JobRow), first)
            write_rows(s, table_of(JobRow), first[:1])

    with pytest.raises(IntegrityError):
        write_twice()
    with platform.db.session() as s:
        assert s.execute(select(JobRow)).scalars().all() == []
