"""OpenID4VP 1.0 verifier: an organization asks any wallet for credentials.

A request (a :class:`PresentationRequest` with its :class:`Oid4vpRequest`) is passed by
reference: the link ``openid4vp://?client_id=…&request_uri=…`` names the verifier and where
its request object is. The request object is signed with the organization's key
(``typ: oauth-authz-req+jwt``); the client identifier is
``decentralized_identifier:<the organization's DID>``. It asks with a DCQL query, for
``response_mode`` ``direct_post`` to :data:`RESPONSE_PATH`. The ``vp_token`` that answers is
an object keyed by credential query id, each value an array of presentations; each
presentation is verified with the request's ``nonce`` as challenge and the full
``client_id`` as domain (``aud`` and ``nonce`` for a JWT presentation), the holder bound to
the credentials, and the credentials matched against the query. The answer lands on the
same request record as openler's own protocol, verified again whenever it is opened.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, NotFound, UsageError
from openler.services.issuers.orgs import org_did, organization_by_slug, signing_key
from openler.services.people.accounts import Principal, require_role
from openler.services.protocols.oid4vp_answers import answer_report
from openler.services.secrets import vault
from openler.services.verifiers import requests
from openler.services.verifiers.requests import state_of
from openler.store.models import Oid4vpRequest, Organization, PresentationRequest
from openler.vc import (
    DcqlError,
    RequestError,
    VerificationReport,
    check_dcql_query,
    check_vp_token,
    sign_request_object,
)

REQUEST_PATH = "/oid4vp/requests/"
RESPONSE_PATH = "/oid4vp/response"
#: what openler's verifier reads (``client_metadata.vp_formats_supported``, §11.1)
VP_FORMATS_SUPPORTED = {
    "ldp_vc": {
        "proof_type_values": ["DataIntegrityProof"],
        "cryptosuite_values": ["eddsa-rdfc-2022", "eddsa-jcs-2022"],
    },
    "jwt_vc_json": {"alg_values": ["EdDSA", "ES256"]},
}


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


OPEN_BADGE = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"


def query_for(
    *, achievement_type: str, name: str = "", skills: Sequence[str] = ()
) -> dict[str, Any]:
    """The DCQL query a verifier's form describes: an Open Badge of ``achievement_type``
    (named ``name``, when given) and, optionally, credentials aligned to each skill.

    >>> q = query_for(achievement_type="License", skills=["IV therapy"])
    >>> [c["id"] for c in q["credentials"]], q["credential_sets"][1]["required"]
    (['credential', 'skill_1'], False)
    """
    claims: list[dict[str, Any]] = [
        {
            "path": ["credentialSubject", "achievement", "achievementType"],
            "values": [achievement_type],
        }
    ]
    if name.strip():
        claims.append({"path": ["credentialSubject", "achievement", "name"], "values": [name]})
    credentials: list[dict[str, Any]] = [
        {
            "id": "credential",
            "format": "ldp_vc",
            "meta": {"type_values": [[OPEN_BADGE]]},
            "claims": claims,
        }
    ]
    skill_ids = []
    for index, skill in enumerate(s.strip() for s in skills if s.strip()):
        skill_ids.append(f"skill_{index + 1}")
        credentials.append(
            {
                "id": skill_ids[-1],
                "format": "ldp_vc",
                "meta": {"type_values": [[OPEN_BADGE]]},
                "claims": [
                    {
                        "path": [
                            "credentialSubject",
                            "achievement",
                            "alignment",
                            None,
                            "targetName",
                        ],
                        "values": [skill],
                    }
                ],
            }
        )
    query: dict[str, Any] = {"credentials": credentials}
    if skill_ids:
        query["credential_sets"] = [
            {"options": [["credential"]]},
            {"options": [[i] for i in skill_ids], "required": False},
        ]
    return check_dcql_query(query)


@dataclass(frozen=True)
class CreatedRequest:
    request: PresentationRequest
    #: ``openid4vp://?client_id=…&request_uri=…``
    uri: str


def authorization_link(client_id: str, request_uri: str) -> str:
    """The link (and QR code) a wallet opens: the request by reference (§5.7).

    >>> authorization_link("decentralized_identifier:did:web:x", "https://x/r/1")
    'openid4vp://?client_id=decentralized_identifier%3Adid%3Aweb%3Ax&request_uri=https%3A%2F%2Fx%2Fr%2F1'
    """
    return "openid4vp://?" + urlencode({"client_id": client_id, "request_uri": request_uri})


def create_request(
    session: Session,
    platform: Platform,
    principal: Principal,
    *,
    organization_slug: str,
    query: Mapping[str, Any],
    minutes: int = 30,
) -> CreatedRequest:
    """An OpenID4VP request asking with the DCQL ``query`` (verifier role); the query is
    checked first (:class:`UsageError` naming the problem)."""
    try:
        checked = check_dcql_query(query)
    except DcqlError as exc:
        raise UsageError(f"the DCQL query is not acceptable: {exc.message}") from None
    if not 1 <= minutes <= 24 * 60:
        raise UsageError("a request stays open from 1 minute to 24 hours")
    organization = organization_by_slug(session, organization_slug)
    require_role(principal, organization.id, "verifier")
    signing_key(session, platform, organization)  # refuse now rather than when fetched
    client_id = "decentralized_identifier:" + org_did(platform, organization)
    request = requests.create_request(
        session,
        platform,
        principal,
        organization_slug=organization_slug,
        query=checked,
        minutes=minutes,
        domain=lambda _organization: client_id,
        protocol="oid4vp",
    )
    token, state = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    sealed = vault(platform).seal(
        json.dumps({"token": token, "state": state}).encode(), label=f"oid4vp:{request.id}"
    )
    session.add(
        Oid4vpRequest(
            request_id=request.id,
            client_id=client_id,
            request_token_hash=_digest(token),
            request_token_sealed=sealed,
            state_hash=_digest(state),
        )
    )
    return CreatedRequest(request, authorization_link(client_id, _request_uri(platform, token)))


def _request_uri(platform: Platform, token: str) -> str:
    return platform.settings.public_url.rstrip("/") + REQUEST_PATH + token


def _secrets(platform: Platform, row: Oid4vpRequest) -> dict[str, str]:
    opened = vault(platform).open(row.request_token_sealed, label=f"oid4vp:{row.request_id}")
    value: dict[str, str] = json.loads(opened)
    return value


def oid4vp_of(session: Session, request: PresentationRequest) -> Oid4vpRequest | None:
    """The OpenID4VP part of a request, or None for a request of openler's own protocol."""
    return session.get(Oid4vpRequest, request.id)


def link_of(session: Session, platform: Platform, request: PresentationRequest) -> str | None:
    """The request's ``openid4vp://`` link again (for the verifier's page), or None."""
    row = oid4vp_of(session, request)
    if row is None:
        return None
    return authorization_link(
        row.client_id, _request_uri(platform, _secrets(platform, row)["token"])
    )


def request_object(session: Session, platform: Platform, token: str) -> str:
    """The signed request object behind a ``request_uri`` (§5.7, RFC 9101); refused
    (:class:`NotFound` / :class:`Conflict`) once the request is answered or expired."""
    row = session.execute(
        select(Oid4vpRequest).where(Oid4vpRequest.request_token_hash == _digest(token))
    ).scalar()
    if row is None:
        raise NotFound("no OpenID4VP request has this request_uri")
    request = session.get(PresentationRequest, row.request_id)
    organization = session.get(Organization, request.organization_id) if request else None
    if request is None or organization is None:
        raise NotFound("no OpenID4VP request has this request_uri")
    state = state_of(request, platform.now())
    if state != "open":
        raise Conflict(f"this request was already {state}; ask the verifier for a new one")
    return _signed(session, platform, row, request, organization)


def request_object_for(session: Session, platform: Platform, created: CreatedRequest) -> str:
    """The signed request object of a request just made (for a ``request_uri`` that makes
    a request each time it is fetched: an incident's check-in)."""
    row = oid4vp_of(session, created.request)
    organization = session.get(Organization, created.request.organization_id)
    if row is None or organization is None:
        raise NotFound(f"request {created.request.id} is not an OpenID4VP request")
    return _signed(session, platform, row, created.request, organization)


def _signed(
    session: Session,
    platform: Platform,
    row: Oid4vpRequest,
    request: PresentationRequest,
    organization: Organization,
) -> str:
    _row, key = signing_key(session, platform, organization)
    base = platform.settings.public_url.rstrip("/")
    claims = {
        "aud": "https://self-issued.me/v2",
        "exp": int(request.expires_at.timestamp()),
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": base + RESPONSE_PATH,
        "client_id": row.client_id,
        "nonce": request.challenge,
        "state": _secrets(platform, row)["state"],
        "dcql_query": request.query,
        "client_metadata": {
            "client_name": organization.name,
            "vp_formats_supported": VP_FORMATS_SUPPORTED,
        },
    }
    return sign_request_object(claims, key, at=platform.now())


@dataclass(frozen=True)
class Outcome:
    """What the response endpoint answers: 200 with ``{}`` for a response taken (an
    answer, or the wallet's error response), 400 with the OpenID4VP error otherwise."""

    status: int
    body: dict[str, Any]
    report: VerificationReport | None = None


def _refuse(
    session: Session,
    platform: Platform,
    row: Oid4vpRequest | None,
    error: str,
    description: str,
    *,
    keep: bool = True,
) -> Outcome:
    """The 400 answer; the refusal kept on the request (``keep``) for its verifier to see."""
    if row is not None and keep:
        row.refused = {
            "at": platform.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "error": error,
            "error_description": description,
        }
    audit.record(
        session,
        at=platform.now(),
        actor="wallet",
        action="request.answer",
        subject=f"request:{row.request_id}" if row else "request:unknown",
        data={"protocol": "oid4vp", "verified": False, "error": error},
    )
    return Outcome(400, {"error": error, "error_description": description})


def receive_response(session: Session, platform: Platform, form: Mapping[str, str]) -> Outcome:
    """The response endpoint (``direct_post``, §8.2): find the request by ``state``, take a
    wallet's error response, or verify the ``vp_token`` and keep it when it verifies and
    satisfies the query. A request is answered once and not after it expires."""
    state = form.get("state")
    if not state:
        return _refuse(session, platform, None, "invalid_request", "the response has no state")
    row = session.execute(
        select(Oid4vpRequest).where(Oid4vpRequest.state_hash == _digest(state)).with_for_update()
    ).scalar()
    request = session.get(PresentationRequest, row.request_id) if row else None
    if row is None or request is None:
        return _refuse(
            session, platform, None, "invalid_request", "no request of this verifier has this state"
        )
    now = platform.now()
    if request.fulfilled_at is not None:
        return _refuse(
            session,
            platform,
            row,
            "invalid_request",
            "this request was already answered",
            keep=False,
        )
    if request.expires_at < now:
        return _refuse(session, platform, row, "invalid_request", "this request has expired")
    if form.get("error"):
        request.fulfilled_at = now
        row.wallet_error = {
            "error": str(form["error"])[:100],
            "error_description": str(form.get("error_description", ""))[:500],
        }
        audit.record(
            session,
            at=now,
            actor="wallet",
            action="request.decline",
            subject=f"request:{request.id}",
            data={"protocol": "oid4vp", "error": row.wallet_error["error"]},
        )
        return Outcome(200, {})
    raw = form.get("vp_token")
    if not raw:
        return _refuse(session, platform, row, "invalid_request", "the response has no vp_token")
    try:
        vp_token = check_vp_token(raw, request.query)
    except RequestError as exc:
        return _refuse(session, platform, row, exc.code, exc.message)
    from openler.services.verifiers import incident_checkins  # it asks through this module

    report: VerificationReport | None = None
    checkin = incident_checkins.answer_for(session, platform, request, vp_token)
    if checkin is not None:
        refusal = checkin.refusal
    else:
        report = answer_report(session, platform, request, vp_token)
        refusal = (
            None
            if report.verified
            else "the presentation did not verify: " + "; ".join(report.errors()[:3])
        )
    if refusal is not None:
        return _refuse(session, platform, row, "invalid_request", refusal)
    request.fulfilled_at = now
    row.vp_token = vp_token
    row.refused = None
    audit.record(
        session,
        at=now,
        actor="wallet",
        action="request.answer",
        subject=f"request:{request.id}",
        data={"protocol": "oid4vp", "verified": True},
    )
    return Outcome(200, {}, report)


def answer_fields(
    session: Session, platform: Platform, request: PresentationRequest
) -> dict[str, Any]:
    """What an API or CLI view adds for an OpenID4VP request: the protocol, the link, the
    ``vp_token`` that answered, the wallet's error response and the last refusal."""
    row = oid4vp_of(session, request)
    if row is None:
        return {"protocol": "openler"}
    return {
        "protocol": "oid4vp",
        "uri": link_of(session, platform, request),
        "client_id": row.client_id,
        "vp_token": row.vp_token,
        "wallet_error": row.wallet_error,
        "refused": row.refused,
    }


def view(
    session: Session, platform: Platform, request: PresentationRequest
) -> tuple[VerificationReport | None, Oid4vpRequest]:
    """An OpenID4VP request's answer verified again now (None before it is answered, or
    when the wallet declined)."""
    row = oid4vp_of(session, request)
    if row is None:
        raise NotFound(f"request {request.id} is not an OpenID4VP request")
    if row.vp_token is None:
        return None, row
    return answer_report(session, platform, request, row.vp_token), row
