"""Stacking: an achievement that requires others, issued when a holder's record shows them.

A rule lives on the stacked achievement (``Achievement.requires``) and names achievements of
the same organization by slug::

    {"all": ["iv-therapy", "wound-care"], "approval": false}
    {"count": 2, "of": ["cpr", "acls", "pals"], "approval": true}

A holder's record is what they hold now from the organization: credentials that are active
(not suspended, revoked or replaced) and not expired, found by their account or, for people
without one, by the recipient key the issuer recorded. Only the organization's own
achievements count: another organization's credential would make this one vouch for what
it did not check.

After each issuance of a component, :func:`after_issue` evaluates every rule that names it.
A satisfied rule issues the stacked credential at once, or — with ``"approval": true`` —
queues it for an issuer admin (:func:`waiting`, :func:`approve`, :func:`decline`). Nothing
is issued twice: a holder who already holds the stacked achievement, or has it waiting or
declined, is left alone. Issuance paths that do not go through the functions here (the
roster engine) must call :func:`after_issue` for each credential they issue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, NotFound, UsageError
from openler.services.issuers import issuing
from openler.services.issuers.recipients import Recipient
from openler.services.people.accounts import Principal, require_role
from openler.store.models import (
    Achievement,
    IssuedCredential,
    Organization,
    PendingStack,
    Person,
)

#: who issues a stacked credential a rule grants without approval
STACKER = Principal.system("stacking")
MAX_COMPONENTS = 50


@dataclass(frozen=True)
class Rule:
    """What a stacked achievement requires: ``count`` of the achievements ``of`` (all of
    them when ``count`` equals their number), and whether an admin approves each award.

    >>> Rule.from_json({"count": 1, "of": ["a", "b"]}).describe()
    'any 1 of: a, b'
    """

    of: tuple[str, ...]
    count: int
    approval: bool = False

    @property
    def needs_all(self) -> bool:
        return self.count == len(self.of)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Rule:
        """A rule from its stored form; a form that says nothing clear is refused."""
        if not isinstance(data, dict):
            raise UsageError("a stacking rule is an object")
        approval = data.get("approval", False)
        if not isinstance(approval, bool):
            raise UsageError("approval must be true or false")
        if "all" in data and ("of" in data or "count" in data):
            raise UsageError('a rule has either "all" or "count" and "of", not both')
        names = data.get("all", data.get("of"))
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            raise UsageError('a rule names the achievements it requires ("all" or "of")')
        of = tuple(dict.fromkeys(n.strip() for n in names))
        if not of:
            raise UsageError("a rule requires at least one achievement")
        if len(of) > MAX_COMPONENTS:
            raise UsageError(f"a rule names at most {MAX_COMPONENTS} achievements")
        count = len(of) if "all" in data else data.get("count")
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= len(of):
            raise UsageError(f"count must be a whole number from 1 to {len(of)}")
        return cls(of=of, count=count, approval=approval)

    def to_json(self) -> dict[str, Any]:
        if self.needs_all:
            return {"all": list(self.of), "approval": self.approval}
        return {"count": self.count, "of": list(self.of), "approval": self.approval}

    def describe(self, names_of: Mapping[str, str] | None = None) -> str:
        """The rule in words, each achievement by its name in ``names_of`` (by slug) when
        given, else by its slug."""
        names = ", ".join((names_of or {}).get(slug, slug) for slug in self.of)
        return f"all of: {names}" if self.needs_all else f"any {self.count} of: {names}"


def rule_of(achievement: Achievement) -> Rule | None:
    return Rule.from_json(achievement.requires) if achievement.requires else None


def set_rule(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    achievement: Achievement,
    rule: Rule | None,
) -> Achievement:
    """Set (or, with None, remove) what ``achievement`` requires. Issuer admins only; the
    components must be other achievements of the same organization, and no rule may end
    up requiring itself through others."""
    require_role(principal, organization.id, "issuer_admin")
    if achievement.organization_id != organization.id:
        raise NotFound(f"{organization.name} has no such achievement")
    if rule is not None:
        if achievement.slug in rule.of:
            raise UsageError("an achievement cannot require itself")
        known = {a.slug: a for a in _achievements(session, organization)}
        unknown = [slug for slug in rule.of if slug not in known]
        if unknown:
            raise UsageError(f"{organization.name} has no achievement {', '.join(unknown)}")
        cycle = _cycle(known, achievement.slug, rule)
        if cycle:
            raise UsageError("the rule would go round in a circle: " + " → ".join(cycle))
    before = achievement.requires
    achievement.requires = rule.to_json() if rule else None
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="achievement.stacking",
        subject=str(achievement.data.get("id", achievement.id)),
        data={"organization": organization.slug, "before": before, "after": achievement.requires},
    )
    return achievement


def _achievements(session: Session, organization: Organization) -> list[Achievement]:
    return list(
        session.execute(
            select(Achievement).where(Achievement.organization_id == organization.id)
        ).scalars()
    )


def _cycle(known: dict[str, Achievement], start: str, rule: Rule) -> list[str]:
    """A path from ``start`` back to itself through the rules (with ``rule`` as start's)."""

    def requires(slug: str) -> tuple[str, ...]:
        if slug == start:
            return rule.of
        found = known.get(slug)
        return Rule.from_json(found.requires).of if found and found.requires else ()

    stack: list[tuple[str, list[str]]] = [(slug, [start, slug]) for slug in rule.of]
    seen: set[str] = set()
    while stack:
        slug, path = stack.pop()
        if slug == start:
            return path
        if slug in seen:
            continue
        seen.add(slug)
        stack += [(nxt, [*path, nxt]) for nxt in requires(slug)]
    return []


@dataclass(frozen=True)
class Holder:
    """Whose record is evaluated: their account and/or the key the issuer recorded."""

    person_id: str | None
    recipient_key: str | None

    @property
    def key(self) -> str:
        return self.recipient_key or f"person:{self.person_id}"


def holder_of(row: IssuedCredential) -> Holder | None:
    """The holder a credential was issued to (None for an outside subject)."""
    if row.person_id is None and row.recipient_key is None:
        return None
    return Holder(row.person_id, row.recipient_key)


def record_of(
    session: Session, platform: Platform, organization: Organization, holder: Holder
) -> list[IssuedCredential]:
    """What ``holder`` holds now from ``organization``: active, current, unexpired
    credentials of its achievements, newest first."""
    who = _who(holder)
    if not who:
        return []
    now = platform.now()
    return list(
        session.execute(
            select(IssuedCredential)
            .where(
                IssuedCredential.organization_id == organization.id,
                IssuedCredential.achievement_id.is_not(None),
                IssuedCredential.state == "active",
                IssuedCredential.replaced_by.is_(None),
                or_(*who),
            )
            .where(IssuedCredential.valid_until.is_(None) | (IssuedCredential.valid_until > now))
            .order_by(IssuedCredential.issued_at.desc())
        ).scalars()
    )


@dataclass(frozen=True)
class Progress:
    """How far a holder's record goes towards a rule: per component slug, the credential
    that counts for it (or None)."""

    achievement: Achievement
    rule: Rule
    held: dict[str, IssuedCredential | None]

    @property
    def satisfied(self) -> bool:
        return sum(1 for row in self.held.values() if row is not None) >= self.rule.count

    @property
    def components(self) -> list[IssuedCredential]:
        return [row for row in self.held.values() if row is not None]


def evaluate(
    session: Session,
    platform: Platform,
    organization: Organization,
    achievement: Achievement,
    holder: Holder,
) -> Progress | None:
    """The holder's progress towards ``achievement``'s rule (None when it has no rule)."""
    rule = rule_of(achievement)
    if rule is None:
        return None
    by_id = {a.id: a.slug for a in _achievements(session, organization)}
    held: dict[str, IssuedCredential | None] = dict.fromkeys(rule.of)
    for row in record_of(session, platform, organization, holder):
        slug = by_id.get(row.achievement_id or "")
        if slug in held and held[slug] is None:
            held[slug] = row
    return Progress(achievement, rule, held)


@dataclass(frozen=True)
class Outcome:
    """What a rule did for a holder: ``issued`` (with the credential) or ``queued``."""

    achievement: Achievement
    action: str
    credential: IssuedCredential | None = None
    pending: PendingStack | None = None


def after_issue(
    session: Session, platform: Platform, row: IssuedCredential, *, depth: int = 0
) -> list[Outcome]:
    """Evaluate every rule of the organization that names ``row``'s achievement for the
    holder it was issued to; issue what is satisfied (or queue it for approval). A stacked
    credential issued here is evaluated in turn (stacks of stacks)."""
    if row.achievement_id is None or row.state != "active" or depth > 10:
        return []
    holder = holder_of(row)
    organization = session.get(Organization, row.organization_id)
    component = session.get(Achievement, row.achievement_id)
    if holder is None or organization is None or component is None:
        return []
    outcomes: list[Outcome] = []
    for achievement in _achievements(session, organization):
        rule = rule_of(achievement)
        if rule is None or component.slug not in rule.of or achievement.retired_at is not None:
            continue
        progress = evaluate(session, platform, organization, achievement, holder)
        if progress is None or not progress.satisfied:
            continue
        if _already(session, platform, organization, achievement, holder):
            continue
        if rule.approval:
            outcomes.append(_queue(session, platform, organization, progress, holder, row))
            continue
        issued = _issue_stacked(session, platform, STACKER, organization, progress, holder, row)
        outcomes.append(Outcome(achievement, "issued", credential=issued))
        outcomes += after_issue(session, platform, issued, depth=depth + 1)
    return outcomes


def _already(
    session: Session,
    platform: Platform,
    organization: Organization,
    achievement: Achievement,
    holder: Holder,
) -> bool:
    """Whether the holder holds ``achievement`` now (suspended counts: it may come back),
    or has it waiting or declined."""
    now = platform.now()
    held = session.execute(
        select(IssuedCredential.id)
        .where(
            IssuedCredential.organization_id == organization.id,
            IssuedCredential.achievement_id == achievement.id,
            IssuedCredential.state != "revoked",
            IssuedCredential.replaced_by.is_(None),
            or_(*_who(holder)),
        )
        .where(IssuedCredential.valid_until.is_(None) | (IssuedCredential.valid_until > now))
        .limit(1)
    ).first()
    if held is not None:
        return True
    return (
        session.execute(
            select(PendingStack.id).where(
                PendingStack.achievement_id == achievement.id,
                PendingStack.recipient_key == holder.key,
                PendingStack.state.in_(("pending", "declined")),
            )
        ).first()
        is not None
    )


def _who(holder: Holder) -> list[Any]:
    who: list[Any] = []
    if holder.person_id:
        who.append(IssuedCredential.person_id == holder.person_id)
    if holder.recipient_key:
        who.append(IssuedCredential.recipient_key == holder.recipient_key)
    return who


def _recipient(session: Session, holder: Holder, row: IssuedCredential) -> Person | Recipient:
    person = session.get(Person, holder.person_id) if holder.person_id else None
    if person is not None:
        return person
    recipient = issuing.recipient_of_row(row)
    if recipient is None:
        raise Conflict("the holder of the components cannot be named in a new credential")
    return recipient


def _issue_stacked(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    progress: Progress,
    holder: Holder,
    row: IssuedCredential,
) -> IssuedCredential:
    issued = issuing.issue(
        session,
        platform,
        principal,
        organization,
        progress.achievement,
        recipient=_recipient(session, holder, row),
    )
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="stacking.issue",
        subject=issued.id,
        data={
            "organization": organization.slug,
            "achievement": progress.achievement.slug,
            "components": [c.id for c in progress.components],
        },
    )
    return issued


def _queue(
    session: Session,
    platform: Platform,
    organization: Organization,
    progress: Progress,
    holder: Holder,
    row: IssuedCredential,
) -> Outcome:
    recipient = issuing.recipient_of_row(row)
    person = session.get(Person, holder.person_id) if holder.person_id else None
    pending = PendingStack(
        organization_id=organization.id,
        achievement_id=progress.achievement.id,
        person_id=holder.person_id,
        recipient_key=holder.key,
        recipient_email=(recipient.email if recipient else None)
        or (person.email if person else None),
        recipient_name=(recipient.name if recipient else None) or (person.name if person else None),
        components=[c.id for c in progress.components],
        state="pending",
        created_at=platform.now(),
    )
    session.add(pending)
    session.flush()
    audit.record(
        session,
        at=platform.now(),
        actor=STACKER.label,
        action="stacking.queue",
        subject=pending.id,
        data={
            "organization": organization.slug,
            "achievement": progress.achievement.slug,
            "components": pending.components,
        },
    )
    return Outcome(progress.achievement, "queued", pending=pending)


@dataclass(frozen=True)
class Waiting:
    """A queued stacked award as the approval page shows it."""

    pending: PendingStack
    achievement: Achievement
    components: list[IssuedCredential]


def waiting(
    session: Session, principal: Principal, organization: Organization, *, state: str = "pending"
) -> list[Waiting]:
    """The organization's stacked awards in ``state`` (oldest first). Issuer admins only."""
    require_role(principal, organization.id, "issuer_admin")
    rows = session.execute(
        select(PendingStack, Achievement)
        .join(Achievement, Achievement.id == PendingStack.achievement_id)
        .where(PendingStack.organization_id == organization.id, PendingStack.state == state)
        .order_by(PendingStack.created_at, PendingStack.id)
    ).all()
    found = []
    for pending, achievement in rows:
        components = [
            c for c in (session.get(IssuedCredential, i) for i in pending.components) if c
        ]
        found.append(Waiting(pending, achievement, components))
    return found


def _pending(
    session: Session, principal: Principal, organization: Organization, pending_id: str
) -> PendingStack:
    require_role(principal, organization.id, "issuer_admin")
    pending = session.get(PendingStack, pending_id, with_for_update=True)
    if pending is None or pending.organization_id != organization.id:
        raise NotFound("no such stacked award is waiting")
    if pending.state != "pending":
        raise Conflict(f"this stacked award was already {pending.state}")
    return pending


def approve(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    pending_id: str,
) -> IssuedCredential:
    """Issue a queued stacked award — if the holder's record still satisfies the rule."""
    pending = _pending(session, principal, organization, pending_id)
    achievement = session.get(Achievement, pending.achievement_id)
    assert achievement is not None
    holder = Holder(pending.person_id, pending.recipient_key)
    progress = evaluate(session, platform, organization, achievement, holder)
    if progress is None or not progress.satisfied:
        raise Conflict(
            "the holder's record no longer satisfies the rule (a component was revoked, "
            "suspended or has expired); decline it instead"
        )
    issued = _issue_stacked(
        session, platform, principal, organization, progress, holder, progress.components[0]
    )
    pending.state, pending.credential_id = "approved", issued.id
    pending.decided_at, pending.decided_by = platform.now(), principal.label
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="stacking.approve",
        subject=pending.id,
        data={"credential": issued.id, "achievement": achievement.slug},
    )
    after_issue(session, platform, issued, depth=1)
    return issued


def decline(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    pending_id: str,
    *,
    reason: str = "",
) -> PendingStack:
    """Decline a queued stacked award; it is not queued again for the same holder."""
    pending = _pending(session, principal, organization, pending_id)
    pending.state, pending.reason = "declined", reason.strip()[:2000] or None
    pending.decided_at, pending.decided_by = platform.now(), principal.label
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="stacking.decline",
        subject=pending.id,
        data={"reason": pending.reason},
    )
    return pending


def requiring(
    session: Session, organization: Organization, achievement: Achievement
) -> list[Achievement]:
    """The organization's achievements whose rules name ``achievement``."""
    found = []
    for candidate in _achievements(session, organization):
        rule = rule_of(candidate)
        if rule is not None and achievement.slug in rule.of:
            found.append(candidate)
    return found


def recipient_label(pending: PendingStack) -> str:
    """The holder of a queued award as people read it."""
    if pending.recipient_name and pending.recipient_email:
        return f"{pending.recipient_name} ({pending.recipient_email})"
    return pending.recipient_name or pending.recipient_email or pending.recipient_key


@dataclass(frozen=True)
class Editor:
    """What the page editing ``achievement``'s rule shows."""

    rule: Rule | None
    #: the achievements it could require: the organization's others
    others: list[Achievement]
    #: the achievements whose rules require it
    required_by: list[Achievement]


def editor(
    session: Session, principal: Principal, organization: Organization, achievement: Achievement
) -> Editor:
    """The rule of ``achievement`` and what it could be. Issuer admins only."""
    require_role(principal, organization.id, "issuer_admin")
    if achievement.organization_id != organization.id:
        raise NotFound(f"{organization.name} has no such achievement")
    others = [a for a in _achievements(session, organization) if a.id != achievement.id]
    others.sort(key=lambda a: a.slug)
    return Editor(rule_of(achievement), others, requiring(session, organization, achievement))
