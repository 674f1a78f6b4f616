"""Importing into the learner's record in the browser: upload files or paste text; the
result (a row per credential) is shown on a page of its own, so that reloading it imports
nothing twice. Every decision is ``holders.imports``'s; these render."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openler.services.holders import imports
from openler.services.people.accounts import Principal
from openler.services.wording import N_, Wording, phrase
from openler.web.deps import CommitRoute, PlatformDep, SessionDep, Visitor
from openler.web.render import page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)

#: what the paste box holds at most (a CLR or an LER-RS résumé with its credentials fits)
MAX_PASTE = 1_000_000


def _form(
    request: Request,
    principal: Principal,
    platform: PlatformDep,
    *,
    status: int = 200,
    text: str = "",
    error: Wording | None = None,
    refusals: list[imports.ImportRow] | None = None,
) -> HTMLResponse:
    return page(
        request,
        "import.html",
        status,
        principal=principal,
        text=text,
        error=error,
        refusals=refusals or [],
        limit_mb=max(1, platform.settings.max_request_bytes // 1_000_000),
    )


@router.get("/record/import", response_class=HTMLResponse)
def import_form(request: Request, platform: PlatformDep, principal: Visitor) -> Response:
    return _form(request, principal, platform)


@router.post("/record/import")
async def import_upload(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    files: Annotated[list[UploadFile] | None, File()] = None,
    text: Annotated[str, Form(max_length=MAX_PASTE)] = "",
) -> Response:
    uploads = []
    for upload in files or []:
        data = await upload.read(imports.MAX_FILE_BYTES + 1)
        if upload.filename or data:
            uploads.append(imports.Upload(upload.filename or "file", data, upload.content_type))
    if text.strip():
        uploads.append(imports.Upload("pasted text", text.encode(), "text/plain"))
    if not uploads:
        return _form(
            request,
            principal,
            platform,
            status=400,
            error=phrase(N_("Choose one or more files, or paste a credential, to import")),
        )
    report = imports.import_files(session, platform, principal, uploads)
    if text.strip() and all(r.outcome == "refused" for r in report.rows):
        # nothing could be imported: show what was pasted again to correct, with why
        return _form(
            request,
            principal,
            platform,
            status=400,
            text=text,
            error=phrase(N_("Nothing could be imported")),
            refusals=report.rows,
        )
    return RedirectResponse(f"/record/import/{report.id}", status_code=303)


@router.get("/record/import/{run_id}", response_class=HTMLResponse)
def import_result(
    run_id: str, request: Request, session: SessionDep, principal: Visitor
) -> Response:
    report = imports.report_of(session, principal, run_id)
    return page(request, "import_result.html", principal=principal, report=report)
