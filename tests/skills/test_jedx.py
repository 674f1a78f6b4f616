"""JEDx job records: the pilot's sample read, SOC codes made O*NET-SOC, other systems kept
apart, and anything that is not a job record refused with a reason."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openler.skills.jedx import LACKS, JedxError, read_job

SAMPLE = Path(__file__).parents[2] / ".." / "shared" / "data" / "jedx" / "job.json"


@pytest.mark.skipif(not SAMPLE.exists(), reason="../shared/data/jedx is not here")
def test_the_pilots_job_record() -> None:
    job = read_job(SAMPLE.read_bytes())
    assert (job.organization_id, job.job_id, job.title) == (
        "GCE123456",
        "JOB-10023",
        "Restaurant Manager",
    )
    assert job.occupation_codes == ("35-1012.00", "35-1011.00")
    assert job.duties.startswith("Oversee daily restaurant operations")
    assert job.lacks == LACKS and "a location" in LACKS


def test_codes_of_other_systems_are_kept_unmapped() -> None:
    job = read_job(
        json.dumps(
            {
                "organizationId": "O",
                "jobId": "J",
                "socInfo": [
                    {"classificationSys": "2", "socCodeValue": "2221"},
                    {"classificationSys": "1", "socCodeValue": "29-1141.01"},
                    {"socCodeValue": "29-1141.01"},
                ],
            }
        ).encode()
    )
    assert job.title == "J"  # no title: its identifier
    assert job.occupation_codes == ("29-1141.01",) and job.other_codes == (("ISCO", "2221"),)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"not json", "not JSON"),
        (b"[]", "JSON object"),
        (b'{"job": 3}', "not an object"),
        (b'{"job": {"jobId": "J"}}', "organizationId"),
        (b'{"job": {"organizationId": "O", "jobId": " "}}', "jobId"),
        (b'{"job": {"organizationId": "O", "jobId": "J", "socInfo": {}}}', "list"),
        (b'{"job": {"organizationId": "O", "jobId": "J", "socInfo": [{}]}}', "socCodeValue"),
    ],
)
def test_what_is_not_a_job_record_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(JedxError, match=reason):
        read_job(data)


@given(st.binary(max_size=200))
def test_any_bytes_read_or_refused(data: bytes) -> None:
    with contextlib.suppress(JedxError):
        read_job(data)
