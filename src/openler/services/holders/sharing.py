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

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, NotFound, UsageError
from openler.services.holders import candidates
from openler.services.holders.candidates import bound_to
from openler.services.holders.record import credential_name
from openler.services.issuers import issuing
from openler.services.people.accounts import Principal, holder_key, require_self
from openler.services.verifiers import answers
from openler.services.verifiers.credential_state import IssuerNote, current_of, issuer_notes
from openler.services.verifiers.verifying import verify_document
from openler.services.wording import N_
from openler.store.models import (
    Consent,
    IssuedCredential,
    Organization,
    Person,
    ReceivedCredential,
    Share,
    new_id,
)
from openler.store.models import ShareView as ViewRow
from openler.vc import VerificationReport, build_presentation, sign_presentation

#: how a credential from elsewhere is named among the credentials of a presentation
HELD = "held:"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


#: the most openings a view limit may allow
MAX_VIEWS = 1000


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
    wallet key for ``challenge`` and ``domain``. A credential is named by its id when
    issued here, by ``held:<row id>`` when it came from elsewhere (then it must be bound
    to the wallet's DID and in Data Integrity form)."""
    if not credential_ids:
        raise UsageError.worded(N_("choose at least one credential"))
    key = holder_key(session, platform, person)
    documents: list[dict[str, Any] | str] = []
    for credential_id in credential_ids:
        row: IssuedCredential | ReceivedCredential | None
        if credential_id.startswith(HELD):
            row = session.get(ReceivedCredential, credential_id[len(HELD) :])
            if row is not None and (row.jwt or not bound_to(row.document, key.controller)):
                raise UsageError.worded(
                    N_("%(name)s is not bound to your wallet: it cannot be shared"), name=row.name
                )
        else:
            row = session.get(IssuedCredential, credential_id)
        if row is None or row.person_id != person.id:
            raise NotFound.worded(N_("one of the credentials is not yours"))
        documents.append(row.document)
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
    credential_ids: list[str] | None = None,
    audience: str,
    purpose: str,
    days: int = 30,
    whole_record: bool = False,
    max_views: int | None = None,
) -> CreatedShare:
    """Share the learner's own credentials — those chosen, or (``whole_record``) every
    credential they hold that can be shared now, as it stands when the share is made —
    optionally for at most ``max_views`` openings; records consent and audits both. Only
    a credential :mod:`~openler.services.holders.candidates` offers may be shared."""
    person = session.get(Person, principal.person_id)
    if person is None:
        raise NotFound.worded(N_("no such person"))
    require_self(principal, person.id)
    if not 1 <= days <= 365:
        raise UsageError.worded(N_("a share lasts from 1 to 365 days"))
    if max_views is not None and not 1 <= max_views <= MAX_VIEWS:
        raise UsageError.worded(N_("a view limit is from 1 to %(most)s views"), most=str(MAX_VIEWS))
    found = candidates.candidates(session, platform, principal, from_elsewhere=True)
    if whole_record:
        chosen = [c.value for c in found if c.offered]
        if not chosen:
            raise UsageError.worded(N_("you hold no credential that can be shared now"))
    else:
        chosen = [c.value for c in candidates.require_offered(found, credential_ids or [])]
    now = platform.now()
    token = secrets.token_urlsafe(24)
    share_id = secrets.token_hex(8)
    presentation = wallet_presentation(
        session,
        platform,
        person,
        chosen,
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
        max_views=max_views,
        whole_record=whole_record,
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
        data={
            "audience": audience,
            "credentials": chosen,
            **({"whole_record": True} if whole_record else {}),
            **({"max_views": max_views} if max_views is not None else {}),
        },
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
        raise NotFound.worded(N_("no such share"))
    require_self(principal, share.person_id)
    if share.revoked_at is not None:
        raise Conflict.worded(N_("the share is already withdrawn"))
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
    #: the answer for whoever opened it: who holds what, from whom, its standing and what
    #: they may rely on (:mod:`~openler.services.verifiers.answers`)
    verdict: answers.Verdict | None = None
    #: this opening's id, which the same browser shows to read the page again without it
    #: counting as another opening (:func:`view_share`'s ``seen``)
    view_id: str | None = None


#: how long the same browser may read a share's page again (a reload, another language)
#: without it counting as another opening
SEEN_FOR = timedelta(minutes=30)


def view_share(
    session: Session,
    platform: Platform,
    token: str,
    *,
    viewer: str,
    principal: Principal,
    jurisdiction: str | None = None,
    seen: str | None = None,
) -> ShareView:
    """Open a share link: refused once expired, withdrawn or opened as often as its view
    limit allows; otherwise verified now, and the opening kept in the learner's access log
    (when, whether it verified, and — for a signed-in ``principal`` — who, with the
    organizations they verify for; whoever opens the link without signing in is the system
    principal, the link being their only right). A shared credential replaced since
    (renewed, extended, re-issued, claimed) is presented as its replacement — the holder's
    custodial key signs a presentation anew for the share's challenge and audience, the
    share keeping the one the holder made — and the view says so."""
    share = session.execute(
        select(Share).where(Share.token_hash == _digest(token)).with_for_update()
    ).scalar()
    if share is None:
        raise NotFound("this share link does not exist")
    if session.get_bind().dialect.name == "sqlite":
        # SQLite has no FOR UPDATE: a write takes the database's write lock now, so a
        # second opening waits for this one to commit before it counts the views
        session.execute(update(Share).where(Share.id == share.id).values(id=Share.id))
    now = platform.now()
    if share.revoked_at is not None:
        raise Conflict("the learner withdrew this share: ask them for a new link")
    if share.expires_at < now:
        raise Conflict(
            f"this share expired on {share.expires_at:%Y-%m-%d}: ask the learner for a new link"
        )
    earlier = session.get(ViewRow, seen) if seen else None
    again = (
        earlier is not None
        and earlier.share_id == share.id
        and earlier.viewed_at >= now - SEEN_FOR
        and earlier.viewer_person_id == (None if principal.is_system else principal.person_id)
    )
    if not again and share.max_views is not None and views_of(session, share) >= share.max_views:
        times = "once" if share.max_views == 1 else f"{share.max_views} times"
        raise Conflict(
            f"this link may be opened {times}, and it has been: ask the learner for a new link"
        )
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
    signed_in = not principal.is_system
    if again:  # the same browser reading it again: verified anew, not another opening
        assert earlier is not None
        opening = earlier
    else:
        opening = ViewRow(
            id=new_id(),
            share_id=share.id,
            viewed_at=now,
            viewer_person_id=principal.person_id if signed_in else None,
            viewer_organization=_verifier_organizations(session, principal) if signed_in else None,
            verified=report.verified,
        )
        session.add(opening)
    audit.record(
        session,
        at=now,
        actor=viewer,
        action="share.view",
        subject=f"share:{share.id}",
        data={
            "verified": report.verified,
            **({"again": True} if again else {}),
            **({"presented_anew": credential_ids(presentation)} if followed else {}),
        },
    )
    holder = person.name if person else "the learner"
    return ShareView(
        share,
        presentation,
        report,
        now,
        holder,
        tuple(followed.updates if followed else ()),
        tuple(issuer_notes(session, platform, presentation)),
        answers.answer(
            session, platform, presentation, report, holder=holder, jurisdiction=jurisdiction
        ),
        opening.id,
    )


def _verifier_organizations(session: Session, principal: Principal) -> str | None:
    """The names of the organizations ``principal`` verifies for, as one line (None when
    they verify for none)."""
    names = sorted(
        org.name
        for org_id in principal.organizations_with("verifier")
        if (org := session.get(Organization, org_id)) is not None
    )
    return ", ".join(names)[:300] if names else None


def views_of(session: Session, share: Share) -> int:
    """How often ``share`` was opened."""
    return int(
        session.execute(
            select(func.count()).select_from(ViewRow).where(ViewRow.share_id == share.id)
        ).scalar_one()
    )


def credential_ids(presentation: dict[str, Any]) -> list[str]:
    """The ids of the credentials embedded in ``presentation``, in order."""
    inner = presentation.get("verifiableCredential", [])
    return [
        str(c.get("id"))
        for c in (inner if isinstance(inner, list) else [inner])
        if isinstance(c, dict) and c.get("id")
    ]


#: who opened a share, when no one signed in
ANONYMOUS = N_("someone not signed in")
#: who opened a share: the learner themselves
YOU = N_("you")
#: who opened a share, signed in but verifying for no organization
SIGNED_IN = N_("someone signed in, not for an organization")


@dataclass(frozen=True)
class Opening:
    """One line of a share's access log, as the learner reads it."""

    viewed_at: datetime
    #: the organization (and its verifier's name), or :data:`ANONYMOUS`, :data:`SIGNED_IN`
    who: str
    organization: str | None
    verified: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "viewedAt": self.viewed_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "who": self.who,
            "organization": self.organization,
            "verified": self.verified,
        }


def _opening(session: Session, share: Share, row: ViewRow) -> Opening:
    """The learner sees the organization a viewer verified for, with the verifier's name
    (they acted for it); someone signed in for no organization is not named (but for the
    learner themselves: "you")."""
    if row.viewer_person_id is not None and row.viewer_person_id == share.person_id:
        who = YOU
    elif row.viewer_organization:
        viewer = session.get(Person, row.viewer_person_id) if row.viewer_person_id else None
        who = f"{row.viewer_organization} ({viewer.name})" if viewer else row.viewer_organization
    else:
        who = SIGNED_IN if row.viewer_person_id else ANONYMOUS
    return Opening(row.viewed_at, who, row.viewer_organization, row.verified)


@dataclass(frozen=True)
class ShareSummary:
    share: Share
    credentials: list[str]  # the names of the shared credentials
    views: int
    state: str  # active, used up, expired or withdrawn
    #: who opened it and when, newest first
    log: tuple[Opening, ...] = ()

    @property
    def views_left(self) -> int | None:
        return None if self.share.max_views is None else max(0, self.share.max_views - self.views)

    @property
    def usage(self) -> str:
        """How much of it was used, in words: "opened 2 times", "used 3 of 5 views"."""
        if self.share.max_views is None:
            return f"opened {self.views} time{'' if self.views == 1 else 's'}"
        most = self.share.max_views
        return f"used {self.views} of {most} view{'' if most == 1 else 's'}"


def _names(presentation: dict[str, Any]) -> list[str]:
    inner = presentation.get("verifiableCredential", [])
    return [
        credential_name(c) if isinstance(c, dict) else "Credential"
        for c in (inner if isinstance(inner, list) else [inner])
    ]


def _summary(session: Session, share: Share, now: datetime) -> ShareSummary:
    rows = session.execute(
        select(ViewRow).where(ViewRow.share_id == share.id).order_by(ViewRow.viewed_at.desc())
    ).scalars()
    log = tuple(_opening(session, share, row) for row in rows)
    views = len(log)
    state = (
        N_("withdrawn")
        if share.revoked_at is not None
        else N_("expired")
        if share.expires_at < now
        else N_("used up")
        if share.max_views is not None and views >= share.max_views
        else N_("active")
    )
    return ShareSummary(share, _names(share.presentation), views, state, log)


def shares_of(session: Session, platform: Platform, principal: Principal) -> list[ShareSummary]:
    """The signed-in learner's shares, newest first, with who opened each and when."""
    require_self(principal, principal.person_id)
    now = platform.now()
    shares = session.execute(
        select(Share)
        .where(Share.person_id == principal.person_id)
        .order_by(Share.created_at.desc())
    ).scalars()
    return [_summary(session, share, now) for share in shares]


def opened_by(summaries: list[ShareSummary], token: str) -> ShareSummary | None:
    """The share among ``summaries`` (a person's own, :func:`shares_of`) that the link with
    ``token`` opens; None when none of them does."""
    digest = _digest(token)
    return next((s for s in summaries if s.share.token_hash == digest), None)


def share_of(
    session: Session, platform: Platform, principal: Principal, share_id: str
) -> ShareSummary:
    """One of the signed-in learner's shares with its access log; anyone else's does not
    exist for them."""
    share = session.get(Share, share_id)
    if share is None or share.person_id != principal.person_id:
        raise NotFound.worded(N_("no such share"))
    require_self(principal, share.person_id)
    return _summary(session, share, platform.now())
