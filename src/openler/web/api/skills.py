"""A person's own skills profile as JSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from openler.services.holders import skills_profile
from openler.web.deps import CommitRoute, CurrentPrincipal, PlatformDep, SessionDep

router = APIRouter(route_class=CommitRoute)


@router.get("/api/me/skills", tags=["wallet"])
def my_skills(
    session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """The skills and occupations your credentials show now, each with the credentials
    behind it (``count``: how many), what only credentials that no longer count show
    (``noLongerEvidenced``), and your self-reported skills (never verified). Yours only: an
    organization's token is refused."""
    return skills_profile.skills_profile(session, platform, principal).to_json()
