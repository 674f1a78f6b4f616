"""The registry office's frameworks pages: the skills and occupations frameworks here with
what they hold and when they were last imported; a file uploaded to import one (or update it
in place), with what the import did and the rows it skipped; a framework's items searched and
paged; an item with its relations (an occupation's required skills by weight, its related
occupations, the military occupations that translate to it). Decisions and reading are
``services.skills.frameworks``'; only the registry office or the operator sees these pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from openler.services.errors import FileError, UsageError
from openler.services.people.accounts import Principal
from openler.services.skills import frameworks
from openler.services.wording import N_
from openler.web.deps import CommitRoute, PlatformDep, SessionDep, Visitor
from openler.web.render import page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)

#: the address the upload posts to (it may send the larger upload limit: see web.app)
IMPORT_PATH = "/registry/frameworks/import"
#: items a page lists
PAGE_SIZE = 50
KIND_NAMES = {
    "case": N_("CASE 1.1 package (JSON)"),
    "ctdl": N_("CTDL competency framework (JSON-LD)"),
    "esco": N_("ESCO CSV export (skills, occupations, relations)"),
    "onet": N_("O*NET database text files"),
    "military": N_("Military crosswalk (CSV)"),
}
ITEM_KINDS = {
    "skill": N_("skill"),
    "knowledge": N_("knowledge"),
    "competency": N_("competency"),
    "occupation": N_("occupation"),
    "military": N_("military occupation"),
}


def _list_page(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Principal,
    *,
    status: int = 200,
    error: str | None = None,
    kind: str = "",
) -> HTMLResponse:
    frameworks.require_framework_admin(session, principal)
    return page(
        request,
        "frameworks_list.html",
        status,
        principal=principal,
        frameworks=frameworks.frameworks(session),
        held=frameworks.item_counts(session),
        kinds=KIND_NAMES,
        item_kinds=ITEM_KINDS,
        chosen=kind,
        error=error,
        limit_mb=max(1, platform.settings.upload_limit_bytes // 1_000_000),
    )


@router.get("/registry/frameworks", response_class=HTMLResponse)
def frameworks_page(
    request: Request, session: SessionDep, platform: PlatformDep, principal: Visitor
) -> Response:
    return _list_page(request, session, platform, principal)


@router.post(IMPORT_PATH)
async def import_upload(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    kind: Annotated[str, Form(max_length=20)],
    files: Annotated[list[UploadFile] | None, File()] = None,
    framework_id: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    frameworks.require_framework_admin(session, principal)
    uploads: dict[str, bytes] = {}
    for upload in files or []:
        data = await upload.read(platform.settings.upload_limit_bytes + 1)
        if upload.filename or data:
            uploads[upload.filename or f"file {len(uploads) + 1}"] = data
    try:
        if not uploads:
            raise UsageError("Choose the file (or, for ESCO and O*NET, the files) to import")
        done = await run_in_threadpool(
            frameworks.import_files,
            session,
            platform,
            principal,
            kind,
            uploads,
            framework_id=framework_id.strip() or None,
            name=name.strip() or None,
        )
    except (UsageError, FileError) as exc:
        return _list_page(
            request, session, platform, principal, status=400, error=exc.message, kind=kind
        )
    return page(
        request,
        "frameworks_imported.html",
        principal=principal,
        done=done,
        skipped=[p for p in done.problems if p.line > 0],
        left_aside=[p for p in done.problems if p.line == 0],
        shown=100,
    )


@router.get("/registry/frameworks/{framework_id}", response_class=HTMLResponse)
def framework_page(
    request: Request,
    session: SessionDep,
    principal: Visitor,
    framework_id: str,
    q: str = "",
    kind: str = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> Response:
    frameworks.require_framework_admin(session, principal)
    row = frameworks.get_framework(session, framework_id)
    number = max(1, page_number)
    found = frameworks.items(
        session,
        row.id,
        kind=kind if kind in ITEM_KINDS else None,
        query=q[:200] or None,
        limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE,
    )
    return page(
        request,
        "frameworks_items.html",
        principal=principal,
        framework=row,
        held=frameworks.item_counts(session).get(row.id, {}),
        found=found,
        q=q[:200],
        kind=kind if kind in ITEM_KINDS else "",
        number=number,
        pages=max(1, -(-found.total // PAGE_SIZE)),
        item_kinds=ITEM_KINDS,
    )


@router.get("/registry/frameworks/{framework_id}/item", response_class=HTMLResponse)
def item_page(
    request: Request, session: SessionDep, principal: Visitor, framework_id: str, id: str
) -> Response:
    frameworks.require_framework_admin(session, principal)
    row = frameworks.get_framework(session, framework_id)
    entry = frameworks.item(session, row.id, id)
    return page(
        request,
        "frameworks_item.html",
        principal=principal,
        framework=row,
        item=entry,
        relations=frameworks.item_relations(session, entry),
        item_kinds=ITEM_KINDS,
    )
