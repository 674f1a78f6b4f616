"""JEDx job records (the Jobs and Employment Data Exchange's ``job`` object) read into what a
posting needs.

A JEDx job has an identifier (``jobId``), a ``title``, its duties (``jobDuties``) and its
occupation codes (``socInfo``: a classification system — 1 is the US SOC — and a code). A
6-digit SOC code (``29-1141``) is O*NET's ``29-1141.00``; an O*NET-SOC code is kept as it
is; codes of other systems (ISCO, ESCO, NOC, UK SOC) are kept apart, unmapped. JEDx's job
record says nothing of skills or competencies, required or preferred, a location, or
whether the job is open: those are left for the employer to add (:attr:`JedxJob.lacks`).

>>> job = read_job(b'{"job": {"organizationId": "GCE1", "jobId": "J-1", "title": "RN",'
...                b' "socInfo": [{"classificationSys": "1", "socCodeValue": "29-1141"}]}}')
>>> job.job_id, job.title, job.occupation_codes
('J-1', 'RN', ('29-1141.00',))
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Any

from openler.vc import InputError, parse_json

#: the largest record read
MAX_BYTES = 1_000_000
MAX_TEXT = 20_000
#: JEDx's classificationSys codes
SYSTEMS = {
    "1": "SOC",
    "2": "ISCO",
    "3": "ESCO",
    "4": "NOC",
    "5": "UK SOC",
    "6": "other",
}
#: what a posting has that JEDx's job record does not
LACKS = (
    "skills or competencies",
    "which skills are required and which preferred",
    "a location",
    "whether the job is open",
)

_SOC = re.compile(r"(\d{2}-\d{4})(\.\d{2})?")


class JedxError(ValueError):
    """The bytes are not a JEDx job record; the message says what is wrong."""


@dataclass(frozen=True)
class JedxJob:
    organization_id: str
    job_id: str
    title: str
    duties: str
    #: O*NET-SOC codes, in the record's order
    occupation_codes: tuple[str, ...]
    #: (system, code) of codes of other classification systems, kept but not mapped
    other_codes: tuple[tuple[str, str], ...]

    @property
    def lacks(self) -> tuple[str, ...]:
        """What a posting needs that the record does not say."""
        return LACKS


def _string(job: dict[str, Any], name: str, *, required: bool = False) -> str:
    value = job.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise JedxError(f"the job's {name!r} must be a non-empty string")
    if "\x00" in value:
        raise JedxError(f"the job's {name!r} holds a NUL character")
    return " ".join(value.split())[:MAX_TEXT] if name != "jobDuties" else value.strip()[:MAX_TEXT]


def read_job(data: bytes) -> JedxJob:
    """The job of a JEDx record (``{"job": {...}}``, or the job object alone).

    Raises :class:`JedxError` for anything that is not one: not JSON, no ``jobId`` or
    ``organizationId`` (both required by JEDx's schema), a ``socInfo`` that is not a list.
    """
    if len(data) > MAX_BYTES:
        raise JedxError(f"a JEDx job record is at most {MAX_BYTES:,} bytes")
    try:  # I-JSON, as verification reads it: no repeated names, no half pairs, not too deep
        document = parse_json(data.removeprefix(codecs.BOM_UTF8))
    except InputError as exc:
        raise JedxError(f"this is not JSON a job record can be read from: {exc}") from None
    if not isinstance(document, dict):
        raise JedxError("a JEDx job record is a JSON object")
    job = document.get("job", document)
    if not isinstance(job, dict):
        raise JedxError("the record's 'job' is not an object")
    organization = _string(job, "organizationId", required=True)
    job_id = _string(job, "jobId", required=True)
    title = _string(job, "title") or job_id
    duties = _string(job, "jobDuties")
    found = job.get("socInfo", [])
    if not isinstance(found, list):
        raise JedxError("the job's 'socInfo' must be a list")
    codes: list[str] = []
    others: list[tuple[str, str]] = []
    for info in found[:50]:
        if not isinstance(info, dict) or not isinstance(info.get("socCodeValue"), str):
            raise JedxError("each 'socInfo' entry needs a 'socCodeValue' string")
        value = info["socCodeValue"].strip()
        system = SYSTEMS.get(str(info.get("classificationSys", "1")).strip(), "other")
        match = _SOC.fullmatch(value)
        if system == "SOC" and match:
            code = match.group(1) + (match.group(2) or ".00")
            if code not in codes:
                codes.append(code)
        else:
            others.append((system, value[:100]))
    return JedxJob(organization, job_id, title[:300], duties, tuple(codes), tuple(others))
