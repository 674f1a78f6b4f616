"""The learner's skills profile page: what their credentials show, a chart of it with the
same figures in a table, and what they wrote of themselves apart."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from openler.services.holders import skills_profile
from openler.web.deps import CommitRoute, PlatformDep, SessionDep, Visitor
from openler.web.render import page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)

#: the skills the chart draws (the table below it lists every one)
CHART_LIMIT = 25


@router.get("/record/skills", response_class=HTMLResponse)
def skills_page(
    request: Request, session: SessionDep, platform: PlatformDep, principal: Visitor
) -> Response:
    profile = skills_profile.skills_profile(session, platform, principal)
    charted = profile.skills[:CHART_LIMIT]
    return page(
        request,
        "skills.html",
        principal=principal,
        profile=profile,
        chart={
            "labels": [s.name for s in charted],
            "counts": [s.count for s in charted],
        },
        more=len(profile.skills) - len(charted),
    )
