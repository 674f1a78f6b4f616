"""Transcripts (CLR 2.0), stacking rules and their approval queue, endorsements."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from openler.services.issuers import achievements, endorsements, stacking, transcripts
from openler.services.issuers.stacking import Rule
from openler.services.issuers.transcripts import Link
from openler.web.api.common import count
from openler.web.deps import CommitRoute, CurrentPrincipal, OrgDep, PlatformDep, SessionDep

router = APIRouter(route_class=CommitRoute)


class AssociationRequest(BaseModel):
    associationType: str
    sourceId: str = Field(description="the id of an achievement in the transcript")
    targetId: str = Field(description="the id of another achievement in the transcript")


class TranscriptRequest(BaseModel):
    credentialId: str = Field(description="any credential the organization issued the learner")
    include: list[str] | None = Field(
        default=None, description="the credentials to bundle (default: all current ones)"
    )
    association: list[AssociationRequest] = Field(
        default_factory=list, description="associations beyond those the stacking rules give"
    )
    name: str | None = Field(default=None, max_length=300)


@router.post("/api/orgs/{slug}/transcripts", status_code=201, tags=["issuing"])
def issue_transcript(
    body: TranscriptRequest,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    organization: OrgDep,
) -> dict[str, Any]:
    """Issue a CLR 2.0 ClrCredential bundling the learner's current credentials from the
    organization (issuer staff)."""
    row = transcripts.issue_transcript(
        session,
        platform,
        principal,
        organization,
        body.credentialId,
        include=body.include,
        links=[Link(a.sourceId, a.associationType, a.targetId) for a in body.association],
        name=body.name,
    )
    count(request, "credential.issue")
    return {"verifiableCredential": row.document}


class RuleRequest(BaseModel):
    all: list[str] | None = None
    count: int | None = None
    of: list[str] | None = None
    approval: bool = False


@router.get("/api/orgs/{slug}/achievements/{aslug}/stacking", tags=["issuing"])
def get_rule(
    aslug: str, session: SessionDep, principal: CurrentPrincipal, organization: OrgDep
) -> dict[str, Any]:
    """What the achievement requires (``requires`` is null when nothing)."""
    achievements.achievements_of(session, principal, organization)  # issuer staff only
    achievement = achievements.achievement_by_slug(session, organization, aslug)
    return {"achievement": aslug, "requires": achievement.requires}


@router.put("/api/orgs/{slug}/achievements/{aslug}/stacking", tags=["issuing"])
def put_rule(
    aslug: str,
    body: RuleRequest,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    organization: OrgDep,
) -> dict[str, Any]:
    """Set what the achievement requires — ``{"all": [slug…]}`` or ``{"count": n, "of":
    [slug…]}``, with ``"approval"`` (issuer admins)."""
    achievement = achievements.achievement_by_slug(session, organization, aslug)
    rule = Rule.from_json(body.model_dump(exclude_none=True))
    stacking.set_rule(session, platform, principal, organization, achievement, rule)
    return {"achievement": aslug, "requires": achievement.requires}


@router.delete("/api/orgs/{slug}/achievements/{aslug}/stacking", tags=["issuing"])
def delete_rule(
    aslug: str,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    organization: OrgDep,
) -> dict[str, Any]:
    """Remove the achievement's rule: nothing is stacked on it any more (issuer admins)."""
    achievement = achievements.achievement_by_slug(session, organization, aslug)
    stacking.set_rule(session, platform, principal, organization, achievement, None)
    return {"achievement": aslug, "requires": None}


@router.get("/api/orgs/{slug}/stacking/waiting", tags=["issuing"])
def waiting(
    session: SessionDep, principal: CurrentPrincipal, organization: OrgDep
) -> dict[str, Any]:
    """Stacked awards waiting for an issuer admin's approval, oldest first."""
    return {
        "waiting": [
            {
                "id": w.pending.id,
                "achievement": w.achievement.slug,
                "recipient": stacking.recipient_label(w.pending),
                "components": [c.id for c in w.components],
                "queued": w.pending.created_at.isoformat(),
            }
            for w in stacking.waiting(session, principal, organization)
        ]
    }


class DecisionRequest(BaseModel):
    decision: Literal["approve", "decline"]
    reason: str = Field(default="", max_length=2000)


@router.post("/api/orgs/{slug}/stacking/waiting/{pending_id}", tags=["issuing"])
def decide(
    pending_id: str,
    body: DecisionRequest,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    organization: OrgDep,
) -> dict[str, Any]:
    """Approve (the stacked credential is issued) or decline a waiting award."""
    if body.decision == "approve":
        row = stacking.approve(session, platform, principal, organization, pending_id)
        return {"state": "approved", "verifiableCredential": row.document}
    stacking.decline(session, platform, principal, organization, pending_id, reason=body.reason)
    return {"state": "declined"}


class EndorsementRequest(BaseModel):
    targetId: str = Field(description="another organization's achievement id, or its DID")
    comment: str = Field(max_length=endorsements.MAX_COMMENT)


@router.post("/api/orgs/{slug}/endorsements", status_code=201, tags=["issuing"])
def endorse(
    body: EndorsementRequest,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    organization: OrgDep,
) -> dict[str, Any]:
    """Sign the organization's EndorsementCredential of ``targetId`` (issuer admins)."""
    row = endorsements.endorse(
        session, platform, principal, organization, target_id=body.targetId, comment=body.comment
    )
    return {"verifiableCredential": row.document}


@router.get("/api/endorsements", tags=["issuing"])
def endorsements_of(session: SessionDep, platform: PlatformDep, target: str) -> dict[str, Any]:
    """The standing endorsements of an achievement id or an organization's DID on this
    platform, each verified now (public, like the endorsements themselves)."""
    return {
        "endorsements": [
            {
                "endorser": e.endorser,
                "comment": e.comment,
                "verified": e.verified,
                "summary": e.summary,
                "verifiableCredential": e.document,
            }
            for e in endorsements.endorsements_of(session, platform, [target])
        ]
    }
