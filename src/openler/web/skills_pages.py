"""The learner's skills profile page: what their credentials show, a chart of it with the
same figures in a table, what they wrote of themselves apart, and whether employers may
find them (their choice, off until they turn it on)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openler.services.errors import UsageError
from openler.services.skills import matching, profiles
from openler.services.wording import N_
from openler.web import i18n
from openler.web.deps import CommitRoute, PlatformDep, SessionDep, Visitor
from openler.web.i18n import gettext
from openler.web.render import confirmation, language_of, page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)

#: the skills the chart draws (the table below it lists every one)
CHART_LIMIT = 25


@router.get("/record/skills", response_class=HTMLResponse)
def skills_page(
    request: Request, session: SessionDep, platform: PlatformDep, principal: Visitor
) -> Response:
    profile, weighted = profiles.own_profiles(session, platform, principal)
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
        implied=profiles.through_occupations(weighted),
        discoverable=matching.is_discoverable(session, principal.person_id),
    )


@router.post("/record/skills/discoverable")
def discoverable(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    choice: Annotated[str, Form(max_length=5)] = "",
    confirm: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Turn being found by employers on (after a confirmation: it shows them your name and
    what your credentials prove) or off (at once)."""
    if choice not in ("on", "off"):
        raise UsageError.worded(N_("choose on or off"))
    if choice == "on" and confirm != "yes":
        with i18n.speaking(language_of(request, principal)):
            return confirmation(
                request,
                title=gettext("Let employers find you?"),
                question=gettext(
                    "Employers on this platform who look for candidates for a job posting "
                    "will see you when your skills fit it."
                ),
                action="/record/skills/discoverable",
                fields={"choice": "on"},
                button=gettext("Let employers find me"),
                cancel="/record/skills#discoverable",
                consequences=[
                    gettext(
                        "They see your name and, for each skill the job asks for, which "
                        "of your credentials proves it (its name and issuer)."
                    ),
                    gettext("They see the skills you wrote yourself, marked as not verified."),
                    gettext(
                        "They do not see your email address, your other credentials or your record."
                    ),
                    gettext(
                        "You can turn it off here at any time; from then on you are never listed."
                    ),
                ],
                danger=False,
            )
    matching.set_discoverable(session, platform, principal, choice == "on")
    return RedirectResponse("/record/skills#discoverable", 303)
