"""What a person writes of themselves in their record: a job, volunteering, a skill,
informal learning. Always shown as self-reported, never as verified.

Only the owner adds, edits or deletes their entries; anyone else is told an entry does not
exist. Every change is audited with its kind and id, never with the words written.

Input is checked as a form is: every problem at once, each tied to its field, in words a
person can act on (:class:`InvalidEntry`).

>>> draft = checked(kind="job", title=" Night-shift nurse ", started="2019-03", ended="2021")
>>> (draft.title, draft.started, draft.ended)
('Night-shift nurse', '2019-03', '2021')
>>> try:
...     checked(kind="job", title="", started="2021", ended="2020-12")
... except InvalidEntry as exc:
...     [p.field for p in exc.problems]
['title', 'ended']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import NotFound, UsageError
from openler.services.holders.record import self_reported_of
from openler.services.people.accounts import Principal, require_self
from openler.services.wording import N_
from openler.store.models import SelfReported
from openler.store.text import unstorable

#: the kinds of self-reported entry, with the words a person reads
KINDS: dict[str, str] = {
    "job": N_("Job"),
    "volunteering": N_("Volunteering"),
    "skill": N_("Skill"),
    "learning": N_("Informal learning"),
}
MAX_TITLE = 300
MAX_ORGANIZATION = 300
MAX_DESCRIPTION = 5000
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with what was typed: the ``field`` it is in, and what to do."""

    field: str
    message: str
    #: ``message`` as a message and its values, for pages in other languages
    wording: tuple[str, tuple[tuple[str, str], ...]] | None = None


def _problem(field: str, message: str, **values: str) -> Problem:
    """The problem of ``field``, its ``message`` filled with ``values``."""
    return Problem(field, message % values, (message, tuple(sorted(values.items()))))


class InvalidEntry(UsageError):  # noqa: N818 - names the refusal
    """A self-reported entry that cannot be kept as typed, with every problem found."""

    code = "invalid_self_reported"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Draft:
    """A self-reported entry as checked, ready to keep."""

    kind: str
    title: str
    organization: str | None
    started: str | None
    ended: str | None
    description: str | None


def _date_problem(value: str) -> tuple[str, dict[str, str]] | None:
    """Why ``value`` is not a year, a month or a day (``YYYY``, ``YYYY-MM``,
    ``YYYY-MM-DD``), as a message and its values, or None."""
    match = _DATE.match(value)
    if match is None:
        return N_("write a year (2019), a month (2019-03) or a day (2019-03-15)"), {}
    year, month, day = (int(part) if part else None for part in match.groups())
    if year is None or year < 1900:
        return N_("give a year from 1900 on"), {}
    if month is not None and not 1 <= month <= 12:
        return N_("there is no month %(month)s; months go from 01 to 12"), {"month": f"{month:02d}"}
    if month is not None and day is not None:
        try:
            date(year, month, day)
        except ValueError:
            return N_("there is no day %(day)s in %(month)s"), {
                "day": f"{day:02d}",
                "month": f"{year}-{month:02d}",
            }
    return None


def _optional(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


def checked(
    *,
    kind: str,
    title: str,
    organization: str | None = None,
    started: str | None = None,
    ended: str | None = None,
    description: str | None = None,
) -> Draft:
    """What was typed, trimmed and checked; :class:`InvalidEntry` with every problem."""
    problems: list[Problem] = []
    kind = (kind or "").strip()
    if kind not in KINDS:
        problems.append(
            _problem("kind", N_("choose what it is: job, volunteering, skill, informal learning"))
        )
    title = (title or "").strip()
    if not title:
        problems.append(_problem("title", N_("give it a title, such as the job or the skill")))
    elif len(title) > MAX_TITLE:
        problems.append(
            _problem(
                "title", N_("keep the title to %(most)s characters at most"), most=str(MAX_TITLE)
            )
        )
    where = _optional(organization)
    if where is not None and len(where) > MAX_ORGANIZATION:
        problems.append(
            _problem(
                "organization",
                N_("keep the name to %(most)s characters at most"),
                most=str(MAX_ORGANIZATION),
            )
        )
    about = _optional(description)
    if about is not None and len(about) > MAX_DESCRIPTION:
        problems.append(
            _problem(
                "description",
                N_("keep the description to %(most)s characters at most"),
                most=str(MAX_DESCRIPTION),
            )
        )
    start, end = _optional(started), _optional(ended)
    bad_dates = set()
    for name, value in (("started", start), ("ended", end)):
        why = _date_problem(value) if value is not None else None
        if why is not None:
            problems.append(_problem(name, why[0], **why[1]))
            bad_dates.add(name)
    if start and end and not bad_dates:
        common = min(len(start), len(end))
        if end[:common] < start[:common]:
            problems.append(
                _problem("ended", N_("the end cannot be before the start (%(start)s)"), start=start)
            )
    typed = {"title": title, "organization": where, "started": start, "ended": end}
    for name, value in (typed | {"description": about}).items():
        if unstorable(value) and name not in {p.field for p in problems}:
            problems.append(
                _problem(
                    name,
                    N_("remove the character that cannot be stored (an invisible or broken one)"),
                )
            )
    if problems:
        raise InvalidEntry(problems)
    return Draft(kind, title, where, start, end, about)


def entries_of(session: Session, principal: Principal) -> list[SelfReported]:
    """``principal``'s own self-reported entries, newest first."""
    require_self(principal, principal.person_id)
    return self_reported_of(session, str(principal.person_id))


def own(session: Session, principal: Principal, entry_id: str) -> SelfReported:
    """One of ``principal``'s entries; anyone else's does not exist for them."""
    require_self(principal, principal.person_id)
    row = session.get(SelfReported, entry_id)
    if row is None or row.person_id != principal.person_id:
        raise NotFound.worded(N_("you wrote no such entry"))
    return row


def _audit(
    session: Session, platform: Platform, principal: Principal, action: str, row: SelfReported
) -> None:
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action=action,
        subject=f"self_reported:{row.id}",
        data={"kind": row.kind},
    )


def _fill(row: SelfReported, draft: Draft) -> None:
    row.kind = draft.kind
    row.title = draft.title
    row.organization = draft.organization
    row.started = draft.started
    row.ended = draft.ended
    row.description = draft.description


def add(session: Session, platform: Platform, principal: Principal, draft: Draft) -> SelfReported:
    """Keep ``draft`` in ``principal``'s record."""
    require_self(principal, principal.person_id)
    row = SelfReported(person_id=principal.person_id, created_at=platform.now())
    _fill(row, draft)
    session.add(row)
    session.flush()
    _audit(session, platform, principal, "self_reported.add", row)
    return row


def edit(
    session: Session, platform: Platform, principal: Principal, entry_id: str, draft: Draft
) -> SelfReported:
    """Replace what ``principal`` wrote in entry ``entry_id`` with ``draft``."""
    row = own(session, principal, entry_id)
    _fill(row, draft)
    row.updated_at = platform.now()
    session.flush()
    _audit(session, platform, principal, "self_reported.edit", row)
    return row


def delete(session: Session, platform: Platform, principal: Principal, entry_id: str) -> None:
    """Remove entry ``entry_id`` from ``principal``'s record."""
    row = own(session, principal, entry_id)
    _audit(session, platform, principal, "self_reported.delete", row)
    session.delete(row)
    session.flush()
