"""A credential's life after issuance: renew one, extend the validity of many as a job,
and follow that job. (Revoking, suspending and reinstating, with a reason, is the VC API's
``POST /credentials/status``.)"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from openler.services.issuers import lifecycle
from openler.services.issuers.lifecycle import MAX_DAYS
from openler.web.deps import CommitRoute, CurrentPrincipal, OrgDep, PlatformDep, SessionDep

router = APIRouter(route_class=CommitRoute)


class RenewRequest(BaseModel):
    credentialId: str
    days: int | None = Field(
        default=None, ge=1, le=MAX_DAYS, description="default: the achievement's validity"
    )


@router.post("/api/credentials/renew", status_code=201, tags=["lifecycle"])
def renew(
    body: RenewRequest, session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Renew a credential: a replacement valid from now; the old one is revoked as
    replaced. Issuer staff of the organization that issued it."""
    new = lifecycle.renew(session, platform, principal, body.credentialId, days=body.days)
    return {"verifiableCredential": new.document, "replaces": body.credentialId}


class ExtensionRequest(BaseModel):
    days: int = Field(ge=1, le=MAX_DAYS)
    achievement: str | None = Field(default=None, description="only this achievement's")
    expiringBefore: str | None = Field(default=None, description="a date: only those ending before")
    issuedBefore: str | None = Field(default=None, description="a date: only those issued before")


@router.post("/api/orgs/{slug}/extensions/preview", tags=["lifecycle"])
def preview(
    body: ExtensionRequest,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    organization: OrgDep,
) -> dict[str, Any]:
    """How many credentials an extension would replace (nothing changes). Issuer admins."""
    found = lifecycle.preview_extension(
        session,
        platform,
        principal,
        organization,
        days=body.days,
        achievement_slug=body.achievement,
        expiring_before=body.expiringBefore,
        issued_before=body.issuedBefore,
    )
    return {
        "count": found.count,
        "firstEnd": found.first_end.isoformat() if found.first_end else None,
        "lastEnd": found.last_end.isoformat() if found.last_end else None,
        "days": found.days,
    }


@router.post("/api/orgs/{slug}/extensions", status_code=202, tags=["lifecycle"])
def extend(
    body: ExtensionRequest,
    request: Request,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    organization: OrgDep,
) -> dict[str, Any]:
    """Extend the validity of every active credential the filters select, by ``days``, as
    one background job: each is issued again with the later end date, the old one revoked
    as replaced. Issuer admins."""
    job_id = lifecycle.submit_extension(
        platform,
        request.app.state.jobs,
        principal,
        organization_slug=organization.slug,
        days=body.days,
        achievement_slug=body.achievement,
        expiring_before=body.expiringBefore,
        issued_before=body.issuedBefore,
    )
    return {"job": job_id, "state": "queued"}


@router.get("/api/extensions/{job_id}", tags=["lifecycle"])
def extension(
    job_id: str, session: SessionDep, principal: CurrentPrincipal, rows: bool = False
) -> dict[str, Any]:
    """An extension job's progress and tallies; with ``rows=true`` each credential's
    outcome too. Issuer staff of its organization."""
    found = lifecycle.extension_job(session, principal, job_id, limit=None if rows else 0)
    body = found.to_json()
    if rows:
        body["rows"] = [
            {
                "row": r.row,
                "outcome": r.outcome,
                "credential": r.credential_id,
                "replacement": r.replacement_id,
                "message": r.message,
            }
            for r in found.rows
        ]
    return body
