"""The W3C CCG VC API: issue, verify credentials and presentations, update status."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from openler.services.context import Platform
from openler.services.errors import UsageError
from openler.services.issuers import issuing
from openler.services.verifiers.verifying import verify_document
from openler.web.api.common import count, json_bytes, verification_body
from openler.web.deps import CommitRoute, CurrentPrincipal, PlatformDep, SessionDep

router = APIRouter(route_class=CommitRoute)


class IssueOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    cryptosuite: Literal["eddsa-rdfc-2022", "eddsa-jcs-2022"] = Field(
        default="eddsa-rdfc-2022", description="the Data Integrity cryptosuite of the proof"
    )


class IssueRequest(BaseModel):
    credential: dict[str, Any]
    options: IssueOptions | None = None


class VerifyOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    challenge: str | None = None
    domain: str | None = None
    expectedProofPurpose: str | None = Field(
        default=None, description="every proof must have this purpose"
    )
    checks: list[str] | None = Field(
        default=None,
        description="the checks the caller asks for; openler always runs every check that "
        "applies (verification fails closed) and lists them in the answer",
    )
    jurisdiction: str | None = Field(default=None, description="openler: where the verifier is")


class VerifyCredentialRequest(BaseModel):
    verifiableCredential: dict[str, Any] | str
    options: VerifyOptions | None = None


class VerifyPresentationRequest(BaseModel):
    verifiablePresentation: dict[str, Any] | str
    options: VerifyOptions | None = None


class StatusItem(BaseModel):
    type: str = "BitstringStatusListEntry"
    status: str


class UpdateStatusRequest(BaseModel):
    credentialId: str
    credentialStatus: list[StatusItem]
    reason: str | None = Field(
        default=None,
        max_length=500,
        description="openler: why (verifiers here are shown it with the date and issuer; "
        "status lists carry only the bit)",
    )


@router.post("/credentials/issue", status_code=201, tags=["VC API"])
def issue_credential(
    body: IssueRequest,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
) -> dict[str, Any]:
    """Sign a credential as the caller's organization (API token with an issuer role)."""
    organization = issuing.issuing_organization(session, principal)
    options = body.options or IssueOptions()
    row = issuing.issue_document(
        session, platform, principal, organization, body.credential, cryptosuite=options.cryptosuite
    )
    count(request, "credential.issue")
    return {"verifiableCredential": row.document}


async def _verify(
    request: Request,
    data: dict[str, Any] | str,
    options: VerifyOptions | None,
    name: str,
) -> Response:
    """The verification, in one worker thread: a transaction of its own (the publication
    token, and documents the per-process cache lacks), the checks, and the answer encoded.
    The endpoints are ``async`` and take no dependencies: FastAPI runs every sync endpoint
    and dependency in its thread pool, a hop each, which on this route cost more than the
    verification itself (docs/performance.md)."""
    platform: Platform = request.app.state.platform
    options = options or VerifyOptions()

    def verify() -> tuple[bool, bytes]:
        with platform.db.session() as session:
            report = verify_document(
                session,
                platform,
                data,
                jurisdiction=options.jurisdiction,
                challenge=options.challenge,
                domain=options.domain,
                proof_purpose=options.expectedProofPurpose,
                # VC API callers may name their checks; the trust registry then applies
                # only when they ask for it ("trust"), and an untrusted issuer is a
                # warning. Every other check that applies (status, validity, ...) is
                # always enforced.
                require_trust=None
                if options.checks is None or "trust" in options.checks
                else False,
                name=name,
                json_value=True,
            )
        return report.verified, json_bytes(verification_body(report))

    # the event loop's own executor: a thread hop costs less than through anyio's
    # (``run_in_threadpool``: a capacity limiter and a cancel scope); the request's context
    # goes along
    loop = asyncio.get_running_loop()
    verified, body = await loop.run_in_executor(None, contextvars.copy_context().run, verify)
    count(request, "verify." + ("verified" if verified else "failed"))
    return Response(body, status_code=200 if verified else 400, media_type="application/json")


@router.post("/credentials/verify", tags=["VC API"], response_class=JSONResponse)
async def verify_credential(body: VerifyCredentialRequest, request: Request) -> Response:
    """Verify a credential (JSON or compact JWT). 200 when verified, 400 when not."""
    return await _verify(request, body.verifiableCredential, body.options, "credential")


@router.post("/presentations/verify", tags=["VC API"], response_class=JSONResponse)
async def verify_presentation(body: VerifyPresentationRequest, request: Request) -> Response:
    """Verify a presentation with the verifier's challenge and domain."""
    return await _verify(request, body.verifiablePresentation, body.options, "presentation")


_ACTIONS = {
    "revoked": "revoke",
    "suspended": "suspend",
    "active": "reinstate",
    "unsuspended": "reinstate",
}


@router.post("/credentials/status", tags=["VC API"])
def update_status(
    body: UpdateStatusRequest,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
) -> dict[str, Any]:
    """Revoke, suspend or reinstate a credential this platform issued."""
    for item in body.credentialStatus:
        if item.type != "BitstringStatusListEntry":
            raise UsageError(
                f"status type {item.type!r} is not supported (BitstringStatusListEntry)"
            )
        action = _ACTIONS.get(item.status)
        if action is None:
            raise UsageError("status must be revoked, suspended or active")
        row = issuing.set_status(
            session, platform, principal, body.credentialId, action=action, reason=body.reason
        )
    return {"credentialId": body.credentialId, "state": row.state, "reason": row.state_reason}
