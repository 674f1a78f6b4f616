"""VC API exchanges, as the Learner Credential Wallet (LCW) speaks them.

An issuer or a verifier makes an exchange and hands the person its **interaction URL**
(``{public_url}/exchanges/{secret}?iuv=1``, as a link or a QR code). A wallet asks that URL
for JSON (``Accept: application/json``) and learns the protocols it can go on with:
``{"protocols": {"vcapi": EXCHANGE_URL, "OID4VCI": OFFER_URI}}`` for an issuance,
``{"protocols": {"vcapi": EXCHANGE_URL}}`` for a presentation. The wallet then POSTs
``{}`` to the exchange URL and receives a ``verifiablePresentationRequest``; it POSTs its
``verifiablePresentation`` to the same URL (the request's ``interact`` service names it
too).

- **Issuance**: the request asks for ``DIDAuthentication`` with a ``challenge`` and a
  ``domain`` (LCW needs both). The presentation must be signed for them, for the
  ``authentication`` purpose, by a key of the DID it names as ``holder`` (LCW signs with
  Ed25519Signature2020). An issuance goes through the issuer workspace's claim flow: when
  the exchange is made, the achievement is issued to the recipient's email (a hashed
  identity, a claim link mailed as for any address) and offered by OpenID4VCI too; the
  DID that authenticates receives it bound to that DID
  (:func:`openler.services.issuers.claims.claim_for_did`), returned as
  ``{"verifiablePresentation": {…}}``. Whichever way is taken first — the exchange, the
  OpenID4VCI offer, the claim link — ends the others: nobody holds it twice.
- **Presentation**: the request is a presentation request of the verifier's
  (:mod:`openler.services.verifiers.requests`) asked by ``QueryByExample`` — with
  ``DIDAuthentication`` too unless the verifier accepts unsigned answers (with only
  ``QueryByExample``, LCW sends an unsigned presentation). The answer is verified and lands
  in that request, on the same page and API as openler's own answers.

An exchange works once and until it expires. The URL's secret is its capability: only
its SHA-256 is stored. LCW reads answers whatever their HTTP status, so every refusal is a
JSON body with ``error`` and ``error_description`` (:class:`ExchangeError`).

>>> example = {"type": ["VerifiableCredential", "OpenBadgeCredential"]}
>>> query = {"type": "QueryByExample", "credentialQuery": {"example": example}}
>>> [q["type"] for q in _queries(query)]
['QueryByExample']
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, NotFound, ServiceError
from openler.services.issuers import achievements, claims, issuing
from openler.services.issuers.orgs import organization_by_slug
from openler.services.issuers.recipients import normal_email
from openler.services.people.accounts import Principal, require_role
from openler.services.protocols import oid4vci_offers
from openler.services.protocols.oid4vp_answers import candidates_of
from openler.services.secrets import vault
from openler.services.verifiers import requests as requests_service
from openler.services.verifiers.verifying import verify_document
from openler.store.models import Achievement, Exchange, Organization, PresentationRequest
from openler.vc import (
    InputError,
    VerificationReport,
    check_dcql_query,
    describe_credential_query,
    match_dcql,
)

VC_V2 = "https://www.w3.org/ns/credentials/v2"
#: how long an exchange works unless its maker says otherwise (minutes)
DEFAULT_MINUTES = 30
KINDS = ("issuance", "presentation")


class ExchangeError(ServiceError):
    """A refusal the wallet reads in the body: ``code`` and a message a person can act on.

    ``code`` is one of ``invalid_request`` (not what the exchange takes),
    ``invalid_presentation`` (the presentation did not verify: challenge, domain,
    signature, holder), ``exchange_complete`` (used already), ``exchange_expired``,
    ``unknown_exchange``."""

    def __init__(self, code: str, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = status

    def body(self) -> dict[str, Any]:
        """The JSON a wallet reads (LCW ignores status codes)."""
        return {"error": self.code, "error_description": self.message}


@dataclass(frozen=True)
class Made:
    """A new exchange and the links to hand the person (shown once: only a digest stays)."""

    exchange: Exchange
    exchange_url: str
    interaction_url: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def exchange_url(platform: Platform, secret: str) -> str:
    return f"{platform.settings.public_url}/exchanges/{secret}"


def _made(session: Session, platform: Platform, exchange: Exchange, secret: str) -> Made:
    session.add(exchange)
    session.flush()
    # sealed for its maker's page (shown again on reload, never in a list or a log); the
    # digest is what a wallet's request is looked up by
    exchange.secret_sealed = vault(platform).seal(
        secret.encode("ascii"), label=f"exchange:{exchange.id}"
    )
    url = exchange_url(platform, secret)
    return Made(exchange, url, f"{url}?iuv=1")


def made_again(
    session: Session, platform: Platform, principal: Principal, exchange_id: str
) -> tuple[Made, Organization]:
    """An exchange's links for its organization's issuers (an issuance) or verifiers (a
    presentation): the page that made it, opened again."""
    exchange = session.get(Exchange, exchange_id)
    if exchange is None or exchange.secret_sealed is None:
        raise NotFound("no such exchange")
    roles = issuing.ISSUERS if exchange.kind == "issuance" else ("verifier",)
    require_role(principal, exchange.organization_id, *roles)
    organization = session.get(Organization, exchange.organization_id)
    if organization is None:  # pragma: no cover - a foreign key
        raise NotFound("no such exchange")
    secret = vault(platform).open(exchange.secret_sealed, label=f"exchange:{exchange.id}")
    url = exchange_url(platform, secret.decode("ascii"))
    return Made(exchange, url, f"{url}?iuv=1"), organization


def create_issuance(
    session: Session,
    platform: Platform,
    principal: Principal,
    *,
    organization_slug: str,
    achievement_slug: str,
    email: str,
    name: str = "",
    minutes: int = DEFAULT_MINUTES,
    other_protocols: Mapping[str, str] | None = None,
) -> Made:
    """An exchange that issues ``achievement_slug`` to ``email`` through the claim flow
    and binds it to whichever DID authenticates at it (issuer roles). The interaction URL
    also names an OpenID4VCI offer of the same claim; ``other_protocols`` adds entries of
    its own."""
    organization = organization_by_slug(session, organization_slug)
    require_role(principal, organization.id, *issuing.ISSUERS)
    achievement = achievements.achievement_by_slug(session, organization, achievement_slug)
    if achievement.retired_at is not None:
        raise ExchangeError("invalid_request", f"{achievement.slug} is retired")
    address = normal_email(email)
    offered = oid4vci_offers.offer_new_credential(
        session,
        platform,
        principal,
        organization,
        achievement_slug=achievement.slug,
        email=address,
        name=name.strip() or None,
    )
    other_protocols = {"OID4VCI": offered.uri, **(other_protocols or {})}
    secret = secrets.token_urlsafe(32)
    now = platform.now()
    exchange = Exchange(
        token_hash=_digest(secret),
        kind="issuance",
        organization_id=organization.id,
        created_by=principal.label,
        challenge=secrets.token_urlsafe(24),
        domain=_domain(platform, organization),
        achievement_id=achievement.id,
        email=address,
        name=name.strip() or None,
        holder_signs=True,
        other_protocols=other_protocols,
        claim_id=offered.offer.claim_id,
        credential_id=offered.offer.credential_id,
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    made = _made(session, platform, exchange, secret)
    audit.record(
        session,
        at=now,
        actor=principal.label,
        action="exchange.create",
        subject=f"exchange:{exchange.id}",
        data={"kind": "issuance", "achievement": achievement.slug, "email": address},
    )
    return made


def create_presentation(
    session: Session,
    platform: Platform,
    principal: Principal,
    *,
    organization_slug: str,
    query: Any,
    holder_signs: bool = True,
    minutes: int = DEFAULT_MINUTES,
    dcql: Mapping[str, Any] | None = None,
) -> Made:
    """An exchange that asks for a presentation by ``query`` (a ``QueryByExample`` query,
    a list of them, or a Verifiable Presentation Request with a ``query``), answered into a
    new presentation request of the organization (verifier role). With ``holder_signs``
    the request asks for ``DIDAuthentication`` too, so the wallet signs its answer. An
    answer must hold a credential of each example's types; ``dcql`` (the query the
    ``QueryByExample`` was made from, :func:`query_by_example`) is kept with the request
    and an answer must satisfy it too — its claims, which QueryByExample cannot say."""
    queries = _queries(query)
    if dcql is not None:
        try:
            dcql = check_dcql_query(dcql)
        except InputError as exc:
            raise ExchangeError("invalid_request", exc.message) from None
    if holder_signs and not any(q.get("type") == "DIDAuthentication" for q in queries):
        queries.append({"type": "DIDAuthentication", "acceptedMethods": [{"method": "key"}]})
    request = requests_service.create_request(
        session,
        platform,
        principal,
        organization_slug=organization_slug,
        query={"query": queries, **({"dcql": dict(dcql)} if dcql is not None else {})},
        minutes=minutes,
    )
    secret = secrets.token_urlsafe(32)
    exchange = Exchange(
        token_hash=_digest(secret),
        kind="presentation",
        organization_id=request.organization_id,
        created_by=principal.label,
        challenge=request.challenge,
        domain=request.domain,
        request_id=request.id,
        holder_signs=holder_signs,
        created_at=request.created_at,
        expires_at=request.expires_at,
    )
    made = _made(session, platform, exchange, secret)
    audit.record(
        session,
        at=request.created_at,
        actor=principal.label,
        action="exchange.create",
        subject=f"exchange:{exchange.id}",
        data={"kind": "presentation", "request": request.id, "holder_signs": holder_signs},
    )
    return made


#: the contexts an example names, by the vocabulary its types come from
_OB_VOCAB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
_OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def query_by_example(dcql: Mapping[str, Any]) -> dict[str, Any]:
    """The ``QueryByExample`` that asks a VC API wallet for what a DCQL query asks an
    OpenID4VP wallet (``openler requests create --protocol vcapi`` takes the same query
    file): one credential query per DCQL credential query, its example typed with the
    short names of the query's first ``type_values`` alternative and its reason the query
    in plain words. Claims other than types have no QueryByExample form and are left to
    the verifier's own reading of the answer. Raises :class:`ExchangeError` for a query
    that is not DCQL.

    >>> query_by_example({"credentials": [{"id": "rn", "format": "ldp_vc", "meta": {
    ...     "type_values": [[_OB_VOCAB + "OpenBadgeCredential"]]}}]})["credentialQuery"][0]
    ... # doctest: +NORMALIZE_WHITESPACE
    {'reason': 'an Open Badge Credential',
     'example': {'@context': ['https://www.w3.org/ns/credentials/v2',
                              'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
                 'type': ['VerifiableCredential', 'OpenBadgeCredential']}}
    """
    try:
        checked = check_dcql_query(dcql)
    except InputError as exc:
        raise ExchangeError("invalid_request", exc.message) from None
    asked = []
    for credential in checked["credentials"]:
        alternatives = credential.get("meta", {}).get("type_values") or [[]]
        iris = [str(t) for t in alternatives[0]]
        names = [iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1] for iri in iris]
        contexts = [VC_V2]
        if any(iri.startswith(_OB_VOCAB) for iri in iris):
            contexts.append(_OB_CONTEXT)
        types = ["VerifiableCredential", *(n for n in names if n != "VerifiableCredential")]
        asked.append(
            {
                "reason": describe_credential_query(credential),
                "example": {"@context": contexts, "type": types},
            }
        )
    return {"type": "QueryByExample", "credentialQuery": asked}


def _queries(query: Any) -> list[dict[str, Any]]:
    if isinstance(query, Mapping) and "query" in query:
        query = query["query"]
    found = list(query) if isinstance(query, list) else [query]
    if not found or not all(isinstance(q, Mapping) for q in found):
        raise ExchangeError("invalid_request", "the query must be a JSON object or a list of them")
    queries = [dict(q) for q in found]
    unknown = [q.get("type") for q in queries if q.get("type") not in _QUERY_TYPES]
    if unknown:
        raise ExchangeError(
            "invalid_request",
            f"query type {unknown[0]!r} is not supported (QueryByExample, DIDAuthentication)",
        )
    if not any(q.get("type") == "QueryByExample" for q in queries):
        raise ExchangeError("invalid_request", "a presentation exchange needs a QueryByExample")
    _types_are_arrays(queries)
    return queries


_QUERY_TYPES = ("QueryByExample", "DIDAuthentication")


def _types_are_arrays(queries: list[dict[str, Any]]) -> None:
    for query in queries:
        if query.get("type") != "QueryByExample":
            continue
        credential_queries = query.get("credentialQuery")
        for cq in (
            credential_queries if isinstance(credential_queries, list) else [credential_queries]
        ):
            example = cq.get("example") if isinstance(cq, Mapping) else None
            if not isinstance(example, Mapping):
                raise ExchangeError(
                    "invalid_request", "a QueryByExample needs a credentialQuery with an example"
                )
            if not isinstance(example.get("type"), list):
                raise ExchangeError(
                    "invalid_request",
                    "a QueryByExample example's type must be an array of types, as LCW reads it",
                )


def _domain(platform: Platform, organization: Organization) -> str:
    return f"{platform.settings.public_url}/orgs/{organization.slug}"


def _find(session: Session, secret: str, *, lock: bool = False) -> Exchange:
    query = select(Exchange).where(Exchange.token_hash == _digest(secret))
    if lock:
        query = query.with_for_update()
    found = session.execute(query).scalar() if secret else None
    if found is None:
        raise ExchangeError(
            "unknown_exchange",
            "this exchange is not known here: check that the whole link was copied",
            status=404,
        )
    return found


def _usable(exchange: Exchange, platform: Platform) -> None:
    if exchange.completed_at is not None:
        raise ExchangeError(
            "exchange_complete",
            "this exchange was already completed; an exchange works once — ask for a new link",
            status=409,
        )
    if exchange.expires_at <= platform.now():
        raise ExchangeError(
            "exchange_expired", "this exchange has expired; ask for a new link", status=410
        )


def protocols(session: Session, platform: Platform, secret: str) -> dict[str, Any]:
    """What the interaction URL answers a wallet that asks for JSON."""
    exchange = _find(session, secret)
    _usable(exchange, platform)
    return {
        "protocols": {
            "vcapi": exchange_url(platform, secret),
            **(exchange.other_protocols or {}),
        }
    }


@dataclass(frozen=True)
class Described:
    """What an exchange is, in plain words, for the page a browser sees at its URL."""

    kind: str
    organization: str
    what: str
    state: str


def describe(session: Session, platform: Platform, secret: str) -> Described:
    """The exchange behind a link, for a person who opened it in a browser."""
    exchange = _find(session, secret)
    organization = session.get(Organization, exchange.organization_id)
    what = "credentials of your choice"
    if exchange.kind == "issuance" and exchange.achievement_id:
        achievement = session.get(Achievement, exchange.achievement_id)
        what = str(achievement.data.get("name") or achievement.slug) if achievement else what
    elif exchange.request_id:
        request = session.get(PresentationRequest, exchange.request_id)
        what = requests_service.reason_of(request) if request else what
    state = "open"
    if exchange.completed_at is not None:
        state = "complete"
    elif exchange.expires_at <= platform.now():
        state = "expired"
    return Described(
        exchange.kind, organization.name if organization else "an organization", what, state
    )


def participate(session: Session, platform: Platform, secret: str, body: Any) -> dict[str, Any]:
    """One POST to the exchange URL: ``{}`` (or no ``verifiablePresentation``) answers the
    request; a ``verifiablePresentation`` is verified and, when it passes, completes the
    exchange. Raises :class:`ExchangeError` for every refusal, before anything changes."""
    if not isinstance(body, Mapping):
        raise ExchangeError("invalid_request", "the body must be a JSON object")
    exchange = _find(session, secret, lock=True)
    _usable(exchange, platform)
    presentation = body.get("verifiablePresentation")
    if presentation is None:
        if exchange.started_at is None:
            exchange.started_at = platform.now()
        return {"verifiablePresentationRequest": _request_of(session, platform, exchange, secret)}
    if not isinstance(presentation, dict):
        raise ExchangeError(
            "invalid_request", "verifiablePresentation must be a JSON object (a presentation)"
        )
    if exchange.kind == "issuance":
        return _issue(session, platform, exchange, presentation)
    return _answer(session, platform, exchange, presentation)


def _request_of(
    session: Session, platform: Platform, exchange: Exchange, secret: str
) -> dict[str, Any]:
    if exchange.kind == "issuance":
        queries: list[Any] = [{"type": "DIDAuthentication", "acceptedMethods": [{"method": "key"}]}]
    else:
        request = session.get(PresentationRequest, exchange.request_id)
        queries = list(request.query.get("query", [])) if request else []
    return {
        "query": queries,
        "challenge": exchange.challenge,
        "domain": exchange.domain,
        "interact": {
            "service": [
                {
                    "type": "UnmediatedPresentationService2021",
                    "serviceEndpoint": exchange_url(platform, secret),
                }
            ]
        },
    }


def _issue(
    session: Session, platform: Platform, exchange: Exchange, presentation: dict[str, Any]
) -> dict[str, Any]:
    report = verify_document(
        session,
        platform,
        presentation,
        challenge=exchange.challenge,
        domain=exchange.domain,
        proof_purpose="authentication",
        name="DIDAuthentication presentation",
        require_holder_binding=True,
        use_registry=False,
    )
    holder = presentation.get("holder")
    holder = holder.get("id") if isinstance(holder, Mapping) else holder
    _refuse_unverified(report)
    if not isinstance(holder, str) or not holder.startswith("did:"):
        raise ExchangeError(
            "invalid_presentation", "the presentation must name its holder's DID as holder"
        )
    if exchange.credential_id is None:  # pragma: no cover - made with every issuance
        raise ExchangeError("unknown_exchange", "this exchange offers no credential", status=404)
    try:
        row = claims.claim_for_did(
            session,
            platform,
            claim_id=exchange.claim_id,
            credential_id=exchange.credential_id,
            holder=holder,
            actor=Principal.system(f"exchange:{exchange.id}"),
        )
    except Conflict as exc:
        raise ExchangeError("invalid_request", exc.message) from None
    now = platform.now()
    exchange.completed_at = now
    exchange.holder = holder
    exchange.credential_id = row.id
    audit.record(
        session,
        at=now,
        actor=f"holder:{holder}",
        action="exchange.issue",
        subject=f"exchange:{exchange.id}",
        data={"credential": row.id, "organization_id": exchange.organization_id},
    )
    return {
        "verifiablePresentation": {
            "@context": [VC_V2],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": [row.document],
        }
    }


def _answer(
    session: Session, platform: Platform, exchange: Exchange, presentation: dict[str, Any]
) -> dict[str, Any]:
    request = session.get(PresentationRequest, exchange.request_id)
    if request is None:  # pragma: no cover - a foreign key
        raise ExchangeError("unknown_exchange", "the request no longer exists", status=404)
    missing = unmet(request.query, presentation)
    if missing is not None:
        raise ExchangeError(
            "invalid_presentation", f"the presentation does not hold what was asked: {missing}"
        )
    report = requests_service.answer_request(session, platform, request.challenge, presentation)
    _refuse_unverified(report)
    holder = presentation.get("holder")
    exchange.completed_at = platform.now()
    exchange.holder = holder if isinstance(holder, str) else None
    audit.record(
        session,
        at=exchange.completed_at,
        actor="holder",
        action="exchange.answer",
        subject=f"exchange:{exchange.id}",
        data={"request": request.id},
    )
    return {}


def unmet(query: Mapping[str, Any], presentation: Mapping[str, Any]) -> str | None:
    """What of a presentation request's ``query`` (as :func:`create_presentation` keeps
    it) ``presentation`` does not hold, or None: for each ``QueryByExample`` credential
    query a credential whose ``type`` includes every type of the example, and the DCQL
    query kept with it satisfied. Only the credentials' shapes are read here; the
    presentation is verified in full after."""
    found = presentation.get("verifiableCredential")
    listed = found if isinstance(found, list) else [found] if found is not None else []
    documents = [c for c in listed if isinstance(c, Mapping)]
    if not documents:
        return "it holds no credential"
    typed = [_types(c) for c in documents]
    for asked in query.get("query", []):
        if not isinstance(asked, Mapping) or asked.get("type") != "QueryByExample":
            continue
        credential_queries = asked.get("credentialQuery")
        for cq in (
            credential_queries if isinstance(credential_queries, list) else [credential_queries]
        ):
            example = cq.get("example") if isinstance(cq, Mapping) else None
            wanted = set(_types(example)) if isinstance(example, Mapping) else set()
            if not any(wanted <= set(types) for types in typed):
                return f"no credential of the types {', '.join(sorted(wanted))}"
    dcql = query.get("dcql")
    if isinstance(dcql, Mapping):
        candidates = candidates_of(documents, "ldp_vc")
        if isinstance(candidates, str):
            return candidates
        result = match_dcql(dcql, candidates)
        if not result.satisfied:
            asked_for = "; ".join(describe_credential_query(q) for q in dcql["credentials"])
            return f"none of its credentials is {asked_for}"
    return None


def _types(document: Mapping[str, Any]) -> list[str]:
    found = document.get("type")
    return [found] if isinstance(found, str) else [t for t in found or [] if isinstance(t, str)]


def _refuse_unverified(report: VerificationReport) -> None:
    if not report.verified:
        errors = report.errors()
        raise ExchangeError(
            "invalid_presentation",
            "the presentation was not accepted: " + ("; ".join(errors) or report.summary),
        )
