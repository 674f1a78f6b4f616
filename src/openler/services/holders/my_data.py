"""A person's own data, for them to take away (privacy by design): everything openler holds
about them as one JSON document, and the access log of their shares — who saw what, when —
as JSON or CSV. For the person themselves only; every download is audited.

What is in "everything": the profile (never the password hash or the sealed holder key),
their memberships, the credentials issued to them here, the credentials they brought from
elsewhere (with the file as they brought it), what they wrote themselves, their shares with
each one's access log (never the link's token, which openler keeps only as a digest and
does not put in the download either), their consents, the requests they answered and the
audit events they caused or that are about them. In those events another person is not
named: an actor other than themselves reads "another person" (or "someone not signed in"),
as the share log names an organization, not its staff member's account.
"""

from __future__ import annotations

import base64
import csv
import io
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import NotFound
from openler.services.holders import sharing
from openler.services.holders.record import held_rows, self_reported_of
from openler.services.issuers import issuing
from openler.services.people.accounts import Principal, require_self
from openler.services.verifiers.requests import reason_of
from openler.services.wording import N_
from openler.store.models import (
    AuditEvent,
    Consent,
    Member,
    Organization,
    Person,
    PresentationRequest,
)

#: the columns of the share log as CSV
LOG_COLUMNS = ("share", "audience", "purpose", "viewed_at", "who", "organization", "verified")


def _when(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def _person(session: Session, principal: Principal) -> Person:
    require_self(principal, principal.person_id)
    person = session.get(Person, principal.person_id)
    if person is None:
        raise NotFound.worded(N_("no such person"))
    return person


def _profile(session: Session, person: Person) -> dict[str, Any]:
    memberships = session.execute(
        select(Organization.name, Member.role, Member.created_at)
        .join(Member, Member.organization_id == Organization.id)
        .where(Member.person_id == person.id)
        .order_by(Member.created_at)
    ).all()
    return {
        "id": person.id,
        "name": person.name,
        "email": person.email,
        "did": person.did,
        "walletKeyHeldHere": person.encrypted_holder_key is not None,
        "locale": person.locale,
        "platformAdministrator": person.is_platform_admin,
        "createdAt": _when(person.created_at),
        "memberships": [
            {"organization": name, "role": role, "since": _when(since)}
            for name, role, since in memberships
        ],
    }


def _issued(session: Session, person: Person) -> list[dict[str, Any]]:
    return [
        {
            "id": row.id,
            "kind": row.kind,
            "issuerStatus": row.state,
            "issuedAt": _when(row.issued_at),
            "validUntil": _when(row.valid_until),
            "replacedBy": row.replaced_by,
            "document": row.document,
        }
        for row in issuing.credentials_of(session, person.id, include_replaced=True)
    ]


def _held(session: Session, person: Person) -> list[dict[str, Any]]:
    return [
        {
            "id": row.id,
            "source": row.source,
            "format": row.format,
            "name": row.name,
            "issuer": row.issuer,
            "issuerName": row.issuer_name,
            "from": row.credential_issuer,
            "receivedAt": _when(row.received_at),
            "verifiedWhenAdded": row.verified,
            "verificationNote": row.verification_note,
            "document": row.document,
            "jwt": row.jwt,
            "original": (
                {
                    "type": row.original_type,
                    "base64": base64.b64encode(row.original).decode("ascii"),
                }
                if row.original is not None
                else None
            ),
        }
        for row in held_rows(session, person.id)
    ]


def _self_reported(session: Session, person: Person) -> list[dict[str, Any]]:
    return [
        {
            "id": row.id,
            "kind": row.kind,
            "title": row.title,
            "organization": row.organization,
            "started": row.started,
            "ended": row.ended,
            "description": row.description,
            "createdAt": _when(row.created_at),
            "updatedAt": _when(row.updated_at),
        }
        for row in self_reported_of(session, person.id)
    ]


def _shares(session: Session, platform: Platform, principal: Principal) -> list[dict[str, Any]]:
    return [
        {
            "id": s.share.id,
            "audience": s.share.audience,
            "purpose": s.share.purpose,
            "state": s.state,
            "wholeRecord": s.share.whole_record,
            "credentials": s.credentials,
            "createdAt": _when(s.share.created_at),
            "expiresAt": _when(s.share.expires_at),
            "withdrawnAt": _when(s.share.revoked_at),
            "maxViews": s.share.max_views,
            "views": [o.to_json() for o in s.log],
            "presentation": s.share.presentation,
        }
        for s in sharing.shares_of(session, platform, principal)
    ]


def _consents(session: Session, person: Person) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Consent).where(Consent.person_id == person.id).order_by(Consent.granted_at)
    ).scalars()
    return [
        {
            "scope": c.scope,
            "share": c.share_id,
            "grantedAt": _when(c.granted_at),
            "withdrawnAt": _when(c.withdrawn_at),
        }
        for c in rows
    ]


def _answered(session: Session, person: Person) -> list[PresentationRequest]:
    return list(
        session.execute(
            select(PresentationRequest)
            .where(PresentationRequest.answered_by == person.id)
            .order_by(PresentationRequest.created_at)
        ).scalars()
    )


def _requests(session: Session, answered: list[PresentationRequest]) -> list[dict[str, Any]]:
    found = []
    for row in answered:
        organization = session.get(Organization, row.organization_id)
        found.append(
            {
                "id": row.id,
                "askedBy": organization.name if organization else None,
                "asked": reason_of(row),
                "askedAt": _when(row.created_at),
                "answeredAt": _when(row.fulfilled_at),
                "presentation": row.presentation,
            }
        )
    return found


def _actor(actor: str, own: str) -> str:
    """Who acted, as the person may read it: themselves, openler, or someone else unnamed.

    >>> _actor("person:a", "person:a"), _actor("person:b", "person:a"), _actor("link:1.2.3.4", "")
    ('you', 'another person', 'someone not signed in')
    """
    if actor == own:
        return "you"
    if actor.startswith("system:"):
        return "openler"
    if actor.startswith("link:"):
        return sharing.ANONYMOUS
    return "another person"


def _events(
    session: Session,
    principal: Principal,
    *,
    shares: list[str],
    credentials: list[str],
    requests: list[str],
) -> list[dict[str, Any]]:
    subjects = (
        [f"person:{principal.person_id}"]
        + [f"share:{s}" for s in shares]
        + [f"request:{r}" for r in requests]
        + credentials
    )
    rows = session.execute(
        select(AuditEvent)
        .where(or_(AuditEvent.actor == principal.label, AuditEvent.subject.in_(subjects)))
        .order_by(AuditEvent.seq)
    ).scalars()
    return [
        {
            "at": _when(e.at),
            "actor": _actor(e.actor, principal.label),
            "action": e.action,
            "subject": e.subject,
            "data": e.data,
        }
        for e in rows
    ]


def everything(session: Session, platform: Platform, principal: Principal) -> dict[str, Any]:
    """Everything openler holds about the signed-in person, as one JSON-ready document; the
    download is audited (it is itself in the next one)."""
    person = _person(session, principal)
    issued = _issued(session, person)
    shares = _shares(session, platform, principal)
    answered = _answered(session, person)
    document = {
        "about": "Everything openler holds about you, as of the time below.",
        "exportedAt": _when(platform.now()),
        "person": _profile(session, person),
        "credentialsIssuedToYou": issued,
        "credentialsFromElsewhere": _held(session, person),
        "selfReported": _self_reported(session, person),
        "shares": shares,
        "consents": _consents(session, person),
        "requestsAnswered": _requests(session, answered),
        "auditEvents": _events(
            session,
            principal,
            shares=[s["id"] for s in shares],
            credentials=[c["id"] for c in issued],
            requests=[r.id for r in answered],
        ),
    }
    _audit(session, platform, principal, "everything")
    return document


def share_log(session: Session, platform: Platform, principal: Principal) -> list[dict[str, Any]]:
    """Every opening of every share of the signed-in person, newest first: which share
    (its audience and purpose), when, who (an organization and its verifier, or someone not
    signed in), and whether it verified then. The download is audited."""
    require_self(principal, principal.person_id)
    lines = [
        {
            "share": s.share.id,
            "audience": s.share.audience,
            "purpose": s.share.purpose,
            **opening.to_json(),
        }
        for s in sharing.shares_of(session, platform, principal)
        for opening in s.log
    ]
    lines.sort(key=lambda line: str(line["viewedAt"]), reverse=True)
    _audit(session, platform, principal, "share-log")
    return lines


def share_log_csv(lines: list[dict[str, Any]]) -> str:
    """:func:`share_log`'s lines as CSV, one opening a row, with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(LOG_COLUMNS)
    for line in lines:
        writer.writerow(
            [
                _cell(line["share"]),
                _cell(line["audience"]),
                _cell(line["purpose"]),
                line["viewedAt"],
                _cell(line["who"]),
                _cell(line["organization"] or ""),
                "yes" if line["verified"] else "no",
            ]
        )
    return out.getvalue()


def _cell(value: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula (OWASP's CSV injection advice).

    >>> _cell("=HYPERLINK(1)"), _cell("Piedmont")
    ("'=HYPERLINK(1)", 'Piedmont')
    """
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _audit(session: Session, platform: Platform, principal: Principal, what: str) -> None:
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="data.download",
        subject=f"person:{principal.person_id}",
        data={"what": what},
    )
