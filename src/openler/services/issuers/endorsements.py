"""Endorsements: one organization vouches for another's achievement or for the other
organization itself, as an Open Badges 3.0 ``EndorsementCredential``.

The endorsing organization signs it like any credential it issues (status entries, so it
can be withdrawn by revoking it); its ``credentialSubject`` is an ``EndorsementSubject``
whose ``id`` is the achievement's id or the organization's DID, with the endorser's
``endorsementComment``. Wherever the platform shows an achievement — a wallet's credential
page, an issuer's credential page, a verification result — it lists the endorsements this
platform holds for it (and for its issuer), each verified as it is shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, Forbidden, NotFound, UsageError
from openler.services.issuers import issuing
from openler.services.issuers.orgs import org_did
from openler.services.people.accounts import Principal, require_role
from openler.services.verifiers.verifying import verify_document
from openler.store.models import Achievement, IssuedCredential, Organization
from openler.vc import VerificationReport

OB_CONTEXT = issuing.OB_CONTEXT
MAX_COMMENT = 2000


@dataclass(frozen=True)
class Target:
    """Something on this platform an organization may endorse."""

    id: str
    name: str
    #: "achievement" or "organization"
    kind: str
    organization: Organization


def targets(
    session: Session, platform: Platform, principal: Principal, organization: Organization
) -> list[Target]:
    """What ``organization`` may endorse: every other organization that issues, and their
    achievements still offered. Issuer admins only."""
    require_role(principal, organization.id, "issuer_admin")
    found: list[Target] = []
    others = session.execute(
        select(Organization).where(Organization.id != organization.id).order_by(Organization.name)
    ).scalars()
    for other in others:
        achievements = list(
            session.execute(
                select(Achievement)
                .where(Achievement.organization_id == other.id, Achievement.retired_at.is_(None))
                .order_by(Achievement.slug)
            ).scalars()
        )
        if not achievements and other.kind != "issuer":
            continue
        found.append(Target(org_did(platform, other), other.name, "organization", other))
        for achievement in achievements:
            name = str(achievement.data.get("name", achievement.slug))
            found.append(
                Target(str(achievement.data["id"]), f"{name} ({other.name})", "achievement", other)
            )
    return found


def _target(session: Session, platform: Platform, target_id: str) -> Target:
    """The achievement or organization ``target_id`` names on this platform."""
    achievement = session.execute(
        select(Achievement).where(Achievement.data["id"].as_string() == target_id)
    ).scalar()
    if achievement is not None:
        owner = session.get(Organization, achievement.organization_id)
        assert owner is not None
        name = str(achievement.data.get("name", achievement.slug))
        return Target(target_id, name, "achievement", owner)
    for other in session.execute(select(Organization)).scalars():
        if org_did(platform, other) == target_id:
            return Target(target_id, other.name, "organization", other)
    raise NotFound(f"no achievement or organization {target_id} on this platform")


def endorse(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    *,
    target_id: str,
    comment: str,
) -> IssuedCredential:
    """Issue ``organization``'s EndorsementCredential of ``target_id`` (another
    organization's achievement or the organization itself). Issuer admins only; an
    organization does not endorse itself, nor the same thing twice while one stands."""
    require_role(principal, organization.id, "issuer_admin")
    target = _target(session, platform, target_id.strip())
    if target.organization.id == organization.id:
        raise Forbidden("an organization does not endorse itself or its own achievements")
    comment = comment.strip()
    if not comment:
        raise UsageError("say what the endorsement vouches for (the comment)")
    if len(comment) > MAX_COMMENT:
        raise UsageError(f"the comment is longer than {MAX_COMMENT} characters")
    standing = [e for e in _standing(session, [target.id]) if e.organization_id == organization.id]
    if standing:
        raise UsageError(
            f"{organization.name} already endorses {target.name}; revoke that endorsement "
            "first to replace it"
        )
    # no ``name``: the 1EdTech reference schema's EndorsementCredential is closed to it
    document: dict[str, Any] = {
        "@context": OB_CONTEXT,
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "issuer": {
            "id": org_did(platform, organization),
            "type": ["Profile"],
            "name": organization.name,
        },
        "credentialSubject": {
            "id": target.id,
            "type": ["EndorsementSubject"],
            "endorsementComment": comment,
        },
    }
    row = issuing.issue_document(session, platform, principal, organization, document)
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="endorsement.issue",
        subject=row.id,
        data={"endorser": organization.slug, "target": target.id, "kind": target.kind},
    )
    return row


def _standing(session: Session, target_ids: Iterable[str]) -> list[IssuedCredential]:
    """Endorsements of any of ``target_ids`` that have not been revoked or replaced."""
    ids = sorted(set(target_ids))
    if not ids:
        return []
    return list(
        session.execute(
            select(IssuedCredential)
            .where(
                IssuedCredential.kind == "EndorsementCredential",
                IssuedCredential.recipient.in_(ids),
                IssuedCredential.state != "revoked",
                IssuedCredential.replaced_by.is_(None),
            )
            .order_by(IssuedCredential.issued_at)
        ).scalars()
    )


@dataclass(frozen=True)
class Shown:
    """An endorsement as a page shows it: who endorsed what, what they said, and whether
    it verified just now."""

    credential_id: str
    endorser: str
    about: str
    #: what it endorses, named ("Registered Nurse (Ohio Board of Nursing)")
    about_name: str
    comment: str
    verified: bool
    summary: str
    document: dict[str, Any]


def endorsements_of(session: Session, platform: Platform, target_ids: Iterable[str]) -> list[Shown]:
    """The standing endorsements of ``target_ids`` (achievement ids, organization DIDs),
    each verified now by the platform's verifier."""
    shown = []
    for row in _standing(session, target_ids):
        endorser = session.get(Organization, row.organization_id)
        subject = row.document.get("credentialSubject")
        comment = subject.get("endorsementComment", "") if isinstance(subject, dict) else ""
        # as for endorsements embedded in a credential (vc.verify): the endorser's proof,
        # status and validity count; the trust registry says who may issue credentials,
        # not who may vouch for them
        report = verify_document(
            session, platform, row.document, name="endorsement", use_registry=False
        )
        shown.append(
            Shown(
                credential_id=row.id,
                endorser=endorser.name if endorser else row.organization_id,
                about=row.recipient,
                about_name=_name_of(session, platform, row.recipient),
                comment=str(comment),
                verified=report.verified,
                summary=report.summary,
                document=row.document,
            )
        )
    return shown


def _name_of(session: Session, platform: Platform, target_id: str) -> str:
    try:
        target = _target(session, platform, target_id)
    except NotFound:
        return target_id
    if target.kind == "organization":
        return target.name
    return f"{target.name} ({target.organization.name})"


def title_of(session: Session, platform: Platform, row: IssuedCredential) -> str | None:
    """How lists name an endorsement an organization issued ("Endorsement of Registered
    Nurse (Ohio Board of Nursing)"); None for any other credential."""
    if row.kind != "EndorsementCredential":
        return None
    return f"Endorsement of {_name_of(session, platform, row.recipient)}"


def subjects_in(document: Mapping[str, Any]) -> list[str]:
    """The achievement ids and issuer ids a credential (or presentation, or CLR) names —
    what endorsements could be about — in the order they appear."""
    found: list[str] = []
    for target, _issuer in named_in(document):
        if target not in found:
            found.append(target)
    return found


def named_in(document: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """Each achievement id and issuer id a document names, with the issuer of the
    credential that names it (an issuer names itself)."""
    found: list[tuple[str, str | None]] = []

    def id_of(value: Any) -> str | None:
        if isinstance(value, str):
            return value
        if isinstance(value, Mapping) and isinstance(value.get("id"), str):
            return str(value["id"])
        return None

    def add(value: Any, issuer: str | None) -> None:
        target = id_of(value)
        if target is not None and (target, issuer) not in found:
            found.append((target, issuer))

    def walk(doc: Any) -> None:
        if not isinstance(doc, Mapping):
            return
        issuer = id_of(doc.get("issuer"))
        subjects = doc.get("credentialSubject")
        for subject in subjects if isinstance(subjects, list) else [subjects]:
            if not isinstance(subject, Mapping):
                continue
            achievements = subject.get("achievement")
            for achievement in achievements if isinstance(achievements, list) else [achievements]:
                add(achievement, issuer)
            for inner in _list(subject.get("verifiableCredential")):
                walk(inner)
        if "credentialSubject" in doc:
            add(issuer, issuer)
        for inner in _list(doc.get("verifiableCredential")):
            walk(inner)

    walk(document)
    return found


def _issued_by_owner(session: Session, platform: Platform, target: str, issuer: str | None) -> bool:
    """Whether an endorsement of ``target`` applies where a credential of ``issuer`` names
    it: an achievement defined here only in its own organization's credentials (anyone can
    sign a credential that names another's achievement id)."""
    achievement = session.execute(
        select(Achievement).where(Achievement.data["id"].as_string() == target)
    ).scalar()
    if achievement is None:
        return True  # an organization's DID: the credential's own (verified) issuer
    owner = session.get(Organization, achievement.organization_id)
    try:
        return owner is not None and issuer == org_did(platform, owner)
    except Conflict:  # an organization without a key yet has issued nothing
        return False


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def for_document(
    session: Session, platform: Platform, document: Mapping[str, Any] | None
) -> list[Shown]:
    """The endorsements on this platform of what ``document`` names (see
    :func:`named_in`) — an achievement's only where its own organization issued the
    credential naming it; none for a document that is not an object."""
    if not isinstance(document, Mapping):
        return []
    targets: list[str] = []
    for target, issuer in named_in(document):
        if target not in targets and _issued_by_owner(session, platform, target, issuer):
            targets.append(target)
    return endorsements_of(session, platform, targets)


def for_verified(session: Session, platform: Platform, report: VerificationReport) -> list[Shown]:
    """For a verification result: the endorsements of what the documents ``report``
    verified name — each as the verifier read it (a presentation's credentials each, an
    enveloped one from its envelope: never an envelope's own words); none when it did not
    verify."""
    if not report.verified:
        return []
    documents = (
        [c.document for c in report.credentials]
        if report.kind == "presentation"
        else [report.document]
    )
    shown: dict[str, Shown] = {}
    for document in documents:
        for one in for_document(session, platform, document):
            shown.setdefault(one.credential_id, one)
    return list(shown.values())


def given_by(
    session: Session, platform: Platform, principal: Principal, organization: Organization
) -> list[Shown]:
    """The standing endorsements ``organization`` gave. Issuer staff only."""
    require_role(principal, organization.id, *issuing.ISSUERS)
    rows = session.execute(
        select(IssuedCredential.recipient).where(
            IssuedCredential.organization_id == organization.id,
            IssuedCredential.kind == "EndorsementCredential",
        )
    ).scalars()
    return [
        shown
        for shown in endorsements_of(session, platform, rows)
        if _issued_by(session, shown.credential_id, organization)
    ]


def _issued_by(session: Session, credential_id: str, organization: Organization) -> bool:
    row = session.get(IssuedCredential, credential_id)
    return row is not None and row.organization_id == organization.id


def received_by(
    session: Session, platform: Platform, principal: Principal, organization: Organization
) -> list[Shown]:
    """The standing endorsements of ``organization`` and its achievements. Issuer staff."""
    require_role(principal, organization.id, *issuing.ISSUERS)
    ids = [org_did(platform, organization)] + [
        str(a.data["id"])
        for a in session.execute(
            select(Achievement).where(Achievement.organization_id == organization.id)
        ).scalars()
    ]
    return endorsements_of(session, platform, ids)
