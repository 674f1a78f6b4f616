"""What a person writes of themselves in their record, as JSON: list, add, change, delete.
Their own entries only; a problem with what was sent is answered per field."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from openler.services.holders import self_reported
from openler.services.holders.self_reported import InvalidEntry
from openler.store.models import SelfReported
from openler.web.deps import CommitRoute, CurrentPrincipal, PlatformDep, SessionDep

router = APIRouter(route_class=CommitRoute)


class SelfReportedBody(BaseModel):
    """An entry as sent: ``kind`` is job, volunteering, skill or learning; dates are
    ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""

    kind: str = Field(max_length=40)
    title: str = Field(max_length=1000)
    organization: str | None = Field(default=None, max_length=1000)
    started: str | None = Field(default=None, max_length=40)
    ended: str | None = Field(default=None, max_length=40)
    description: str | None = Field(default=None, max_length=20_000)


class SelfReportedPatch(BaseModel):
    """The fields to change; those left out stay as they are (``null`` empties one)."""

    kind: str | None = Field(default=None, max_length=40)
    title: str | None = Field(default=None, max_length=1000)
    organization: str | None = Field(default=None, max_length=1000)
    started: str | None = Field(default=None, max_length=40)
    ended: str | None = Field(default=None, max_length=40)
    description: str | None = Field(default=None, max_length=20_000)


def _view(row: SelfReported) -> dict[str, Any]:
    """An entry as the API shows it; ``selfReported`` is always true: nobody verified it."""
    return {
        "id": row.id,
        "kind": row.kind,
        "title": row.title,
        "organization": row.organization,
        "started": row.started,
        "ended": row.ended,
        "description": row.description,
        "selfReported": True,
        "created": row.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "updated": row.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ") if row.updated_at else None,
    }


def _refused(exc: InvalidEntry) -> JSONResponse:
    return JSONResponse(
        {
            "code": exc.code,
            "message": exc.message,
            "problems": [{"field": p.field, "message": p.message} for p in exc.problems],
        },
        status_code=400,
    )


@router.get("/api/me/self-reported", tags=["wallet"])
def list_entries(session: SessionDep, principal: CurrentPrincipal) -> dict[str, Any]:
    """Your self-reported entries, newest first (never anyone else's)."""
    return {"entries": [_view(row) for row in self_reported.entries_of(session, principal)]}


@router.post("/api/me/self-reported", status_code=201, tags=["wallet"], response_model=None)
def add_entry(
    body: SelfReportedBody, session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any] | JSONResponse:
    """Add an entry to your record; it is always marked self-reported."""
    try:
        draft = self_reported.checked(**body.model_dump())
    except InvalidEntry as exc:
        return _refused(exc)
    return _view(self_reported.add(session, platform, principal, draft))


def _change(
    entry_id: str,
    values: dict[str, Any],
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
) -> dict[str, Any] | JSONResponse:
    try:
        draft = self_reported.checked(**values)
    except InvalidEntry as exc:
        return _refused(exc)
    return _view(self_reported.edit(session, platform, principal, entry_id, draft))


@router.put("/api/me/self-reported/{entry_id}", tags=["wallet"], response_model=None)
def replace_entry(
    entry_id: str,
    body: SelfReportedBody,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
) -> dict[str, Any] | JSONResponse:
    """Replace an entry of yours with what is sent."""
    self_reported.own(session, principal, entry_id)
    return _change(entry_id, body.model_dump(), session, platform, principal)


@router.patch("/api/me/self-reported/{entry_id}", tags=["wallet"], response_model=None)
def change_entry(
    entry_id: str,
    body: SelfReportedPatch,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
) -> dict[str, Any] | JSONResponse:
    """Change some fields of an entry of yours."""
    row = self_reported.own(session, principal, entry_id)
    values = {
        "kind": row.kind,
        "title": row.title,
        "organization": row.organization,
        "started": row.started,
        "ended": row.ended,
        "description": row.description,
        **body.model_dump(exclude_unset=True),
    }
    return _change(entry_id, values, session, platform, principal)


@router.delete("/api/me/self-reported/{entry_id}", status_code=204, tags=["wallet"])
def delete_entry(
    entry_id: str, session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> Response:
    """Delete an entry of yours."""
    self_reported.delete(session, platform, principal, entry_id)
    return Response(status_code=204)
