"""Issuing: achievements, credentials with status entries, revocation and suspension."""

from __future__ import annotations

import copy
import json
import secrets
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, case, func, literal, select, true
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openler.services import audit, outbox
from openler.services.context import Platform
from openler.services.errors import Conflict, Forbidden, InvalidCredential, NotFound, UsageError
from openler.services.issuers import statuslists
from openler.services.issuers.orgs import org_did, signing_key
from openler.services.issuers.recipients import Award, Recipient, subject_names
from openler.services.issuers.statuslists import status_list_url
from openler.services.people.accounts import Principal, holder_key, require_role
from openler.store.models import (
    Achievement,
    IssuedCredential,
    Organization,
    Person,
    StatusAllocation,
    StatusList,
)
from openler.vc import MIN_STATUS_ENTRIES as MIN_ENTRIES
from openler.vc import (
    VC_V1,
    Bitstring,
    CanonicalForms,
    Cryptosuite,
    Purpose,
    ShapeChecks,
    credential_problems,
    format_datetime,
    parse_datetime,
    sign_credential,
    status_entry,
)

OB_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
LIST_FILL = 0.9
ISSUERS = ("issuer_admin", "issuer_staff")


def open_status_list(
    session: Session, platform: Platform, organization: Organization, purpose: str
) -> StatusList:
    """The organization's list for ``purpose`` with room left (locked for this transaction),
    or a new one, published at once, when every list is full (at :data:`LIST_FILL`)."""
    query = (
        select(StatusList)
        .where(StatusList.organization_id == organization.id, StatusList.purpose == purpose)
        .where(StatusList.used < StatusList.entries * LIST_FILL)
        .order_by(StatusList.updated_at)
        .limit(1)
        .with_for_update()
    )
    found = session.execute(query).scalar()
    if found is not None:
        return found
    bits = Bitstring.empty()
    found = StatusList(
        organization_id=organization.id,
        purpose=purpose,
        entries=MIN_ENTRIES,
        bits=bytes(bits.data),
        updated_at=platform.now(),
    )
    session.add(found)
    session.flush()
    _publish(session, platform, organization, found)
    return found


def allocate_index(
    session: Session,
    platform: Platform,
    organization: Organization,
    purpose: str,
    credential_id: str,
) -> tuple[StatusList, int]:
    """A random, never-repeated index in one of the organization's lists. The primary key
    on (list, index) makes a duplicate impossible, even across processes: a collision
    rolls back a savepoint and draws again."""
    status_list = open_status_list(session, platform, organization, purpose)
    for _ in range(100):
        index = secrets.randbelow(status_list.entries)
        try:
            with session.begin_nested():
                session.add(
                    StatusAllocation(
                        status_list_id=status_list.id, index=index, credential_id=credential_id
                    )
                )
                session.flush()
        except IntegrityError:
            continue
        status_list.used += 1
        return status_list, index
    raise Conflict("could not find a free status index; the list is nearly full")


def _publish(
    session: Session, platform: Platform, organization: Organization, status_list: StatusList
) -> None:
    _row, key = signing_key(session, platform, organization)
    statuslists.publish(platform, status_list, key=key, did=org_did(platform, organization))


def person_recipient(session: Session, platform: Platform, person: Person) -> Recipient:
    """An account as a recipient: its wallet's DID (made now if it has none) binds the
    credential; its email names it too (hashed)."""
    if person.did is None:
        holder_key(session, platform, person)  # the wallet's did:key binds the credential
    return Recipient(email=person.email, name=person.name, person_id=person.id, did=person.did)


def bound_to(recipient: Recipient, account: Recipient) -> Recipient:
    """``recipient`` (as a roster row or a form named them) issued to an account
    (``account``, from :func:`person_recipient`): the wallet's DID binds the credential and
    the account's address names it; the identifier and a name given are kept."""
    return Recipient(
        email=account.email,
        identifier=recipient.identifier,
        identifier_type=recipient.identifier_type,
        name=recipient.name or account.name,
        person_id=account.person_id,
        did=account.did,
    )


def credential_document(
    platform: Platform,
    organization: Organization,
    achievement: Achievement,
    award: Award,
    *,
    now: datetime,
    achievement_data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential for one award of ``achievement`` (its current
    version): no id, status entries or proof yet. The document embeds a copy of the
    achievement's data, or ``achievement_data`` itself (a copy that many documents being
    signed share, none of them changing it)."""
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        **subject_names(award.recipient),
        **award.subject,
        "achievement": (
            achievement_data if achievement_data is not None else copy.deepcopy(achievement.data)
        ),
    }
    if award.results:
        subject["result"] = copy.deepcopy(award.results)
    valid_from = award.valid_from or now
    document: dict[str, Any] = {
        "@context": OB_CONTEXT,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement.data.get("name", "Credential"),
        "issuer": {
            "id": org_did(platform, organization),
            "type": ["Profile"],
            "name": organization.name,
        },
        "validFrom": format_datetime(valid_from),
    }
    valid_until = award.valid_until
    if valid_until is None and achievement.valid_days:
        valid_until = valid_from + timedelta(days=achievement.valid_days)
    if valid_until is not None:
        document["validUntil"] = format_datetime(valid_until)
    document["credentialSubject"] = subject
    if award.evidence_url:
        document["evidence"] = [{"id": award.evidence_url, "type": ["Evidence"]}]
    return document


def _current_of(organization: Organization, achievement: Achievement, now: datetime) -> Any:
    """What "holds" means: a credential of ``achievement`` from ``organization`` that is
    not revoked, not replaced and not expired at ``now``."""
    return (
        (IssuedCredential.organization_id == organization.id)
        & (IssuedCredential.achievement_id == achievement.id)
        & (IssuedCredential.state != "revoked")
        & IssuedCredential.replaced_by.is_(None)
        & (IssuedCredential.valid_until.is_(None) | (IssuedCredential.valid_until > now))
    )


def holding(
    session: Session,
    organization: Organization,
    achievement: Achievement,
    recipient_key: str,
    *,
    now: datetime,
) -> IssuedCredential | None:
    """The current credential of ``achievement`` this recipient holds from ``organization``
    — not revoked, not replaced, not expired — if any (what "already holds" means)."""
    return session.execute(
        select(IssuedCredential)
        .where(_current_of(organization, achievement, now))
        .where(IssuedCredential.recipient_key == recipient_key)
        .order_by(IssuedCredential.issued_at.desc())
        .limit(1)
    ).scalar()


#: recipient keys asked about in one query by :func:`holdings` on SQLite (older builds
#: bound a statement to 999 parameters; PostgreSQL gets them all as one array)
HOLDINGS_CHUNK = 900


def holdings(
    session: Session,
    organization: Organization,
    achievement: Achievement,
    recipient_keys: Collection[str],
    *,
    now: datetime,
) -> dict[str, tuple[str, datetime]]:
    """:func:`holding` for many recipients in one query: recipient key → (the newest
    current credential's id, when it was issued), for those who hold one."""
    if not recipient_keys:
        return {}
    current = _current_of(organization, achievement, now)
    if session.get_bind().dialect.name == "postgresql":
        # one index probe per key, whatever the statistics say: with a list of keys as
        # a filter, a planner that has not yet seen a table grow reads all of it
        keys = (
            func.unnest(array(list(recipient_keys), type_=String))
            .table_valued("key")
            .render_derived(name="keys")
        )
        newest = (
            select(IssuedCredential.id, IssuedCredential.issued_at)
            .where(current, IssuedCredential.recipient_key == keys.c.key)
            .order_by(IssuedCredential.issued_at.desc())
            .limit(1)
            .lateral()
        )
        query = select(keys.c.key, newest.c.id, newest.c.issued_at).select_from(
            keys.join(newest, true())
        )
        queries = [query]
    else:
        keys_in_order = sorted(set(recipient_keys))
        queries = [
            select(IssuedCredential.recipient_key, IssuedCredential.id, IssuedCredential.issued_at)
            .where(current, IssuedCredential.recipient_key.in_(part))
            .order_by(IssuedCredential.issued_at.desc())
            for part in (
                keys_in_order[start : start + HOLDINGS_CHUNK]
                for start in range(0, len(keys_in_order), HOLDINGS_CHUNK)
            )
        ]
    found: dict[str, tuple[str, datetime]] = {}
    for each in queries:
        for key, credential_id, issued_at in session.execute(each).all():
            if key is not None and key not in found:
                found[key] = (credential_id, issued_at)
    return found


def issue(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    achievement: Achievement,
    *,
    recipient: Person | Recipient,
    extra_subject: dict[str, Any] | None = None,
    award: Award | None = None,
) -> IssuedCredential:
    """Issue ``achievement`` to ``recipient`` (an account, or an email address or
    identifier): status entries, proof, record, audit event."""
    require_role(principal, organization.id, *ISSUERS)
    if achievement.organization_id != organization.id:
        raise Forbidden("the achievement belongs to another organization")
    if achievement.retired_at is not None:
        raise Conflict(f"{achievement.data.get('name', achievement.slug)} is retired")
    if isinstance(recipient, Person):
        person: Person | None = recipient
        recipient = person_recipient(session, platform, recipient)
    else:
        person = session.get(Person, recipient.person_id) if recipient.person_id else None
    award = award or Award(recipient)
    if extra_subject:
        award = replace(award, subject={**award.subject, **extra_subject})
    award = replace(award, recipient=recipient)
    document = credential_document(platform, organization, achievement, award, now=platform.now())
    return issue_document(
        session,
        platform,
        principal,
        organization,
        document,
        achievement=achievement,
        person=person,
        recipient=recipient,
    )


def _issue_as(document: dict[str, Any], did: str) -> None:
    """The issuer is the organization: named as ``did``, or filled in when absent."""
    if "issuer" not in document:
        document["issuer"] = did
        return
    issuer = document["issuer"]
    if isinstance(issuer, dict) and "id" not in issuer:
        document["issuer"] = {"id": did, **issuer}
        return
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str):
        raise InvalidCredential(
            "issuer must be a URL or an object whose id is a URL (VC Data Model 2.0 §4.7), "
            f"not {json.dumps(issuer)}; leave it out to issue as {did}"
        )
    if issuer_id != did:
        raise Forbidden(f"this organization issues as {did}, not as {issuer_id}")


def issue_document(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    credential: dict[str, Any],
    *,
    achievement: Achievement | None = None,
    person: Person | None = None,
    recipient: Recipient | None = None,
    previous_id: str | None = None,
    cryptosuite: Cryptosuite = "eddsa-rdfc-2022",
) -> IssuedCredential:
    """Issue a credential document as ``organization``: an id and a start date when it has
    none, the organization's proof, a record and an audit event; a VC 2.0 credential also
    gets revocation and suspension entries. The document's issuer, if given, must be the
    organization; a document that breaks the data model is refused before anything else.

    A VC 1.1 credential (first context ``https://www.w3.org/2018/credentials/v1``) gets
    ``issuanceDate`` and no status entries: Bitstring Status List §2.1 puts its entries in
    VC 2.0 credentials only, so a VC 1.1 credential cannot be revoked or suspended here.
    """
    require_role(principal, organization.id, *ISSUERS)
    now = platform.now()
    document = copy.deepcopy(credential)
    v1 = complete_document(platform, organization, document, now=now)
    refuse_invalid(document)
    _bind_issuer_name(document, organization)
    credential_id: str = document["id"]
    if session.get(IssuedCredential, credential_id) is not None:
        raise Conflict(f"a credential with the id {credential_id} was already issued")
    lists: dict[Purpose, tuple[StatusList, int]] = {}
    if not v1:
        for purpose in PURPOSES:
            lists[purpose] = allocate_index(session, platform, organization, purpose, credential_id)
        add_status(platform, document, lists)
    key_row, key = signing_key(session, platform, organization)
    signed = sign_credential(document, key, created=now, cryptosuite=cryptosuite)
    values = credential_values(
        signed,
        organization=organization,
        achievement=achievement,
        person_id=person.id if person else None,
        recipient=recipient,
        lists=lists,
        key_id=key_row.id,
        now=now,
        previous_id=previous_id,
    )
    row = IssuedCredential(**values)
    session.add(row)
    session.flush()
    audit.record(
        session,
        at=now,
        actor=principal.label,
        action="credential.issue",
        subject=credential_id,
        data={
            "organization": organization.slug,
            "achievement": achievement.slug if achievement else None,
            "recipient": person.id if person else values["recipient"],
        },
    )
    return row


#: the status entries every VC 2.0 credential issued here carries
PURPOSES: tuple[Purpose, ...] = ("revocation", "suspension")


def complete_document(
    platform: Platform, organization: Organization, document: dict[str, Any], *, now: datetime
) -> bool:
    """Make ``document`` (in place) one ``organization`` issues: its issuer (checked, or
    filled in) named as the organization, an id and a start date when it has none. Returns
    whether it is a VC 1.1 credential (which gets no status entries)."""
    _issue_as(document, org_did(platform, organization))
    v1 = _is_v1(document)
    document.setdefault("id", f"urn:uuid:{uuid.uuid4()}")
    document.setdefault("issuanceDate" if v1 else "validFrom", format_datetime(now))
    return v1


def _is_v1(document: dict[str, Any]) -> bool:
    context = document.get("@context")
    return isinstance(context, list) and context[:1] == [VC_V1]


def invalid_reason(
    document: dict[str, Any],
    forms: CanonicalForms | None = None,
    shapes: ShapeChecks | None = None,
) -> str | None:
    """Why a completed, unsigned document cannot be issued (None when it can). ``forms``
    keeps the document's canonical form for signing it next (``add_proof(forms=…)``);
    ``shapes`` checks many documents of one shape once per shape (the same answer)."""
    if shapes is not None and forms is not None:
        problems = shapes.problems(document, forms)
    else:
        problems = credential_problems(document, forms=forms)
    if problems:
        return "the credential cannot be issued as it stands: " + "; ".join(problems)
    return None


def refuse_invalid(document: dict[str, Any]) -> None:
    """Refuse a document that breaks the data model, before anything else is done."""
    reason = invalid_reason(document)
    if reason is not None:
        raise InvalidCredential(reason)


def add_status(
    platform: Platform,
    document: dict[str, Any],
    lists: Mapping[Purpose, tuple[StatusList, int]],
) -> None:
    """Append a status entry per allocated (list, index) to the document's own entries."""
    existing = document.get("credentialStatus")
    document["credentialStatus"] = [
        *(existing if isinstance(existing, list) else [existing] if existing else []),
        *(
            status_entry(list_url=status_list_url(platform, found), index=index, purpose=p)
            for p, (found, index) in lists.items()
        ),
    ]


def credential_values(
    signed: dict[str, Any],
    *,
    organization: Organization,
    achievement: Achievement | None,
    person_id: str | None,
    recipient: Recipient | None,
    lists: Mapping[Purpose, tuple[StatusList, int]],
    key_id: str,
    now: datetime,
    previous_id: str | None = None,
) -> dict[str, Any]:
    """The record of a signed credential (the columns of ``IssuedCredential``)."""
    v1 = _is_v1(signed)
    subject = signed.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    valid_until = signed.get("expirationDate" if v1 else "validUntil")
    revocation, suspension = lists.get("revocation"), lists.get("suspension")
    return {
        "id": signed["id"],
        "organization_id": organization.id,
        "achievement_id": achievement.id if achievement else None,
        "person_id": person_id,
        "recipient": str(subject_id or "unknown"),
        "document": signed,
        "state": "active",
        "revocation_list_id": revocation[0].id if revocation else None,
        "revocation_index": revocation[1] if revocation else None,
        "suspension_list_id": suspension[0].id if suspension else None,
        "suspension_index": suspension[1] if suspension else None,
        "key_id": key_id,
        "issued_at": now,
        "valid_until": parse_datetime(valid_until) if isinstance(valid_until, str) else None,
        "previous_id": previous_id,
        "kind": credential_kind(signed),
        "achievement_version": achievement.version if achievement else None,
        "recipient_key": recipient.key if recipient else None,
        "recipient_email": recipient.email if recipient else None,
        "recipient_name": recipient.name if recipient else None,
    }


def credential_kind(document: dict[str, Any]) -> str:
    """The most specific type a document declares (what lists and filters show)."""
    types = document.get("type")
    names = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    specific = [t for t in names if isinstance(t, str) and t != "VerifiableCredential"]
    return (specific[-1] if specific else "VerifiableCredential")[:40]


def _bind_issuer_name(document: dict[str, Any], organization: Organization) -> None:
    """An issuer object's ``name`` is the organization's own: a caller's name — accepted
    in any form VC Data Model 2.0 §4.6 allows, and checked above — is replaced, so that no
    organization signs another's name (issue 9, attack 2.8)."""
    issuer = document.get("issuer")
    if isinstance(issuer, dict) and "name" in issuer:
        document["issuer"] = {**issuer, "name": organization.name}


#: the longest reason a status change keeps (it is shown to verifiers, so a sentence)
MAX_REASON = 500


def set_status(
    session: Session,
    platform: Platform,
    principal: Principal,
    credential_id: str,
    *,
    action: str,
    reason: str | None = None,
    deferred: set[str] | None = None,
) -> IssuedCredential:
    """``revoke`` (final), ``suspend`` or ``reinstate`` an issued credential, for the
    ``reason`` given: kept with the credential (verifiers here are shown it) and in the
    audit event. Pages, the API and the CLI ask a person for a reason before a revocation
    or a suspension; openler's own replacements give theirs.

    The status list is re-signed at once, unless ``deferred`` is given: the list's id is
    added to it and the caller publishes (:func:`publish_lists`) once for many changes.
    """
    row = session.get(IssuedCredential, credential_id)
    if row is None:
        raise NotFound(f"no credential {credential_id}")
    require_role(principal, row.organization_id, *ISSUERS)
    organization = session.get(Organization, row.organization_id)
    assert organization is not None
    if row.state == "revoked":
        raise Conflict("a revoked credential stays revoked")
    reason = " ".join((reason or "").split()) or None
    if reason is not None and len(reason) > MAX_REASON:
        raise UsageError(f"say the reason in at most {MAX_REASON} characters")
    if action == "revoke":
        list_id, index, value, state = row.revocation_list_id, row.revocation_index, 1, "revoked"
    elif action == "suspend":
        list_id, index, value, state = row.suspension_list_id, row.suspension_index, 1, "suspended"
    elif action == "reinstate":
        if row.state != "suspended":
            raise Conflict("only a suspended credential can be reinstated")
        list_id, index, value, state = row.suspension_list_id, row.suspension_index, 0, "active"
    else:
        raise UsageError("action must be revoke, suspend or reinstate")
    if list_id is None or index is None:
        raise Conflict("the credential has no status entry for that")
    status_list = session.get(StatusList, list_id, with_for_update=True)
    assert status_list is not None
    bits = Bitstring(bytearray(status_list.bits))
    bits.set(index, value)
    status_list.bits = bytes(bits.data)
    if deferred is None:
        _publish(session, platform, organization, status_list)
    else:
        deferred.add(status_list.id)
    row.state = state
    row.state_changed_at = platform.now()
    row.state_reason = reason
    if state == "revoked" and row.recipient_email:  # its claim mails not sent yet are not
        outbox.withdraw_dead(session, platform, to=row.recipient_email)
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action=f"credential.{action}",
        subject=credential_id,
        data={"reason": reason} if reason else None,
    )
    for earlier in superseded_by(session, row):
        if action != "reinstate" or earlier.state == "suspended":
            set_status(
                session,
                platform,
                principal,
                earlier.id,
                action=action,
                reason=reason,
                deferred=deferred,
            )
    return row


def superseded_by(session: Session, row: IssuedCredential) -> list[IssuedCredential]:
    """The credentials ``row`` superseded (renewed or extended) that are still unrevoked:
    they follow ``row``'s status, so that revoking the current licence also revokes the
    copies it superseded."""
    return list(
        session.execute(
            select(IssuedCredential).where(
                IssuedCredential.replaced_by == row.id, IssuedCredential.state != "revoked"
            )
        ).scalars()
    )


def shows_replacement(row: IssuedCredential) -> bool:
    """Whether ``row`` is best described by what replaced it: it was superseded (still
    valid), or revoked as replaced — not revoked or suspended for a reason of its own."""
    if not row.replaced_by:
        return False
    if row.state == "active":
        return True
    reason = row.state_reason
    return row.state == "revoked" and (not reason or reason.endswith(f" as {row.replaced_by}"))


def publish_lists(
    session: Session, platform: Platform, organization: Organization, list_ids: set[str]
) -> None:
    """Re-sign the status lists whose bits :func:`set_status` changed with ``deferred``."""
    for list_id in sorted(list_ids):
        status_list = session.get(StatusList, list_id)
        if status_list is not None and status_list.organization_id == organization.id:
            _publish(session, platform, organization, status_list)


def replaced_reason(how: str, replacement_id: str) -> str:
    """The reason a replaced credential is revoked with: ``<how> as <id>`` (re-issued,
    renewed, extended, claimed), read back by :func:`how_replaced`.

    >>> replaced_reason("renewed", "urn:uuid:1")
    'renewed as urn:uuid:1'
    """
    return f"{how} as {replacement_id}"


def how_replaced(row: IssuedCredential) -> str:
    """How a replaced credential was replaced, in a word ("re-issued" when not said)."""
    reason, new = row.state_reason or "", row.replaced_by or ""
    suffix = f" as {new}"
    return reason.removesuffix(suffix) if new and reason.endswith(suffix) else "re-issued"


#: what a re-issue leaves behind of the old document (the rest is made anew)
_NOT_CARRIED = ("id", "proof", "credentialStatus")


def reissue(
    session: Session,
    platform: Platform,
    principal: Principal,
    credential_id: str,
    *,
    refresh_achievement: bool = False,
) -> IssuedCredential:
    """Issue a credential again — a new id, status entries and proof by the current key,
    the same claims and validity (with ``refresh_achievement``, the achievement as it is
    defined now) — and revoke the old one, recording what replaced it. A suspended
    credential's replacement is suspended too; revoked or replaced credentials are not
    re-issued."""
    old = session.get(IssuedCredential, credential_id, with_for_update=True)
    if old is None:
        raise NotFound(f"no credential {credential_id}")
    require_role(principal, old.organization_id, "issuer_admin")
    if old.replaced_by is not None:
        raise Conflict(f"{credential_id} was already re-issued as {old.replaced_by}")
    if old.state == "revoked":
        raise Conflict(f"{credential_id} is revoked; a revoked credential is not re-issued")
    organization = session.get(Organization, old.organization_id)
    achievement = session.get(Achievement, old.achievement_id) if old.achievement_id else None
    person = session.get(Person, old.person_id) if old.person_id else None
    assert organization is not None
    document = {k: copy.deepcopy(v) for k, v in old.document.items() if k not in _NOT_CARRIED}
    if refresh_achievement and achievement is not None:
        subject = document.get("credentialSubject")
        if isinstance(subject, dict) and "achievement" in subject:
            subject["achievement"] = copy.deepcopy(achievement.data)
            document["name"] = achievement.data.get("name", document.get("name"))
    was_suspended = old.state == "suspended"
    new = issue_document(
        session,
        platform,
        principal,
        organization,
        document,
        achievement=achievement,
        person=person,
        recipient=recipient_of_row(old),
        previous_id=old.id,
        cryptosuite=cryptosuite_of(old.document),
    )
    if was_suspended:
        set_status(session, platform, principal, new.id, action="suspend", reason=old.state_reason)
    set_status(
        session,
        platform,
        principal,
        old.id,
        action="revoke",
        reason=replaced_reason("re-issued", new.id),
    )
    old.replaced_by = new.id
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="credential.reissue",
        subject=old.id,
        data={"replacement": new.id, "refresh_achievement": refresh_achievement},
    )
    return new


def recipient_of_row(row: IssuedCredential) -> Recipient | None:
    """The recipient an issued credential was recorded with (None for one issued before
    recipients were recorded, or to an outside subject)."""
    key = row.recipient_key or ""
    kind, _, value = key.partition(":")
    if kind == "email":
        return Recipient(email=value, name=row.recipient_name, person_id=row.person_id)
    if kind == "identifier":
        return Recipient(identifier=value, name=row.recipient_name, person_id=row.person_id)
    if kind == "person" or row.person_id:
        return Recipient(person_id=value if kind == "person" else row.person_id)
    return None


def cryptosuite_of(document: dict[str, Any]) -> Cryptosuite:
    proof = document.get("proof")
    suite = proof.get("cryptosuite") if isinstance(proof, dict) else None
    return "eddsa-jcs-2022" if suite == "eddsa-jcs-2022" else "eddsa-rdfc-2022"


def credentials_of(
    session: Session, person_id: str, *, include_replaced: bool = False
) -> list[IssuedCredential]:
    """A person's credentials, oldest first; re-issued ones only with ``include_replaced``."""
    query = select(IssuedCredential).where(IssuedCredential.person_id == person_id)
    if not include_replaced:
        query = query.where(IssuedCredential.replaced_by.is_(None))
    return list(session.execute(query.order_by(IssuedCredential.issued_at)).scalars())


def read_credential(session: Session, principal: Principal, credential_id: str) -> IssuedCredential:
    """An issued credential, for its holder (signed in as themselves), the staff of the
    organization that issued it, or a platform administrator (who may issue for any
    organization, so may see what was issued); anyone else is told it does not exist."""
    row = session.get(IssuedCredential, credential_id)
    if row is None:
        raise NotFound(f"no credential {credential_id}")
    holder = row.person_id == principal.person_id and principal.token_scope is None
    staff = any(principal.has(role, row.organization_id) for role in ISSUERS)
    operator = principal.platform_admin and principal.token_scope is None
    if not (holder or staff or operator):
        raise NotFound(f"no credential {credential_id}")
    return row


def organization_credentials(
    session: Session,
    principal: Principal,
    organization: Organization,
    *,
    search: str = "",
    limit: int = 100,
) -> list[tuple[IssuedCredential, Person | None]]:
    """What an organization issued, newest first, with each recipient; ``search`` matches
    the recipient's name or email (an account's, or as issued to someone without one), the
    achievement's name or slug, or the credential's id. Issuer staff only."""
    require_role(principal, organization.id, *ISSUERS)
    query = (
        select(IssuedCredential, Person)
        .outerjoin(Person, Person.id == IssuedCredential.person_id)
        .where(IssuedCredential.organization_id == organization.id)
    )
    term = search.strip().lower()
    if term:
        like = f"%{term}%"
        named = [
            a.id
            for a in session.execute(
                select(Achievement).where(Achievement.organization_id == organization.id)
            ).scalars()
            if term in str(a.data.get("name", "")).lower() or term in a.slug
        ]
        query = query.where(
            Person.email.ilike(like)
            | Person.name.ilike(like)
            | IssuedCredential.id.ilike(like)
            | IssuedCredential.recipient.ilike(like)
            | IssuedCredential.recipient_email.ilike(like)
            | IssuedCredential.recipient_name.ilike(like)
            | IssuedCredential.achievement_id.in_(named)
        )
    query = query.order_by(IssuedCredential.issued_at.desc()).limit(limit)
    return [(row, person) for row, person in session.execute(query).all()]


@dataclass(frozen=True)
class IssuedSummary:
    """What an organization issued, counted by the state each row shows
    (``credential_state``: replaced, then revoked or suspended, then expired), and the
    newest."""

    organization: Organization
    issued: int
    active: int
    suspended: int
    revoked: int
    recent: list[IssuedCredential]
    expired: int = 0
    replaced: int = 0
    #: endorsements the organization gave (in ``issued``, in no other count)
    endorsements: int = 0

    @property
    def current(self) -> int:
        """Credentials that are the latest of their line: neither replaced by a newer one
        nor endorsements (active, expired, suspended or revoked)."""
        return self.issued - self.replaced - self.endorsements


def issued_summary(
    session: Session,
    principal: Principal,
    organization: Organization,
    *,
    at: datetime,
    recent: int = 10,
) -> IssuedSummary:
    """Counts (in the database: no row is loaded to count) and the ``recent`` newest
    credentials of ``organization``, re-issued ones included. The counts follow the order
    in which ``credential_state`` decides a row's state, so they agree with what the rows
    show: a replaced credential counts as replaced (not revoked), an expired one as
    expired (not active). The clock's verdicts need no verification; the trust registry's
    verdict on the organization is shown beside the counts (its standing). Issuer staff
    only."""
    require_role(principal, organization.id, *ISSUERS)
    issued_here = IssuedCredential.organization_id == organization.id
    replaced = IssuedCredential.replaced_by.is_not(None)
    expired = (
        IssuedCredential.replaced_by.is_(None)
        & IssuedCredential.state.not_in(("revoked", "suspended"))
        & IssuedCredential.valid_until.is_not(None)
        & (IssuedCredential.valid_until < at)
    )
    shown = case(
        (replaced, literal("replaced")),
        (expired, literal("expired")),
        else_=IssuedCredential.state,
    )
    endorsement = IssuedCredential.kind == "EndorsementCredential"
    counts: dict[str, int] = {
        str(state): int(n)
        for state, n in session.execute(
            select(shown, func.count()).where(issued_here & ~endorsement).group_by(shown)
        ).all()
    }
    endorsements = session.execute(
        select(func.count()).select_from(IssuedCredential).where(issued_here & endorsement)
    ).scalar_one()
    newest = session.execute(
        select(IssuedCredential)
        .where(issued_here)
        .order_by(IssuedCredential.issued_at.desc(), IssuedCredential.id)
        .limit(recent)
    ).scalars()
    return IssuedSummary(
        organization,
        issued=sum(counts.values()) + int(endorsements),
        active=counts.get("active", 0),
        suspended=counts.get("suspended", 0),
        revoked=counts.get("revoked", 0),
        recent=list(newest),
        expired=counts.get("expired", 0),
        replaced=counts.get("replaced", 0),
        endorsements=int(endorsements),
    )


def recipient_label(row: IssuedCredential, person: Person | None = None) -> str:
    """How pages name a credential's recipient: the person's name, the name given when it
    was issued, the email, the identifier — a DID only when nothing else is known."""
    if person is not None:
        return person.name
    if row.recipient_name:
        return row.recipient_name
    if row.recipient_email:
        return row.recipient_email
    kind, _, value = (row.recipient_key or "").partition(":")
    if kind == "identifier" and value:
        return value
    return row.recipient


def achievement_of(session: Session, row: IssuedCredential) -> Achievement | None:
    """The achievement a credential was issued from (None for a document issued as is)."""
    return session.get(Achievement, row.achievement_id) if row.achievement_id else None


def recipient_of(session: Session, row: IssuedCredential) -> Person | None:
    """The account a credential was issued to (None for one issued to an outside subject)."""
    return session.get(Person, row.person_id) if row.person_id else None


def issued_by(
    session: Session, principal: Principal, organization: Organization, credential_id: str
) -> IssuedCredential:
    """A credential ``organization`` issued, for those who may read it (404 otherwise)."""
    row = read_credential(session, principal, credential_id)
    if row.organization_id != organization.id:
        raise NotFound(f"{organization.name} did not issue {credential_id}")
    return row


def own_credential(session: Session, principal: Principal, credential_id: str) -> IssuedCredential:
    """A credential in the principal's own wallet (404 for anyone else's)."""
    row = read_credential(session, principal, credential_id)
    if row.person_id != principal.person_id:
        raise NotFound(f"no credential {credential_id} in your wallet")
    return row


def issuing_organization(session: Session, principal: Principal) -> Organization:
    """The one organization ``principal`` issues for (the VC API signs as it)."""
    organizations = principal.organizations_with(*ISSUERS)
    if len(organizations) != 1:
        raise Forbidden(
            "issuing needs an API token (or account) for exactly one issuing organization"
        )
    organization = session.get(Organization, organizations[0])
    if organization is None:
        raise NotFound("the token's organization no longer exists")
    return organization
