"""Alignment suggestions for programs: the competencies of a framework that texts are about,
each with the OB 3.0 alignment entry it would become — for an organization's achievement
editors (what the editor's "Suggest skills" does)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from openler.services.issuers import achievements
from openler.services.skills import suggestions
from openler.skills.suggest import alignment_of
from openler.web.deps import CommitRoute, CurrentPrincipal, OrgDep, PlatformDep, SessionDep

router = APIRouter(route_class=CommitRoute, tags=["skills"])


class SuggestRequest(BaseModel):
    framework: str = Field(description="the framework's id: esco, onet, demo …")
    texts: list[str] = Field(
        min_length=1,
        max_length=20,
        description="each an achievement's name, description and criteria, a course "
        "description or a job posting (at most 10,000 characters are read of each)",
    )
    top: int = Field(default=10, ge=1, le=suggestions.MAX_TOP)
    method: str | None = Field(
        default=None, description="lexical, semantic or fused (default: the best installed)"
    )


@router.post("/api/orgs/{slug}/achievements/suggest")
def suggest(
    body: SuggestRequest,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    organization: OrgDep,
) -> dict[str, Any]:
    """Suggested competencies for each text, best first, with scores (0–1) and the
    alignment entry each becomes (the organization's achievement editors)."""
    achievements.require_editor(principal, organization)
    answer = suggestions.suggest(
        session,
        platform,
        principal,
        body.framework,
        body.texts,
        top=body.top,
        method=body.method,
        embed_up_to=suggestions.PAGE_EMBED_LIMIT,
    )
    framework = answer.framework
    return {
        "framework": {"id": framework.id, "name": framework.name, "kind": framework.kind},
        "method": answer.method,
        "note": answer.note_text or None,
        "results": [
            {
                "text": found.text,
                "suggestions": [
                    {
                        "id": s.item.identifier,
                        "label": s.item.label,
                        "score": s.score,
                        "alignment": alignment_of(s.item, framework.name, framework.kind),
                    }
                    for s in found.suggestions
                ],
            }
            for found in answer.results
        ],
    }
