"""The learner's record: the whole record by group, one entry with its facts first and its
checks below, and the entries a person writes themselves (add, edit, delete with a
confirmation). Every decision is the service layer's; these render."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openler.services.holders import reading, record, self_reported
from openler.services.holders.self_reported import InvalidEntry, Problem
from openler.services.people.accounts import Principal
from openler.services.protocols import oid4vci_wallet
from openler.web.deps import CommitRoute, PlatformDep, SessionDep, Visitor
from openler.web.render import confirmation, page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)

#: what the record page says after a change, by the ``done`` it is sent with
DONE = {
    "added": "Added to your record, marked self-reported.",
    "saved": "Your changes are saved.",
    "deleted": "The entry is deleted.",
}
#: the form's fields, in the order a person meets them (an error summary follows it)
FIELDS = ("kind", "title", "organization", "started", "ended", "description")


def entry_address(ref: str) -> str:
    """The page of the entry ``ref`` (``issued:…`` or ``held:…``), its id URL-encoded."""
    where, _, ident = ref.partition(":")
    return f"/record/{where}:{quote(ident, safe='')}"


@router.get("/record", response_class=HTMLResponse)
def record_page(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    done: str = "",
) -> Response:
    return page(
        request,
        "record.html",
        principal=principal,
        record=record.record_of(session, platform, principal),
        kinds=self_reported.KINDS,
        done=DONE.get(done),
        address=entry_address,
    )


def _entry(
    request: Request, session: SessionDep, platform: PlatformDep, principal: Principal, ref: str
) -> HTMLResponse:
    shown = reading.entry_page(session, platform, principal, ref)
    return page(
        request,
        "record_entry.html",
        principal=principal,
        shown=shown,
        entry=shown.entry,
        address=entry_address,
        pretty=json.dumps(shown.entry.document, indent=2, ensure_ascii=False),
    )


@router.get("/record/issued:{credential_id:path}", response_class=HTMLResponse)
def issued_entry(
    credential_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
) -> Response:
    """A credential issued here, facts first, verified now."""
    return _entry(request, session, platform, principal, f"issued:{credential_id}")


@router.get("/record/held:{held_id}", response_class=HTMLResponse)
def held_entry(
    held_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
) -> Response:
    """A credential from elsewhere (received or imported), facts first, verified now."""
    return _entry(request, session, platform, principal, f"held:{held_id}")


@router.get("/record/held:{held_id}/download")
def held_download(held_id: str, session: SessionDep, principal: Visitor) -> Response:
    """A credential from elsewhere as it came: its JSON, or the JWT it came as."""
    row = oid4vci_wallet.received(session, principal, held_id)
    name = "".join(c if c.isalnum() else "-" for c in row.name).lower() or "credential"
    if row.jwt:
        content, media, suffix = row.jwt, "application/vc+jwt", "jwt"
    else:
        content = json.dumps(row.document, indent=2, ensure_ascii=False)
        media, suffix = "application/vc", "json"
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{suffix}"'},
    )


# --- what a person writes themselves ------------------------------------------------------


def _form(
    request: Request,
    principal: Principal,
    *,
    values: dict[str, str],
    entry_id: str | None = None,
    problems: list[Problem] | None = None,
    status: int = 200,
) -> HTMLResponse:
    shown = sorted(problems or [], key=lambda p: FIELDS.index(p.field))
    return page(
        request,
        "self_reported_form.html",
        status,
        principal=principal,
        values=values,
        entry_id=entry_id,
        kinds=self_reported.KINDS,
        problems=[(p.field, p.wording or (p.message, ())) for p in shown],
        errors={p.field: p.wording or (p.message, ()) for p in shown},
    )


def _typed(
    kind: str, title: str, organization: str, started: str, ended: str, description: str
) -> dict[str, str]:
    return {
        "kind": kind,
        "title": title,
        "organization": organization,
        "started": started,
        "ended": ended,
        "description": description,
    }


#: a field of the form (lengths are checked by the service, with a message per field)
Field = Annotated[str, Form(max_length=20_000)]


@router.get("/record/self/new", response_class=HTMLResponse)
def new_form(request: Request, principal: Visitor) -> Response:
    return _form(request, principal, values={"kind": "job"})


@router.post("/record/self/new", response_class=HTMLResponse)
def add(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    kind: Field = "",
    title: Field = "",
    organization: Field = "",
    started: Field = "",
    ended: Field = "",
    description: Field = "",
) -> Response:
    values = _typed(kind, title, organization, started, ended, description)
    try:
        draft = self_reported.checked(**values)
    except InvalidEntry as exc:
        return _form(request, principal, values=values, problems=exc.problems, status=400)
    self_reported.add(session, platform, principal, draft)
    return RedirectResponse("/record?done=added#self-reported", status_code=303)


@router.get("/record/self/{entry_id}/edit", response_class=HTMLResponse)
def edit_form(entry_id: str, request: Request, session: SessionDep, principal: Visitor) -> Response:
    row = self_reported.own(session, principal, entry_id)
    values = _typed(
        row.kind,
        row.title,
        row.organization or "",
        row.started or "",
        row.ended or "",
        row.description or "",
    )
    return _form(request, principal, values=values, entry_id=row.id)


@router.post("/record/self/{entry_id}/edit", response_class=HTMLResponse)
def edit(
    entry_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    kind: Field = "",
    title: Field = "",
    organization: Field = "",
    started: Field = "",
    ended: Field = "",
    description: Field = "",
) -> Response:
    row = self_reported.own(session, principal, entry_id)
    values = _typed(kind, title, organization, started, ended, description)
    try:
        draft = self_reported.checked(**values)
    except InvalidEntry as exc:
        return _form(
            request, principal, values=values, entry_id=row.id, problems=exc.problems, status=400
        )
    self_reported.edit(session, platform, principal, row.id, draft)
    return RedirectResponse("/record?done=saved#self-reported", status_code=303)


@router.post("/record/self/{entry_id}/delete")
def delete(
    entry_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    row = self_reported.own(session, principal, entry_id)
    if confirm != "yes":
        kind = self_reported.KINDS.get(row.kind, "Entry")
        return confirmation(
            request,
            title=f"Delete “{row.title}” from your record?",
            question=f"{kind} you added yourself.",
            consequences=[
                "It is removed from your record; this cannot be undone.",
                "You can add it again later with “Add something yourself”.",
            ],
            action=f"/record/self/{quote(row.id)}/delete",
            fields={},
            button="Delete it",
            cancel="/record#self-reported",
        )
    self_reported.delete(session, platform, principal, row.id)
    return RedirectResponse("/record?done=deleted#self-reported", status_code=303)
