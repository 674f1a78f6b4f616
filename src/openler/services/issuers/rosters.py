"""Rosters: a table of recipients (see :mod:`tables`) turned into the awards of one
achievement, row by row, and submitted as a roster job (:mod:`bulk`).

A **column map** says which column holds each field: ``{field: header}``, with the fields
of :data:`FIELDS` and one ``result:<name>`` per ``resultDescription`` of the achievement
(``identifierType`` is not a column but the OB 3.0 identity type of the identifier column).
Headers that name a field — ``email``, ``name``, ``identifier``, ``valid from``, … in any
case and spacing — are mapped without being told; the map last used for an achievement is
remembered on it (``Achievement.column_map``, audited) and offered the next time.

Each row becomes an :class:`~openler.services.issuers.recipients.Award`, or the list of
what is wrong with it ("'maria@' is not an email address"); a recipient named twice in a
file is noted (the second row ``repeats`` the first, and is reported as already holding
it). Rows are numbered from 1 for the first row under the headers. The preview
(:func:`preview`) counts each row one way — to issue, already held (one query for the
file's recipients), repeating an earlier row, or with problems — so that the number it
promises is the number a roster job issues.

>>> suggest_mapping(["E-mail", "Full name", "Licence number"], {})
{'email': 'E-mail', 'name': 'Full name', 'licenseNumber': 'Licence number'}
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from openler.services import audit, jobs
from openler.services.context import Platform
from openler.services.errors import UsageError
from openler.services.issuers import achievements, bulk, issuing, orgs
from openler.services.issuers.recipients import IDENTITY_TYPES, Award, Recipient
from openler.services.issuers.tables import (
    DEFAULT_LIMITS,
    Cell,
    Limits,
    Table,
    TableError,
    open_table,
)
from openler.services.people.accounts import Principal, require_role
from openler.store.models import Achievement, Organization

#: the fields a column can fill, with what the mapping page calls them
FIELDS = {
    "email": "Email address",
    "identifier": "Identifier (licence number, student id, …)",
    "name": "Name",
    "validFrom": "Valid from",
    "validUntil": "Valid until",
    "evidence": "Evidence URL",
    "licenseNumber": "Licence number (shown in the credential)",
    "creditsEarned": "Credits earned",
}
RESULT = "result:"
IDENTIFIER_TYPE = "identifierType"
#: headers recognised without a mapping, compared without case, spaces, "-" or "_"
ALIASES = {
    "email": ("email", "emailaddress"),
    "identifier": ("identifier", "recipientidentifier", "studentid"),
    "name": ("name", "fullname", "recipientname"),
    "validFrom": ("validfrom", "issuedate", "startdate"),
    "validUntil": ("validuntil", "expires", "expirationdate", "expirydate", "enddate"),
    "evidence": ("evidence", "evidenceurl"),
    "licenseNumber": (
        "licensenumber",
        "licencenumber",
        "licenseno",
        "licenceno",
        "license",
        "licence",
    ),
    "creditsEarned": ("creditsearned", "credits"),
}
#: the date forms a date column accepts (and the pages list)
DATE_FORMS = (
    "2026-11-25 (ISO 8601)",
    "2026-11-25T09:30:00Z or with an offset such as +02:00 (ISO 8601)",
    "11/25/2026 (month first)",
    "a date cell of an Excel workbook",
)
MAX_TEXT = 300
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def normal_header(header: str) -> str:
    """A header as compared with a field's names: ``"Valid From"`` → ``"validfrom"``."""
    return re.sub(r"[\s_\-.:#]+", "", header).casefold()


def result_fields(achievement_data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The ``result:<name>`` fields of an achievement, one per named ``resultDescription``."""
    found: dict[str, dict[str, Any]] = {}
    for description in achievement_data.get("resultDescription") or []:
        if isinstance(description, dict) and isinstance(description.get("name"), str):
            found[RESULT + description["name"]] = description
    return found


def field_labels(achievement_data: Mapping[str, Any]) -> dict[str, str]:
    """Every field a column of this achievement's roster can fill, with its label."""
    labels = dict(FIELDS)
    for key, description in result_fields(achievement_data).items():
        labels[key] = f"Result: {description['name']}"
    return labels


def suggest_mapping(
    headers: list[str],
    achievement_data: Mapping[str, Any],
    remembered: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """The column map to offer: what was remembered for the achievement where its headers
    are in this file, else the headers that name a field (or a result) themselves."""
    by_normal = {normal_header(h): h for h in headers}
    mapping: dict[str, str] = {}
    for name in field_labels(achievement_data):
        remembered_header = (remembered or {}).get(name)
        if (
            isinstance(remembered_header, str)
            and remembered_header in headers
            and remembered_header not in mapping.values()
        ):
            mapping[name] = remembered_header
            continue
        names = ALIASES.get(name) or (normal_header(name.removeprefix(RESULT)),)
        header = next((by_normal[n] for n in names if n in by_normal), None)
        if header is not None and header not in mapping.values():
            mapping[name] = header
    kind = (remembered or {}).get(IDENTIFIER_TYPE)
    if "identifier" in mapping and isinstance(kind, str):
        mapping[IDENTIFIER_TYPE] = kind
    return mapping


def check_mapping(
    mapping: Mapping[str, str], headers: list[str], achievement_data: Mapping[str, Any]
) -> dict[str, str]:
    """The map with blank choices dropped; refused (:class:`UsageError`) when it names a
    field or a header that is not there, uses a column twice, or maps no recipient."""
    labels = field_labels(achievement_data)
    chosen = {k: v.strip() for k, v in mapping.items() if v and v.strip()}
    kind = chosen.pop(IDENTIFIER_TYPE, None)
    for name, header in chosen.items():
        if name not in labels:
            raise UsageError(f"there is no field {name!r} to map a column to")
        if header not in headers:
            raise UsageError(f"the file has no column {header!r} (for {labels[name]})")
    used = list(chosen.values())
    repeated = sorted({h for h in used if used.count(h) > 1})
    if repeated:
        raise UsageError(f"the column {repeated[0]!r} is mapped to more than one field")
    if "email" not in chosen and "identifier" not in chosen:
        raise UsageError(
            "choose the column that holds each recipient's email address or identifier"
        )
    if kind is not None and "identifier" in chosen:
        if kind not in IDENTITY_TYPES and not (kind.startswith("ext:") and len(kind) > 4):
            raise UsageError(
                f"{kind!r} is not an identity type: use one of {', '.join(IDENTITY_TYPES)} "
                "or ext:<your own>"
            )
        chosen[IDENTIFIER_TYPE] = kind
    return chosen


@dataclass(frozen=True)
class CheckedRow:
    """One row of a roster as checked: its ``award``, or the ``problems`` that keep it from
    being issued (exactly one of the two); ``written`` is the recipient as the file gives
    it, ``note`` a remark that does not stop it (a repeated recipient)."""

    row: int
    written: str
    award: Award | None = None
    problems: tuple[str, ...] = ()
    note: str | None = None
    #: the earlier row that names the same recipient
    repeats: int | None = None

    def describe(self) -> str:
        """The row's problems in one line: ``row 7: 'maria@' is not an email address``."""
        return f"row {self.row}: " + "; ".join(self.problems or (self.note or "",))


def check_rows(
    table: Table, mapping: Mapping[str, str], achievement_data: Mapping[str, Any]
) -> Iterator[CheckedRow]:
    """Each row of ``table`` checked against ``mapping`` (already :func:`check_mapping`\\ ed),
    as it is read."""
    column = {name: table.headers.index(h) for name, h in mapping.items() if h in table.headers}
    results = result_fields(achievement_data)
    kind = mapping.get(IDENTIFIER_TYPE, "identifier")
    first_row_of: dict[str, int] = {}
    for number, cells in table.rows:

        def cell(name: str, cells: list[Cell] = cells) -> Cell:
            index = column.get(name)
            if index is None or index >= len(cells):
                return ""
            value = cells[index]
            return value.strip() if isinstance(value, str) else value

        checked = _check_row(number, cell, results, kind)
        if checked.award is not None:
            key = checked.award.recipient.key
            if key in first_row_of:
                checked = CheckedRow(
                    number,
                    checked.written,
                    award=checked.award,
                    note=f"the same recipient as row {first_row_of[key]}: it is issued once",
                    repeats=first_row_of[key],
                )
            else:
                first_row_of[key] = number
        yield checked


def _text(value: Cell) -> str:
    return value.isoformat() if isinstance(value, date) else value


def _check_row(
    number: int,
    cell: Any,
    results: dict[str, dict[str, Any]],
    identifier_type: str,
) -> CheckedRow:
    problems: list[str] = []
    email, identifier = _text(cell("email")), _text(cell("identifier"))
    name = _text(cell("name"))
    written = email or identifier
    for label, value in (("the name", name), ("the identifier", identifier)):
        if len(value) > MAX_TEXT:
            problems.append(f"{label} is longer than {MAX_TEXT} characters")
    recipient: Recipient | None = None
    if not email and not identifier:
        problems.append("no email address or identifier")
    else:
        try:
            recipient = Recipient(
                email=email or None,
                identifier=identifier or None,
                identifier_type=identifier_type,
                name=name or None,
            )
        except UsageError as exc:
            problems.append(exc.message)
    valid_from = _date_of(cell("validFrom"), "valid from", problems, end_of_day=False)
    valid_until = _date_of(cell("validUntil"), "valid until", problems, end_of_day=True)
    if valid_from and valid_until and valid_until <= valid_from:
        problems.append("valid until is not after valid from")
    evidence = _text(cell("evidence"))
    parts = urlsplit(evidence) if evidence else None
    if parts is not None and (
        parts.scheme not in ("http", "https") or not parts.netloc or " " in evidence
    ):
        problems.append(f"{evidence[:80]!r} is not a web address (https://…)")
    subject: dict[str, Any] = {}
    licence = _text(cell("licenseNumber"))
    if len(licence) > MAX_TEXT:
        problems.append(f"the licence number is longer than {MAX_TEXT} characters")
    elif licence:
        subject["licenseNumber"] = licence
    credits = _text(cell("creditsEarned"))
    if credits:
        try:
            amount = float(credits)
            if not 0 <= amount < 1e6:
                raise ValueError(credits)
            subject["creditsEarned"] = amount
        except ValueError:
            problems.append(f"credits earned {credits[:40]!r} is not a number of 0 or more")
    outcomes = [
        r for key, d in results.items() if (r := _result(_text(cell(key)), d, problems)) is not None
    ]
    if problems or recipient is None:
        return CheckedRow(number, written[:MAX_TEXT], problems=tuple(problems))
    award = Award(
        recipient,
        row=number,
        valid_from=valid_from,
        valid_until=valid_until,
        results=outcomes,
        evidence_url=evidence or None,
        subject=subject,
    )
    return CheckedRow(number, written, award=award)


def parse_date(value: Cell, *, end_of_day: bool = False) -> datetime:
    """A date cell as an aware datetime (UTC unless it says otherwise); a bare date is the
    start of that day, or its last second with ``end_of_day`` (a licence valid until a day
    is valid through it). Accepts the forms of :data:`DATE_FORMS`; raises ``ValueError``.

    >>> parse_date("11/25/2026").isoformat()
    '2026-11-25T00:00:00+00:00'
    >>> parse_date("2026-11-25", end_of_day=True).isoformat()
    '2026-11-25T23:59:59+00:00'
    """
    day: date
    if isinstance(value, datetime):
        if value.time() != time() or value.tzinfo is not None:
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif match := _US_DATE.fullmatch(value):
        month, dom, year = (int(g) for g in match.groups())
        day = date(year, month, dom)
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        day = date.fromisoformat(value)
    elif re.fullmatch(
        r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?", value
    ):
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    else:
        raise ValueError(value)
    return datetime.combine(day, time(23, 59, 59) if end_of_day else time(), tzinfo=UTC)


def _date_of(value: Cell, label: str, problems: list[str], *, end_of_day: bool) -> datetime | None:
    if value == "":
        return None
    try:
        return parse_date(value, end_of_day=end_of_day)
    except ValueError:
        problems.append(
            f"{label} {_text(value)[:40]!r} is not a date (write 2026-11-25 or 11/25/2026)"
        )
        return None


def _result(value: str, description: dict[str, Any], problems: list[str]) -> dict[str, Any] | None:
    """The OB 3.0 ``Result`` a cell gives for a result description (None when blank)."""
    if not value:
        return None
    name = description["name"]
    allowed = [a for a in description.get("allowedValue") or [] if isinstance(a, str)]
    if allowed:
        canonical = {a.casefold(): a for a in allowed}
        if value.casefold() not in canonical:
            problems.append(
                f"{value[:40]!r} is not one of the values of {name} ({', '.join(allowed[:10])})"
            )
            return None
        value = canonical[value.casefold()]
    bounds = [description.get("valueMin"), description.get("valueMax")]
    if any(b is not None for b in bounds):
        try:
            number = float(value)
            low, high = (float(b) if b is not None else None for b in bounds)
        except ValueError:
            problems.append(f"{name} {value[:40]!r} is not a number")
            return None
        if (low is not None and number < low) or (high is not None and number > high):
            problems.append(f"{name} {value} is outside {bounds[0] or '…'} to {bounds[1] or '…'}")
            return None
    if len(value) > MAX_TEXT:
        problems.append(f"{name} is longer than {MAX_TEXT} characters")
        return None
    result: dict[str, Any] = {"type": ["Result"], "value": value}
    if isinstance(description.get("id"), str):
        result["resultDescription"] = description["id"]
    return result


@dataclass
class Summary:
    """What a roster would do: counts over every row, the first rows as they will be
    issued and the first problems. Every row is counted once, in one of four ways —
    :attr:`to_issue`, ``held`` (the recipient already holds the achievement), ``repeated``
    (a recipient already on an earlier row) or :attr:`bad` (problems)."""

    headers: list[str]
    total: int = 0
    #: rows that name a recipient and can be read (to issue, held or repeated)
    good: int = 0
    repeated: int = 0
    held: int = 0
    first: list[CheckedRow] = field(default_factory=list)
    problems: list[CheckedRow] = field(default_factory=list)
    notes: list[CheckedRow] = field(default_factory=list)
    #: the first rows whose recipient already holds it (their ``note`` says since when)
    holders: list[CheckedRow] = field(default_factory=list)

    @property
    def bad(self) -> int:
        return self.total - self.good

    @property
    def to_issue(self) -> int:
        """How many credentials issuing the roster now would make."""
        return self.good - self.repeated - self.held

    def words(self, *, issued: str = "will be issued") -> str:
        """The counts in a sentence (the preview, the confirmation and the CLI say it).

        >>> Summary([], total=8, good=6, repeated=1, held=1).words()
        '4 will be issued, 1 already holds it, 1 repeats an earlier row, 2 have problems'
        """
        parts = [f"{self.to_issue:,} {issued}"]
        if self.held:
            parts.append(f"{self.held:,} already hold{'s' if self.held == 1 else ''} it")
        if self.repeated:
            repeats = "repeats an earlier row" if self.repeated == 1 else "repeat an earlier row"
            parts.append(f"{self.repeated:,} {repeats}")
        if self.bad:
            parts.append(f"{self.bad:,} ha{'s' if self.bad == 1 else 've'} problems")
        return ", ".join(parts)


#: who already holds the achievement, of the recipient keys given (key → issued at)
HeldLookup = Callable[[set[str]], Mapping[str, datetime]]


def summarise(
    path: Path,
    mapping: Mapping[str, str],
    achievement_data: Mapping[str, Any],
    *,
    held: HeldLookup | None = None,
    first: int = 10,
    problems: int = 200,
    limits: Limits = DEFAULT_LIMITS,
) -> Summary:
    """Read the whole roster at ``path`` and count; keep its first ``first`` rows and its
    first ``problems`` problem rows (and as many notes and holders). ``held`` says which
    recipients already hold the achievement, asked once for every recipient of the file
    (without it, nobody does)."""
    first_of: dict[str, tuple[int, str]] = {}  # recipient key → its first row, as written
    with path.open("rb") as source, open_table(source, limits=limits) as table:
        summary = Summary(table.headers)
        for checked in check_rows(table, mapping, achievement_data):
            summary.total += 1
            if len(summary.first) < first:
                summary.first.append(checked)
            if checked.award is None:
                if len(summary.problems) < problems:
                    summary.problems.append(checked)
                continue
            summary.good += 1
            if checked.repeats is not None:
                summary.repeated += 1
                if len(summary.notes) < problems:
                    summary.notes.append(checked)
            else:
                first_of[checked.award.recipient.key] = (checked.row, checked.written)
    holding = held(set(first_of)) if held is not None and first_of else {}
    summary.held = len(holding)
    held_rows = sorted((first_of[key][0], key) for key in holding)[:problems]
    summary.holders = [
        CheckedRow(row, first_of[key][1], note=_holds_note(holding[key])) for row, key in held_rows
    ]
    summary.first = [
        replace(c, note=_holds_note(holding[c.award.recipient.key]))
        if c.award is not None and c.repeats is None and c.award.recipient.key in holding
        else c
        for c in summary.first
    ]
    return summary


def _holds_note(issued_at: datetime) -> str:
    return f"already holds it (issued {issued_at:%Y-%m-%d}): it is not issued again"


def preview(
    platform: Platform,
    principal: Principal,
    *,
    organization_slug: str,
    achievement_slug: str,
    path: Path,
    mapping: Mapping[str, str],
    first: int = 10,
    problems: int = 200,
    limits: Limits = DEFAULT_LIMITS,
) -> Summary:
    """:func:`summarise` the roster for the achievement's issuer staff, counting the
    recipients who already hold it (as a roster job will report them)."""
    achievement = achievement_for(platform, principal, organization_slug, achievement_slug)

    def held(keys: set[str]) -> Mapping[str, datetime]:
        with platform.db.session() as session:
            organization = session.get(Organization, achievement.organization_id)
            awarded = session.get(Achievement, achievement.id)
            if organization is None or awarded is None:
                return {}
            found = issuing.holdings(session, organization, awarded, keys, now=platform.now())
            return {key: issued_at for key, (_id, issued_at) in found.items()}

    return summarise(
        path,
        mapping,
        achievement.data,
        held=held,
        first=first,
        problems=problems,
        limits=limits,
    )


def headers_of(path: Path, limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """The headers of the roster at ``path`` (:class:`TableError` when unreadable)."""
    with path.open("rb") as source, open_table(source, limits=limits) as table:
        return table.headers


def achievement_for(
    platform: Platform, principal: Principal, organization_slug: str, achievement_slug: str
) -> Achievement:
    """The achievement a roster is for, to the organization's issuer staff (detached: read
    its ``data`` and ``column_map``)."""
    with platform.db.session() as session:
        organization = orgs.organization_by_slug(session, organization_slug)
        require_role(principal, organization.id, *issuing.ISSUERS)
        achievement = achievements.achievement_by_slug(session, organization, achievement_slug)
        session.expunge(achievement)
        return achievement


def awards_and_rejected(
    rows: Iterable[CheckedRow],
) -> tuple[list[Award], list[tuple[int, str, str]]]:
    """Split checked rows into what :func:`bulk.submit_roster` takes."""
    awards: list[Award] = []
    rejected: list[tuple[int, str, str]] = []
    for checked in rows:
        if checked.award is not None:
            awards.append(checked.award)
        else:
            rejected.append((checked.row, checked.written, "; ".join(checked.problems)))
    return awards, rejected


def submit(
    platform: Platform,
    queue: jobs.JobQueue,
    principal: Principal,
    *,
    organization_slug: str,
    achievement_slug: str,
    path: Path,
    mapping: Mapping[str, str],
    dry_run: bool = False,
    source: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> str:
    """Check every row of the roster at ``path`` and queue it: the good rows to issue, the
    others reported as not issued. The awards are passed in row order, a repeated
    recipient's rows too (each with its row number), so that the job reports a repeat as
    already holding it — in a dry run as well, where nothing was issued to the earlier row.
    The column map is remembered for the achievement. Returns the job id."""
    achievement = achievement_for(platform, principal, organization_slug, achievement_slug)
    with path.open("rb") as handle, open_table(handle, limits=limits) as table:
        chosen = check_mapping(mapping, table.headers, achievement.data)
        awards, rejected = awards_and_rejected(check_rows(table, chosen, achievement.data))
    if not awards and not rejected:
        raise TableError("the file has no rows under its headers")
    job_id = bulk.submit_roster(
        platform,
        queue,
        principal,
        organization_slug=organization_slug,
        achievement_slug=achievement_slug,
        awards=awards,
        rejected=rejected,
        dry_run=dry_run,
        source=source,
    )
    remember_mapping(platform, principal, organization_slug, achievement_slug, chosen)
    return job_id


def remember_mapping(
    platform: Platform,
    principal: Principal,
    organization_slug: str,
    achievement_slug: str,
    mapping: Mapping[str, str],
) -> bool:
    """Keep ``mapping`` as the achievement's column map (audited when it changes); returns
    whether it changed."""
    with platform.db.session() as session:
        organization = orgs.organization_by_slug(session, organization_slug)
        require_role(principal, organization.id, *issuing.ISSUERS)
        achievement = achievements.achievement_by_slug(session, organization, achievement_slug)
        if achievement.column_map == dict(mapping):
            return False
        achievement.column_map = dict(mapping)
        audit.record(
            session,
            at=platform.now(),
            actor=principal.label,
            action="achievement.column_map",
            subject=f"achievement:{achievement.id}",
            data={"columns": dict(mapping)},
        )
        return True
