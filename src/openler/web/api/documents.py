"""Public documents: DID documents, status lists and the signed trust registry snapshot."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from openler.services.issuers import orgs, statuslists
from openler.services.office import registry as registry_service
from openler.web.api.common import CACHE_DOCUMENTS, CACHE_STATUS, credential_media_type
from openler.web.deps import CommitRoute, OrgDep, PlatformDep, SessionDep

router = APIRouter(route_class=CommitRoute)


@router.get("/orgs/{slug}/did.json", tags=["documents"])
def did_json(session: SessionDep, platform: PlatformDep, organization: OrgDep) -> Response:
    return JSONResponse(
        orgs.did_document(session, platform, organization),
        media_type="application/did+json",
        headers={"Cache-Control": CACHE_DOCUMENTS},
    )


@router.get("/status/{list_id}", tags=["documents"])
def status_list(list_id: str, request: Request, session: SessionDep) -> Response:
    """A status list credential: ``application/vc``, or ``application/ld+json`` /
    ``application/json`` when the client's ``Accept`` prefers them."""
    media_type = credential_media_type(request.headers.get("accept"))
    row = statuslists.published(session, list_id)
    etag = f'"{row.id}-{row.version}"'
    headers = {"Cache-Control": CACHE_STATUS, "ETag": etag, "Vary": "Accept"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return JSONResponse(row.credential, media_type=media_type, headers=headers)


@router.get("/trust", tags=["trust registry"])
def trust_snapshot(request: Request, session: SessionDep, platform: PlatformDep) -> Response:
    """The trust registry as a signed snapshot (TrustRegistryCredential) for offline use."""
    media_type = credential_media_type(request.headers.get("accept"))
    return JSONResponse(
        registry_service.snapshot(session, platform),
        media_type=media_type,
        headers={"Cache-Control": CACHE_STATUS, "Vary": "Accept"},
    )
