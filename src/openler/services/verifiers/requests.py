"""Presentation requests: a verifier asks for credentials with a fresh challenge, and the
presentation that answers is verified against it once (a replay is refused)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, NotFound
from openler.services.holders import candidates
from openler.services.holders.sharing import (
    Followed,
    Update,
    credential_ids,
    follow_replacements,
    wallet_presentation,
)
from openler.services.issuers.orgs import organization_by_slug
from openler.services.people.accounts import Principal, require_role, require_self
from openler.services.verifiers import answers
from openler.services.verifiers.credential_state import IssuerNote, issuer_notes
from openler.services.verifiers.verifying import verify_document
from openler.services.wording import N_
from openler.store.models import (
    Exchange,
    IncidentRequest,
    Oid4vpRequest,
    Organization,
    Person,
    PresentationRequest,
)
from openler.vc import VerificationReport, describe_dcql_query


def create_request(
    session: Session,
    platform: Platform,
    principal: Principal,
    *,
    organization_slug: str,
    query: dict[str, Any],
    minutes: int = 30,
    domain: Callable[[Organization], str] | None = None,
    protocol: str | None = None,
) -> PresentationRequest:
    """A request for a presentation, with a single-use challenge (verifier role). A
    standard protocol names itself and its ``domain`` (the OpenID4VP client_id)."""
    organization = organization_by_slug(session, organization_slug)
    require_role(principal, organization.id, "verifier")
    now = platform.now()
    request = PresentationRequest(
        organization_id=organization.id,
        challenge=secrets.token_urlsafe(24),
        domain=domain(organization)
        if domain
        else f"{platform.settings.public_url}/orgs/{organization.slug}",
        query=query,
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    session.add(request)
    session.flush()
    audit.record(
        session,
        at=now,
        actor=principal.label,
        action="request.create",
        subject=f"request:{request.id}",
        data={"protocol": protocol} if protocol else None,
    )
    return request


def answer_request(
    session: Session,
    platform: Platform,
    challenge: str,
    presentation: dict[str, Any] | str,
    *,
    answered_by: Person | None = None,
) -> VerificationReport:
    """Verify a presentation against the request that issued ``challenge``; a request is
    answered once, and not after it expires. The verified presentation is kept for the
    verifier, with — when ``answered_by`` answered from their wallet here, having consented
    — their name and email as they were then."""
    request = session.execute(
        select(PresentationRequest)
        .where(PresentationRequest.challenge == challenge)
        .with_for_update()
    ).scalar()
    if request is None:
        raise NotFound("no presentation request has this challenge")
    _refuse_other_protocol(session, request)
    now = platform.now()
    if request.fulfilled_at is not None:
        raise Conflict("this request was already answered; ask the verifier for a new one")
    if request.expires_at < now:
        raise Conflict("this request has expired; ask the verifier for a new one")
    signs = holder_signs(session, request)
    report = verify_document(
        session,
        platform,
        presentation,
        challenge=request.challenge,
        domain=request.domain,
        name="presentation",
        require_holder_binding=signs,
        holder_signs=signs,
    )
    if report.verified:
        request.fulfilled_at = now
        request.presentation = (
            presentation
            if isinstance(presentation, dict)
            else {
                "type": ["EnvelopedVerifiablePresentation"],
                "id": f"data:application/vp+jwt,{presentation}",
            }
        )
        if answered_by is not None:
            request.answered_by = answered_by.id
            request.answered_name = answered_by.name
            request.answered_email = answered_by.email
    audit.record(
        session,
        at=now,
        actor="holder",
        action="request.answer",
        subject=f"request:{request.id}",
        data={"verified": report.verified},
    )
    return report


def holder_signs(session: Session, request: PresentationRequest) -> bool:
    """Whether the answer must be signed by its holder: always, but for a VC API exchange
    whose request asked only ``QueryByExample`` (LCW then sends an unsigned presentation,
    whose credentials are verified each; nothing shows who presented them)."""
    signs = session.execute(
        select(Exchange.holder_signs).where(Exchange.request_id == request.id)
    ).scalar()
    return signs is None or bool(signs)


def _refuse_other_protocol(session: Session, request: PresentationRequest) -> None:
    """A request made for a standard protocol (OpenID4VP) is answered only through it."""
    if session.get(Oid4vpRequest, request.id) is not None:
        raise Conflict("this request is answered with OpenID4VP: open its openid4vp:// link")


def reason_of(request: PresentationRequest) -> str:
    """What the verifier says it asks for (the VP request's ``credentialQuery.reason``,
    or a DCQL query in plain words)."""
    if isinstance(request.query.get("credentials"), list):
        words = describe_dcql_query(request.query)  # checked when the request was made
        return words[:1].upper() + words[1:]
    queries = request.query.get("query", request.query)
    for query in queries if isinstance(queries, list) else [queries]:
        if isinstance(query, dict):
            credential_query = query.get("credentialQuery", {})
            if isinstance(credential_query, dict) and isinstance(
                credential_query.get("reason"), str
            ):
                return str(credential_query["reason"])
    return "credentials of your choice"


def request_query(reason: str) -> dict[str, Any]:
    """A Verifiable Presentation Request query asking, by example, for any credential."""
    return {
        "query": [
            {
                "type": "QueryByExample",
                "credentialQuery": {
                    "reason": reason,
                    "example": {
                        "@context": ["https://www.w3.org/ns/credentials/v2"],
                        "type": ["VerifiableCredential"],
                    },
                },
            }
        ]
    }


#: a request's state (:func:`state_of`) as pages name it
STATE_WORDS = {"open": N_("waiting"), "answered": N_("answered"), "expired": N_("expired")}


def state_of(request: PresentationRequest, now: datetime) -> str:
    if request.fulfilled_at is not None:
        return "answered"
    return "expired" if request.expires_at < now else "open"


def open_request(
    session: Session, platform: Platform, challenge: str
) -> tuple[PresentationRequest, Organization]:
    """The request behind a link, for the person it was sent to (the challenge is the
    link's secret); refused once answered or expired."""
    request = session.execute(
        select(PresentationRequest).where(PresentationRequest.challenge == challenge)
    ).scalar()
    if request is None:
        raise NotFound("this request link does not exist")
    _refuse_other_protocol(session, request)
    state = state_of(request, platform.now())
    if state != "open":
        raise Conflict(f"this request was already {state}; ask the verifier for a new one")
    organization = session.get(Organization, request.organization_id)
    assert organization is not None
    return request, organization


def candidates_for(
    session: Session, platform: Platform, principal: Principal, request: PresentationRequest
) -> list[candidates.Candidate]:
    """The signed-in learner's credentials issued here, each with whether it answers
    ``request`` (of the kind its ``QueryByExample`` examples ask for, any kind when it
    gives none) and may be sent now (:mod:`~openler.services.holders.candidates`)."""
    require_self(principal, principal.person_id)
    examples = candidates.examples_of(request.query)
    fits = candidates.fits_examples(examples) if examples else None
    return candidates.candidates(session, platform, principal, fits=fits)


def answer_from_wallet(
    session: Session,
    platform: Platform,
    principal: Principal,
    challenge: str,
    *,
    credential_ids: list[str],
) -> VerificationReport:
    """Answer a request with chosen credentials of the signed-in learner: a presentation
    signed by their wallet key for the request's challenge and domain, with consent. Only
    credentials :func:`candidates_for` offers may be sent (:class:`UsageError` else)."""
    require_self(principal, principal.person_id)
    request, organization = open_request(session, platform, challenge)
    person = session.get(Person, principal.person_id)
    if person is None:
        raise NotFound("no such person")
    candidates.require_offered(
        candidates_for(session, platform, principal, request), credential_ids
    )
    presentation = wallet_presentation(
        session,
        platform,
        person,
        credential_ids,
        challenge=request.challenge,
        domain=request.domain,
    )
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="consent.grant",
        subject=f"request:{request.id}",
        data={"audience": organization.slug, "credentials": credential_ids},
    )
    return answer_request(session, platform, request.challenge, presentation, answered_by=person)


def _asked_by(organization: Organization) -> tuple[ColumnElement[bool], ...]:
    """The requests its verifiers made: those an incident's check-in makes, one per scan,
    are the incident's roster's."""
    return (
        PresentationRequest.organization_id == organization.id,
        PresentationRequest.id.not_in(select(IncidentRequest.request_id)),
    )


def requests_of(
    session: Session, principal: Principal, organization: Organization
) -> list[PresentationRequest]:
    """The organization's requests, newest first (its verifiers only)."""
    require_role(principal, organization.id, "verifier")
    return list(
        session.execute(
            select(PresentationRequest)
            .where(*_asked_by(organization))
            .order_by(PresentationRequest.created_at.desc())
        ).scalars()
    )


@dataclass(frozen=True)
class Asked:
    """A request and what it asks for, in words (:func:`reason_of`)."""

    row: PresentationRequest
    asked: str


@dataclass(frozen=True)
class RequestsSummary:
    """An organization's requests as its verifiers' home page opens with them."""

    #: how many wait for an answer (open, not answered)
    waiting: int
    #: the newest of those, newest first
    newest_waiting: list[Asked]
    #: those answered in the last :data:`RECENT_DAYS` days, the latest first (who
    #: answered is the row's ``answered_name``, when its ``fulfilled_at``)
    answered: list[Asked]


#: how far back "answered recently" looks
RECENT_DAYS = 30


def summary_of(
    session: Session,
    principal: Principal,
    organization: Organization,
    *,
    now: datetime,
    few: int = 3,
) -> RequestsSummary:
    """The organization's requests in short (its verifiers only): counted and chosen in
    the database, so it costs the same for ten requests or a million."""
    require_role(principal, organization.id, "verifier")
    asked = _asked_by(organization)
    waiting = (
        PresentationRequest.fulfilled_at.is_(None),
        PresentationRequest.expires_at >= now,
    )
    count = session.scalar(
        select(func.count()).select_from(PresentationRequest).where(*asked, *waiting)
    )
    newest = session.execute(
        select(PresentationRequest)
        .where(*asked, *waiting)
        .order_by(PresentationRequest.created_at.desc(), PresentationRequest.id)
        .limit(few)
    ).scalars()
    answered = session.execute(
        select(PresentationRequest)
        .where(
            *asked,
            PresentationRequest.fulfilled_at >= now - timedelta(days=RECENT_DAYS),
        )
        .order_by(PresentationRequest.fulfilled_at.desc(), PresentationRequest.id)
        .limit(few)
    ).scalars()
    return RequestsSummary(
        int(count or 0),
        [Asked(row, reason_of(row)) for row in newest],
        [Asked(row, reason_of(row)) for row in answered],
    )


def view_request(
    session: Session, platform: Platform, principal: Principal, request_id: str
) -> tuple[PresentationRequest, VerificationReport | None]:
    """A request and, once answered, its presentation verified again now (a credential
    revoked since is shown revoked). An answer from a wallet here follows replacements: a
    credential renewed, extended, re-issued or claimed since is presented as its
    replacement, signed anew by the holder's custodial key for the request's challenge
    (the answer as given is kept; :func:`answer_notes` says what changed). For the
    requesting organization's verifiers only (:func:`view_answer` says it in words too)."""
    request, report, _verdict = view_answer(session, platform, principal, request_id)
    return request, report


def view_answer(
    session: Session, platform: Platform, principal: Principal, request_id: str
) -> tuple[PresentationRequest, VerificationReport | None, answers.Verdict | None]:
    """:func:`view_request` and what its answer says, for people
    (:mod:`~openler.services.verifiers.answers`): who answered, what, its standing where
    the requesting organization is, and what it may rely on."""
    request = session.get(PresentationRequest, request_id)
    if request is None:
        raise NotFound(f"no request {request_id}")
    require_role(principal, request.organization_id, "verifier")
    from openler.services.protocols import oid4vp_verifier

    jurisdiction = answers.jurisdiction_for(session, [request.organization_id])
    extra: dict[str, Any] = {}
    answered: Any = None
    if (oid4vp := oid4vp_verifier.oid4vp_of(session, request)) is not None:
        report, _row = oid4vp_verifier.view(session, platform, request)
        extra = {"protocol": "oid4vp"}
        answered = _oid4vp_answered(oid4vp.vp_token) if report is not None else None
    elif request.presentation is not None:
        followed = _followed(session, platform, request)
        presentation = followed.presentation if followed else request.presentation
        signs = holder_signs(session, request)
        report = verify_document(
            session,
            platform,
            presentation,
            challenge=request.challenge,
            domain=request.domain,
            # where the answer says it is recognised: checked there, not elsewhere
            jurisdiction=jurisdiction,
            name="presentation",
            require_holder_binding=signs,
            holder_signs=signs,
        )
        answered = presentation
        if followed:
            extra = {"presented_anew": credential_ids(presentation)}
    else:
        report = None
    if report is None:
        return request, None, None
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="request.view",
        subject=f"request:{request.id}",
        data={"verified": report.verified, **extra},
    )
    verdict = answers.answer(
        session,
        platform,
        answered if answered is not None else {},
        report,
        holder=request.answered_name,
        jurisdiction=jurisdiction,
        challenged=True,
    )
    return request, report, verdict


def _oid4vp_answered(vp_token: Any) -> dict[str, Any]:
    """An OpenID4VP ``vp_token`` as one presentation of all its credentials, in the order
    its combined report lists them, for :func:`answers.answer`; its holder is the
    presentations' one when they name the same (each presentation's binding is checked
    in the report)."""
    credentials: list[Any] = []
    holders: set[str] = set()
    for presentations in (vp_token or {}).values():
        for presentation in presentations:
            document, _is_presentation = answers.documents_of(presentation)
            if document is None:
                continue
            holder = document.get("holder")
            holder = holder.get("id") if isinstance(holder, dict) else holder
            holders.add(holder if isinstance(holder, str) else "")
            inner = document.get("verifiableCredential", [])
            credentials.extend(inner if isinstance(inner, list) else [inner])
    answered: dict[str, Any] = {
        "type": ["VerifiablePresentation"],
        "verifiableCredential": credentials,
    }
    if len(holders) == 1 and "" not in holders:
        answered["holder"] = holders.pop()
    return answered


def _followed(
    session: Session, platform: Platform, request: PresentationRequest
) -> Followed | None:
    if request.presentation is None or request.answered_by is None:
        return None
    return follow_replacements(
        session,
        platform,
        session.get(Person, request.answered_by),
        request.presentation,
        challenge=request.challenge,
        domain=request.domain,
    )


def answer_notes(
    session: Session, platform: Platform, request: PresentationRequest
) -> tuple[list[Update], list[IssuerNote]]:
    """What changed in an answer since it was given (credentials replaced, presented as
    their replacements) and what the issuers here say about its credentials (revoked or
    suspended, and why)."""
    if request.presentation is None:
        return [], []
    followed = _followed(session, platform, request)
    presentation = followed.presentation if followed else request.presentation
    return (followed.updates if followed else [], issuer_notes(session, platform, presentation))
