"""Responders checking in at an incident (:mod:`~openler.services.verifiers.incidents`).

A responder presents credentials in one of two ways, both ending in :func:`check_in`:

- from their wallet here, signed in at the check-in link: they choose among their
  credentials of the kinds the roles ask for (the one rule of
  :mod:`~openler.services.holders.candidates`: only active ones may go) and consent; a
  presentation signed by their wallet key for a fresh challenge is checked in
  (:func:`check_in_from_wallet`, mirroring an answer to a presentation request);
- from any OpenID4VP wallet, which fetches a fresh request from the link's ``request_uri``
  (one per scan) and posts its ``vp_token`` to the response endpoint, which hands it here
  (:func:`answer_for`).

Each presentation is verified as of now (``verify_document``, the holder bound to every
credential, the challenge and domain of this check-in), issuers' documents from elsewhere
fetched or, when an issuer cannot be reached, taken from the last verified copy
(:mod:`~openler.services.verifiers.fetched_copies`, the copy's age kept with the check-in).
Each credential is then judged against each role: verified for it, or refused and why in
plain words — revoked or suspended (with the issuer's reason and date when it issued here),
expired, its issuer not accepted or not recognised where the role needs, the answer not
signed by the wallet that holds it — and a responder who showed nothing any role accepts is
refused for that. A responder is the holder DID that signed: checking in again replaces
their row's verdicts, never adds a second row. The presentations are kept with the row, so
that its credentials can be verified again as of now (:func:`recheck`, for every responder
at once: :mod:`~openler.services.verifiers.incident_rechecks`).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, NotFound
from openler.services.holders import candidates
from openler.services.holders.reading import until_day
from openler.services.holders.record import credential_name, presented_state
from openler.services.holders.sharing import wallet_presentation
from openler.services.people.accounts import Principal, require_self
from openler.services.protocols.oid4vp_answers import raw_credentials
from openler.services.verifiers.answers import place_name
from openler.services.verifiers.credential_state import CredentialState
from openler.services.verifiers.fetched_copies import FetchedCopies
from openler.services.verifiers.incidents import (
    Role,
    incident_by_token,
    issuer_of,
    require_open,
    roles_of,
)
from openler.services.verifiers.verifying import Documents, trust_registry, verify_document
from openler.services.wording import (
    N_,
    Wording,
    filled,
    phrase,
    worded,
    wording_to_json,
)
from openler.store.models import (
    Incident,
    IncidentCheckin,
    IncidentRequest,
    IncidentVerdict,
    Person,
    PresentationRequest,
)
from openler.vc import (
    CredentialFacts,
    TrustRegistry,
    VCError,
    VerificationReport,
    unverified_jwt_document,
)

#: why a responder is refused, in plain words (pages translate them)
NOT_PROVEN = N_(
    "the answer was not signed by the wallet that holds these credentials, so it does not "
    "show who presents them (%(why)s)"
)
NOT_THIS_ISSUER = N_("issued by %(issuer)s; this role accepts %(accepted)s")
NOT_RECOGNISED = N_("%(issuer)s is not recognised in %(places)s for this credential")
NOT_VERIFIED = N_("it did not verify: %(why)s")
NOT_TRUSTED = N_("its issuer is not trusted here: %(why)s")
NO_ROLE = N_("not a credential any role accepts")
#: how the row of an answer that does not show who sent it is named (then its request id)
UNPROVEN = "unproven:"
NOTHING = N_("the answer held no credential")
DIFFERENT_HOLDERS = N_("the presentations were signed by different wallets")


@dataclass(frozen=True)
class Judged:
    """What one credential showed for one role (``role`` None: for none)."""

    role: str | None
    verified: bool
    credential: str
    issuer: str
    valid_until: str | None
    reason: Wording | None = None


@dataclass(frozen=True)
class CheckedIn:
    """A check-in as recorded: the responder's row and what it showed."""

    checkin: IncidentCheckin
    judged: list[Judged]
    roles: list[Role]

    @property
    def verified(self) -> bool:
        return self.checkin.verified

    @property
    def verified_roles(self) -> list[Role]:
        keys = {j.role for j in self.judged if j.verified}
        return [r for r in self.roles if r.key in keys]

    @property
    def refusal(self) -> str | None:
        """Why the responder is verified for no role, in English (for a wallet's error
        answer); None when they are verified for one."""
        if self.verified:
            return None
        names = {r.key: r.name for r in self.roles}
        reasons = [
            f"{names.get(j.role or '', 'no role')}: {j.credential}: {filled(j.reason)}"
            for j in self.judged
            if j.reason is not None
        ]
        return "not checked in for any role: " + "; ".join(reasons[:3])


@dataclass(frozen=True)
class _Presented:
    document: dict[str, Any]
    state: CredentialState
    #: its proof verified, by a key of the issuer it names
    signed: bool


def _issuer_label(registry: TrustRegistry, presented: _Presented) -> str:
    """The issuer by the trust registry's name for it when its signature verified (a
    forged credential may claim any issuer's identifier), else by its identifier — never
    by the name a credential gives itself."""
    issuer = issuer_of(presented.document)
    entry = registry.entries.get(issuer) if presented.signed else None
    return entry.name if entry is not None else (issuer or "an unnamed issuer")


def _state_reason(state: CredentialState) -> Wording:
    if state.wording is not None:
        return state.wording
    if state.code == "unverified":
        return worded(NOT_VERIFIED, why=state.reason or "")
    if state.code == "issuer-not-trusted":
        return worded(NOT_TRUSTED, why=state.reason or "")
    # a reason without a wording is data (a status message names its issuer as written):
    # never a message, which pages trust as markup
    return worded("%(text)s", text=state.reason) if state.reason else phrase(state.label)


def _judge(
    role: Role,
    presented: _Presented,
    *,
    unproven: str | None,
    registry: TrustRegistry,
    platform: Platform,
) -> Judged:
    document = presented.document
    issuer = issuer_of(document)
    label = _issuer_label(registry, presented)
    reason: Wording | None = None
    if unproven is not None:
        reason = worded(NOT_PROVEN, why=unproven)
    elif not presented.state.usable:
        reason = _state_reason(presented.state)
    elif not role.accepts_issuer(issuer):
        accepted = ", ".join(i.name for i in role.issuers)
        reason = worded(NOT_THIS_ISSUER, issuer=label, accepted=accepted)
    elif role.jurisdictions:
        facts = CredentialFacts.of(document)
        at = platform.now()
        if not any(
            registry.decide(issuer, facts, at=at, jurisdiction=place).trusted
            for place in role.jurisdictions
        ):
            places = ", ".join(place_name(p) for p in role.jurisdictions)
            reason = worded(NOT_RECOGNISED, issuer=label, places=places)
    return Judged(
        role.key,
        reason is None,
        credential_name(document),
        label,
        until_day(document),
        reason,
    )


def _holder(presentation: Any) -> str | None:
    try:
        document = (
            unverified_jwt_document(presentation) if isinstance(presentation, str) else presentation
        )
    except VCError:
        return None
    holder = document.get("holder") if isinstance(document, Mapping) else None
    if isinstance(holder, Mapping):
        holder = holder.get("id")
    return holder if isinstance(holder, str) else None


def _licences(documents: Sequence[Mapping[str, Any]]) -> list[str]:
    found = []
    for document in documents:
        subject = document.get("credentialSubject")
        number = subject.get("licenseNumber") if isinstance(subject, Mapping) else None
        if isinstance(number, str) and number.strip():
            found.append(number.strip())
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class _Shown:
    """What one responder's answer showed, verified: its credentials each with its state,
    why the answer does not prove who sent it (None when it does), the one holder DID that
    signed, and the credentials as read (for the licence numbers that name a responder)."""

    presented: list[_Presented]
    unproven: str | None
    holder: str | None
    documents: list[Mapping[str, Any]]


def _verify_answer(
    session: Session,
    platform: Platform,
    presentations: Sequence[Any],
    *,
    challenge: str,
    domain: str,
    documents: Documents,
    registry: TrustRegistry,
) -> _Shown:
    """Verify ``presentations`` as of now for ``challenge`` and ``domain``, the holder bound
    to every credential, and state each credential inside."""
    at = platform.now()
    holders: set[str | None] = set()
    unproven: str | None = None
    presented: list[_Presented] = []
    shown: list[Mapping[str, Any]] = []
    for index, presentation in enumerate(presentations):
        report = verify_document(
            session,
            platform,
            presentation,
            challenge=challenge,
            domain=domain,
            name=f"check-in presentation {index + 1}",
            require_holder_binding=True,
            documents=documents,
        )
        own = replace(report, credentials=[])
        if not own.verified and unproven is None:
            unproven = "; ".join(own.errors()[:2]) or own.summary
        holders.add(_holder(presentation))
        # each credential as the verifier read it (an enveloped one from its envelope),
        # never the presentation's items read again
        for checked in report.credentials:
            if checked.document is None:
                continue
            stated = _stated(session, checked.document, checked, at=at)
            presented.append(stated)
            if stated.signed and issuer_of(stated.document) in registry.entries:
                # a licence number names the responder only when an issuer of the trust
                # registry signed it: anyone may sign a credential with any number in it
                shown.append(stated.document)
    if len(holders) > 1 and unproven is None:
        unproven = filled(phrase(DIFFERENT_HOLDERS))
    holder = next(iter(holders)) if len(holders) == 1 else None
    return _Shown(presented, unproven, holder, shown)


def _stated(
    session: Session, document: Mapping[str, Any], report: VerificationReport, *, at: datetime
) -> _Presented:
    """A presented credential with its state as of ``at``, by its verification ``report``."""
    signed = all(report.status_of(c) == "passed" for c in ("proof", "issuer"))
    return _Presented(
        dict(document), presented_state(session, dict(document), report, at=at), signed
    )


def _judge_all(
    platform: Platform,
    roles: Sequence[Role],
    presented: Sequence[_Presented],
    *,
    unproven: str | None,
    registry: TrustRegistry,
) -> list[Judged]:
    """What the credentials show for each role: for a role, the verdicts of the credentials
    of its kind — those verified when any is, else why each was refused; nothing any role
    asks for is refused for no role."""
    judged: list[Judged] = []
    for role in roles:
        mine = [
            _judge(role, p, unproven=unproven, registry=registry, platform=platform)
            for p in presented
            if role.of_kind(p.document)
        ]
        judged.extend([j for j in mine if j.verified] or mine)
    if judged:
        return judged
    return [
        Judged(
            None,
            False,
            credential_name(p.document),
            _issuer_label(registry, p),
            until_day(p.document),
            phrase(NO_ROLE),
        )
        for p in presented
    ] or [Judged(None, False, "—", "—", None, phrase(NOTHING))]


def check_in(
    session: Session,
    platform: Platform,
    incident: Incident,
    presentations: Sequence[Any],
    *,
    challenge: str,
    domain: str,
    via: str,
    person: Person | None = None,
    answer_id: str | None = None,
    documents: Documents | None = None,
) -> CheckedIn:
    """Verify ``presentations`` (one responder's answer, made for ``challenge`` and
    ``domain``), judge their credentials against the incident's roles and record it: the
    responder's row created or updated, its verdicts replaced, the presentations kept (to
    be checked again), the event audited. ``documents`` supplies what verification looks
    up (issuers' documents fetched from elsewhere with copies kept, when not given);
    ``answer_id`` names an answer whose signature does not show who sent it (its row is
    its own)."""
    require_open(incident)
    copies = documents if documents is not None else FetchedCopies(session, platform)
    registry = trust_registry(session, platform) or TrustRegistry()
    shown = _verify_answer(
        session,
        platform,
        presentations,
        challenge=challenge,
        domain=domain,
        documents=copies,
        registry=registry,
    )
    unproven = shown.unproven
    roles = roles_of(incident)
    judged = _judge_all(platform, roles, shown.presented, unproven=unproven, registry=registry)
    responder = (
        shown.holder
        if unproven is None and shown.holder
        else f"{UNPROVEN}{answer_id or secrets.token_hex(8)}"
    )
    # a responder is named by what they proved: their name here, else the licence numbers
    # of the credentials they hold, else their wallet's DID; an unproven answer by nothing
    if unproven is not None:
        name = ""
    else:
        name = (
            person.name
            if person is not None
            else ", ".join(_licences(shown.documents)) or responder
        )
    row = _record(
        session,
        platform,
        incident,
        responder,
        name=name[:300],
        via=via,
        person=person,
        judged=judged,
        stale=_stale_of(copies),
        presentations=list(presentations),
    )
    return CheckedIn(row, judged, roles)


def _stale_of(documents: Documents) -> list[dict[str, str]]:
    """The copies a verification relied on because their issuer could not be reached (one
    entry a document)."""
    stale = {s.url: s.to_json() for s in getattr(documents, "stale", [])}
    return list(stale.values())


def _record(
    session: Session,
    platform: Platform,
    incident: Incident,
    responder: str,
    *,
    name: str,
    via: str,
    person: Person | None,
    judged: list[Judged],
    stale: list[dict[str, str]],
    presentations: list[Any],
) -> IncidentCheckin:
    """The responder's row, created or updated, with ``judged`` as its verdicts."""
    now = platform.now()
    verified = any(j.verified for j in judged)
    row = _row_of(session, incident, responder)
    if row is None:
        try:
            with session.begin_nested():
                row = IncidentCheckin(
                    incident_id=incident.id,
                    responder=responder,
                    name=name,
                    via=via,
                    verified=verified,
                    first_at=now,
                    checked_at=now,
                    verified_at=now,
                    times=0,
                    stale=stale,
                )
                session.add(row)
        except IntegrityError:  # the same responder's other check-in came first
            row = _row_of(session, incident, responder)
            if row is None:
                raise
    row.times += 1
    row.name, row.via, row.verified, row.checked_at, row.stale = name, via, verified, now, stale
    row.verified_at, row.presentations, row.recheck_pass = now, presentations, None
    if person is not None:
        row.person_id = person.id
    _set_verdicts(session, incident, row, judged)
    audit.record(
        session,
        at=now,
        actor=f"person:{person.id}" if person is not None else "wallet",
        action="incident.checkin",
        subject=f"incident:{incident.id}",
        data={
            "responder": responder,
            "via": via,
            "verified": verified,
            "roles": sorted({str(j.role) for j in judged if j.verified}),
            "stale": [s["url"] for s in stale],
        },
    )
    return row


#: what a verdict says (the columns of an :class:`IncidentVerdict` besides its keys)
_VERDICT_COLUMNS = ("role", "verified", "credential", "issuer", "valid_until", "reason")


def _columns(j: Judged) -> dict[str, Any]:
    """An :class:`IncidentVerdict`'s columns for ``j``."""
    return {
        "role": j.role,
        "verified": j.verified,
        "credential": j.credential[:300],
        "issuer": j.issuer[:300],
        "valid_until": j.valid_until,
        "reason": wording_to_json(j.reason) if j.reason is not None else None,
    }


def _set_verdicts(
    session: Session, incident: Incident, row: IncidentCheckin, judged: list[Judged]
) -> None:
    """``judged`` as the row's verdicts, in place of those it had."""
    session.execute(delete(IncidentVerdict).where(IncidentVerdict.checkin_id == row.id))
    session.add_all(
        IncidentVerdict(checkin_id=row.id, incident_id=incident.id, **_columns(j)) for j in judged
    )


def _row_of(session: Session, incident: Incident, responder: str) -> IncidentCheckin | None:
    return session.execute(
        select(IncidentCheckin)
        .where(IncidentCheckin.incident_id == incident.id, IncidentCheckin.responder == responder)
        .with_for_update()
    ).scalar()


# --- checked again -------------------------------------------------------------------


@dataclass(frozen=True)
class Rechecked:
    """What checking a responder again found: whether they turned from verified to refused
    for a role, or back (``changed``), and the roles they are verified for now."""

    changed: bool
    roles: list[str]


def can_recheck(row: IncidentCheckin) -> bool:
    """Whether ``row`` can be checked again: its presentations were kept, and they showed
    who presented them (an answer that did not stays refused for that)."""
    return row.presentations is not None and not row.responder.startswith(UNPROVEN)


def recheck(
    session: Session,
    platform: Platform,
    incident: Incident,
    row: IncidentCheckin,
    *,
    registry: TrustRegistry,
    documents: Documents,
    pass_id: str,
) -> Rechecked:
    """Verify again, as of now, each credential ``row``'s check-in presented, and judge
    them against the incident's roles anew; the row's verdicts are replaced when they
    differ, and it records when it was checked (``verified_at``), by which pass, and the
    copies relied on because an issuer could not be reached.

    Who presented them was proven at check-in — the holder's signature for that
    check-in's challenge, bound to every credential — and is not asked again: a wallet's
    answer may expire minutes after it is sent, and a responder is no less who they were.
    What can change is: a credential revoked, suspended or expired since, its issuer's
    keys, the trust registry."""
    at = platform.now()
    presented: list[_Presented] = []
    for presentation in row.presentations or []:
        try:
            sent = raw_credentials(presentation)
        except VCError:  # as at check-in, where nothing of it was judged
            continue
        # each credential as check-in verified it (the verifier's own reading of each
        # item: the same document, not one taken out of an id that merely looks enveloped)
        for item in sent:
            report = verify_document(
                session,
                platform,
                item,
                name=f"{row.responder} credential {len(presented) + 1}",
                documents=documents,
            )
            if report.document is not None:
                presented.append(_stated(session, report.document, report, at=at))
    judged = _judge_all(platform, roles_of(incident), presented, unproven=None, registry=registry)
    kept = list(
        session.execute(
            select(IncidentVerdict).where(IncidentVerdict.checkin_id == row.id)
        ).scalars()
    )
    before = {(v.role, v.verified) for v in kept}
    if _sorted([_columns(j) for j in judged]) != _sorted(
        [{name: getattr(v, name) for name in _VERDICT_COLUMNS} for v in kept]
    ):
        _set_verdicts(session, incident, row, judged)
    row.verified = any(j.verified for j in judged)
    row.verified_at, row.recheck_pass, row.stale = at, pass_id, _stale_of(documents)
    return Rechecked(
        before != {(j.role, j.verified) for j in judged},
        sorted({str(j.role) for j in judged if j.verified}),
    )


def _sorted(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in rows)


# --- from the wallet here ------------------------------------------------------------


def checkin_candidates(
    session: Session, platform: Platform, principal: Principal, incident: Incident
) -> list[candidates.Candidate]:
    """The signed-in person's credentials issued here, each with whether a role asks for
    it (its kind, its issuer) and whether it may be sent now
    (:mod:`~openler.services.holders.candidates`)."""
    require_self(principal, principal.person_id)
    roles = roles_of(incident)
    return candidates.candidates(
        session, platform, principal, fits=lambda d: any(r.asks_for(d) for r in roles)
    )


def check_in_from_wallet(
    session: Session,
    platform: Platform,
    principal: Principal,
    token: str,
    *,
    credential_ids: list[str],
    documents: Documents | None = None,
) -> CheckedIn:
    """Check the signed-in person in with chosen credentials: a presentation signed by
    their wallet key for a fresh challenge, with consent (audited ``consent.grant``). Only
    credentials :func:`checkin_candidates` offers may be sent."""
    require_self(principal, principal.person_id)
    incident, organization = incident_by_token(session, token)
    require_open(incident)
    person = session.get(Person, principal.person_id)
    if person is None:
        raise NotFound("no such person")
    candidates.require_offered(
        checkin_candidates(session, platform, principal, incident), credential_ids
    )
    challenge = secrets.token_urlsafe(24)
    domain = f"{platform.settings.public_url.rstrip('/')}/orgs/{organization.slug}"
    presentation = wallet_presentation(
        session, platform, person, credential_ids, challenge=challenge, domain=domain
    )
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="consent.grant",
        subject=f"incident:{incident.id}",
        data={"audience": organization.slug, "credentials": credential_ids},
    )
    return check_in(
        session,
        platform,
        incident,
        [presentation],
        challenge=challenge,
        domain=domain,
        via="openler",
        person=person,
        documents=documents,
    )


# --- from any OpenID4VP wallet -------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    """What the OpenID4VP response endpoint answers a check-in: taken (``refusal`` None)
    or refused, why in words the wallet shows."""

    refusal: str | None
    checked: CheckedIn | None = None


def answer_for(
    session: Session,
    platform: Platform,
    request: PresentationRequest,
    vp_token: Mapping[str, list[Any]],
    *,
    documents: Documents | None = None,
) -> Answered | None:
    """Check in the answer to an OpenID4VP request made for an incident's check-in
    (None for any other request): every presentation of the ``vp_token``, for the
    request's nonce and client_id."""
    link = session.get(IncidentRequest, request.id)
    if link is None:
        return None
    incident = session.get(Incident, link.incident_id)
    if incident is None:
        return Answered("this check-in no longer exists")
    try:
        checked = check_in(
            session,
            platform,
            incident,
            [p for presentations in vp_token.values() for p in presentations],
            challenge=request.challenge,
            domain=request.domain,
            via="oid4vp",
            answer_id=request.id,
            documents=documents,
        )
    except Conflict as exc:
        return Answered(exc.message)
    return Answered(checked.refusal, checked)
