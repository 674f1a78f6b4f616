"""JSON endpoints: the W3C CCG VC API, DID documents, status lists, and the learner's own
records. Thin: parse, call one service, render."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from openler.services import issuing, jobs, members, orgs, sharing
from openler.services import registry as registry_service
from openler.services import requests as requests_service
from openler.services.errors import Forbidden, NotFound, UsageError
from openler.services.verifying import verify_document
from openler.store.models import StatusList
from openler.vc import VerificationReport
from openler.web.deps import CommitRoute, CurrentPrincipal, PlatformDep, SessionDep

router = APIRouter(route_class=CommitRoute)

CACHE_DOCUMENTS = "public, max-age=300"
CACHE_STATUS = "public, max-age=60"


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


def _verification_body(report: VerificationReport) -> dict[str, Any]:
    """The VC API VerificationResponse (checks, warnings, errors) plus openler's report."""
    return {
        "verified": report.verified,
        "checks": [c.id for c in report.checks if c.status == "passed"],
        "warnings": [f"{c.id}: {c.message}" for c in report.checks if c.status == "warning"],
        "errors": [f"{c.id}: {c.message}" for c in report.checks if c.status == "failed"],
        "report": report.to_json(),
    }


@router.post("/credentials/issue", status_code=201, tags=["VC API"])
def issue_credential(
    body: IssueRequest,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
) -> dict[str, Any]:
    """Sign a credential as the caller's organization (API token with an issuer role)."""
    organizations = principal.organizations_with("issuer_admin", "issuer_staff")
    if len(organizations) != 1:
        raise Forbidden(
            "issuing needs an API token (or account) for exactly one issuing organization"
        )
    from openler.store.models import Organization

    organization = session.get(Organization, organizations[0])
    if organization is None:
        raise NotFound("the token's organization no longer exists")
    options = body.options or IssueOptions()
    row = issuing.issue_document(
        session, platform, principal, organization, body.credential, cryptosuite=options.cryptosuite
    )
    count(request, "credential.issue")
    return {"verifiableCredential": row.document}


def _verify(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    data: dict[str, Any] | str,
    options: VerifyOptions | None,
    name: str,
) -> JSONResponse:
    options = options or VerifyOptions()
    report = verify_document(
        session,
        platform,
        data,
        jurisdiction=options.jurisdiction,
        challenge=options.challenge,
        domain=options.domain,
        proof_purpose=options.expectedProofPurpose,
        # VC API callers may name their checks; the trust registry then applies only when
        # they ask for it ("trust"), and an untrusted issuer is a warning. Every other
        # check that applies (status, validity, ...) is always enforced.
        require_trust=None if options.checks is None or "trust" in options.checks else False,
        name=name,
    )
    count(request, "verify." + ("verified" if report.verified else "failed"))
    return JSONResponse(_verification_body(report), status_code=200 if report.verified else 400)


@router.post("/credentials/verify", tags=["VC API"])
def verify_credential(
    body: VerifyCredentialRequest, request: Request, session: SessionDep, platform: PlatformDep
) -> JSONResponse:
    """Verify a credential (JSON or compact JWT). 200 when verified, 400 when not."""
    return _verify(
        request, session, platform, body.verifiableCredential, body.options, "credential"
    )


@router.post("/presentations/verify", tags=["VC API"])
def verify_presentation(
    body: VerifyPresentationRequest, request: Request, session: SessionDep, platform: PlatformDep
) -> JSONResponse:
    """Verify a presentation with the verifier's challenge and domain."""
    return _verify(
        request, session, platform, body.verifiablePresentation, body.options, "presentation"
    )


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
        row = issuing.set_status(session, platform, principal, body.credentialId, action=action)
    return {"credentialId": body.credentialId, "state": row.state}


@router.get("/orgs/{slug}/did.json", tags=["documents"])
def did_json(slug: str, session: SessionDep, platform: PlatformDep) -> Response:
    organization = orgs.organization_by_slug(session, slug)
    return JSONResponse(
        orgs.did_document(session, platform, organization),
        media_type="application/did+json",
        headers={"Cache-Control": CACHE_DOCUMENTS},
    )


@router.get("/status/{list_id}", tags=["documents"])
def status_list(list_id: str, request: Request, session: SessionDep) -> Response:
    row = session.get(StatusList, list_id)
    if row is None or row.credential is None:
        raise NotFound("no such status list")
    etag = f'"{row.id}-{row.version}"'
    headers = {"Cache-Control": CACHE_STATUS, "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return JSONResponse(row.credential, media_type="application/vc", headers=headers)


class OrganizationRequest(BaseModel):
    slug: str
    name: str
    kind: str
    jurisdiction: str | None = None
    url: str | None = None
    didMethod: str = "web"


@router.post("/api/orgs", status_code=201, tags=["platform"])
def create_organization(
    body: OrganizationRequest,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
) -> dict[str, Any]:
    """Create an organization with a signing key (platform administrators)."""
    organization = orgs.create_organization(
        session,
        platform,
        principal,
        slug=body.slug,
        name=body.name,
        kind=body.kind,
        jurisdiction=body.jurisdiction,
        url=body.url,
        did_method=body.didMethod,
    )
    orgs.create_key(session, platform, organization, actor=principal.label)
    return {
        "slug": organization.slug,
        "did": orgs.org_did(platform, organization),
        "kind": organization.kind,
    }


class PersonRequest(BaseModel):
    name: str = Field(min_length=1, max_length=300)
    email: str = Field(min_length=3, max_length=320)
    password: str | None = Field(
        default=None, description="omit for people who sign in through the identity provider"
    )
    platformAdmin: bool = False


@router.post("/api/people", status_code=201, tags=["platform"])
def create_person(
    body: PersonRequest, session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Create an account (platform administrators)."""
    person = members.create_account(
        session,
        platform,
        principal,
        name=body.name,
        email=body.email,
        password=body.password,
        platform_admin=body.platformAdmin,
    )
    return {"id": person.id, "email": person.email, "name": person.name}


class MemberRequest(BaseModel):
    email: str
    role: str


class RemoveMemberRequest(BaseModel):
    personId: str
    role: str


@router.get("/api/orgs/{slug}/members", tags=["platform"])
def list_members(slug: str, session: SessionDep, principal: CurrentPrincipal) -> dict[str, Any]:
    """Everyone with a role in the organization (for its administrators)."""
    organization = orgs.organization_by_slug(session, slug)
    return {
        "members": [
            {
                "personId": m.person.id,
                "name": m.person.name,
                "email": m.person.email,
                "roles": m.roles,
            }
            for m in members.members_of(session, principal, organization)
        ]
    }


@router.post("/api/orgs/{slug}/members", status_code=201, tags=["platform"])
def add_member(
    slug: str,
    body: MemberRequest,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
) -> dict[str, Any]:
    """Grant a role: platform admins any; issuer admins issuer_admin/issuer_staff; registry
    admins registry_admin/verifier — in their own organization."""
    organization = orgs.organization_by_slug(session, slug)
    member = members.grant_role(
        session, platform, principal, organization, email=body.email, role=body.role
    )
    return {"personId": member.person_id, "organization": slug, "role": member.role}


@router.post("/api/orgs/{slug}/members/remove", tags=["platform"])
def remove_member(
    slug: str,
    body: RemoveMemberRequest,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
) -> dict[str, Any]:
    """Remove a role; it stops working at the person's next request."""
    organization = orgs.organization_by_slug(session, slug)
    members.remove_role(
        session, platform, principal, organization, person_id=body.personId, role=body.role
    )
    return {"personId": body.personId, "organization": slug, "removed": body.role}


def _key_view(row: Any) -> dict[str, Any]:
    """A key as the API shows it: public material and lifecycle, never the secret."""
    return {
        "id": row.id,
        "verificationMethod": row.method_id,
        "publicKeyMultibase": row.public_key_multibase,
        "state": row.state,
    }


@router.post("/api/orgs/{slug}/keys", status_code=201, tags=["issuing"])
def rotate_key(
    slug: str, session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Rotate the organization's signing key (issuer admins)."""
    return _key_view(orgs.rotate_key(session, platform, principal, slug))


@router.post("/api/keys/{key_id}/revoke", tags=["issuing"])
def revoke_key(
    key_id: str, session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Mark a compromised key revoked: what it signed stops verifying."""
    return _key_view(orgs.revoke_key(session, platform, principal, key_id))


class BatchIssueRequest(BaseModel):
    organization: str
    achievement: str
    recipients: list[str] = Field(min_length=1, max_length=100_000)


@router.post("/api/jobs/batch-issue", status_code=202, tags=["jobs"])
def batch_issue(
    body: BatchIssueRequest, request: Request, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Issue an achievement to many people (by email) as a background job."""
    job_id = jobs.submit_batch_issue(
        platform,
        request.app.state.jobs,
        principal,
        organization_slug=body.organization,
        achievement_slug=body.achievement,
        recipients=body.recipients,
    )
    return {"job": job_id, "state": "queued"}


class BulkReissueRequest(BaseModel):
    organization: str
    achievement: str | None = Field(default=None, description="only this achievement's")
    key: str | None = Field(default=None, description="only those signed by this key")
    refreshAchievement: bool = Field(
        default=False, description="carry the achievement as it is defined now"
    )


@router.post("/api/jobs/bulk-reissue", status_code=202, tags=["jobs"])
def bulk_reissue(
    body: BulkReissueRequest, request: Request, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Re-issue an organization's credentials (new proofs and status entries; the old ones
    revoked and marked replaced) as a background job — after a key was revoked, or an
    achievement's definition was corrected. Issuer admins only."""
    job_id = jobs.submit_bulk_reissue(
        platform,
        request.app.state.jobs,
        principal,
        organization_slug=body.organization,
        achievement_slug=body.achievement,
        key_id=body.key,
        refresh_achievement=body.refreshAchievement,
    )
    return {"job": job_id, "state": "queued"}


@router.get("/api/jobs/{job_id}", tags=["jobs"])
def job(job_id: str, platform: PlatformDep, principal: CurrentPrincipal) -> dict[str, Any]:
    """A job's state and its row-by-row result."""
    return jobs.job_state(platform, job_id, principal)


class PresentationRequestBody(BaseModel):
    organization: str
    query: dict[str, Any] = Field(default_factory=dict)
    minutes: int = Field(default=30, ge=1, le=24 * 60)


class AnswerBody(BaseModel):
    verifiablePresentation: dict[str, Any] | str


@router.post("/api/requests", status_code=201, tags=["presentation requests"])
def create_request(
    body: PresentationRequestBody,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
) -> dict[str, Any]:
    """A verifier asks for a presentation; the holder signs with this challenge and domain."""
    row = requests_service.create_request(
        session,
        platform,
        principal,
        organization_slug=body.organization,
        query=body.query,
        minutes=body.minutes,
    )
    return {
        "id": row.id,
        "challenge": row.challenge,
        "domain": row.domain,
        "query": row.query,
        "expires": row.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


@router.post("/api/requests/{challenge}/answer", tags=["presentation requests"])
def answer_request(
    challenge: str, body: AnswerBody, request: Request, session: SessionDep, platform: PlatformDep
) -> JSONResponse:
    """Answer a request: verified against its challenge and domain, once."""
    report = requests_service.answer_request(
        session, platform, challenge, body.verifiablePresentation
    )
    count(request, "verify." + ("verified" if report.verified else "failed"))
    return JSONResponse(_verification_body(report), status_code=200 if report.verified else 400)


@router.get("/api/requests/{request_id}", tags=["presentation requests"])
def get_request(
    request_id: str, session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """A request's state and, once answered, the presentation verified again now (the
    requesting organization's verifiers only)."""
    row, report = requests_service.view_request(session, platform, principal, request_id)
    return {
        "id": row.id,
        "state": requests_service.state_of(row, platform.now()),
        "query": row.query,
        "expires": row.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verifiablePresentation": row.presentation,
        "verification": _verification_body(report) if report is not None else None,
    }


class ShareBody(BaseModel):
    credentials: list[str] = Field(min_length=1, max_length=100)
    audience: str = Field(min_length=1, max_length=300)
    purpose: str = Field(min_length=1, max_length=300)
    days: int = 30


@router.post("/api/me/shares", status_code=201, tags=["wallet"])
def create_share(
    body: ShareBody, session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Share some of your credentials; the link is shown once."""
    created = sharing.create_share(
        session,
        platform,
        principal,
        credential_ids=body.credentials,
        audience=body.audience,
        purpose=body.purpose,
        days=body.days,
    )
    return {
        "id": created.share.id,
        "link": f"{platform.settings.public_url}/s/{created.token}",
        "expires": created.share.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


@router.post("/api/me/shares/{share_id}/revoke", tags=["wallet"])
def revoke_share(
    share_id: str, session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Withdraw a share (and the consent behind it)."""
    share = sharing.revoke_share(session, platform, principal, share_id)
    return {"id": share.id, "withdrawn": True}


class TrustStateRequest(BaseModel):
    state: str
    reason: str | None = None


@router.get("/trust", tags=["trust registry"])
def trust_snapshot(session: SessionDep, platform: PlatformDep) -> Response:
    """The trust registry as a signed snapshot (TrustRegistryCredential) for offline use."""
    return JSONResponse(
        registry_service.snapshot(session, platform),
        media_type="application/vc",
        headers={"Cache-Control": CACHE_STATUS},
    )


@router.get("/api/trust/entries", tags=["trust registry"])
def trust_entries(session: SessionDep) -> dict[str, Any]:
    return {"entries": registry_service.entries(session)}


@router.post("/api/trust/entries", status_code=201, tags=["trust registry"])
def add_trust_entry(
    body: dict[str, Any], session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Register (or update) an issuer: registry administrators only."""
    return registry_service.add_entry(session, platform, principal, body).to_json()


@router.post("/api/trust/entries/state", tags=["trust registry"])
def set_trust_state(
    issuer: str,
    body: TrustStateRequest,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
) -> dict[str, Any]:
    """Suspend, withdraw or reinstate an issuer (``?issuer=DID``)."""
    entry = registry_service.set_state(
        session, platform, principal, issuer, state=body.state, reason=body.reason
    )
    return entry.to_json()


@router.post("/api/trust/recognitions", status_code=201, tags=["trust registry"])
def add_trust_recognition(
    body: dict[str, Any], session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    return registry_service.add_recognition(session, platform, principal, body).to_json()


@router.get("/api/me/credentials", tags=["wallet"])
def my_credentials(session: SessionDep, principal: CurrentPrincipal) -> dict[str, Any]:
    """The signed-in person's own credentials (never anyone else's)."""
    if principal.token_scope is not None:
        raise Forbidden("organization tokens cannot read a learner's wallet")
    rows = issuing.credentials_of(session, principal.person_id)
    return {"credentials": [{"id": r.id, "state": r.state, "document": r.document} for r in rows]}


@router.get("/api/credentials/{credential_id}", tags=["issuing"])
def get_credential(
    credential_id: str, session: SessionDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """An issued credential: for its holder, or staff of the issuing organization."""
    row = issuing.read_credential(session, principal, credential_id)
    return {"id": row.id, "state": row.state, "document": row.document}


def count(request: Request, event: str) -> None:
    request.app.state.metrics.events[event] += 1
