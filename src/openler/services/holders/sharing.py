"""Sharing: a learner shares chosen credentials with an audience, with consent, until an
expiry. The share is a presentation signed by the learner's holder key; every view by the
audience is verified live (status now, not as it was) and audited.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, NotFound, UsageError
from openler.services.issuers import issuing
from openler.services.people.accounts import Principal, holder_key, require_self
from openler.services.verifiers.credential_state import IssuerNote, current_of, issuer_notes
from openler.services.verifiers.verifying import verify_document
from openler.store.models import AuditEvent, Consent, IssuedCredential, Person, Share
from openler.vc import VerificationReport, build_presentation, sign_presentation


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CreatedShare:
    share: Share
    token: str  # shown once: the link is /s/<token>


def wallet_presentation(
    session: Session,
    platform: Platform,
    person: Person,
    credential_ids: list[str],
    *,
    challenge: str,
    domain: str,
    presentation_id: str | None = None,
) -> dict[str, Any]:
    """A presentation of the person's own chosen credentials, signed by their custodial
    wallet key for ``challenge`` and ``domain``."""
    if not credential_ids:
        raise UsageError("choose at least one credential")
    rows = [session.get(IssuedCredential, c) for c in credential_ids]
    if any(r is None or r.person_id != person.id for r in rows):
        raise NotFound("one of the credentials is not yours")
    key = holder_key(session, platform, person)
    documents: list[dict[str, Any] | str] = [r.document for r in rows if r is not None]
    return sign_presentation(
        build_presentation(documents, holder=key.controller, presentation_id=presentation_id),
        key,
        challenge=challenge,
        domain=domain,
        created=platform.now(),
    )


def create_share(
    session: Session,
    platform: Platform,
    principal: Principal,
    *,
    credential_ids: list[str],
    audience: str,
    purpose: str,
    days: int = 30,
) -> CreatedShare:
    """Share the learner's own credentials; records consent and audits both."""
    person = session.get(Person, principal.person_id)
    if person is None:
        raise NotFound("no such person")
    require_self(principal, person.id)
    if not 1 <= days <= 365:
        raise UsageError("a share lasts from 1 to 365 days")
    now = platform.now()
    token = secrets.token_urlsafe(24)
    share_id = secrets.token_hex(8)
    presentation = wallet_presentation(
        session,
        platform,
        person,
        credential_ids,
        challenge=share_id,
        domain=audience,
        presentation_id=f"urn:openler:share:{share_id}",
    )
    share = Share(
        id=share_id,
        person_id=person.id,
        token_hash=_digest(token),
        audience=audience,
        purpose=purpose,
        presentation=presentation,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(share)
    session.flush()
    session.add(
        Consent(
            person_id=person.id,
            share_id=share.id,
            scope=f"share with {audience}: {purpose}",
            granted_at=now,
        )
    )
    audit.record(
        session,
        at=now,
        actor=principal.label,
        action="share.create",
        subject=f"share:{share.id}",
        data={"audience": audience, "credentials": credential_ids},
    )
    audit.record(
        session, at=now, actor=principal.label, action="consent.grant", subject=f"share:{share.id}"
    )
    return CreatedShare(share, token)


def revoke_share(
    session: Session, platform: Platform, principal: Principal, share_id: str
) -> Share:
    share = session.get(Share, share_id)
    if share is None or share.person_id != principal.person_id:
        raise NotFound("no such share")
    require_self(principal, share.person_id)
    if share.revoked_at is not None:
        raise Conflict("the share is already withdrawn")
    now = platform.now()
    share.revoked_at = now
    for consent in session.execute(select(Consent).where(Consent.share_id == share.id)).scalars():
        consent.withdrawn_at = now
    audit.record(
        session,
        at=now,
        actor=principal.label,
        action="consent.withdraw",
        subject=f"share:{share.id}",
    )
    return share


@dataclass(frozen=True)
class Update:
    """A shared credential replaced since it was shared: the viewer is told plainly."""

    name: str
    how: str  # renewed, extended, re-issued, claimed
    on: datetime

    @property
    def sentence(self) -> str:
        return f"{self.name} was updated since it was shared: {self.how} on {self.on:%Y-%m-%d}."


def _shared_rows(session: Session, presentation: dict[str, Any]) -> list[IssuedCredential | None]:
    inner = presentation.get("verifiableCredential", [])
    found: list[IssuedCredential | None] = []
    for document in inner if isinstance(inner, list) else [inner]:
        credential_id = document.get("id") if isinstance(document, dict) else None
        found.append(session.get(IssuedCredential, credential_id) if credential_id else None)
    return found


@dataclass(frozen=True)
class Followed:
    """A presentation made anew of the current credentials, and what changed."""

    presentation: dict[str, Any]
    updates: list[Update]


def follow_replacements(
    session: Session,
    platform: Platform,
    person: Person | None,
    presentation: dict[str, Any],
    *,
    challenge: str,
    domain: str,
    presentation_id: str | None = None,
) -> Followed | None:
    """When a credential in ``presentation`` was replaced since (re-issued, renewed,
    extended, claimed): a presentation of the current credentials, signed anew by the
    holder's custodial key for the same challenge and domain, and what changed; else
    None. The presentation the holder made is kept as it was. A replacement that is not
    the holder's, or a holder who keeps their own key, leaves it as it is (the verifier
    then sees the old credential revoked, and the issuer's note saying what replaced
    it)."""
    if person is None or person.encrypted_holder_key is None:
        return None
    rows = _shared_rows(session, presentation)
    if not rows or any(r is None or r.person_id != person.id for r in rows):
        return None
    updates, current = [], []
    for row in rows:
        assert row is not None
        held = current_of(session, row)
        current.append(held.id)
        if held.id == row.id:
            continue
        if held.person_id != person.id:
            return None
        previous = session.get(IssuedCredential, held.previous_id) if held.previous_id else None
        how = issuing.how_replaced(previous) if previous is not None else "re-issued"
        updates.append(
            Update(str(held.document.get("name") or "A credential"), how, held.issued_at)
        )
    if not updates:
        return None
    anew = wallet_presentation(
        session,
        platform,
        person,
        list(dict.fromkeys(current)),
        challenge=challenge,
        domain=domain,
        presentation_id=presentation_id,
    )
    return Followed(anew, updates)


@dataclass(frozen=True)
class ShareView:
    share: Share
    #: what was verified: the share's presentation, or one made anew of the current
    #: credentials when any was replaced since it was shared
    presentation: dict[str, Any]
    report: VerificationReport
    viewed_at: datetime
    holder: str  # the learner's name, as the page names them
    #: shared credentials replaced since the share was made (the new ones are presented)
    updates: tuple[Update, ...] = ()
    #: what the issuers here say about credentials in it (revoked, with their reasons)
    notes: tuple[IssuerNote, ...] = ()


def view_share(
    session: Session,
    platform: Platform,
    token: str,
    *,
    viewer: str,
    jurisdiction: str | None = None,
) -> ShareView:
    """Open a share link: refused once expired or withdrawn; otherwise verified now. A
    shared credential replaced since (renewed, extended, re-issued, claimed) is presented
    as its replacement — the holder's custodial key signs a presentation anew for the
    share's challenge and audience, the share keeping the one the holder made — and the
    view says so."""
    share = session.execute(select(Share).where(Share.token_hash == _digest(token))).scalar()
    if share is None:
        raise NotFound("this share link does not exist")
    now = platform.now()
    if share.revoked_at is not None:
        raise Conflict("the learner withdrew this share")
    if share.expires_at < now:
        raise Conflict(f"this share expired on {share.expires_at:%Y-%m-%d}")
    person = session.get(Person, share.person_id)
    followed = follow_replacements(
        session,
        platform,
        person,
        share.presentation,
        challenge=share.id,
        domain=share.audience,
        presentation_id=share.presentation.get("id"),
    )
    presentation = followed.presentation if followed else share.presentation
    report = verify_document(
        session,
        platform,
        presentation,
        challenge=share.id,
        domain=share.audience,
        jurisdiction=jurisdiction,
        name="share",
        require_holder_binding=True,
    )
    audit.record(
        session,
        at=now,
        actor=viewer,
        action="share.view",
        subject=f"share:{share.id}",
        data={
            "verified": report.verified,
            **({"presented_anew": credential_ids(presentation)} if followed else {}),
        },
    )
    return ShareView(
        share,
        presentation,
        report,
        now,
        person.name if person else "the learner",
        tuple(followed.updates if followed else ()),
        tuple(issuer_notes(session, platform, presentation)),
    )


def credential_ids(presentation: dict[str, Any]) -> list[str]:
    """The ids of the credentials embedded in ``presentation``, in order."""
    inner = presentation.get("verifiableCredential", [])
    return [
        str(c.get("id"))
        for c in (inner if isinstance(inner, list) else [inner])
        if isinstance(c, dict) and c.get("id")
    ]


@dataclass(frozen=True)
class ShareSummary:
    share: Share
    credentials: list[str]  # the names of the shared credentials
    views: int
    state: str  # active, expired or withdrawn


def shares_of(session: Session, platform: Platform, principal: Principal) -> list[ShareSummary]:
    """The signed-in learner's shares, newest first, with how often each was opened."""
    require_self(principal, principal.person_id)
    now = platform.now()
    summaries = []
    shares = session.execute(
        select(Share)
        .where(Share.person_id == principal.person_id)
        .order_by(Share.created_at.desc())
    ).scalars()
    for share in shares:
        views = session.execute(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "share.view", AuditEvent.subject == f"share:{share.id}")
        ).scalar_one()
        credentials = share.presentation.get("verifiableCredential", [])
        names = [
            str(c.get("name", "Credential")) if isinstance(c, dict) else "Credential"
            for c in (credentials if isinstance(credentials, list) else [credentials])
        ]
        state = (
            "withdrawn"
            if share.revoked_at is not None
            else "expired"
            if share.expires_at < now
            else "active"
        )
        summaries.append(ShareSummary(share, names, int(views), state))
    return summaries
