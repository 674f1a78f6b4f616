"""Deleting one's own account: the person's data and holder key go; what issuers issued stays
with the issuers, no longer linked to anyone.

What goes: the account (name, email, password hash, holder DID and sealed holder key), its
sign-ins at other providers, every session (a signed-in browser is signed out at its next
request), API tokens, roles in organizations, credentials received or imported, what the
person wrote of themselves, their shares with their view logs and consents, and pending
OpenID4VCI authorizations; the platform's own mail to their address (sign-up links) and the
count of failed sign-ins with it.

What stays, and why: a credential issued here is the issuer's record of what it issued —
a licensing board must still answer "was this licence issued, and is it valid now", and
its status list keeps its bit. So the issuer's rows stay (the holder-bound document, the
recipient the issuer recorded), with ``person_id`` set to NULL: nothing links them to an
account any more. Every other column that points at the person and says ``ON DELETE SET
NULL`` (claims, verifier requests answered, share views they made, stacking) is unlinked the
same way — a verifier keeps the answer the person gave it, with the name and email they
consented to send, as anyone keeps what they were sent; an issuer's mail to the address (a
claim link, an expiry reminder) is the issuer's; and ``people`` columns without a rule are
unlinked here before the row goes.

The audit trail records ``account.delete`` with the person's id only. Earlier events name
the person by id too (``person:<id>``); a few carry an email address the events were about
(a failed sign-in with an address that had no account, an issuance to an address): the
trail is chained by SHA-256 and keyed, so rewriting them would break its proof of
integrity — they stay, as the record the operator must keep of what happened, and nothing
in them is linked to an account once this one is gone.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, NotFound, UsageError
from openler.services.people import throttle
from openler.services.people.accounts import Principal, require_self
from openler.services.people.members import ADMIN_ROLES
from openler.services.wording import N_, Wording, phrase, worded
from openler.store.models import (
    Base,
    LoginThrottle,
    Member,
    Organization,
    OutboxMessage,
    Person,
)

#: what deleting an account removes, in the words its page uses
REMOVED = (
    N_("your account: your name, email address and password"),
    N_("your sign-ins with other providers, and every session (you are signed out everywhere)"),
    N_("your wallet key, so nothing can present your credentials as you any more"),
    N_("credentials you received from other issuers or imported"),
    N_("what you wrote about yourself (jobs, volunteering, skills, learning)"),
    N_("your shares, who opened them, and the consents you gave"),
    N_("your roles in organizations and any API tokens"),
)
#: what issuers keep, and why
KEPT = (
    N_(
        "Issuers keep the credentials they issued to you: the issuing organization's register "
        "still says what it issued and whether it is valid now, because a licensing board or "
        "school must be able to answer that for anyone who checks. They are no longer linked "
        "to any account."
    ),
    N_(
        "The audit trail keeps the fact that this account was deleted, with its number only. "
        "Earlier entries stay as they are: the trail is sealed so that nobody can alter it, "
        "and it must show what happened."
    ),
)


@dataclass(frozen=True)
class Blocker:
    """An organization the person administers alone: they must hand it on first."""

    organization: str
    slug: str
    role: str


def blockers(session: Session, person_id: str) -> list[Blocker]:
    """The organizations ``person_id`` is the only administrator of."""
    found = []
    mine = session.execute(
        select(Member, Organization)
        .join(Organization, Organization.id == Member.organization_id)
        .where(Member.person_id == person_id, Member.role.in_(ADMIN_ROLES))
    ).all()
    for member, organization in mine:
        others = session.execute(
            select(func.count())
            .select_from(Member)
            .where(
                Member.organization_id == organization.id,
                Member.role == member.role,
                Member.person_id != person_id,
            )
        ).scalar_one()
        if not others:
            found.append(Blocker(organization.name, organization.slug, member.role))
    return found


def refusal(session: Session, person: Person) -> Wording | None:
    """Why the account cannot be deleted now, in words the person can act on; else None."""
    alone = blockers(session, person.id)
    if alone:
        return worded(
            N_(
                "You are the only administrator of %(names)s. Make someone else an "
                "administrator there first (Manage, then Members), then delete your account."
            ),
            names=", ".join(b.organization for b in alone),
        )
    if person.is_platform_admin:
        admins = session.execute(
            select(func.count()).select_from(Person).where(Person.is_platform_admin.is_(True))
        ).scalar_one()
        if admins <= 1:
            return phrase(
                N_(
                    "You are the only platform administrator. Make someone else a platform "
                    "administrator first: the operator adds one with "
                    "openler people add --platform-admin."
                )
            )
    return None


def refusal_for(session: Session, principal: Principal) -> Wording | None:
    """:func:`refusal` for the signed-in person themselves (for the page that offers it)."""
    require_self(principal, principal.person_id)
    person = session.get(Person, principal.person_id)
    if person is None:
        raise NotFound.worded(N_("no such person"))
    return refusal(session, person)


def _unlink(session: Session, person_id: str) -> None:
    """Every column pointing at the person with no ``ON DELETE`` rule of its own is set to
    NULL (the issuers' credentials among them); the database does the rest as each foreign
    key says (CASCADE removes, SET NULL unlinks)."""
    for table in Base.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name != "people" or key.ondelete is not None:
                continue
            column = key.parent
            if not column.nullable:
                raise RuntimeError(f"{table.name}.{column.name} cannot be unlinked from a person")
            session.execute(update(table).where(column == person_id).values({column.name: None}))


def delete_account(
    session: Session, platform: Platform, principal: Principal, *, confirm: str
) -> None:
    """Delete ``principal``'s own account once they typed their email address as
    ``confirm`` (see the module's docstring for what goes and what stays). Refused while they
    administer an organization alone."""
    require_self(principal, principal.person_id)
    person = session.get(Person, principal.person_id)
    if person is None:
        raise NotFound.worded(N_("no such person"))
    if confirm.strip().lower() != person.email:
        raise UsageError.worded(N_("type your email address exactly as you sign in with it"))
    problem = refusal(session, person)
    if problem is not None:
        raise Conflict.worded(problem[0], **dict(problem[1]))
    person_id, email = person.id, person.email
    session.flush()
    _unlink(session, person_id)
    session.execute(delete(Person).where(Person.id == person_id))
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == throttle.email_key(email)))
    session.execute(  # the platform's own mail to them (an issuer's mail is the issuer's)
        delete(OutboxMessage).where(
            OutboxMessage.to_address == email, OutboxMessage.organization_id.is_(None)
        )
    )
    session.expire_all()  # what the session loaded of the person's rows is gone or unlinked
    audit.record(
        session,
        at=platform.now(),
        actor=f"person:{person_id}",
        action="account.delete",
        subject=f"person:{person_id}",
    )
