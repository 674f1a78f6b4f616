"""Roster pages for issuer staff: upload a CSV or Excel file, map its columns, preview the
rows as they will be issued, try a dry run, issue it as a background job and follow its
progress live; the organization's past jobs and each job's per-row result as CSV.

The uploaded file stays on the server (:mod:`~openler.services.issuers.roster_uploads`)
between the steps: the pages send the browser only its random id, and the rows issued
are always read again from the file. Access is decided in the services.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.responses import StreamingResponse as Streaming

from openler.services.errors import NotFound, UsageError
from openler.services.issuers import (
    achievements,
    bulk,
    job_reports,
    roster_uploads,
    rosters,
    standing,
)
from openler.services.issuers.job_reports import JobView
from openler.services.issuers.recipients import IDENTITY_TYPES
from openler.services.people.accounts import Principal
from openler.store.models import Organization
from openler.web.deps import CommitRoute, OrgDep, PlatformDep, SessionDep, Visitor
from openler.web.render import confirmation, page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)
#: how many rows the preview shows as they will be issued
PREVIEW_ROWS = 10
MAP_PREFIX = "map."


def _upload_form(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Principal,
    organization: Organization,
    *,
    status: int = 200,
    error: str | None = None,
    achievement: str = "",
) -> HTMLResponse:
    return page(
        request,
        "roster_upload.html",
        status,
        principal=principal,
        organization=organization,
        achievements=[
            a
            for a in achievements.achievements_of(session, principal, organization)
            if a.retired_at is None
        ],
        error=error,
        achievement=achievement,
        max_mb=roster_uploads.MAX_UPLOAD // 1_000_000,
        limit_kb=min(
            platform.settings.upload_limit_bytes,
            roster_uploads.MAX_UPLOAD,
        )
        // 1000,
    )


@router.get("/issuer/{slug}/rosters", response_class=HTMLResponse)
def upload_form(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    achievement: str = "",
) -> Response:
    return _upload_form(
        request, session, platform, principal, organization, achievement=achievement
    )


@router.post("/issuer/{slug}/rosters")
async def upload(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    achievement: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    content = await file.read(roster_uploads.MAX_UPLOAD + 1) if file is not None else b""
    try:
        if not achievement:
            raise UsageError("choose the achievement to issue")
        stored = roster_uploads.store(
            platform,
            principal,
            organization.slug,
            filename=(file.filename if file is not None else None) or "roster",
            content=content,
            achievement_slug=achievement,
        )
    except (UsageError, NotFound) as exc:
        return _upload_form(
            request,
            session,
            platform,
            principal,
            organization,
            status=400,
            error=exc.message,
            achievement=achievement,
        )
    return RedirectResponse(f"/issuer/{organization.slug}/rosters/{stored.id}/columns", 303)


def _columns_page(
    request: Request,
    platform: PlatformDep,
    principal: Principal,
    organization: Organization,
    upload: roster_uploads.Upload,
    *,
    mapping: dict[str, str] | None = None,
    status: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    achievement = rosters.achievement_for(
        platform, principal, organization.slug, upload.achievement
    )
    if mapping is None:
        mapping = upload.mapping or rosters.suggest_mapping(
            upload.headers, achievement.data, achievement.column_map
        )
    return page(
        request,
        "roster_columns.html",
        status,
        principal=principal,
        organization=organization,
        upload=upload,
        achievement=achievement,
        fields=rosters.field_labels(achievement.data),
        mapping=mapping,
        identity_types=IDENTITY_TYPES,
        date_forms=rosters.DATE_FORMS,
        error=error,
    )


@router.get("/issuer/{slug}/rosters/{upload_id}/columns", response_class=HTMLResponse)
def columns_form(
    upload_id: str,
    request: Request,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
) -> Response:
    upload = roster_uploads.load(platform, principal, organization.slug, upload_id)
    return _columns_page(request, platform, principal, organization, upload)


@router.post("/issuer/{slug}/rosters/{upload_id}/columns")
async def choose_columns(
    upload_id: str,
    request: Request,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
) -> Response:
    form = await request.form()
    chosen = {
        str(key).removeprefix(MAP_PREFIX): str(value)
        for key, value in form.multi_items()
        if str(key).startswith(MAP_PREFIX) and isinstance(value, str)
    }
    upload = roster_uploads.load(platform, principal, organization.slug, upload_id)
    achievement = rosters.achievement_for(
        platform, principal, organization.slug, upload.achievement
    )
    try:
        mapping = rosters.check_mapping(chosen, upload.headers, achievement.data)
    except UsageError as exc:
        return _columns_page(
            request,
            platform,
            principal,
            organization,
            upload,
            mapping=chosen,
            status=400,
            error=exc.message,
        )
    roster_uploads.choose(upload, mapping=mapping)
    return RedirectResponse(f"/issuer/{organization.slug}/rosters/{upload.id}", 303)


@router.get("/issuer/{slug}/rosters/{upload_id}", response_class=HTMLResponse)
def preview(
    upload_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
) -> Response:
    upload = roster_uploads.load(platform, principal, organization.slug, upload_id)
    if upload.mapping is None:
        return RedirectResponse(f"/issuer/{organization.slug}/rosters/{upload.id}/columns", 303)
    achievement = rosters.achievement_for(
        platform, principal, organization.slug, upload.achievement
    )
    summary = rosters.preview(
        platform,
        principal,
        organization_slug=organization.slug,
        achievement_slug=upload.achievement,
        path=upload.path,
        mapping=upload.mapping,
        first=PREVIEW_ROWS,
        limits=roster_uploads.LIMITS,
    )
    labels = rosters.field_labels(achievement.data)
    return page(
        request,
        "roster_preview.html",
        principal=principal,
        organization=organization,
        upload=upload,
        achievement=achievement,
        summary=summary,
        mapped=[(labels[f], h) for f, h in upload.mapping.items() if f in labels],
        untrusted=standing.untrusted_warning(session, platform, organization, achievement),
        identifier_type=(
            upload.mapping.get(rosters.IDENTIFIER_TYPE, "identifier")
            if "identifier" in upload.mapping
            else None
        ),
    )


@router.post("/issuer/{slug}/rosters/{upload_id}/run")
def run(
    upload_id: str,
    request: Request,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    mode: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    upload = roster_uploads.load(platform, principal, organization.slug, upload_id)
    if upload.mapping is None or mode not in ("dry-run", "issue"):
        return RedirectResponse(f"/issuer/{organization.slug}/rosters/{upload.id}", 303)
    dry_run = mode == "dry-run"
    if not dry_run and confirm != "yes":
        achievement = rosters.achievement_for(
            platform, principal, organization.slug, upload.achievement
        )
        summary = rosters.preview(
            platform,
            principal,
            organization_slug=organization.slug,
            achievement_slug=upload.achievement,
            path=upload.path,
            mapping=upload.mapping,
            first=0,
            limits=roster_uploads.LIMITS,
        )
        if not summary.to_issue:
            return RedirectResponse(f"/issuer/{organization.slug}/rosters/{upload.id}", 303)
        name = achievement.data.get("name", upload.achievement)
        count = summary.to_issue
        return confirmation(
            request,
            title=f"Issue {name} to {count:,} recipient{'' if count == 1 else 's'}?",
            question=f"The rows of {upload.filename} are issued in the background; you can "
            "follow the job's progress on its page.",
            consequences=[
                "Each recipient gets a signed credential; verifiers can check it at once.",
                *(
                    [f"Not issued again: {_rows(summary.held)} whose recipient already holds it."]
                    if summary.held
                    else []
                ),
                *(
                    [
                        f"Issued once: {_rows(summary.repeated)} naming a recipient of an "
                        "earlier row."
                    ]
                    if summary.repeated
                    else []
                ),
                *(
                    [
                        f"Not issued: {_rows(summary.bad)} with problems (they are listed "
                        "in the results)."
                    ]
                    if summary.bad
                    else []
                ),
            ],
            action=f"/issuer/{organization.slug}/rosters/{upload.id}/run",
            fields={"mode": "issue"},
            button="Issue the credentials",
            cancel=f"/issuer/{organization.slug}/rosters/{upload.id}",
            danger=False,
        )
    job_id = rosters.submit(
        platform,
        request.app.state.jobs,
        principal,
        organization_slug=organization.slug,
        achievement_slug=upload.achievement,
        path=upload.path,
        mapping=upload.mapping,
        dry_run=dry_run,
        source=upload.filename,
        limits=roster_uploads.LIMITS,
    )
    request.app.state.metrics.events["roster.submit"] += 1
    if dry_run:
        return RedirectResponse(
            f"/issuer/{organization.slug}/jobs/{job_id}?roster={upload.id}", 303
        )
    roster_uploads.discard(upload)
    return RedirectResponse(f"/issuer/{organization.slug}/jobs/{job_id}", 303)


def _rows(n: int) -> str:
    return f"{n:,} row{'' if n == 1 else 's'}"


# --- jobs -------------------------------------------------------------------------------


def progress_words(view: JobView) -> str:
    """The job's progress in a sentence (the page and its live updates say the same)."""
    if not view.finished:
        doing = "waiting to start" if view.state == "queued" else "running"
        if not view.total:
            return f"The job is {doing}."
        return f"The job is {doing}: {view.done:,} of {view.total:,} rows done ({view.percent}%)."
    done = view.state == "done"
    ending = "Done" if done else "Stopped before the end"
    if view.kind != bulk.ROSTER_JOB:
        result = view.result
        if "reissued" in result:
            words = f"{ending}: {result.get('reissued', 0)} re-issued"
            words += f", {result['failed']} not re-issued." if result.get("failed") else "."
        else:
            words = f"{ending}."
    else:
        words = f"{ending}: {job_reports.outcome_words(view.counts) or 'no rows'}."
    return words if done or not view.error else f"{words} {view.error.splitlines()[0]}"


@router.get("/issuer/{slug}/jobs", response_class=HTMLResponse)
def jobs_list(
    request: Request, session: SessionDep, principal: Visitor, organization: OrgDep
) -> Response:
    return page(
        request,
        "roster_jobs.html",
        principal=principal,
        organization=organization,
        jobs=job_reports.organization_jobs(session, principal, organization),
        outcome_words=job_reports.outcome_words,
    )


@router.get("/issuer/{slug}/jobs/{job_id}", response_class=HTMLResponse)
def job_page(
    job_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    roster: str = "",
) -> Response:
    view = job_reports.job_view(session, principal, organization, job_id)
    upload = None
    if roster and view.dry_run and view.finished:
        try:
            upload = roster_uploads.load(platform, principal, organization.slug, roster)
        except NotFound:
            upload = None
    return page(
        request,
        "job.html",
        principal=principal,
        organization=organization,
        job=view,
        words=progress_words(view),
        problems=job_reports.job_rows(session, principal, organization, job_id, outcome="failed"),
        rows=job_reports.job_rows(session, principal, organization, job_id),
        outcomes=bulk.OUTCOMES,
        upload=upload,
    )


@router.get("/issuer/{slug}/jobs/{job_id}/progress")
def job_progress(
    job_id: str, session: SessionDep, principal: Visitor, organization: OrgDep
) -> Response:
    """The job's progress as JSON: what the job page's script polls."""
    view = job_reports.job_view(session, principal, organization, job_id)
    return JSONResponse(progress_body(view, progress_words(view)))


def progress_body(view: JobView, words: str) -> dict[str, Any]:
    """A job's progress as the job pages' script reads it (``static/job-progress.js``)."""
    return {
        "state": view.state,
        "done": view.done,
        "total": view.total,
        "percent": view.percent,
        "finished": view.finished,
        "counts": view.counts,
        "words": words,
    }


@router.get("/issuer/{slug}/jobs/{job_id}/results.csv")
def job_results(
    job_id: str, platform: PlatformDep, principal: Visitor, organization: OrgDep
) -> Response:
    job_reports.check_access(platform, principal, organization.slug, job_id)
    return csv_download(job_reports.result_lines(platform, job_id), f"results-{job_id[:8]}.csv")


def csv_download(lines: Iterator[str], filename: str) -> Response:
    """CSV text streamed as a download named ``filename``."""

    def body() -> Iterator[str]:
        yield "\ufeff"  # spreadsheets then read the names as UTF-8
        yield from lines

    return Streaming(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
