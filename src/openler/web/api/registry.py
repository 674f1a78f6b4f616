"""The trust registry's entries and recognition rules (registry administrators)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from openler.services.office import registry as registry_service
from openler.web.deps import CommitRoute, CurrentPrincipal, PlatformDep, SessionDep

router = APIRouter(route_class=CommitRoute)


class TrustStateRequest(BaseModel):
    state: str
    reason: str | None = None


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
