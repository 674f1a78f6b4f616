"""The learner's record: everything a person holds, in one place, as they read it.

Three sources make one record: credentials issued here to the person
(:class:`IssuedCredential`), credentials that came from elsewhere — received from another
issuer by OpenID4VCI or imported from a file — (:class:`ReceivedCredential`), and what the
person wrote themselves (:class:`SelfReported`, always shown as self-reported).

An :class:`Entry` is one thing the person holds: a renewal, a re-issue or a second copy of
the same achievement from the same issuer is the same entry, its earlier credentials its
``history``, so a renewed FEMA course is one line with its past, not two cards. Each entry
carries the one computed state (``credential_state``) every page shows, and a category
(licences and certifications, education, training, military, work and service) read from
the achievement's ``achievementType``, the issuer's kind here and the credential's types.

Entries are addressed by a ``ref`` that says where the credential lives —
``issued:<credential id>`` or ``held:<row id>`` — and :func:`entry` opens one for its
holder only: anyone else is told it does not exist.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.errors import NotFound
from openler.services.issuers import issuing
from openler.services.people.accounts import Principal, require_self
from openler.services.verifiers.credential_state import (
    EXPIRED_ON,
    VALID_FROM,
    CredentialState,
    check_state,
    credential_state,
    intact,
    issuer_name,
)
from openler.services.verifiers.verifying import verify_document
from openler.services.wording import N_
from openler.store.models import IssuedCredential, Organization, ReceivedCredential, SelfReported
from openler.vc import VCError, VerificationReport, jcs_canonicalize, parse_datetime

Category = Literal["licences", "education", "training", "military", "work", "other"]
Source = Literal["issued", "received", "imported"]

#: the record's groups, in the order a person reads them, with their headings
CATEGORIES: dict[Category, str] = {
    "licences": N_("Licences and certifications"),
    "education": N_("Education"),
    "training": N_("Training"),
    "military": N_("Military"),
    "work": N_("Work and service"),
    "other": N_("Other achievements"),
}

#: OB 3.0 ``achievementType`` values, by the group of the record they belong to
_BY_TYPE: dict[str, Category] = {
    **dict.fromkeys(
        (
            "License",
            "Certification",
            "JourneymanCertificate",
            "MasterCertificate",
            "QualityAssuranceCredential",
        ),
        "licences",
    ),
    **dict.fromkeys(
        (
            "Degree",
            "AssociateDegree",
            "BachelorDegree",
            "MasterDegree",
            "DoctoralDegree",
            "ProfessionalDoctorate",
            "ResearchDoctorate",
            "Diploma",
            "SecondarySchoolDiploma",
            "GeneralEducationDevelopment",
            "Certificate",
        ),
        "education",
    ),
    **dict.fromkeys(
        (
            "Course",
            "CertificateOfCompletion",
            "LearningProgram",
            "MicroCredential",
            "Badge",
            "Competency",
            "Assessment",
            "Assignment",
            "ApprenticeshipCertificate",
            "Fieldwork",
            "CoCurricular",
        ),
        "training",
    ),
    **dict.fromkeys(("CommunityService", "Membership", "Award"), "work"),
}

#: words in a credential's types or an ``ext:`` achievement type that say where it belongs
_TYPE_WORDS: tuple[tuple[str, Category], ...] = (
    ("military", "military"),
    ("employment", "work"),
    ("work", "work"),
    ("volunteer", "work"),
)


def _types(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [t for t in value if isinstance(t, str)] if isinstance(value, list) else []


def achievement_of(document: dict[str, Any]) -> dict[str, Any]:
    """The achievement a credential is about (``{}`` when it names none)."""
    subject = document.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    return achievement if isinstance(achievement, dict) else {}


def category_of(document: dict[str, Any], *, issuer_kind: str | None = None) -> Category:
    """The group of the record ``document`` belongs to.

    >>> category_of({"credentialSubject": {"achievement": {"achievementType": "License"}}})
    'licences'
    >>> category_of({"credentialSubject": {"achievement": {"achievementType": "Badge"}}},
    ...             issuer_kind="military")
    'military'
    >>> category_of({"type": ["VerifiableCredential", "ClrCredential"]})
    'education'
    >>> category_of({"type": ["VerifiableCredential", "EmploymentCredential"]})
    'work'
    """
    if issuer_kind == "military":
        return "military"
    types = _types(document.get("type"))
    kind = achievement_of(document).get("achievementType")
    words = [t.lower() for t in types] + (
        [kind.lower()] if isinstance(kind, str) and kind.startswith("ext:") else []
    )
    for word, category in _TYPE_WORDS:
        if any(word in t for t in words):
            return category
    if isinstance(kind, str) and kind in _BY_TYPE:
        return _BY_TYPE[kind]
    if "ClrCredential" in types:
        return "education"
    return "training" if achievement_of(document) else "other"


def credential_name(document: dict[str, Any], fallback: str = "Credential") -> str:
    """What a person calls a credential: its achievement's name, else its own."""
    name = achievement_of(document).get("name") or document.get("name")
    return str(name) if isinstance(name, str) and name.strip() else fallback


def digest_of(document: dict[str, Any]) -> str:
    """What recognises one credential brought twice: SHA-256 of its ``id`` when it has one,
    else of its canonical JSON (RFC 8785) — the same credential in another spelling of
    whitespace or member order has the same digest.

    >>> digest_of({"id": "urn:a", "x": 1}) == digest_of({"x": 2, "id": "urn:a"})
    True
    """
    credential_id = document.get("id")
    if isinstance(credential_id, str) and credential_id:
        data = b"id:" + credential_id.encode()
    else:
        data = b"jcs:" + jcs_canonicalize(document)
    return hashlib.sha256(data).hexdigest()


def _day(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d")
    if isinstance(value, str):
        try:
            return parse_datetime(value).strftime("%Y-%m-%d")
        except VCError:
            return None
    return None


def held_state(
    report: VerificationReport, document: dict[str, Any], *, at: datetime
) -> CredentialState:
    """The state of a credential from elsewhere, from its verification now: a document that
    is not what its issuer signed does not verify, whatever it says; then what its issuer did
    (a status list says revoked or suspended), then the clock, then trust, then anything
    else that fails. The same codes as :func:`credential_state`."""
    if not intact(report):
        return CredentialState("unverified", report.summary)
    status = report.check("status")
    if status is not None and status.status == "failed":
        message = status.message or ""
        code: Literal["revoked", "suspended"] = (
            "suspended" if "suspend" in message.lower() else "revoked"
        )
        return CredentialState(code, message or None)
    until = document.get("validUntil") or document.get("expirationDate")
    if isinstance(until, str):
        try:
            if parse_datetime(until) < at:
                return CredentialState.worded("expired", EXPIRED_ON, day=str(_day(until)))
        except VCError:
            pass
    starts = document.get("validFrom") or document.get("issuanceDate")
    if isinstance(starts, str):
        try:
            if parse_datetime(starts) > at:
                return CredentialState.worded("not-yet-valid", VALID_FROM, day=str(_day(starts)))
        except VCError:
            pass
    trust = report.check("trust")
    if trust is not None and trust.status == "failed":
        return CredentialState("issuer-not-trusted", trust.message)
    if not report.verified:
        return CredentialState("unverified", report.summary)
    return CredentialState("active")


def presented_state(
    session: Session, document: dict[str, Any], report: VerificationReport, *, at: datetime
) -> CredentialState:
    """The state of a credential someone presented, verified as ``report``: one issued here
    — the very document issued, by its id and proof — in its state here (its issuer's acts
    with their reasons and dates, the clock, then its verification), any other in the state
    its verification gives (:func:`held_state`)."""
    credential_id = document.get("id")
    row = session.get(IssuedCredential, credential_id) if isinstance(credential_id, str) else None
    if row is not None and row.document.get("proof") == document.get("proof"):
        return credential_state(row, report, at=at)
    return held_state(report, document, at=at)


@dataclass(frozen=True)
class EntryLink:
    """Another entry of the same record, named as a page links to it."""

    ref: str
    name: str


@dataclass(frozen=True)
class Entry:
    """One credential of the record, as a person reads it."""

    ref: str  # ``issued:<credential id>`` or ``held:<row id>``
    name: str
    issuer: str  # the issuer's name
    category: Category
    state: CredentialState
    source: Source
    document: dict[str, Any]
    issued_on: str | None
    valid_until: str | None
    #: the badge image, when it can be shown here (a ``data:`` URI, or one of this site's)
    image: str | None
    #: earlier credentials of the same achievement from the same issuer, newest first
    history: tuple[Entry, ...] = ()
    #: for a credential from elsewhere: whether it verified when it came, and what was said
    verified_when_added: bool = True
    note: str | None = None
    #: for a part of a transcript (a credential a CLR bundled, unpacked when it was
    #: imported): the transcript's entry
    part_of: EntryLink | None = None
    #: for a transcript: the entries of the credentials it bundled, by name
    parts: tuple[EntryLink, ...] = ()
    #: the row behind it (an ``IssuedCredential`` or a ``ReceivedCredential``)
    row: Any = field(default=None, compare=False, repr=False)

    @property
    def achievement(self) -> dict[str, Any]:
        return achievement_of(self.document)

    @property
    def self_reported(self) -> bool:
        return False


@dataclass(frozen=True)
class Record:
    """A person's whole record: their credentials by group, and what they wrote."""

    groups: list[tuple[Category, str, list[Entry]]]  # (category, heading, entries)
    self_reported: list[SelfReported]

    @property
    def entries(self) -> list[Entry]:
        return [e for _, _, entries in self.groups for e in entries]


def _image(document: dict[str, Any], public_url: str) -> str | None:
    image = achievement_of(document).get("image")
    url = image.get("id") if isinstance(image, dict) else image
    if not isinstance(url, str):
        return None
    if url.startswith("data:image/"):
        return url
    base = public_url.rstrip("/") + "/"
    if not url.startswith(base) or url[len(base) :].startswith(("/", "\\")):
        return None  # not this site's, or "//host" a browser would fetch from elsewhere
    return "/" + url[len(base) :]


def _issued_entry(
    session: Session,
    platform: Platform,
    row: IssuedCredential,
    kinds: dict[str, str],
    *,
    at: datetime,
) -> Entry:
    state, _ = check_state(session, platform, row, at=at)
    return Entry(
        ref=f"issued:{row.id}",
        name=credential_name(row.document, "Credential"),
        issuer=issuer_name(row.document),
        category=category_of(row.document, issuer_kind=kinds.get(row.organization_id)),
        state=state,
        source="issued",
        document=row.document,
        issued_on=_day(row.document.get("validFrom")) or _day(row.issued_at),
        valid_until=_day(row.valid_until),
        image=_image(row.document, platform.settings.public_url),
        row=row,
    )


def _held_report(
    session: Session, platform: Platform, row: ReceivedCredential, *, at: datetime
) -> VerificationReport:
    return verify_document(session, platform, row.jwt or row.document, at=at, name=row.name)


def _held_entry(
    session: Session, platform: Platform, row: ReceivedCredential, *, at: datetime
) -> Entry:
    if row.verified:
        state = held_state(_held_report(session, platform, row, at=at), row.document, at=at)
    else:
        state = CredentialState("unverified", row.verification_note)
    if state.code == "issuer-not-trusted" and "is not in the trust registry" in (
        state.reason or ""
    ):  # in words a person reads, with the issuer's name, not its DID
        state = CredentialState.worded(state.code, NOT_LISTED)
    elif state.reason and row.issuer and row.issuer in state.reason:  # its name, not its DID
        state = CredentialState(state.code, state.reason.replace(row.issuer, row.issuer_name))
    return Entry(
        ref=f"held:{row.id}",
        name=row.name,
        issuer=row.issuer_name,
        category=category_of(row.document),
        state=state,
        source="imported" if row.source == "import" else "received",
        document=row.document,
        issued_on=_day(row.document.get("validFrom") or row.document.get("issuanceDate")),
        valid_until=_day(row.document.get("validUntil") or row.document.get("expirationDate")),
        image=_image(row.document, platform.settings.public_url),
        verified_when_added=row.verified,
        note=row.verification_note,
        row=row,
    )


def _same_thing(entry: Entry) -> tuple[str, str]:
    """What makes two credentials the same entry: the issuer and the achievement (its id,
    else its name)."""
    issuer = entry.document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    achievement = entry.achievement
    key = achievement.get("id") or achievement.get("name") or entry.ref
    return (str(issuer_id or entry.issuer), str(key))


#: why a credential from elsewhere reads "issuer not trusted" when the registry here does
#: not list its issuer (by the key that signed it: the name a credential gives its issuer is
#: its own claim, so the sentence does not repeat it)
NOT_LISTED = N_("its issuer is not on this platform's list of trusted issuers")

_RANK = {"active": 0, "suspended": 1, "not-yet-valid": 2, "expired": 3}


def _newest_first(entries: Iterable[Entry]) -> list[Entry]:
    """The entry to show first: one that counts now, then the newest."""
    ordered = sorted(entries, key=lambda e: e.issued_on or "", reverse=True)
    return sorted(ordered, key=lambda e: _RANK.get(e.state.code, 9))


def _fold(entries: list[Entry]) -> list[Entry]:
    """Entries of the same achievement from the same issuer folded into one, its earlier
    credentials its history."""
    groups: dict[tuple[str, str], list[Entry]] = {}
    for entry in entries:
        groups.setdefault(_same_thing(entry), []).append(entry)
    folded = []
    for same in groups.values():
        first, *rest = _newest_first(same)
        history = tuple(sorted(rest, key=lambda e: e.issued_on or "", reverse=True))
        folded.append(_with_history(first, history))
    return sorted(folded, key=lambda e: e.name.lower())


def _with_transcripts(entries: list[Entry]) -> list[Entry]:
    """Each part of a transcript told which transcript it belongs to, and each transcript
    its parts, so that neither reads as if it stood alone. Only credentials from elsewhere
    have parts (``ReceivedCredential.parent_id``); a part whose transcript is gone stands
    alone."""
    held = {entry.row.id: entry for entry in entries if entry.source != "issued"}
    parts: dict[str, list[EntryLink]] = {}
    linked = []
    for entry in entries:
        parent_id = getattr(entry.row, "parent_id", None) if entry.source != "issued" else None
        parent = held.get(parent_id) if parent_id else None
        if parent is not None:
            parts.setdefault(parent.ref, []).append(EntryLink(entry.ref, entry.name))
            entry = replace(entry, part_of=EntryLink(parent.ref, parent.name))
        linked.append(entry)
    return [
        replace(e, parts=tuple(sorted(parts[e.ref], key=lambda p: p.name.lower())))
        if e.ref in parts
        else e
        for e in linked
    ]


def _with_history(entry: Entry, history: tuple[Entry, ...]) -> Entry:
    return replace(entry, history=history)


def _issuer_kinds(session: Session, rows: list[IssuedCredential]) -> dict[str, str]:
    ids = {row.organization_id for row in rows}
    if not ids:
        return {}
    found = session.execute(
        select(Organization.id, Organization.kind).where(Organization.id.in_(ids))
    )
    return {str(row[0]): str(row[1]) for row in found}


def held_rows(session: Session, person_id: str) -> list[ReceivedCredential]:
    """The credentials from elsewhere a person holds (received and imported), oldest first."""
    return list(
        session.execute(
            select(ReceivedCredential)
            .where(ReceivedCredential.person_id == person_id)
            .order_by(ReceivedCredential.received_at)
        ).scalars()
    )


def self_reported_of(session: Session, person_id: str) -> list[SelfReported]:
    """What a person wrote of themselves, newest first."""
    return list(
        session.execute(
            select(SelfReported)
            .where(SelfReported.person_id == person_id)
            .order_by(SelfReported.started.desc(), SelfReported.created_at.desc())
        ).scalars()
    )


def record_of(session: Session, platform: Platform, principal: Principal) -> Record:
    """``principal``'s own record (theirs only), every entry's state as of now."""
    require_self(principal, principal.person_id)
    person_id = str(principal.person_id)
    at = platform.now()
    issued = issuing.credentials_of(session, person_id, include_replaced=True)
    kinds = _issuer_kinds(session, issued)
    entries = [_issued_entry(session, platform, row, kinds, at=at) for row in issued]
    entries += [_held_entry(session, platform, row, at=at) for row in held_rows(session, person_id)]
    by_category: dict[Category, list[Entry]] = {}
    for entry in _fold(_with_transcripts(entries)):
        by_category.setdefault(entry.category, []).append(entry)
    groups = [(c, heading, by_category[c]) for c, heading in CATEGORIES.items() if c in by_category]
    return Record(groups, self_reported_of(session, person_id))


def entry(session: Session, platform: Platform, principal: Principal, ref: str) -> Entry:
    """One entry of ``principal``'s record by its ``ref``, with its history; anyone else's
    does not exist for them."""
    for found in record_of(session, platform, principal).entries:
        if found.ref == ref or any(old.ref == ref for old in found.history):
            if found.ref == ref:
                return found
            older = next(old for old in found.history if old.ref == ref)
            return _with_history(older, ())
    raise NotFound.worded(N_("you hold no such credential"))
