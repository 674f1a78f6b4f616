"""An organization's achievements: list, create, read, edit (each change a new version),
retire and offer again, versions, the badge image; and each achievement's public definition
and image at its id. A refused definition is answered with every problem, field by field."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from openler.services.errors import NotFound
from openler.services.issuers import achievements
from openler.services.issuers.achievement_checks import InvalidAchievement
from openler.services.issuers.achievements import Image, Listed
from openler.store.models import Achievement
from openler.web.api.common import CACHE_DOCUMENTS
from openler.web.deps import CommitRoute, CurrentPrincipal, OrgDep, PlatformDep, SessionDep

router = APIRouter(route_class=CommitRoute, tags=["achievements"])
#: an SVG badge opened on its own runs nothing and loads nothing
IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


def achievement_json(achievement: Achievement, issued: int | None = None) -> dict[str, Any]:
    """An achievement as the API shows it: openler's record around the OB 3.0 data."""
    body: dict[str, Any] = {
        "slug": achievement.slug,
        "name": achievement.data.get("name"),
        "version": achievement.version,
        "validDays": achievement.valid_days,
        "created": achievement.created_at.isoformat(),
        "updated": achievement.updated_at.isoformat() if achievement.updated_at else None,
        "retired": achievement.retired_at.isoformat() if achievement.retired_at else None,
        "imageType": achievement.image_type,
        "achievement": achievement.data,
    }
    if issued is not None:
        body["issued"] = issued
    return body


def refused(exc: InvalidAchievement) -> JSONResponse:
    """A refused definition: the usual error body plus each problem, by field."""
    problems = [{"field": p.where, "message": p.message} for p in exc.problems]
    return JSONResponse(
        {"code": exc.code, "message": exc.message, "problems": problems}, status_code=400
    )


class Definition(BaseModel):
    achievement: dict[str, Any] = Field(
        description="An OB 3.0 Achievement: name, description, criteria, achievementType, "
        "alignment, resultDescription … (openler sets id, type, version and image)"
    )
    validDays: int | None = Field(
        default=None, description="credentials are valid this many days unless told otherwise"
    )


class NewAchievement(Definition):
    slug: str = Field(description="lower-case letters, digits and hyphens; part of its id")


@router.get("/api/orgs/{slug}/achievements")
def list_achievements(
    session: SessionDep, principal: CurrentPrincipal, organization: OrgDep
) -> dict[str, Any]:
    """Every achievement, retired ones too, with how many credentials were issued of each
    (issuer staff and administrators)."""
    listed: list[Listed] = achievements.listing(session, principal, organization)
    return {"achievements": [achievement_json(e.achievement, e.issued) for e in listed]}


@router.post("/api/orgs/{slug}/achievements", status_code=201)
def create_achievement(
    body: NewAchievement,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    organization: OrgDep,
) -> Response:
    """Create an achievement (version 1). Issuer administrators."""
    try:
        row = achievements.create_achievement(
            session,
            platform,
            principal,
            organization,
            slug=body.slug,
            data=body.achievement,
            valid_days=body.validDays,
        )
    except InvalidAchievement as exc:
        return refused(exc)
    return JSONResponse(achievement_json(row, 0), status_code=201)


@router.get("/api/orgs/{slug}/achievements/{aslug}")
def read_achievement(
    aslug: str, session: SessionDep, principal: CurrentPrincipal, organization: OrgDep
) -> dict[str, Any]:
    """One achievement (issuer staff and administrators)."""
    return achievement_json(achievements.achievement_for(session, principal, organization, aslug))


@router.put("/api/orgs/{slug}/achievements/{aslug}")
def edit_achievement(
    aslug: str,
    body: Definition,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    organization: OrgDep,
) -> Response:
    """Replace the definition; a change writes the next version (``changes`` lists what
    changed; empty: nothing did). The image stays. Issuer administrators."""
    row = achievements.achievement_for(session, principal, organization, aslug)
    try:
        found = achievements.edit_achievement(
            session,
            platform,
            principal,
            organization,
            row,
            data=body.achievement,
            valid_days=body.validDays,
        )
    except InvalidAchievement as exc:
        return refused(exc)
    changes = [{"field": c.where, "before": c.before, "after": c.after} for c in found]
    return JSONResponse({**achievement_json(row), "changes": changes})


@router.put(
    "/api/orgs/{slug}/achievements/{aslug}/image",
    openapi_extra={
        "requestBody": {
            "content": {"image/png": {}, "image/svg+xml": {}},
            "description": "the badge image, PNG or SVG, at most 500 kB",
        }
    },
)
async def put_image(
    aslug: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    organization: OrgDep,
) -> dict[str, Any]:
    """Set the badge image (the request body, PNG or SVG, checked by content): a new
    version. Issuer administrators."""
    content = await request.body()
    row = achievements.achievement_for(session, principal, organization, aslug)
    achievements.edit_achievement(
        session,
        platform,
        principal,
        organization,
        row,
        data=row.data,
        valid_days=row.valid_days,
        image=Image(content),
    )
    return achievement_json(row)


@router.delete("/api/orgs/{slug}/achievements/{aslug}/image")
def delete_image(
    aslug: str,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    organization: OrgDep,
) -> dict[str, Any]:
    """Remove the badge image (a new version). Issuer administrators."""
    row = achievements.achievement_for(session, principal, organization, aslug)
    achievements.edit_achievement(
        session,
        platform,
        principal,
        organization,
        row,
        data=row.data,
        valid_days=row.valid_days,
        remove_image=True,
    )
    return achievement_json(row)


def _retire(
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    organization: OrgDep,
    aslug: str,
    *,
    retired: bool,
) -> dict[str, Any]:
    row = achievements.achievement_for(session, principal, organization, aslug)
    achievements.retire(session, platform, principal, organization, row, retired=retired)
    return achievement_json(row)


@router.post("/api/orgs/{slug}/achievements/{aslug}/retire")
def retire(
    aslug: str,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    organization: OrgDep,
) -> dict[str, Any]:
    """Retire: nothing more is issued of it; what was issued stays valid. Issuer
    administrators."""
    return _retire(session, platform, principal, organization, aslug, retired=True)


@router.post("/api/orgs/{slug}/achievements/{aslug}/unretire")
def unretire(
    aslug: str,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    organization: OrgDep,
) -> dict[str, Any]:
    """Offer a retired achievement again. Issuer administrators."""
    return _retire(session, platform, principal, organization, aslug, retired=False)


@router.get("/api/orgs/{slug}/achievements/{aslug}/versions")
def list_versions(
    aslug: str, session: SessionDep, principal: CurrentPrincipal, organization: OrgDep
) -> dict[str, Any]:
    """Every version, newest first: who made it, what changed, how many were issued with
    it, and its OB 3.0 data (issuer staff and administrators)."""
    row = achievements.achievement_for(session, principal, organization, aslug)
    return {
        "versions": [
            {
                "version": v.version,
                "created": v.created_at.isoformat(),
                "createdBy": v.created_by,
                "validDays": v.valid_days,
                "issued": v.issued,
                "changes": [
                    {"field": c.where, "before": c.before, "after": c.after} for c in v.changes
                ],
                "achievement": v.data,
            }
            for v in achievements.versions(session, principal, organization, row)
        ]
    }


# --- public: what an achievement's id and image URL serve --------------------------------


@router.get("/orgs/{slug}/achievements/{aslug}", tags=["documents"])
def public_achievement(aslug: str, session: SessionDep, organization: OrgDep) -> Response:
    """The achievement's current OB 3.0 definition, at its id."""
    row = achievements.published(session, organization, aslug)
    return JSONResponse(row.data, headers={"Cache-Control": CACHE_DOCUMENTS})


@router.get("/orgs/{slug}/achievements/{aslug}/image", tags=["documents"])
def public_image(aslug: str, session: SessionDep, organization: OrgDep) -> Response:
    """The badge image (PNG or SVG). The ``v`` in its URL (a digest of the image) only
    keeps caches of an earlier image apart."""
    row = achievements.published(session, organization, aslug)
    if not row.image or not row.image_type:
        raise NotFound(f"{row.data.get('name', aslug)} has no image")
    return Response(
        row.image,
        media_type=row.image_type,
        headers={"Cache-Control": CACHE_DOCUMENTS, "Content-Security-Policy": IMAGE_CSP},
    )
