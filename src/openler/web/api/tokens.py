"""API tokens of an organization: list, create (the secret is in this one answer), revoke.
For signed-in administrators: a token never manages tokens."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from openler.services.people import tokens
from openler.web.deps import CommitRoute, CurrentPrincipal, OrgDep, PlatformDep, SessionDep

router = APIRouter(route_class=CommitRoute)
NO_STORE = {"Cache-Control": "no-store"}


def token_json(view: tokens.TokenView) -> dict[str, Any]:
    """A token as the API shows it: never its secret."""
    return {
        "id": view.id,
        "name": view.name,
        "organization": view.organization,
        "email": view.email,
        "role": view.role,
        "state": view.state,
        "created": view.created_at.isoformat(),
        "createdBy": view.created_by,
        "expires": view.expires_at.isoformat() if view.expires_at else None,
        "revoked": view.revoked_at.isoformat() if view.revoked_at else None,
    }


class TokenRequest(BaseModel):
    email: str = Field(description="whose role the token acts with")
    role: str
    name: str = Field(default="API token", max_length=tokens.NAME_LENGTH)
    expiresDays: int | None = Field(default=None, description="expire after this many days")


@router.get("/api/orgs/{slug}/tokens", tags=["platform"])
def list_tokens(
    session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal, organization: OrgDep
) -> dict[str, Any]:
    """The organization's API tokens, newest first (its administrators)."""
    views = tokens.tokens_of(session, platform, principal, organization)
    return {"tokens": [token_json(v) for v in views]}


@router.post("/api/orgs/{slug}/tokens", status_code=201, tags=["platform"])
def create_token(
    body: TokenRequest,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    organization: OrgDep,
) -> JSONResponse:
    """Create a token; ``token`` is in this answer only and cannot be shown again."""
    created = tokens.create(
        session,
        platform,
        principal,
        organization,
        email=body.email,
        role=body.role,
        name=body.name,
        expires_days=body.expiresDays,
    )
    return JSONResponse(
        {**token_json(created.view), "token": created.secret}, status_code=201, headers=NO_STORE
    )


@router.post("/api/tokens/{token_id}/revoke", tags=["platform"])
def revoke_token(
    token_id: str, session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Revoke a token at once (final)."""
    return token_json(tokens.revoke(session, platform, principal, token_id))
