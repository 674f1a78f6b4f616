"""Background jobs: batch issuance and bulk re-issue, and their results."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from openler.services import jobs
from openler.services.issuers import bulk
from openler.web.deps import CommitRoute, CurrentPrincipal, PlatformDep

router = APIRouter(route_class=CommitRoute)


class BatchIssueRequest(BaseModel):
    organization: str
    achievement: str
    recipients: list[str] = Field(min_length=1, max_length=100_000)


@router.post("/api/jobs/batch-issue", status_code=202, tags=["jobs"])
def batch_issue(
    body: BatchIssueRequest, request: Request, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Issue an achievement to many people by email address, whether or not they have an
    account here, as a background job. Each address is a row (numbered from 1): one that is
    not an address is reported failed, the others are issued (or reported as already
    holding it)."""
    job_id = bulk.submit_emails(
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
