"""The trust registry's entries and recognition rules (registry administrators change
them; anyone reads them). Registering a DID twice is refused (409): an edit is a PUT, and
its answer says what was replaced."""

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
    """Register a new issuer (registry administrators). An issuer already registered is
    refused with 409: change it with ``PUT /api/trust/entries?issuer=DID``."""
    return registry_service.add_entry(session, platform, principal, body).to_json()


@router.put("/api/trust/entries", tags=["trust registry"])
def edit_trust_entry(
    issuer: str,
    body: dict[str, Any],
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
) -> dict[str, Any]:
    """Replace an issuer's entry (``?issuer=DID``); the answer has the ``old`` and the
    ``new`` entry. The DID and the registry state are kept (states change through
    ``/api/trust/entries/state``)."""
    edit = registry_service.edit_entry(session, platform, principal, issuer, body)
    return {"old": edit.old.to_json(), "new": edit.new.to_json()}


@router.delete("/api/trust/entries", tags=["trust registry"])
def remove_trust_entry(
    issuer: str, session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Remove an issuer (``?issuer=DID``); the answer is the entry removed."""
    return {
        "removed": registry_service.remove_entry(session, platform, principal, issuer).to_json()
    }


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


@router.get("/api/trust/recognitions", tags=["trust registry"])
def trust_recognitions(session: SessionDep) -> dict[str, Any]:
    """The recognition rules, each with the ``id`` to remove it by."""
    return {
        "recognitions": [
            {"id": rule_id, **rule.to_json()}
            for rule_id, rule in registry_service.recognition_rules(session)
        ]
    }


@router.post("/api/trust/recognitions", status_code=201, tags=["trust registry"])
def add_trust_recognition(
    body: dict[str, Any], session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    return registry_service.add_recognition(session, platform, principal, body).to_json()


@router.delete("/api/trust/recognitions/{rule_id}", tags=["trust registry"])
def remove_trust_recognition(
    rule_id: str, session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    removed = registry_service.remove_recognition(session, platform, principal, rule_id)
    return {"removed": {"id": rule_id, **removed.to_json()}}
