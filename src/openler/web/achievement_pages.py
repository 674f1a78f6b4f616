"""Pages for an organization's achievements: the list, a new one, editing (each change a new
version), the versions with what changed, retiring and offering again (asked first), and
the issuer's download of a credential (JSON or baked badge). Alignments and result
descriptions are repeatable rows: a few blank rows, and "add another" buttons that post the
form back with one more — no JavaScript needed. "Suggest skills" posts the form back too,
with the competencies of a chosen framework that the name, description and criteria are
about (``services.skills.suggestions``); those the issuer ticks become alignment rows
("add the ticked ones", or saving). Access is the service layer's: issuer administrators
change, issuer staff read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from openler.services.context import Platform
from openler.services.errors import Conflict, ServiceError, UsageError
from openler.services.issuers import achievements, badges, issuing, standing
from openler.services.issuers.achievement_checks import InvalidAchievement, Problem, definition
from openler.services.issuers.achievements import Image
from openler.services.people.accounts import Principal
from openler.services.skills import suggestions
from openler.skills.suggest import alignment_of
from openler.store.models import Achievement, Organization
from openler.vc import ACHIEVEMENT_TYPES, ALIGNMENT_TARGET_TYPES, RESULT_TYPES
from openler.web.deps import CommitRoute, OrgDep, PlatformDep, SessionDep, Visitor
from openler.web.render import confirmation, credential_download, page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)

ALIGNMENT_FIELDS = ("targetName", "targetUrl", "targetType", "targetCode", "targetFramework")
RESULT_FIELDS = ("name", "resultType", "allowedValue", "requiredValue", "valueMin", "valueMax")
TEXT_FIELDS = (
    "slug",
    "name",
    "description",
    "criteria",
    "criteria_url",
    "achievement_type",
    "credits",
    "field_of_study",
    "specialization",
    "tags",
    "valid_days",
)
MAX_ROWS = 40
#: suggestions shown for an achievement
SUGGESTIONS = 10
#: where a problem is shown: the id of the form field it is about
FIELD_IDS = {
    "criteria": "criteria",
    "criteria.narrative": "criteria",
    "criteria.id": "criteria_url",
    "achievementType": "achievement_type",
    "creditsAvailable": "credits",
    "fieldOfStudy": "field_of_study",
    "tag": "tags",
}
DONE = {
    "created": "The achievement was created as version 1.",
    "unchanged": "Nothing changed, so no new version was made.",
    "retired": "The achievement is retired: nothing more is issued of it.",
    "unretired": "The achievement is offered again.",
}


def field_id(where: str) -> str:
    """The form field a problem is about.

    >>> field_id("alignment.2.targetUrl"), field_id("criteria.id"), field_id("name")
    ('alignment-2-targetUrl', 'criteria_url', 'name')
    """
    return FIELD_IDS.get(where, where.replace(".", "-"))


def _alignment_key(row: dict[str, str]) -> str:
    """What tells two alignments apart: the address, else the code, else the name."""
    return (row.get("targetUrl") or row.get("targetCode") or row.get("targetName") or "").strip()


class Form:
    """What the form holds: its text fields and its rows, as typed."""

    def __init__(
        self,
        values: dict[str, str],
        alignments: list[dict[str, str]],
        results: list[dict[str, str]],
        *,
        framework: str = "",
        ticked: list[str] | None = None,
    ) -> None:
        self.values = values
        self.alignments = alignments
        self.results = results
        #: the framework skills are suggested from, and the suggestions ticked
        self.framework = framework
        self.ticked = ticked or []

    @classmethod
    def of(cls, achievement: Achievement) -> Form:
        """The form for editing ``achievement`` as it is now."""
        data = achievement.data
        criteria = data.get("criteria") or {}
        credits = data.get("creditsAvailable")
        values = {
            "name": str(data.get("name", "")),
            "description": str(data.get("description", "")),
            "criteria": str(criteria.get("narrative", "")),
            "criteria_url": str(criteria.get("id", "")),
            "achievement_type": str(data.get("achievementType", "")),
            "credits": "" if credits is None else str(credits),
            "field_of_study": str(data.get("fieldOfStudy", "")),
            "specialization": str(data.get("specialization", "")),
            "tags": ", ".join(str(t) for t in data.get("tag") or []),
            "valid_days": "" if achievement.valid_days is None else str(achievement.valid_days),
        }
        alignments = [
            {k: str(row.get(k, "")) for k in ALIGNMENT_FIELDS}
            for row in data.get("alignment") or []
            if isinstance(row, dict)
        ]
        results = []
        for row in data.get("resultDescription") or []:
            if isinstance(row, dict):
                kept = {k: str(row.get(k, "")) for k in RESULT_FIELDS if k != "allowedValue"}
                kept["allowedValue"] = ", ".join(str(v) for v in row.get("allowedValue") or [])
                kept["id"] = str(row.get("id", ""))
                results.append(kept)
        return cls(values, alignments, results)

    @classmethod
    def posted(cls, form: FormData) -> Form:
        """The form as it was sent, with one more blank row when "add another" was pressed."""

        def text(name: str) -> str:
            value = form.get(name)
            return value if isinstance(value, str) else ""

        def rows(prefix: str, fields: tuple[str, ...]) -> list[dict[str, str]]:
            try:
                count = min(int(text(f"{prefix}_rows") or 0), MAX_ROWS)
            except ValueError:
                count = 0
            return [
                {k: text(f"{prefix}-{n}-{k}") for k in (*fields, "id")} for n in range(1, count + 1)
            ]

        made = cls(
            {name: text(name) for name in TEXT_FIELDS},
            rows("alignment", ALIGNMENT_FIELDS),
            rows("resultDescription", RESULT_FIELDS),
            framework=text("suggest_framework"),
            ticked=[v for v in form.getlist("suggested") if isinstance(v, str)][:MAX_ROWS],
        )
        step = text("step")
        if step == "more-alignment" and len(made.alignments) < MAX_ROWS:
            made.alignments.append({})
        if step == "more-result" and len(made.results) < MAX_ROWS:
            made.results.append({})
        return made

    def blank_rows(self) -> Form:
        """The form with a blank row after its rows (where a new one is typed)."""
        return Form(
            self.values,
            [*self.alignments, {}],
            [*self.results, {}],
            framework=self.framework,
            ticked=self.ticked,
        )

    def about(self) -> str:
        """What skills are suggested from: the name, description and criteria."""
        return "\n".join(
            self.values.get(k, "").strip() for k in ("name", "description", "criteria")
        ).strip()

    def add_ticked(self, session: SessionDep) -> list[Problem]:
        """The ticked suggestions as alignment rows (after the rows filled in, each once)."""
        if not self.ticked:
            return []
        try:
            found = suggestions.alignments(session, self.framework, self.ticked)
        except ServiceError as exc:
            return [Problem("suggest_framework", exc.message)]
        kept = [row for row in self.alignments if any(v.strip() for v in row.values())]
        seen = {_alignment_key(row) for row in kept}
        for row in found:
            if _alignment_key(row) not in seen and len(kept) < MAX_ROWS:
                seen.add(_alignment_key(row))
                kept.append(row)
        self.alignments, self.ticked = kept, []
        return []

    def definition(self) -> tuple[dict[str, Any], int | None, list[Problem]]:
        """The OB 3.0 data, the validity in days, and the problems found reading them."""
        v = self.values
        data, problems = definition(
            name=v.get("name", ""),
            description=v.get("description", ""),
            criteria=v.get("criteria", ""),
            criteria_url=v.get("criteria_url", ""),
            achievement_type=v.get("achievement_type", ""),
            credits=v.get("credits", ""),
            field_of_study=v.get("field_of_study", ""),
            specialization=v.get("specialization", ""),
            tags=v.get("tags", ""),
            alignments=[{k: r.get(k, "") for k in ALIGNMENT_FIELDS} for r in self.alignments],
            results=[{k: r.get(k, "") for k in (*RESULT_FIELDS, "id")} for r in self.results],
        )
        days = v.get("valid_days", "").strip()
        valid_days = None
        if days:
            try:
                valid_days = int(days)
            except ValueError:
                problems.append(Problem("valid_days", "give a whole number of days, or none"))
        return data, valid_days, problems


def _form_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    organization: Organization,
    form: Form,
    *,
    achievement: Achievement | None = None,
    problems: list[Problem] | None = None,
    status: int = 200,
    suggested: suggestions.Answer | None = None,
) -> HTMLResponse:
    order = [*TEXT_FIELDS, "image"]
    shown = sorted(
        ((field_id(p.where), p) for p in problems or []),
        key=lambda found: order.index(found[0]) if found[0] in order else len(order),
    )
    return page(
        request,
        "achievement_form.html",
        status,
        principal=principal,
        organization=organization,
        achievement=achievement,
        form=form,
        problems=[(where, str(p)) for where, p in shown],
        errors={where: p.message for where, p in shown},
        achievement_types=ACHIEVEMENT_TYPES,
        alignment_types=[*ALIGNMENT_TARGET_TYPES, "ext:ONET"],
        result_types=RESULT_TYPES,
        max_image_kb=badges.MAX_IMAGE_BYTES // 1000,
        frameworks=suggestions.suggestable(session),
        suggested=suggested,
        suggested_rows=_suggested_rows(suggested, form) if suggested else [],
        method_words=suggestions.METHOD_WORDS,
    )


def _suggested_rows(answer: suggestions.Answer, form: Form) -> list[dict[str, Any]]:
    """Each suggestion as the picker shows it: its alignment entry, and whether the form
    has it already."""
    aligned = {_alignment_key(row) for row in form.alignments} - {""}
    framework = answer.framework
    rows = []
    for found in answer.results[0].suggestions if answer.results else ():
        entry = alignment_of(found.item, framework.name, framework.kind)
        rows.append(
            {
                "suggestion": found,
                "entry": entry,
                "already": _alignment_key(entry) in aligned,
                "ticked": found.item.identifier in form.ticked,
            }
        )
    return rows


def _suggesting(
    request: Request,
    session: SessionDep,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    form: Form,
    step: str,
    achievement: Achievement | None = None,
) -> HTMLResponse:
    """The form again, with suggestions (``suggest``) or with the ticked ones added as
    alignment rows (``add-suggested``)."""
    problems: list[Problem] = []
    answer = None
    if step == "add-suggested":
        problems = form.add_ticked(session)
    elif not form.framework:
        problems = [Problem("suggest_framework", "choose the framework to suggest skills from")]
    elif not form.about():
        problems = [
            Problem("name", "write the name or description first: skills are suggested from them")
        ]
    else:
        try:
            answer = suggestions.suggest(
                session,
                platform,
                principal,
                form.framework,
                [form.about()],
                top=SUGGESTIONS,
                embed_up_to=suggestions.PAGE_EMBED_LIMIT,
            )
        except ServiceError as exc:
            problems = [Problem("suggest_framework", exc.message)]
    return _form_page(
        request,
        session,
        principal,
        organization,
        form.blank_rows() if step == "add-suggested" else form,
        achievement=achievement,
        problems=problems,
        status=400 if problems else 200,
        suggested=answer,
    )


async def _image(form: FormData) -> tuple[Image | None, list[Problem]]:
    upload = form.get("image")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None, []
    content = await upload.read(badges.MAX_IMAGE_BYTES + 1)
    try:
        return Image(content), []
    except UsageError as exc:
        return None, [Problem("image", exc.message + " (choose the file again)")]


@router.get("/issuer/{slug}/achievements", response_class=HTMLResponse)
def list_page(
    request: Request, session: SessionDep, principal: Visitor, organization: OrgDep
) -> Response:
    return page(
        request,
        "achievements.html",
        principal=principal,
        organization=organization,
        listed=achievements.listing(session, principal, organization),
        admin=achievements.may_edit(principal, organization),
    )


@router.get("/issuer/{slug}/achievements/new", response_class=HTMLResponse)
def new_page(
    request: Request, session: SessionDep, principal: Visitor, organization: OrgDep
) -> Response:
    achievements.require_editor(principal, organization)
    return _form_page(request, session, principal, organization, Form({}, [], []).blank_rows())


@router.post("/issuer/{slug}/achievements/new")
async def create(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
) -> Response:
    achievements.require_editor(principal, organization)
    posted = await request.form()
    form = Form.posted(posted)
    step = str(posted.get("step", ""))
    if step.startswith("more-"):
        return _form_page(request, session, principal, organization, form)
    if step in ("suggest", "add-suggested"):
        return _suggesting(request, session, platform, principal, organization, form, step)
    ticked_problems = form.add_ticked(session)
    data, valid_days, problems = form.definition()
    problems += ticked_problems
    image, image_problems = await _image(posted)
    problems += image_problems
    slug = form.values.get("slug", "").strip()
    if problems:  # the rest of the form is checked too: every problem is shown at once
        problems += achievements.problems_in(
            platform, organization, slug=slug, data=data, valid_days=valid_days
        )
    try:
        if problems:
            raise InvalidAchievement(problems)
        row = achievements.create_achievement(
            session,
            platform,
            principal,
            organization,
            slug=slug,
            data=data,
            valid_days=valid_days,
            image=image,
        )
    except InvalidAchievement as exc:
        return _form_page(
            request, session, principal, organization, form, problems=exc.problems, status=400
        )
    except Conflict as exc:
        return _form_page(
            request,
            session,
            principal,
            organization,
            form,
            problems=[Problem("slug", exc.message)],
            status=409,
        )
    return RedirectResponse(
        f"/issuer/{organization.slug}/achievements/{row.slug}?done=created", status_code=303
    )


@router.get("/issuer/{slug}/achievements/{aslug}", response_class=HTMLResponse)
def detail_page(
    aslug: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    done: str = "",
) -> Response:
    row = achievements.achievement_for(session, principal, organization, aslug)
    notice = DONE.get(done, "")
    if done.startswith("v") and done[1:].isdigit():
        notice = f"Saved as version {done[1:]}. Credentials issued before keep their version."
    return page(
        request,
        "achievement.html",
        principal=principal,
        organization=organization,
        achievement=row,
        versions=achievements.versions(session, principal, organization, row),
        admin=achievements.may_edit(principal, organization),
        done=notice,
        untrusted=standing.untrusted_warning(session, platform, organization, row),
    )


@router.get("/issuer/{slug}/achievements/{aslug}/edit", response_class=HTMLResponse)
def edit_page(
    aslug: str, request: Request, session: SessionDep, principal: Visitor, organization: OrgDep
) -> Response:
    achievements.require_editor(principal, organization)
    row = achievements.achievement_for(session, principal, organization, aslug)
    if row.retired_at is not None:
        raise Conflict("the achievement is retired; offer it again before editing it")
    form = Form.of(row).blank_rows()
    return _form_page(request, session, principal, organization, form, achievement=row)


@router.post("/issuer/{slug}/achievements/{aslug}/edit")
async def edit(
    aslug: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
) -> Response:
    achievements.require_editor(principal, organization)
    row = achievements.achievement_for(session, principal, organization, aslug)
    posted = await request.form()
    form = Form.posted(posted)
    step = str(posted.get("step", ""))
    if step.startswith("more-"):
        return _form_page(request, session, principal, organization, form, achievement=row)
    if step in ("suggest", "add-suggested"):
        return _suggesting(
            request, session, platform, principal, organization, form, step, achievement=row
        )
    ticked_problems = form.add_ticked(session)
    data, valid_days, problems = form.definition()
    problems += ticked_problems
    image, image_problems = await _image(posted)
    problems += image_problems
    if problems:  # the rest of the form is checked too: every problem is shown at once
        problems += achievements.problems_in(
            platform, organization, slug=row.slug, data=data, valid_days=valid_days
        )
    try:
        if problems:
            raise InvalidAchievement(problems)
        changed = achievements.edit_achievement(
            session,
            platform,
            principal,
            organization,
            row,
            data=data,
            valid_days=valid_days,
            image=image,
            remove_image=posted.get("remove_image") == "yes",
        )
    except InvalidAchievement as exc:
        return _form_page(
            request,
            session,
            principal,
            organization,
            form,
            achievement=row,
            problems=exc.problems,
            status=400,
        )
    done = f"v{row.version}" if changed else "unchanged"
    return RedirectResponse(
        f"/issuer/{organization.slug}/achievements/{row.slug}?done={done}", status_code=303
    )


@router.post("/issuer/{slug}/achievements/{aslug}/retire")
async def retire(
    aslug: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
) -> Response:
    achievements.require_editor(principal, organization)
    row = achievements.achievement_for(session, principal, organization, aslug)
    posted = await request.form()
    undo = posted.get("action") == "unretire"
    name = str(row.data.get("name", row.slug))
    if posted.get("confirm") != "yes":
        consequences = (
            [
                "It can be issued again at once, as its current version.",
                "Nothing already issued changes.",
            ]
            if undo
            else [
                "Nothing more is issued of it: it leaves the issue forms and the API refuses it.",
                "Credentials already issued stay valid; revoke them one by one if they must end.",
                "It stays listed as retired, and you can offer it again later.",
            ]
        )
        return confirmation(
            request,
            title=f"{'Offer' if undo else 'Retire'} {name}{' again' if undo else ''}?",
            question=f"{name} is at version {row.version}.",
            consequences=consequences,
            action=f"/issuer/{organization.slug}/achievements/{row.slug}/retire",
            fields={"action": "unretire" if undo else "retire"},
            button="Offer it again" if undo else "Retire it",
            cancel=f"/issuer/{organization.slug}/achievements/{row.slug}",
            danger=not undo,
        )
    achievements.retire(session, platform, principal, organization, row, retired=not undo)
    return RedirectResponse(
        f"/issuer/{organization.slug}/achievements/{row.slug}"
        f"?done={'unretired' if undo else 'retired'}",
        status_code=303,
    )


@router.get("/issuer/{slug}/download/{credential_id:path}")
def issuer_download(
    credential_id: str,
    session: SessionDep,
    principal: Visitor,
    organization: OrgDep,
    kind: Annotated[str, Query(alias="format")] = "json",
) -> Response:
    """A credential this organization issued, as JSON or (``?format=badge``) baked into
    its badge image — for staff to hand over or re-send."""
    row = issuing.issued_by(session, principal, organization, credential_id)
    return credential_download(session, row, kind)
