"""Transcripts: a CLR 2.0 ``ClrCredential`` bundling what a learner holds from one issuer.

The record embeds the learner's current credentials from the organization (active, not
replaced, not expired Open Badges credentials), each exactly as it was signed, in the
``ClrSubject``'s ``verifiableCredential``; a verifier checks each of them as well as the
record's own proof. ``association`` relates their achievements: every stacking rule whose
achievement and components are both in the record gives "the stacked achievement
isParentOf the component", and the issuer may add others from the CLR AssociationType
vocabulary. The record is ``partial`` when the issuer left some of the learner's
credentials out.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import NotFound, UsageError
from openler.services.issuers import issuing, stacking
from openler.services.issuers.orgs import org_did
from openler.services.issuers.recipients import Recipient, subject_names
from openler.services.issuers.stacking import Holder
from openler.services.people.accounts import Principal, require_role
from openler.store.models import Achievement, IssuedCredential, Organization, Person
from openler.vc import ASSOCIATION_TYPES

CLR_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
#: what a transcript bundles
BUNDLED_KINDS = ("OpenBadgeCredential", "AchievementCredential")


@dataclass(frozen=True)
class Link:
    """An association between two achievements in a record, by their ids."""

    source: str
    kind: str
    target: str

    def to_json(self) -> dict[str, str]:
        return {
            "type": "Association",
            "associationType": self.kind,
            "sourceId": self.source,
            "targetId": self.target,
        }


@dataclass(frozen=True)
class Record:
    """What a transcript for one learner can hold: their current credentials from the
    organization, with each one's achievement, and the associations the stacking rules
    give between them."""

    organization: Organization
    holder: Holder
    name: str
    credentials: list[tuple[IssuedCredential, Achievement]]
    derived: list[Link]


def learner_record(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    credential_id: str,
) -> Record:
    """The record of the learner ``credential_id`` (one the organization issued) names.
    Issuer staff only."""
    require_role(principal, organization.id, *issuing.ISSUERS)
    row = issuing.issued_by(session, principal, organization, credential_id)
    holder = stacking.holder_of(row)
    if holder is None:
        raise UsageError("this credential names no learner the platform knows")
    person = session.get(Person, holder.person_id) if holder.person_id else None
    name = (person.name if person else None) or row.recipient_name or row.recipient_email
    found: list[tuple[IssuedCredential, Achievement]] = []
    for held in stacking.record_of(session, platform, organization, holder):
        achievement = session.get(Achievement, held.achievement_id)
        if held.kind in BUNDLED_KINDS and achievement is not None:
            found.append((held, achievement))
    found.reverse()  # oldest first, as a transcript reads
    return Record(organization, holder, name or "the learner", found, _derived(found))


def _derived(credentials: list[tuple[IssuedCredential, Achievement]]) -> list[Link]:
    """Associations from stacking rules between achievements both in the record."""
    by_slug = {a.slug: a for _row, a in credentials}
    links: list[Link] = []
    for _row, achievement in credentials:
        rule = stacking.rule_of(achievement)
        for slug in rule.of if rule else ():
            component = by_slug.get(slug)
            if component is not None:
                links.append(
                    Link(_achievement_id(achievement), "isParentOf", _achievement_id(component))
                )
    return list(dict.fromkeys(links))


def _achievement_id(achievement: Achievement) -> str:
    return str(achievement.data.get("id", achievement.id))


def issue_transcript(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    credential_id: str,
    *,
    include: list[str] | None = None,
    links: list[Link] | None = None,
    name: str | None = None,
) -> IssuedCredential:
    """Issue a ClrCredential to the learner ``credential_id`` names: their current
    credentials from ``organization`` (those in ``include``, or all), the associations the
    stacking rules give and the issuer's own ``links``. Issuer staff only."""
    record = learner_record(session, platform, principal, organization, credential_id)
    available = {row.id: (row, a) for row, a in record.credentials}
    chosen = list(available) if include is None else list(dict.fromkeys(include))
    missing = [i for i in chosen if i not in available]
    if missing:
        raise UsageError(
            f"not a current credential of {record.name} from {organization.name}: "
            + ", ".join(missing)
        )
    if not chosen:
        raise UsageError(f"{record.name} holds no current credential from {organization.name}")
    bundled = [available[i] for i in chosen]
    present = {_achievement_id(a) for _row, a in bundled}
    associations = [link for link in record.derived if {link.source, link.target} <= present]
    for link in links or []:
        if link.kind not in ASSOCIATION_TYPES:
            raise UsageError(f"{link.kind!r} is not a CLR association type")
        if not {link.source, link.target} <= present or link.source == link.target:
            raise UsageError("an association relates two different achievements in the record")
        if link not in associations:
            associations.append(link)
    person = session.get(Person, record.holder.person_id) if record.holder.person_id else None
    recipient = _recipient(session, platform, person, bundled[0][0])
    subject: dict[str, Any] = {
        "type": ["ClrSubject"],
        **subject_names(recipient),
        "verifiableCredential": [copy.deepcopy(row.document) for row, _a in bundled],
    }
    if associations:
        subject["association"] = [link.to_json() for link in associations]
    title = (name or "").strip() or f"{organization.name} transcript of {record.name}"
    document: dict[str, Any] = {
        "@context": CLR_CONTEXT,
        "type": ["VerifiableCredential", "ClrCredential"],
        "name": title[:300],
        "description": f"{len(bundled)} credential{'' if len(bundled) == 1 else 's'} "
        f"{organization.name} issued to {record.name}.",
        "issuer": {"id": org_did(platform, organization), "type": ["Profile"]},
        "credentialSubject": subject,
    }
    if len(bundled) < len(available):
        document["partial"] = True
    document["issuer"]["name"] = organization.name
    row = issuing.issue_document(
        session, platform, principal, organization, document, person=person, recipient=recipient
    )
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="transcript.issue",
        subject=row.id,
        data={
            "organization": organization.slug,
            "credentials": chosen,
            "associations": len(associations),
        },
    )
    return row


def _recipient(
    session: Session, platform: Platform, person: Person | None, row: IssuedCredential
) -> Recipient:
    if person is not None:
        return issuing.person_recipient(session, platform, person)
    recipient = issuing.recipient_of_row(row)
    if recipient is None:
        raise NotFound("the learner cannot be named in a transcript")
    return recipient


def transcripts_of(
    session: Session, principal: Principal, organization: Organization, credential_id: str
) -> list[IssuedCredential]:
    """The transcripts already issued to the learner ``credential_id`` names, newest first."""
    row = issuing.issued_by(session, principal, organization, credential_id)
    holder = stacking.holder_of(row)
    if holder is None:
        return []
    who = []
    if holder.person_id:
        who.append(IssuedCredential.person_id == holder.person_id)
    if holder.recipient_key:
        who.append(IssuedCredential.recipient_key == holder.recipient_key)
    return list(
        session.execute(
            select(IssuedCredential)
            .where(
                IssuedCredential.organization_id == organization.id,
                IssuedCredential.kind == "ClrCredential",
                or_(*who),
            )
            .order_by(IssuedCredential.issued_at.desc())
        ).scalars()
    )
