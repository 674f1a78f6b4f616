"""Job postings of an employer: made on its pages, imported from a JEDx job record, edited,
closed; their requirements are skills picked from a framework (searched by label) or the
skills a framework says the posting's occupation requires.

Who: the organization's HR — its ``verifier``s (who already check the credentials
applicants bring) and its ``issuer_admin``s; nobody else, whatever else they hold. Every
change is audited. A closed posting keeps its requirements and its candidate ranking can
still be read, but it is no longer edited.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, Forbidden, NotFound, UsageError
from openler.services.people.accounts import Principal, require_role
from openler.services.skills import framework_queries
from openler.services.wording import N_
from openler.skills import Item, jedx
from openler.skills.matching import Requirement
from openler.skills.profiles import item_key, words
from openler.store.models import Competency, JobPosting, Organization, PostingRequirement
from openler.store.text import unstorable

#: the roles that manage an employer's postings and read its candidates
EMPLOYER_ROLES = ("verifier", "issuer_admin")
#: what a requirement's weight may be (the editor's 1–5)
WEIGHTS = (1, 2, 3, 4, 5)
MAX_REQUIREMENTS = 60
#: kinds of framework items a posting may ask for
REQUIRABLE = ("skill", "knowledge", "competency", "occupation")
_ONET_SOC = re.compile(r"\d{2}-\d{4}\.\d{2}")
_LIMITS = {"title": 300, "location": 300, "description": 20_000}


def require_employer(principal: Principal, organization: Organization) -> None:
    """The HR (``verifier`` or ``issuer_admin``) of an organization that is an employer,
    or the platform operator for one. People agreed to be found by employers: a licensing
    board, a college or an agency posts no jobs here and ranks nobody."""
    if organization.kind != "employer":
        raise Forbidden(f"{organization.name} is not an employer: it has no job postings here")
    require_role(principal, organization.id, *EMPLOYER_ROLES)


def _clean(name: str, value: str | None, *, required: bool = False) -> str | None:
    text = (value or "").strip()
    if name != "description":
        text = " ".join(text.split())
    if required and not text:
        raise UsageError.worded(N_("give the posting a title"))
    if len(text) > _LIMITS[name]:
        raise UsageError(f"the {name} is at most {_LIMITS[name]:,} characters")
    if unstorable(text):
        raise UsageError(f"the {name} holds a character that is not text (NUL, or half a pair)")
    return text or None


def occupation_label(session: Session, code: str | None) -> str | None:
    """The title of the occupation of O*NET-SOC ``code`` in any framework, O*NET's first."""
    return framework_queries.occupation_title(session, code)


def _occupation(session: Session, code: str | None) -> tuple[str | None, str | None]:
    code = (code or "").strip() or None
    if code is not None and not _ONET_SOC.fullmatch(code):
        raise UsageError.worded(
            N_("an occupation is an O*NET-SOC code such as 29-1141.00 (%(code)s is not one)"),
            code=code[:40],
        )
    return code, occupation_label(session, code)


def _audit(
    session: Session, platform: Platform, principal: Principal, action: str, posting: JobPosting
) -> None:
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action=action,
        subject=f"posting:{posting.id}",
        data={"organization": posting.organization_id, "title": posting.title},
    )


def create(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    *,
    title: str,
    description: str | None = None,
    location: str | None = None,
    occupation_code: str | None = None,
    source: str = "page",
    source_ref: str | None = None,
) -> JobPosting:
    """A new open posting of ``organization``."""
    require_employer(principal, organization)
    code, label = _occupation(session, occupation_code)
    posting = JobPosting(
        organization_id=organization.id,
        title=_clean("title", title, required=True),
        description=_clean("description", description),
        location=_clean("location", location),
        occupation_code=code,
        occupation_label=label,
        status="open",
        source=source,
        source_ref=source_ref,
        created_by=principal.label,
        created_at=platform.now(),
    )
    session.add(posting)
    session.flush()
    _audit(session, platform, principal, "posting.created", posting)
    return posting


def posting_of(
    session: Session, principal: Principal, organization: Organization, posting_id: str
) -> JobPosting:
    """One of ``organization``'s postings (another's does not exist for its staff)."""
    require_employer(principal, organization)
    posting = session.get(JobPosting, posting_id)
    if posting is None or posting.organization_id != organization.id:
        raise NotFound.worded(N_("no such posting"))
    return posting


def open_posting(
    session: Session, principal: Principal, organization: Organization, posting_id: str
) -> JobPosting:
    """One of ``organization``'s postings that is still open (a closed one is not edited)."""
    posting = posting_of(session, principal, organization, posting_id)
    if posting.status != "open":
        raise Conflict.worded(N_("this posting is closed: it is no longer edited"))
    return posting


def edit(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    posting_id: str,
    *,
    title: str,
    description: str | None,
    location: str | None,
    occupation_code: str | None,
) -> JobPosting:
    """Change an open posting's title, description, location and occupation."""
    posting = open_posting(session, principal, organization, posting_id)
    values = (
        str(_clean("title", title, required=True)),
        _clean("description", description),
        _clean("location", location),
        *_occupation(session, occupation_code),
    )
    (
        posting.title,
        posting.description,
        posting.location,
        posting.occupation_code,
        posting.occupation_label,
    ) = values
    posting.updated_at = platform.now()
    _audit(session, platform, principal, "posting.edited", posting)
    return posting


def close(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    posting_id: str,
) -> JobPosting:
    """Close an open posting (it stays, read-only)."""
    posting = open_posting(session, principal, organization, posting_id)
    posting.status = "closed"
    posting.closed_at = posting.updated_at = platform.now()
    _audit(session, platform, principal, "posting.closed", posting)
    return posting


def postings_of(
    session: Session, principal: Principal, organization: Organization
) -> list[JobPosting]:
    """``organization``'s postings, open ones first, the newest first."""
    require_employer(principal, organization)
    query = (
        select(JobPosting)
        .where(JobPosting.organization_id == organization.id)
        .order_by(JobPosting.status.desc(), JobPosting.created_at.desc())
    )
    return list(session.execute(query).scalars())


def search(
    session: Session, query: str, *, framework: str | None = None, limit: int = 20
) -> list[Competency]:
    """Framework items a posting may ask for whose label, code or alternative labels hold
    every word of ``query``, the closest label first (a framework is public: anyone may
    search it; :func:`framework_queries.items`)."""
    terms = words(query).split()
    if not terms or not any(len(t) > 1 for t in terms):
        return []
    found = framework_queries.items(
        session,
        framework or None,
        kind=REQUIRABLE,
        query=" ".join(terms),
        limit=max(1, min(limit, 100)),
    )
    return found.items


def _weight(value: float | int | str) -> float:
    try:
        weight = float(value)
    except (TypeError, ValueError):
        weight = 0.0
    if weight not in WEIGHTS:
        raise UsageError.worded(N_("a weight is a whole number from 1 to 5"))
    return weight


def add_requirement(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    posting_id: str,
    competency_id: str,
    *,
    required: bool,
    weight: float | int | str = 3,
) -> PostingRequirement:
    """Ask for a framework's item (required or preferred, weight 1–5); asking for the same
    item again changes the existing requirement."""
    posting = open_posting(session, principal, organization, posting_id)
    item = session.get(Competency, competency_id)
    if item is None or item.kind not in REQUIRABLE:
        raise NotFound.worded(N_("no such skill in the frameworks here"))
    values = _copied(item.framework_id, item.identifier, item.kind, item.label, item.code, item.url)
    return _ask(session, platform, principal, posting, item.id, values, required, weight)


def ask_for_item(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    posting_id: str,
    framework_id: str,
    item: Item,
    *,
    required: bool,
    weight: float | int | str = 3,
) -> PostingRequirement:
    """Ask for ``item`` of the framework ``framework_id`` as a reader or a caller made it
    (the stored item of that identifier is linked when there is one)."""
    posting = open_posting(session, principal, organization, posting_id)
    if item.kind not in REQUIRABLE:
        raise UsageError(f"a posting asks for skills and occupations, not a {item.kind} item")
    try:
        stored: str | None = framework_queries.item(session, framework_id, item.identifier).id
    except NotFound:
        stored = None
    values = _copied(framework_id, item.identifier, item.kind, item.label, item.code, item.url)
    return _ask(session, platform, principal, posting, stored, values, required, weight)


def _copied(
    framework_id: str, identifier: str, kind: str, label: str, code: str | None, url: str | None
) -> dict[str, Any]:
    """A requirement's copy of a framework's item."""
    return {
        "framework_id": framework_id,
        "identifier": identifier,
        "kind": kind,
        "label": label,
        "code": code,
        "url": url,
    }


def _ask(
    session: Session,
    platform: Platform,
    principal: Principal,
    posting: JobPosting,
    competency_id: str | None,
    values: dict[str, Any],
    required: bool,
    weight: float | int | str,
) -> PostingRequirement:
    checked = _weight(weight)
    found = next(
        (
            r
            for r in posting.requirements
            if (r.framework_id, r.identifier) == (values["framework_id"], values["identifier"])
        ),
        None,
    )
    if found is None:
        if len(posting.requirements) >= MAX_REQUIREMENTS:
            raise UsageError(f"a posting asks for at most {MAX_REQUIREMENTS} skills")
        found = PostingRequirement(
            competency_id=competency_id,
            position=max((r.position for r in posting.requirements), default=-1) + 1,
            **values,
        )
        posting.requirements.append(found)
    found.required, found.weight = required, checked
    posting.updated_at = platform.now()
    session.flush()
    _audit_requirement(session, platform, principal, "posting.requirement_set", posting, found)
    return found


def _requirement(posting: JobPosting, requirement_id: str) -> PostingRequirement:
    for requirement in posting.requirements:
        if requirement.id == requirement_id:
            return requirement
    raise NotFound.worded(N_("this posting does not ask for that skill"))


def change_requirement(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    posting_id: str,
    requirement_id: str,
    *,
    required: bool,
    weight: float | int | str,
) -> PostingRequirement:
    """Make a requirement required or preferred, and change its weight."""
    posting = open_posting(session, principal, organization, posting_id)
    requirement = _requirement(posting, requirement_id)
    requirement.required, requirement.weight = required, _weight(weight)
    posting.updated_at = platform.now()
    _audit_requirement(
        session, platform, principal, "posting.requirement_set", posting, requirement
    )
    return requirement


def remove_requirement(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    posting_id: str,
    requirement_id: str,
) -> None:
    posting = open_posting(session, principal, organization, posting_id)
    requirement = _requirement(posting, requirement_id)
    posting.requirements.remove(requirement)
    posting.updated_at = platform.now()
    _audit_requirement(
        session, platform, principal, "posting.requirement_removed", posting, requirement
    )


def _audit_requirement(
    session: Session,
    platform: Platform,
    principal: Principal,
    action: str,
    posting: JobPosting,
    requirement: PostingRequirement,
) -> None:
    data: dict[str, Any] = {
        "organization": posting.organization_id,
        "framework": requirement.framework_id,
        "identifier": requirement.identifier,
    }
    if action != "posting.requirement_removed":
        data.update(required=requirement.required, weight=requirement.weight)
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action=action,
        subject=f"posting:{posting.id}",
        data=data,
    )


def occupation_skills(
    session: Session, code: str | None, *, top: int = 10
) -> list[tuple[Competency, float]]:
    """The skills frameworks say the occupation of O*NET-SOC ``code`` requires, the most
    important first: (item, importance 0–1)
    (:func:`framework_queries.occupation_requirements`)."""
    return framework_queries.occupation_requirements(session, code)[:top] if code else []


def add_occupation_skills(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    posting_id: str,
    *,
    top: int = 8,
) -> int:
    """Ask for the ``top`` skills the posting's occupation requires: required when the
    framework rates them important (0.75 or more), else preferred; weight 1–5 from the
    importance. Skills asked for already are left as they are. How many were added."""
    posting = open_posting(session, principal, organization, posting_id)
    if not posting.occupation_code:
        raise UsageError.worded(N_("name the posting's occupation first"))
    have = {(r.framework_id, r.identifier) for r in posting.requirements}
    added = 0
    for item, importance in occupation_skills(session, posting.occupation_code, top=top):
        if (item.framework_id, item.identifier) in have:
            continue
        add_requirement(
            session,
            platform,
            principal,
            organization,
            posting_id,
            item.id,
            required=importance >= 0.75,
            weight=max(1, min(5, round(1 + 4 * importance))),
        )
        added += 1
    if not added:
        raise UsageError.worded(
            N_("no framework here lists skills for %(code)s that the posting lacks"),
            code=posting.occupation_code,
        )
    return added


def import_jedx(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    data: bytes,
) -> tuple[JobPosting, jedx.JedxJob]:
    """A posting from a JEDx job record: its title, duties (as the description) and the
    first of its occupation codes a framework here knows (else the first). The same
    ``jobId`` imported again updates that posting. JEDx says nothing of skills or location:
    the employer adds them (:attr:`jedx.JedxJob.lacks`)."""
    require_employer(principal, organization)
    try:
        job = jedx.read_job(data)
    except jedx.JedxError as exc:
        raise UsageError(f"not a JEDx job record: {exc}") from None
    known = [c for c in job.occupation_codes if occupation_label(session, c)]
    code = next(iter(known or job.occupation_codes), None)
    existing = session.execute(
        select(JobPosting).where(
            JobPosting.organization_id == organization.id,
            JobPosting.source == "jedx",
            JobPosting.source_ref == job.job_id[:300],
        )
    ).scalar_one_or_none()
    if existing is not None and existing.status == "open":
        posting = edit(
            session,
            platform,
            principal,
            organization,
            existing.id,
            title=job.title,
            description=job.duties,
            location=existing.location,
            occupation_code=code,
        )
        return posting, job
    posting = create(
        session,
        platform,
        principal,
        organization,
        title=job.title,
        description=job.duties,
        occupation_code=code,
        source="jedx",
        source_ref=job.job_id[:300],
    )
    return posting, job


def requirements_of(posting: JobPosting) -> list[Requirement]:
    """The posting's requirements as matching reads them (skills keyed across frameworks)."""
    return [
        Requirement(
            item_key(r.kind, r.identifier, r.label, code=r.code, url=r.url),
            r.label,
            r.required,
            r.weight,
        )
        for r in posting.requirements
    ]
