"""Recipients without accounts, and claiming.

An issuer may issue to an email address or another identifier whether or not the person
has an account here. With an account, the credential is bound to the account's wallet
(its ``credentialSubject.id`` is the wallet's DID). Without one, the credential names the
recipient only by hashed OB 3.0 ``IdentityObject`` s, and the recipient is sent a **claim
link** through the outbox. Opening the link proves the address; the person then creates
an account with it (or signs in to the account that has it), and :func:`claim` issues a
holder-bound credential replacing the email-only one, which is revoked and points to it.

A claim link's token is a random secret; only its SHA-256 is stored. It works once, until
it expires (``claim_days``), and only for the account with the address it was sent to.
Sending it again makes a new token and ends the old one.

>>> token_digest("abc")[:12]
'ba7816bf8f01'
"""

from __future__ import annotations

import copy
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from openler.services import audit, outbox
from openler.services.context import Platform
from openler.services.errors import Conflict, Forbidden, NotFound, UsageError
from openler.services.issuers import achievements, issuing, lifecycle
from openler.services.issuers.recipients import Recipient
from openler.services.people.accounts import Principal, require_role
from openler.store.models import (
    Claim,
    IssuedCredential,
    Organization,
    OutboxMessage,
    Person,
    new_id,
)

#: what a claim-link message is in the outbox
CLAIM_KIND = "claim"
#: how many replacements (re-issues, renewals) a claim follows to the current credential
_MAX_CHAIN = 50
#: what the replacement leaves behind of the email-only document (the rest is made anew)
_NOT_CARRIED = ("id", "proof", "credentialStatus")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def claim_url(platform: Platform, token: str) -> str:
    return f"{platform.settings.public_url.rstrip('/')}/claim/{token}"


class AlreadyHolds(Conflict):
    """The recipient already holds an active credential of this achievement: single issue
    asks before issuing another (``allow_duplicate``)."""

    code = "already_holds"

    def __init__(self, held: IssuedCredential, who: str) -> None:
        name = held.document.get("name") or "this credential"
        super().__init__(f"{who} already holds {name}, issued {held.issued_at:%Y-%m-%d}")
        self.held = held
        self.who = who


@dataclass(frozen=True)
class SingleIssue:
    """One credential issued from the issuer's form, and the claim offered with it (None
    when the recipient has an account, or gave no email address to send a link to)."""

    credential: IssuedCredential
    claim: Claim | None


def recipient_for(
    *,
    email: str = "",
    identifier: str = "",
    identifier_type: str = "identifier",
    name: str = "",
) -> Recipient:
    """The recipient a form names: an email address and/or an identifier, and a name.
    Refused when neither is given."""
    return Recipient(
        email=email.strip() or None,
        identifier=identifier.strip() or None,
        identifier_type=identifier_type,
        name=name.strip() or None,
    )


def account_of(session: Session, recipient: Recipient) -> Person | None:
    """The account whose email is the recipient's, if any."""
    if not recipient.email:
        return None
    return session.execute(select(Person).where(Person.email == recipient.email)).scalar()


def issue_one(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    *,
    achievement_slug: str,
    recipient: Recipient,
    allow_duplicate: bool = False,
) -> SingleIssue:
    """Issue one of ``organization``'s achievements to ``recipient``: bound to the wallet
    of the account with the recipient's email when there is one, else naming them by
    hashed identity with a claim link sent to the email (when given).

    Raises :class:`AlreadyHolds` when they hold an active one of it already, unless
    ``allow_duplicate`` (the issuer was asked and chose to issue another)."""
    require_role(principal, organization.id, *issuing.ISSUERS)
    achievement = achievements.achievement_by_slug(session, organization, achievement_slug)
    now = platform.now()
    held = issuing.holding(session, organization, achievement, recipient.key, now=now)
    person = account_of(session, recipient)
    if held is not None and not allow_duplicate:
        who = (
            (person.name if person else None)
            or recipient.name
            or held.recipient_name
            or recipient.email
            or recipient.identifier
        )
        raise AlreadyHolds(held, who or "the recipient")
    bound: Person | Recipient = recipient
    if person is not None:
        bound = issuing.bound_to(recipient, issuing.person_recipient(session, platform, person))
    row = issuing.issue(session, platform, principal, organization, achievement, recipient=bound)
    claim = None if person is not None else offer_claim(session, platform, row, recipient)
    return SingleIssue(row, claim)


def offer_claim(
    session: Session,
    platform: Platform,
    row: IssuedCredential,
    recipient: Recipient,
    *,
    audited: bool = True,
) -> Claim | None:
    """After issuing ``row`` to a recipient without an account: a claim link sent to
    their email through the outbox (one claim row, one outbox row; nothing is signed).
    None when the recipient has no email address or the credential is already bound to a
    wallet. ``audited=False`` leaves the audit event to the caller (a roster job names
    its claims in one event per chunk)."""
    if not recipient.email or recipient.did or row.person_id:
        return None
    claim, _token = _new_claim(session, platform, row, recipient.email, recipient.name)
    if audited:
        _audit_offer(session, platform, claim, row)
    return claim


def _new_claim(
    session: Session,
    platform: Platform,
    row: IssuedCredential,
    email: str,
    name: str | None,
) -> tuple[Claim, str]:
    claim_values, message_values, token = claim_records(
        platform,
        credential_id=row.id,
        document=row.document,
        organization_id=row.organization_id,
        email=email,
        name=name,
    )
    claim = Claim(**claim_values)
    session.add(claim)
    session.add(OutboxMessage(**message_values))
    return claim, token


def claim_records(
    platform: Platform,
    *,
    credential_id: str,
    document: dict[str, Any],
    organization_id: str,
    email: str,
    name: str | None,
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The column values of a claim and of the email that carries its link, and the
    link's secret (only its digest is stored): what :func:`offer_claim` records, and what
    a roster job writes in bulk for thousands of credentials at once."""
    now = platform.now()
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(days=platform.settings.claim_days)
    claim = {
        "id": new_id(),
        "token_hash": token_digest(token),
        "credential_id": credential_id,
        "email": email,
        "created_at": now,
        "expires_at": expires_at,
        "claimed_at": None,
        "person_id": None,
        "replacement_id": None,
    }
    issuer = _issuer_name(document)
    what = str(document.get("name") or "a credential")
    message = outbox.message_values(
        platform,
        to=email,
        subject=f"{issuer} has issued you {what}",
        body=_claim_message(platform, token, what=what, issuer=issuer, name=name, until=expires_at),
        kind=CLAIM_KIND,
        ref=credential_id,
        organization_id=organization_id,
    )
    return claim, message, token


def _claim_message(
    platform: Platform, token: str, *, what: str, issuer: str, name: str | None, until: datetime
) -> str:
    greeting = f"Hello {name}," if name else "Hello,"
    return (
        f"{greeting}\n\n"
        f"{issuer} has issued you {what}.\n\n"
        "To keep it in your own digital wallet, open this link. You can create an account "
        "with this email address there, or sign in if you have one:\n\n"
        f"{claim_url(platform, token)}\n\n"
        f"The link works once, until {until:%d %B %Y}. If you did not expect "
        "this message, you can ignore it.\n"
    )


def _issuer_name(document: dict[str, Any]) -> str:
    issuer = document.get("issuer")
    name = issuer.get("name") if isinstance(issuer, dict) else None
    return str(name) if name else "An issuer"


def _audit_offer(
    session: Session,
    platform: Platform,
    claim: Claim,
    row: IssuedCredential,
    *,
    again: bool = False,
) -> None:
    session.flush()
    audit.record(
        session,
        at=platform.now(),
        actor="system:claims",
        action="claim.resend" if again else "claim.offer",
        subject=row.id,
        data={"claim": claim.id, "organization_id": row.organization_id},
    )


def resend(
    session: Session, platform: Platform, principal: Principal, row: IssuedCredential
) -> Claim:
    """Send the claim link again, as a new link: the earlier ones stop working. Issuer
    staff of the credential's organization only; refused once it was claimed."""
    require_role(principal, row.organization_id, *issuing.ISSUERS)
    latest = latest_claim(session, row)
    if row.person_id is not None or row.replaced_by is not None:
        raise Conflict("this credential is no longer waiting to be claimed")
    if row.state == "revoked":
        raise Conflict("a revoked credential cannot be claimed")
    email = row.recipient_email or (latest.email if latest else None)
    if not email:
        raise UsageError("this credential names no email address to send a claim link to")
    now = platform.now()
    session.execute(
        update(Claim)
        .where(Claim.credential_id == row.id, Claim.claimed_at.is_(None), Claim.expires_at > now)
        .values(expires_at=now)
    )
    outbox.withdraw_dead(session, platform, to=email)  # the old link, if not sent yet
    claim, _token = _new_claim(session, platform, row, email, row.recipient_name)
    session.flush()
    audit.record(
        session,
        at=now,
        actor=principal.label,
        action="claim.resend",
        subject=row.id,
        data={"claim": claim.id, "organization_id": row.organization_id},
    )
    return claim


def latest_claim(session: Session, row: IssuedCredential) -> Claim | None:
    """The newest claim link made for ``row`` (what its issuer's page reports)."""
    return session.execute(
        select(Claim)
        .where(Claim.credential_id == row.id)
        .order_by(Claim.created_at.desc(), Claim.id)
        .limit(1)
    ).scalar()


def claim_for_credential(
    session: Session, principal: Principal, row: IssuedCredential
) -> Claim | None:
    """For issuer staff: the claim of ``row`` (sent, claimed, expired), or None."""
    require_role(principal, row.organization_id, *issuing.ISSUERS)
    found = latest_claim(session, row)
    if found is None and row.previous_id is not None:
        # a holder-bound credential made by claiming: the claim is on the one it replaced
        found = session.execute(select(Claim).where(Claim.replacement_id == row.id)).scalar()
    return found


@dataclass(frozen=True)
class Offer:
    """What a claim link offers, in plain words, and whether it can still be claimed."""

    claim: Claim
    credential: IssuedCredential  # the current one (after any re-issue)
    achievement: str
    issuer: str
    recipient_name: str | None
    #: why it cannot be claimed (None: it can)
    problem: str | None
    #: the account that has the address, if any
    account: Person | None

    @property
    def email(self) -> str:
        return self.claim.email or ""


def _find(session: Session, token: str, *, lock: bool = False) -> Claim:
    query = select(Claim).where(Claim.token_hash == token_digest(token))
    if lock:
        query = query.with_for_update()
    found = session.execute(query).scalar() if token else None
    if found is None:
        raise NotFound(
            "this claim link is not known here: check that the whole link was copied, or "
            "ask the issuer to send it again"
        )
    return found


def current_credential(
    session: Session, credential_id: str, *, lock: bool = False
) -> IssuedCredential:
    """The credential a claim offers now: ``credential_id``, or what replaced it (a
    renewal, a re-issue) until one bound to a wallet."""
    row = session.get(IssuedCredential, credential_id, with_for_update=lock)
    for _ in range(_MAX_CHAIN):
        if row is None or row.replaced_by is None or row.person_id is not None:
            break
        row = session.get(IssuedCredential, row.replaced_by, with_for_update=lock)
    if row is None:
        raise NotFound("the credential this link offered no longer exists")
    return row


def offer(session: Session, platform: Platform, token: str) -> Offer:
    """What the link ``token`` offers (anyone holding the link may read it)."""
    found = _find(session, token)
    row = current_credential(session, found.credential_id)
    subject = row.document.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    title = achievement.get("name") if isinstance(achievement, dict) else None
    account = None
    if found.email:
        account = session.execute(select(Person).where(Person.email == found.email)).scalar()
    return Offer(
        claim=found,
        credential=row,
        achievement=str(title or row.document.get("name") or "A credential"),
        issuer=_issuer_name(row.document),
        recipient_name=row.recipient_name,
        problem=claim_problem(found, row, platform.now()),
        account=account,
    )


def claim_problem(found: Claim, row: IssuedCredential, now: datetime) -> str | None:
    """Why the credential ``found`` offers (``row``, the current one) cannot be claimed
    now, in words for the person holding the link (None: it can)."""
    if found.claimed_at is not None and found.person_id is None and row.person_id is None:
        return (
            "This link was already used: the credential was sent to a wallet app with OpenID4VCI."
        )
    if found.claimed_at is not None or row.person_id is not None:
        return (
            "This link was already used: the credential is in the wallet of the account "
            "that claimed it. Sign in to that account to see it."
        )
    if found.expires_at <= now:
        return (
            "This link has expired or was replaced by a newer one. Ask the issuer to send "
            "the claim link again."
        )
    if row.state == "revoked":
        return "The issuer has revoked this credential, so it can no longer be claimed."
    return None


def claim(
    session: Session, platform: Platform, principal: Principal, token: str
) -> IssuedCredential:
    """Claim what ``token`` offers into the wallet of ``principal``, who must be signed in
    as the account with the address the link was sent to: a holder-bound credential (the
    wallet's DID as subject, the same claims and validity) replaces the email-only one,
    which is revoked and points to it. The link then works no more."""
    if principal.is_system or principal.token_scope is not None:
        raise Forbidden("a claim link is claimed by a person signed in to their own account")
    found = _find(session, token, lock=True)
    old = current_credential(session, found.credential_id, lock=True)
    problem = claim_problem(found, old, platform.now())
    if problem is not None:
        raise Conflict(problem)
    person = session.get(Person, principal.person_id)
    if person is None:
        raise Forbidden("sign in to claim this credential")
    if (found.email or "") != person.email:
        raise Forbidden(
            f"this link was sent to {found.email}; sign in with the account that has that "
            "address (or create one) to claim it"
        )
    now = platform.now()
    found.claimed_at = now  # first: what revoking the email-only credential withdraws says so
    found.person_id = person.id
    new = bind_to_wallet(session, platform, old, person)
    audit.record(
        session,
        at=now,
        actor=principal.label,
        action="claim.accept",
        subject=old.id,
        data={"claim": found.id, "replacement": new.id, "organization_id": old.organization_id},
    )
    _used_up(session, platform, found, new, now)
    return new


def _used_up(
    session: Session, platform: Platform, found: Claim, new: IssuedCredential, now: datetime
) -> None:
    """The claim ``found`` was claimed as ``new``: it records its replacement, every other
    link to the same credential ends with it, and the claim mails not sent yet are
    withdrawn (their links are used)."""
    found.replacement_id = new.id
    session.execute(
        update(Claim)
        .where(Claim.credential_id == found.credential_id, Claim.id != found.id)
        .where(Claim.claimed_at.is_(None), Claim.expires_at > now)
        .values(expires_at=now)
    )
    if found.email:
        outbox.withdraw_dead(session, platform, to=found.email)


def link_state(session: Session, platform: Platform, found: Claim) -> str:
    """What a claim link does now, for its issuer's page: ``claimed``; ``revoked`` (the
    credential it offers — the current one after renewals — was revoked); ``expired``
    (or replaced by a newer link); ``works``."""
    try:
        row = current_credential(session, found.credential_id)
    except NotFound:
        return "revoked"
    if found.claimed_at is not None or row.person_id is not None:
        return "claimed"
    if row.state == "revoked":
        return "revoked"
    if found.expires_at <= platform.now():
        return "expired"
    return "works"


@outbox.link_check(CLAIM_KIND)
def message_problem(session: Session, platform: Platform, message: OutboxMessage) -> str | None:
    """Why a waiting claim mail must not be sent any more (None: its link still works):
    the credential was revoked or claimed, or the link expired or was sent again."""
    token = outbox.link_secret(message.body, "claim")
    if token is None:
        return None
    found = session.execute(select(Claim).where(Claim.token_hash == token_digest(token))).scalar()
    if found is None:
        return "the claim link is not known"
    return {
        "claimed": "the credential was claimed",
        "revoked": "the credential was revoked",
        "expired": "the link was sent again as a new one, or expired",
    }.get(link_state(session, platform, found))


def bind_to_wallet(
    session: Session, platform: Platform, old: IssuedCredential, person: Person
) -> IssuedCredential:
    """Issue ``old`` again bound to ``person``'s wallet: a new id, status entries and
    proof, the wallet's DID as ``credentialSubject.id``, everything else as it was (its
    hashed identities too). ``old`` is revoked and records what replaced it; a suspended
    credential's replacement is suspended too."""
    organization = session.get(Organization, old.organization_id)
    if organization is None:  # pragma: no cover - a foreign key
        raise NotFound("the issuing organization no longer exists")
    acting = Principal.system(f"claim:person:{person.id}")
    recipient = issuing.person_recipient(session, platform, person)  # makes the wallet's DID
    assert recipient.did is not None
    document = bound_document(old, recipient.did)
    return lifecycle.replace_credential(
        session,
        platform,
        acting,
        old,
        document,
        how="claimed",
        person=person,
        recipient=Recipient(
            email=old.recipient_email or recipient.email,
            identifier=identifier_of(old),
            name=old.recipient_name or person.name,
            person_id=person.id,
            did=recipient.did,
        ),
    )


def bound_document(old: IssuedCredential, did: str) -> dict[str, Any]:
    """``old``'s document unsigned, without id or status entries, its subject ``did``."""
    document = {k: copy.deepcopy(v) for k, v in old.document.items() if k not in _NOT_CARRIED}
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict):
        raise Conflict("this credential has no single subject to bind to a wallet")
    document["credentialSubject"] = {"id": did, **{k: v for k, v in subject.items() if k != "id"}}
    return document


def claim_for_did(
    session: Session,
    platform: Platform,
    *,
    claim_id: str | None,
    credential_id: str,
    holder: str,
    actor: Principal,
) -> IssuedCredential:
    """What a claim offers, issued to a wallet elsewhere that proved it holds ``holder``
    (an OpenID4VCI offer redeemed, a VC API exchange authenticated): the credential again
    with ``holder`` as its subject, the email-only one revoked as replaced, the claim link
    used up and every other link to it ended — as claiming into openler's wallet does.
    Raises :class:`Conflict` saying why when the claim no longer works."""
    found = session.get(Claim, claim_id, with_for_update=True) if claim_id else None
    old = current_credential(session, credential_id, lock=True)
    now = platform.now()
    if found is not None:
        problem = claim_problem(found, old, now)
        if problem is not None:
            raise Conflict(problem)
    elif old.person_id is not None or old.state == "revoked":
        raise Conflict("the credential can no longer be claimed")
    document = bound_document(old, holder)
    if found is not None:
        found.claimed_at = now
    new = lifecycle.replace_credential(
        session,
        platform,
        actor,
        old,
        document,
        how="claimed",
        recipient=Recipient(
            email=old.recipient_email,
            identifier=identifier_of(old),
            name=old.recipient_name,
            did=holder,
        ),
    )
    if found is not None:
        _used_up(session, platform, found, new, now)
    return new


def identifier_of(row: IssuedCredential) -> str | None:
    kind, _, value = (row.recipient_key or "").partition(":")
    return value if kind == "identifier" else None
