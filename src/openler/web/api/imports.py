"""Importing into a person's own record: the body is the file itself (a badge image, a
credential as JSON, a JWT), the answer the report, a row per credential."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from openler.services.holders import imports
from openler.web.deps import CommitRoute, CurrentPrincipal, PlatformDep, SessionDep

router = APIRouter(route_class=CommitRoute)


@router.post("/api/me/imports", tags=["wallet"])
async def import_into_record(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    filename: Annotated[str, Query(max_length=200)] = "upload",
) -> dict[str, Any]:
    """Import one file (the request body, as it is) into your own record. Each credential
    it holds is verified and labelled: ``kept`` (verified), ``already-held``,
    ``not-verified`` (kept, marked) or ``refused`` (not a credential; nothing stored).
    ``ok`` is true when everything was kept verified or already held."""
    data = await request.body()
    report = imports.import_file(
        session,
        platform,
        principal,
        data,
        filename=filename,
        media_type=request.headers.get("content-type"),
    )
    return report.to_json()
