"""An employer's job postings and the candidates for each: the list (with a JEDx import),
the editor (details; required and preferred skills with weights, searched in a framework;
closing, confirmed) and the ranking of the people who chose to be discoverable. Every
decision is ``services.skills``'; these render."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openler.services.errors import Conflict, ServiceError, UsageError
from openler.services.people.accounts import Principal
from openler.services.skills import (
    frameworks,
    matching,
    posting_suggestions,
    postings,
    suggestions,
)
from openler.services.wording import N_
from openler.skills import jedx
from openler.store.models import Organization
from openler.web import i18n
from openler.web.deps import CommitRoute, OrgDep, PlatformDep, SessionDep, Visitor
from openler.web.i18n import gettext
from openler.web.render import confirmation, language_of, page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)

Text = Annotated[str, Form(max_length=25_000)]
#: the search results the editor lists
FOUND = 15


def _home(organization: Organization) -> str:
    return f"/employer/{organization.slug}/postings"


def _list_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    organization: Organization,
    *,
    status: int = 200,
    error: str | UsageError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    return page(
        request,
        "postings_list.html",
        status,
        principal=principal,
        organization=organization,
        postings=postings.postings_of(session, principal, organization),
        error=error,
        values=values or {},
    )


@router.get("/employer/{slug}/postings", response_class=HTMLResponse)
def postings_page(
    request: Request, session: SessionDep, principal: Visitor, organization: OrgDep
) -> Response:
    return _list_page(request, session, principal, organization)


@router.post("/employer/{slug}/postings")
def create_posting(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    title: Text = "",
    location: Text = "",
    occupation: Text = "",
    description: Text = "",
) -> Response:
    try:
        posting = postings.create(
            session,
            platform,
            principal,
            organization,
            title=title,
            description=description,
            location=location,
            occupation_code=occupation,
        )
    except UsageError as exc:
        values = {
            "title": title,
            "location": location,
            "occupation": occupation,
            "description": description,
        }
        return _list_page(
            request, session, principal, organization, status=400, error=exc, values=values
        )
    return RedirectResponse(f"{_home(organization)}/{posting.id}", 303)


@router.post("/employer/{slug}/postings/import")
async def import_posting(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    file: Annotated[UploadFile | None, File()] = None,
    record: Text = "",
) -> Response:
    data = await file.read(jedx.MAX_BYTES + 1) if file is not None and file.filename else b""
    data = data or record.encode()
    try:
        if not data.strip():
            raise UsageError.worded(N_("choose a JEDx job record file, or paste one"))
        posting, _ = postings.import_jedx(session, platform, principal, organization, data)
    except UsageError as exc:
        return _list_page(request, session, principal, organization, status=400, error=exc)
    return RedirectResponse(f"{_home(organization)}/{posting.id}?imported=jedx", 303)


def _editor(
    request: Request,
    session: SessionDep,
    principal: Principal,
    organization: Organization,
    posting_id: str,
    *,
    status: int = 200,
    error: str | ServiceError | None = None,
    q: str = "",
    framework: str = "",
    suggested: posting_suggestions.Suggested | None = None,
    suggest_framework: str = "",
    pasted: str = "",
) -> HTMLResponse:
    posting = postings.posting_of(session, principal, organization, posting_id)
    found = postings.search(session, q, framework=framework or None, limit=FOUND) if q else []
    asked = {(r.framework_id, r.identifier) for r in posting.requirements}
    return page(
        request,
        "postings_edit.html",
        status,
        principal=principal,
        organization=organization,
        posting=posting,
        error=error,
        q=q,
        framework=framework,
        frameworks=frameworks.frameworks(session),
        found=[c for c in found if (c.framework_id, c.identifier) not in asked],
        searched=bool(q.strip()),
        occupation_skills=len(postings.occupation_skills(session, posting.occupation_code)),
        imported=request.query_params.get("imported") == "jedx",
        weights=postings.WEIGHTS,
        suggested=suggested,
        suggest_framework=suggest_framework,
        pasted=pasted,
        method_words=suggestions.METHOD_WORDS,
        suggestable=suggestions.suggestable(session),
    )


@router.get("/employer/{slug}/postings/{posting_id}", response_class=HTMLResponse)
def posting_page(
    posting_id: str,
    request: Request,
    session: SessionDep,
    principal: Visitor,
    organization: OrgDep,
    q: str = "",
    framework: str = "",
) -> Response:
    return _editor(
        request, session, principal, organization, posting_id, q=q, framework=framework[:64]
    )


@dataclass(frozen=True)
class Editing:
    """A change to one posting, asked for on its editor's page."""

    request: Request
    session: SessionDep
    platform: PlatformDep
    principal: Principal
    organization: Organization
    posting_id: str

    @property
    def who(self) -> tuple[SessionDep, PlatformDep, Principal, Organization, str]:
        """What every change of :mod:`postings` takes first."""
        return self.session, self.platform, self.principal, self.organization, self.posting_id

    def editor(self, **shown: Any) -> HTMLResponse:
        """The editor again (``shown``: its problem, suggestions …)."""
        return _editor(
            self.request, self.session, self.principal, self.organization, self.posting_id, **shown
        )

    def change(self, change: Callable[[], object], anchor: str = "requirements") -> Response:
        """Make ``change``, then back to the editor (at ``anchor``); shown again with what to
        correct when it was refused."""
        try:
            change()
        except (UsageError, Conflict) as exc:
            return self.editor(status=400, error=exc)
        return RedirectResponse(f"{_home(self.organization)}/{self.posting_id}#{anchor}", 303)


def _editing(
    posting_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
) -> Editing:
    return Editing(request, session, platform, principal, organization, posting_id)


EditingDep = Annotated[Editing, Depends(_editing)]


@router.post("/employer/{slug}/postings/{posting_id}")
def save_posting(
    editing: EditingDep,
    title: Text = "",
    location: Text = "",
    occupation: Text = "",
    description: Text = "",
) -> Response:
    return editing.change(
        lambda: postings.edit(
            *editing.who,
            title=title,
            description=description,
            location=location,
            occupation_code=occupation,
        ),
        "details",
    )


def _required(importance: str) -> bool:
    if importance not in ("required", "preferred"):
        raise UsageError.worded(N_("choose required or preferred"))
    return importance == "required"


Importance = Annotated[str, Form(max_length=20)]
Weight = Annotated[str, Form(max_length=5)]
FrameworkId = Annotated[str, Form(max_length=64)]


@router.post("/employer/{slug}/postings/{posting_id}/requirements")
def add_requirement(
    editing: EditingDep,
    competency: Annotated[str, Form(max_length=36)] = "",
    importance: Importance = "required",
    weight: Weight = "3",
) -> Response:
    return editing.change(
        lambda: postings.add_requirement(
            *editing.who, competency, required=_required(importance), weight=weight
        )
    )


@router.post("/employer/{slug}/postings/{posting_id}/occupation-skills")
def add_occupation_skills(editing: EditingDep) -> Response:
    return editing.change(lambda: postings.add_occupation_skills(*editing.who))


@router.post("/employer/{slug}/postings/{posting_id}/requirements/{requirement_id}")
def change_requirement(
    requirement_id: str,
    editing: EditingDep,
    importance: Importance = "required",
    weight: Weight = "3",
    remove: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    def change() -> object:
        if remove:
            postings.remove_requirement(*editing.who, requirement_id)
            return None
        return postings.change_requirement(
            *editing.who, requirement_id, required=_required(importance), weight=weight
        )

    return editing.change(change)


@router.post("/employer/{slug}/postings/{posting_id}/suggest", response_class=HTMLResponse)
def suggest_skills(editing: EditingDep, framework: FrameworkId = "", text: Text = "") -> Response:
    """The framework's skills the pasted text (or the description) is about, to tick."""
    try:
        found = posting_suggestions.suggest(*editing.who, framework, text)
    except ServiceError as exc:
        return editing.editor(status=400, error=exc, suggest_framework=framework, pasted=text)
    return editing.editor(suggested=found, suggest_framework=framework, pasted=text)


@router.post("/employer/{slug}/postings/{posting_id}/suggested")
async def add_suggested(editing: EditingDep) -> Response:
    """Add the ticked suggestions, each required or preferred with its weight."""
    form = await editing.request.form()

    def field(name: str, default: str = "") -> str:
        value = form.get(name)
        return value[:2_000] if isinstance(value, str) else default

    ticked = [v for v in form.getlist("suggested") if isinstance(v, str)][
        : postings.MAX_REQUIREMENTS
    ]
    framework = field("framework")[:64]
    try:
        chosen = [
            posting_suggestions.Chosen(
                field(f"identifier-{n}"),
                _required(field(f"importance-{n}", "required")),
                field(f"weight-{n}", "3")[:5],
            )
            for n in ticked
        ]
        posting_suggestions.add(*editing.who, framework, chosen)
    except ServiceError as exc:
        pasted = field("text")[:25_000]
        try:
            found = posting_suggestions.suggest(*editing.who, framework, pasted)
        except ServiceError:
            found = None
        return editing.editor(
            status=400, error=exc, suggested=found, suggest_framework=framework, pasted=pasted
        )
    return RedirectResponse(f"{_home(editing.organization)}/{editing.posting_id}#requirements", 303)


@router.post("/employer/{slug}/postings/{posting_id}/close")
def close_posting(
    posting_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    confirm: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    posting = postings.posting_of(session, principal, organization, posting_id)
    here = f"{_home(organization)}/{posting_id}"
    if confirm != "yes":
        with i18n.speaking(language_of(request, principal)):
            return confirmation(
                request,
                title=gettext("Close this posting?"),
                question=gettext("Close “%(title)s”?", title=posting.title),
                action=f"{here}/close",
                fields={},
                button=gettext("Close the posting"),
                cancel=here,
                consequences=[
                    gettext("It is no longer edited: its details and skills stay as they are."),
                    gettext("Its candidates can still be read."),
                    gettext("A closed posting cannot be opened again; post a new one instead."),
                ],
            )
    postings.close(session, platform, principal, organization, posting_id)
    return RedirectResponse(_home(organization), 303)


@router.get("/employer/{slug}/postings/{posting_id}/candidates", response_class=HTMLResponse)
def candidates_page(
    posting_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
) -> Response:
    posting = postings.posting_of(session, principal, organization, posting_id)
    if not posting.requirements:
        return _editor(
            request,
            session,
            principal,
            organization,
            posting_id,
            status=409,
            error=UsageError.worded(N_("add the skills the posting asks for first")),
        )
    ranking = matching.rank_candidates(session, platform, principal, organization, posting_id)
    return page(
        request,
        "postings_candidates.html",
        principal=principal,
        organization=organization,
        posting=ranking.posting,
        ranking=ranking,
        chart={
            "labels": [m.profile.name for m in ranking.matches],
            "required": [round(100 * m.part(True)) for m in ranking.matches],
            "preferred": [round(100 * m.part(False)) for m in ranking.matches],
        },
    )
