"""openler's wallet answering a VC API exchange of another verifier (the interaction-URL
form the Learner Credential Wallet uses), for the person signed in.

1. :func:`open_exchange`: the interaction URL is asked for JSON and names the exchange
   (``protocols.vcapi``); ``{}`` is posted to it and the answer is its
   ``verifiablePresentationRequest``: who asks (its ``domain``), for what
   (``QueryByExample`` examples, ``DIDAuthentication``), and which of the person's
   credentials match, as LCW matches them (every value of the example is in the credential;
   an array's values all among the credential's).
2. :func:`answer_exchange`: after the person chose and consented, the request is fetched
   again (the exchange may have moved on), the presentation built — signed by the holder's
   custodial key with ``eddsa-rdfc-2022`` for the request's challenge and domain when
   ``DIDAuthentication`` is asked, unsigned otherwise, as LCW sends it — and posted to the
   request's ``interact`` service (or the exchange URL). Consent is recorded and audited
   like a share's.

Every call to the other party goes through :class:`ProtocolClient` (public HTTPS only,
no redirects; loopback only with ``protocol_allow_loopback``).

>>> matches({"type": ["VerifiableCredential"]}, {"type": ["VerifiableCredential", "X"]})
True
>>> matches({"type": ["OpenBadgeCredential"]}, {"type": ["VerifiableCredential"]})
False
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import NotFound, UsageError
from openler.services.holders import candidates
from openler.services.holders.candidates import Candidate
from openler.services.holders.candidates import matches as matches
from openler.services.holders.sharing import wallet_presentation
from openler.services.people.accounts import Principal, holder_key, principal_for, require_self
from openler.services.protocols.client import ProtocolClient, ProtocolError
from openler.services.verifiers.credential_state import CredentialState
from openler.store.models import Consent, IssuedCredential, Person
from openler.vc import build_presentation


@dataclass(frozen=True)
class Asked:
    """What another verifier's exchange asks for, in words and credentials."""

    exchange_url: str
    #: where the presentation goes (the request's ``interact`` service, else the exchange)
    answer_url: str
    #: who asks: the request's domain (else the exchange's host)
    audience: str
    challenge: str | None
    domain: str | None
    authenticate: bool
    reasons: list[str]
    examples: list[Mapping[str, Any]]
    #: the person's credentials that match and may be sent (active as of now), newest first
    matching: list[IssuedCredential] = field(default_factory=list)
    #: those that match but may not be sent (suspended, expired, issuer not trusted …),
    #: with their state, shown as such and never offered
    unavailable: list[tuple[IssuedCredential, CredentialState]] = field(default_factory=list)
    #: every credential of the person, each with whether it answers and may be sent
    candidates: list[Candidate] = field(default_factory=list)


def principal_of(session: Session, email: str) -> Principal:
    """The person with ``email``, acting for themselves (the operator's ``openler wallet``
    commands, which act for the person named)."""
    address = email.strip().lower()
    person = session.execute(select(Person).where(Person.email == address)).scalar()
    if person is None:
        raise NotFound(f"no person has the email {email}")
    return principal_for(session, person)


def _person(session: Session, principal: Principal) -> Person:
    require_self(principal, principal.person_id)
    person = session.get(Person, principal.person_id)
    if person is None:
        raise NotFound("no such person")
    return person


def _request(client: ProtocolClient, url: str) -> tuple[str, Mapping[str, Any]]:
    """The exchange URL behind an interaction URL, and its presentation request."""
    answer = client.get(url).json()
    protocols = answer.get("protocols") if isinstance(answer, Mapping) else None
    exchange = protocols.get("vcapi") if isinstance(protocols, Mapping) else None
    if not isinstance(exchange, str):
        problem = _refusal(answer)
        raise ProtocolError(
            f"{url} names no VC API exchange (protocols.vcapi)"
            + (f": {problem}" if problem else "")
        )
    started = client.post_json(exchange, {}).json()
    request = started.get("verifiablePresentationRequest") if isinstance(started, Mapping) else None
    if not isinstance(request, Mapping):
        problem = _refusal(started)
        raise ProtocolError(
            "the exchange asks for nothing a wallet can answer"
            + (f": {problem}" if problem else " (no verifiablePresentationRequest)")
        )
    return exchange, request


def _refusal(answer: Any) -> str | None:
    if not isinstance(answer, Mapping):
        return None
    for key in ("error_description", "detail", "message", "title", "error"):
        if isinstance(answer.get(key), str):
            return str(answer[key])
    return None


def _asked(exchange: str, request: Mapping[str, Any]) -> Asked:
    queries = request.get("query")
    authenticate = False
    reasons: list[str] = []
    examples: list[Mapping[str, Any]] = []
    for query in queries if isinstance(queries, list) else [queries]:
        if not isinstance(query, Mapping):
            continue
        if query.get("type") in ("DIDAuthentication", "DIDAuth"):
            authenticate = True
        elif query.get("type") == "QueryByExample":
            asked = query.get("credentialQuery")
            for one in asked if isinstance(asked, list) else [asked]:
                if isinstance(one, Mapping):
                    if isinstance(one.get("reason"), str):
                        reasons.append(str(one["reason"]))
                    if isinstance(one.get("example"), Mapping):
                        examples.append(one["example"])
    interact = request.get("interact")
    services = interact.get("service") if isinstance(interact, Mapping) else None
    first = services[0] if isinstance(services, list) and services else None
    endpoint = first.get("serviceEndpoint") if isinstance(first, Mapping) else None
    challenge = request.get("challenge")
    domain = request.get("domain")
    answer_url = endpoint if isinstance(endpoint, str) else exchange
    site = _site(exchange)
    if _site(answer_url) != site:
        raise ProtocolError(
            f"the exchange at {site} asks for the answer to go to another site "
            f"({_site(answer_url) or answer_url}): it is not answered"
        )
    if domain is not None and (not isinstance(domain, str) or _site(domain) != site):
        raise ProtocolError(
            f"the exchange at {site} asks for a presentation for the domain {domain!r}, "
            "another site's: a request relayed from elsewhere is not answered"
        )
    return Asked(
        exchange_url=exchange,
        answer_url=answer_url,
        audience=domain if isinstance(domain, str) else site,
        challenge=challenge if isinstance(challenge, str) else None,
        domain=domain if isinstance(domain, str) else None,
        authenticate=authenticate,
        reasons=reasons,
        examples=examples,
    )


def _site(value: str) -> str:
    """The host (and port) a URL, or a bare ``host[:port]`` domain, names; lower case.

    >>> _site("https://Verifier.example:8443/orgs/v"), _site("verifier.example")
    ('verifier.example:8443', 'verifier.example')
    """
    parts = urlsplit(value if "://" in value else f"//{value}")
    return parts.netloc.lower()


def open_exchange(
    session: Session, platform: Platform, principal: Principal, url: str, client: ProtocolClient
) -> Asked:
    """What the exchange at interaction URL ``url`` asks of the signed-in person."""
    person = _person(session, principal)
    exchange, request = _request(client, url)
    asked = _asked(exchange, request)
    require_self(principal, person.id)
    found = candidates.candidates(
        session, platform, principal, fits=candidates.fits_examples(asked.examples)
    )
    return Asked(
        **{
            **asked.__dict__,
            "candidates": found,
            "matching": [c.entry.row for c in found if c.offered],
            "unavailable": [(c.entry.row, c.state) for c in found if c.fits and not c.offered],
        }
    )


def answer_exchange(
    session: Session,
    platform: Platform,
    principal: Principal,
    url: str,
    client: ProtocolClient,
    *,
    credential_ids: list[str],
    expected_audience: str | None = None,
) -> Asked:
    """Send the chosen credentials to the exchange at ``url`` (the person consented to
    ``expected_audience``, when given: the exchange is read again, and may have moved)."""
    person = _person(session, principal)
    asked = open_exchange(session, platform, principal, url, client)
    if expected_audience is not None and asked.audience != expected_audience:
        raise ProtocolError(
            f"the exchange changed since you saw it: it was asked by {expected_audience}, "
            f"it is now asked by {asked.audience}; nothing was sent"
        )
    if not credential_ids:
        raise UsageError("choose at least one credential to send")
    offered = {r.id for r in asked.matching}
    if not set(credential_ids) <= offered:
        raise UsageError("one of the chosen credentials is not among those the verifier asks for")
    if asked.authenticate:
        if asked.challenge is None or asked.domain is None:
            raise ProtocolError(
                "the exchange asks for DIDAuthentication without a challenge and a domain"
            )
        presentation = wallet_presentation(
            session,
            platform,
            person,
            credential_ids,
            challenge=asked.challenge,
            domain=asked.domain,
        )
    else:
        rows = [session.get(IssuedCredential, c) for c in credential_ids]
        holder = holder_key(session, platform, person).controller
        presentation = build_presentation(
            [r.document for r in rows if r is not None], holder=holder
        )
    answer = client.post_json(asked.answer_url, {"verifiablePresentation": presentation})
    body = answer.json()
    problem = _refusal(body) if isinstance(body, Mapping) and "error" in body else None
    accepted = answer.status < 400 and not problem
    now = platform.now()
    session.add(
        Consent(person_id=person.id, scope=f"VC API exchange with {asked.audience}", granted_at=now)
    )
    data = {
        "audience": asked.audience,
        "credentials": credential_ids,
        "protocol": "vcapi",
        "accepted": accepted,
    }
    # what was sent, and the consent: recorded even when the verifier refused it (the
    # credentials left all the same), before the refusal is raised
    for action in ("exchange.present", "consent.grant"):
        audit.record(
            session,
            at=now,
            actor=principal.label,
            action=action,
            subject=f"person:{person.id}",
            data=data,
        )
    if not accepted:
        session.flush()
        raise ProtocolError(
            f"{asked.audience} did not accept the presentation: {problem or answer.status}"
        )
    return asked
