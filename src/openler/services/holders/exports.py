"""Exports of the learner's record: everything as one JSON bundle, an HR Open LER-RS résumé,
and the résumé to print (as a page or a PDF, :mod:`openler.services.holders.resume_pdf`).

All of them read :func:`record.record_of` — so each shows the one computed state the record
pages show — and only for the person themselves. Each export is audited with its format and
nothing of its content.

* :func:`bundle` — every credential held (issued here, received, imported; imported ones
  with the result of their verification when they came), what the person wrote of
  themselves marked ``selfReported``, and a presentation of the credentials bound to the
  person's wallet key, signed by that key (none, with a note, for a person without one).
* :func:`ler_rs` — an ``LER-RSType`` document (HR Open 4.4): name and email, jobs and
  learning the person wrote, and each credential as an entry of its kind — a licence, a
  certification, an education, a position — with the credential itself in the entry's
  ``verifications``, as the HR Open examples attach one.
* :func:`resume` and :func:`print_links` — what the printed résumé shows; with the person's
  consent each credential issued here gets a share link of its own (one credential, one
  year), which the résumé's QR code opens: a verification made when it is scanned, of that
  credential only.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import NotFound
from openler.services.holders import sharing
from openler.services.holders.record import CATEGORIES, Entry, achievement_of, record_of
from openler.services.people.accounts import Principal, holder_key, principal_for, require_self
from openler.services.wording import N_
from openler.store.models import Person, SelfReported
from openler.vc import build_presentation, sign_presentation

Format = Literal["json", "ler-rs", "pdf", "print"]

LER_RS_TYPE = "http://schema.hropenstandards.org/4.4/recruiting/json/ler-rs/LER-RSType.json"
BUNDLE_TYPE = "OpenlerRecordExport"
#: the audience and purpose of the share links a printed résumé makes, and how long they last
PRINTED_AUDIENCE = "Printed résumé"
PRINTED_PURPOSE = "résumé"
PRINTED_DAYS = 365
#: the self-reported kinds that are a position held (the rest: skills and learning)
_POSITIONS = ("job", "volunteering")
_VC_V2 = "https://www.w3.org/ns/credentials/v2"


def _person(session: Session, principal: Principal) -> Person:
    require_self(principal, principal.person_id)
    person = session.get(Person, principal.person_id)
    if person is None:
        raise NotFound.worded(N_("no such person"))
    return person


def principal_by_email(session: Session, email: str) -> Principal:
    """The person with ``email``, as themselves (for the operator's command line, which
    acts for a person: running the command is their request). A person who holds their own
    wallet key is found too: their export only has no presentation."""
    person = session.execute(select(Person).where(Person.email == email.strip().lower())).scalar()
    if person is None:
        raise NotFound(f"no account has the email address {email}")
    return principal_for(session, person)


def _audit(session: Session, platform: Platform, principal: Principal, kind: Format) -> None:
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="record.export",
        subject=f"person:{principal.person_id}",
        data={"format": kind},
    )


def _signed_form(entry: Entry) -> dict[str, Any] | str:
    """The credential as it was signed: the JWT as it came, else the JSON document."""
    jwt = getattr(entry.row, "jwt", None)
    return jwt if isinstance(jwt, str) and jwt else entry.document


def _subject_ids(document: dict[str, Any]) -> set[str]:
    subject = document.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    return {s["id"] for s in subjects if isinstance(s, dict) and isinstance(s.get("id"), str)}


def _credential(entry: Entry) -> dict[str, Any]:
    described: dict[str, Any] = {
        "ref": entry.ref,
        "name": entry.name,
        "issuer": entry.issuer,
        "category": entry.category,
        "source": entry.source,
        "state": entry.state.to_json(),
        "issuedOn": entry.issued_on,
        "validUntil": entry.valid_until,
        "credential": _signed_form(entry),
    }
    if entry.source == "imported":
        described["verifiedWhenImported"] = entry.verified_when_added
        described["verificationNote"] = entry.note
    if entry.history:
        described["history"] = [_credential(old) for old in entry.history]
    return described


def _self_reported(item: SelfReported) -> dict[str, Any]:
    return {
        "selfReported": True,
        "kind": item.kind,
        "title": item.title,
        "organization": item.organization,
        "started": item.started,
        "ended": item.ended,
        "description": item.description,
    }


def _presentation(
    session: Session, platform: Platform, person: Person, entries: list[Entry]
) -> tuple[dict[str, Any] | None, str]:
    """The presentation of the credentials bound to the person's wallet key, signed by it,
    and a sentence saying what it holds (or why there is none)."""
    if person.encrypted_holder_key is None:
        if person.did is not None:
            return None, (
                "No presentation: your credentials are bound to a key you hold yourself, so "
                "your own wallet signs presentations of them."
            )
        return None, "No presentation: openler holds no wallet key for you yet."
    key = holder_key(session, platform, person)
    bound = [e for e in entries if key.controller in _subject_ids(e.document)]
    if not bound:
        return None, "No presentation: none of your credentials is bound to your wallet key."
    nonce = secrets.token_urlsafe(16)
    presentation = sign_presentation(
        build_presentation(
            [_signed_form(e) for e in bound],
            holder=key.controller,
            presentation_id=f"urn:openler:export:{nonce}",
        ),
        key,
        challenge=nonce,
        domain=platform.settings.public_url,
        created=platform.now(),
    )
    return presentation, (
        f"The presentation holds the {len(bound)} credential(s) bound to your wallet key, "
        f"signed by it for challenge {nonce} and domain {platform.settings.public_url}."
    )


def bundle(session: Session, platform: Platform, principal: Principal) -> dict[str, Any]:
    """The whole record as one JSON document (audited as ``record.export``, format json)."""
    person = _person(session, principal)
    mine = record_of(session, platform, principal)
    presentation, note = _presentation(session, platform, person, mine.entries)
    _audit(session, platform, principal, "json")
    return {
        "type": BUNDLE_TYPE,
        "exported": platform.now().isoformat(),
        "person": {"name": person.name, "email": person.email, "did": person.did},
        "credentials": [_credential(e) for e in mine.entries],
        "selfReported": [_self_reported(s) for s in mine.self_reported],
        "presentation": presentation,
        "presentationNote": note,
    }


# --- HR Open LER-RS -----------------------------------------------------------------------


def _verification(entry: Entry) -> list[Any]:
    """The credential in an LER-RS entry's ``verifications``: the JSON credential as the
    HR Open examples embed it; a JWT in a VC 2.0 envelope. One that did not verify when it
    was imported is not offered as a verification."""
    if not entry.verified_when_added:
        return []
    signed = _signed_form(entry)
    if isinstance(signed, str):
        envelope = {
            "@context": [_VC_V2],
            "type": "EnvelopedVerifiableCredential",
            "id": f"data:application/vc+jwt,{signed}",
        }
        return [envelope]
    return [signed]


def _period(entry: Entry) -> dict[str, str]:
    period = {}
    if entry.issued_on:
        period["validFrom"] = entry.issued_on
    if entry.valid_until:
        period["validTo"] = entry.valid_until
    return period


_LER_STATUS = {"active": "Active", "expired": "Expired", "revoked": "Revoked"}


def _licence_or_certification(entry: Entry) -> dict[str, Any]:
    item: dict[str, Any] = {
        "name": entry.name,
        "status": _LER_STATUS.get(entry.state.code, entry.state.label.capitalize()),
        "issuingAuthority": {"name": entry.issuer},
    }
    if entry.issued_on:
        item["firstIssued"] = entry.issued_on
    period = _period(entry)
    if period:
        item["effectiveTimePeriod"] = period
    description = entry.achievement.get("description")
    if isinstance(description, str) and description:
        item["descriptions"] = [description]
    verifications = _verification(entry)
    if verifications:
        item["verifications"] = verifications
    return item


def _education(entry: Entry) -> dict[str, Any]:
    degree: dict[str, Any] = {"name": entry.name}
    if entry.issued_on:
        degree["date"] = entry.issued_on
    item: dict[str, Any] = {"institution": {"name": entry.issuer}, "educationDegrees": [degree]}
    verifications = _verification(entry)
    if verifications:
        item["verifications"] = verifications
    return item


def _position(
    organization: str, title: str, start: str | None, end: str | None, descriptions: list[str]
) -> dict[str, Any]:
    held: dict[str, Any] = {"title": title, "current": end is None}
    if start:
        held["start"] = start
    if end:
        held["end"] = end
    if descriptions:
        held["descriptions"] = descriptions
    return {"organization": {"name": organization}, "positionHistories": [held]}


def _competencies(entry: Entry) -> list[dict[str, Any]]:
    """The skills an achievement aligns to, each proven by the credential (none from a
    credential that did not verify when it was imported)."""
    if not entry.verified_when_added:
        return []
    aligned = achievement_of(entry.document).get("alignment")
    names = [
        a["targetName"]
        for a in (aligned if isinstance(aligned, list) else [])
        if isinstance(a, dict) and isinstance(a.get("targetName"), str) and a["targetName"]
    ]
    verifications = _verification(entry)
    return [
        {"name": name, **({"verifications": verifications} if verifications else {})}
        for name in names
    ]


def ler_rs(session: Session, platform: Platform, principal: Principal) -> dict[str, Any]:
    """The record as an HR Open ``LER-RSType`` résumé (audited as ``record.export``)."""
    person = _person(session, principal)
    mine = record_of(session, platform, principal)
    licenses, certifications, education, employment, skills = [], [], [], [], []
    for entry in mine.entries:
        skills += _competencies(entry)
        if entry.category == "education":
            education.append(_education(entry))
        elif entry.category == "work":
            # a credential's dates say when it was issued, not when the work was done
            position: dict[str, Any] = {
                "organization": {"name": entry.issuer},
                "positionHistories": [{"title": entry.name}],
            }
            verifications = _verification(entry)
            if verifications:
                position["verifications"] = verifications
            employment.append(position)
        elif entry.achievement.get("achievementType") == "License":
            licenses.append(_licence_or_certification(entry))
        else:
            certifications.append(_licence_or_certification(entry))
    for item in mine.self_reported:
        descriptions = [item.description] if item.description else []
        if item.kind in _POSITIONS:
            organization = item.organization or "Not stated"
            employment.append(
                _position(organization, item.title, item.started, item.ended, descriptions)
            )
        elif item.kind == "skill":
            skills.append(
                {"name": item.title, **({"comments": descriptions} if descriptions else {})}
            )
        else:
            learning: dict[str, Any] = {
                "institution": {"name": item.organization or "Self-directed"},
                "educationDegrees": [{"name": item.title}],
            }
            if item.started:
                learning["start"] = item.started
            if item.ended:
                learning["end"] = item.ended
            if descriptions:
                learning["descriptions"] = descriptions
            education.append(learning)
    document: dict[str, Any] = {
        "type": LER_RS_TYPE,
        "documentId": {"value": f"urn:uuid:{uuid.uuid4()}"},
        "person": {"name": {"formattedName": person.name}},
        "communication": {"email": [{"address": person.email}]},
    }
    for name, items in (
        ("employmentHistories", employment),
        ("educationAndLearnings", education),
        ("licenses", licenses),
        ("certifications", certifications),
        ("skills", skills),
    ):
        if items:  # the schema wants each list, when present, to hold one at least
            document[name] = items
    _audit(session, platform, principal, "ler-rs")
    return document


# --- the printed résumé -------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One line of the printed résumé."""

    name: str
    by: str  # the issuer's name, or the organization the person named
    dates: str
    state: str  # the state's label ("active", "expired", …), or "self-reported"
    state_code: str
    self_reported: bool = False
    #: the share link the line's QR code opens (only when the person consented)
    link: str | None = None
    #: the dates ``dates`` says, for pages that write them in another language: when a
    #: credential was issued and until when it is valid, or when what the person wrote
    #: began and ended
    issued: str | None = None
    until: str | None = None
    started: str | None = None
    ended: str | None = None


@dataclass(frozen=True)
class Resume:
    name: str
    email: str
    groups: list[tuple[str, list[Line]]] = field(default_factory=list)
    #: until when the printed links open (None: no links were made)
    links_until: str | None = None


def _credential_dates(issued: str | None, until: str | None) -> str:
    words = ([f"issued {issued}"] if issued else []) + ([f"valid until {until}"] if until else [])
    return ", ".join(words)


def _span(start: str | None, end: str | None) -> str:
    """When something the person wrote happened.

    >>> _span("2019-03", None), _span("2015", "2018"), _span(None, "2020")
    ('2019-03 – now', '2015 – 2018', 'until 2020')
    """
    if start:
        return f"{start} – {end or 'now'}"
    return f"until {end}" if end else ""


def resume(
    session: Session,
    platform: Platform,
    principal: Principal,
    *,
    links: dict[str, str] | None = None,
    links_until: str | None = None,
) -> Resume:
    """What the printed résumé shows: the record's groups, each credential with its dates
    and state, then what the person wrote (marked self-reported). ``links`` (from
    :func:`print_links`) gives a credential its QR code's target."""
    person = _person(session, principal)
    mine = record_of(session, platform, principal)
    groups: list[tuple[str, list[Line]]] = []
    for _, heading, entries in mine.groups:
        lines = [
            Line(
                e.name,
                e.issuer,
                _credential_dates(e.issued_on, e.valid_until),
                e.state.label,
                e.state.code,
                link=(links or {}).get(e.ref),
                issued=e.issued_on,
                until=e.valid_until,
            )
            for e in entries
        ]
        groups.append((heading, lines))
    wrote = [
        Line(
            s.title,
            s.organization or "",
            _span(s.started, s.ended),
            "self-reported",
            "self-reported",
            self_reported=True,
            started=s.started,
            ended=s.ended,
        )
        for s in mine.self_reported
    ]
    if wrote:
        groups.append((N_("Experience and skills (self-reported)"), wrote))
    return Resume(person.name, person.email, groups, links_until)


@dataclass(frozen=True)
class PrintedLinks:
    """The share links a printed résumé's QR codes open, by the entry they verify."""

    tokens: dict[str, str]  # entry ref -> the share link's secret token
    until: str  # YYYY-MM-DD

    def links(self, platform: Platform) -> dict[str, str]:
        base = platform.settings.public_url.rstrip("/")
        return {ref: f"{base}/s/{token}" for ref, token in self.tokens.items()}


def print_links(session: Session, platform: Platform, principal: Principal) -> PrintedLinks:
    """With the person's consent (asked by the caller): a share link of one credential for
    each credential issued here that is not revoked, lasting a year, audience "Printed
    résumé" — so the QR code on paper opens a verification made when it is scanned, of
    that credential alone. Each is an ordinary share: listed on the person's shares page,
    withdrawn there. Credentials from elsewhere get no link (openler's shares present
    credentials issued here); their issuers verify them."""
    require_self(principal, principal.person_id)
    tokens: dict[str, str] = {}
    for entry in record_of(session, platform, principal).entries:
        if entry.source != "issued" or entry.state.code == "revoked":
            continue
        created = sharing.create_share(
            session,
            platform,
            principal,
            credential_ids=[entry.row.id],
            audience=PRINTED_AUDIENCE,
            purpose=PRINTED_PURPOSE,
            days=PRINTED_DAYS,
        )
        tokens[entry.ref] = created.token
    return PrintedLinks(tokens, links_until(platform))


def printed(
    session: Session,
    platform: Platform,
    principal: Principal,
    *,
    kind: Format,
    links: PrintedLinks | None = None,
) -> Resume:
    """The résumé to print (``kind`` print or pdf), with the QR codes' ``links`` when the
    person made them (:func:`print_links`); audited."""
    shown = resume(
        session,
        platform,
        principal,
        links=links.links(platform) if links else None,
        links_until=links.until if links else None,
    )
    _audit(session, platform, principal, kind)
    return shown


def links_until(platform: Platform) -> str:
    """The day links made now stop opening (for the consent sentence)."""
    return (platform.now() + timedelta(days=PRINTED_DAYS)).strftime("%Y-%m-%d")


__all__ = [
    "CATEGORIES",
    "LER_RS_TYPE",
    "PRINTED_AUDIENCE",
    "Line",
    "PrintedLinks",
    "Resume",
    "bundle",
    "ler_rs",
    "links_until",
    "print_links",
    "printed",
    "resume",
]
