"""Verification rosters for an organization's verifiers: upload a ZIP of credential files
or a list of share links, follow the job's progress live, read the verdicts — counted in
plain words, filtered by verdict (a query parameter: it works without scripts) — and
download them all as CSV. Every decision is ``verifiers.rosters``'s; these render."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from openler.services.errors import UsageError
from openler.services.issuers.job_reports import JobView
from openler.services.people.accounts import Principal
from openler.services.verifiers import rosters
from openler.services.verifiers.roster_files import LIMITS
from openler.services.verifiers.verdicts import OUTCOMES, issuer_said
from openler.services.wording import N_, Wording, phrase, worded
from openler.store.models import Organization
from openler.web import i18n
from openler.web.deps import CommitRoute, OrgDep, PlatformDep, SessionDep, Visitor
from openler.web.render import file_size, language_of, page
from openler.web.roster_pages import csv_download, progress_body

router = APIRouter(include_in_schema=False, route_class=CommitRoute)
#: verdicts a page of the table shows
PER_PAGE = 100


def _rosters_page(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Principal,
    organization: Organization,
    *,
    status: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    return page(
        request,
        "verification_rosters.html",
        status,
        principal=principal,
        organization=organization,
        rosters=rosters.rosters_of(session, principal, organization),
        count_words=rosters.count_words,
        error=error,
        limit=file_size(
            min(
                platform.settings.upload_limit_bytes,
                LIMITS.file_bytes,
            )
        ),
        most=LIMITS.items,
    )


@router.get("/verifier/{slug}/rosters", response_class=HTMLResponse)
def rosters_page(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
) -> Response:
    return _rosters_page(request, session, platform, principal, organization)


@router.post("/verifier/{slug}/rosters")
async def upload(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    content = await file.read(LIMITS.file_bytes + 1) if file is not None else b""
    try:
        job_id = rosters.submit(
            platform,
            request.app.state.jobs,
            principal,
            organization_slug=organization.slug,
            content=content,
            filename=(file.filename if file is not None else None) or "roster",
        )
    except UsageError as exc:
        return _rosters_page(
            request, session, platform, principal, organization, status=400, error=exc.message
        )
    request.app.state.metrics.events["verification_roster.submit"] += 1
    return RedirectResponse(f"/verifier/{organization.slug}/rosters/{job_id}", 303)


def progress_words(view: JobView) -> list[Wording | str]:
    """The roster's progress in words (the page and its live updates say the same): how
    far it is, and once it ended, its verdicts counted (and why it stopped, if it did)."""
    if not view.finished:
        doing = N_("waiting to start") if view.state == "queued" else N_("checking")
        if not view.total:
            return [worded(N_("The roster is %(doing)s."), doing=phrase(doing))]
        return [
            worded(
                N_("The roster is %(doing)s: %(done)s of %(total)s items done (%(percent)s%%)."),
                doing=phrase(doing),
                done=f"{view.done:,}",
                total=f"{view.total:,}",
                percent=str(view.percent),
            )
        ]
    ending = N_("Done") if view.state == "done" else N_("Stopped before the end")
    words: list[Wording | str] = [phrase(ending), *rosters.count_words(view.counts, view.total)]
    if view.state != "done" and view.error:
        words.append(view.error.splitlines()[0])  # the refusal as the services said it
    return words


def _said(words: list[Wording | str]) -> str:
    """Words as the status line says them: ``Done: 982 of 1,000 …; 9 revoked.``"""
    first, *rest = (str(i18n.said(w).unescape()) for w in words)
    if not rest:
        return first
    return f"{first}: {'; '.join(rest)}."


@router.get("/verifier/{slug}/rosters/{job_id}", response_class=HTMLResponse)
def roster_page(
    job_id: str,
    request: Request,
    session: SessionDep,
    principal: Visitor,
    organization: OrgDep,
    show: str = rosters.ALL,
) -> Response:
    view = rosters.roster_view(session, principal, organization, job_id)
    table = rosters.verdict_page(
        session,
        principal,
        organization,
        job_id,
        show=show,
        page=_page_number(request),
        per_page=PER_PAGE,
    )
    language = language_of(request, principal)
    with i18n.speaking(language):
        words = _said(progress_words(view))
    return page(
        request,
        "verification_roster.html",
        principal=principal,
        organization=organization,
        job=view,
        words=words,
        counts=rosters.count_words(view.counts, view.total),
        table=table,
        filters=[(f, _filter_label(f), _filter_count(f, view)) for f in rosters.filters()],
        outcomes=OUTCOMES,
        issuer_said=issuer_said,
    )


def _page_number(request: Request) -> int:
    value = request.query_params.get("page", "1")
    return int(value) if value.isdigit() and len(value) < 7 else 1


def _filter_label(name: str) -> str:
    if name == rosters.ALL:
        return N_("every item")
    if name == rosters.ATTENTION:
        return N_("everything not verified and active")
    return OUTCOMES[name][1]


def _filter_count(name: str, view: JobView) -> int:
    if name == rosters.ALL:
        return sum(view.counts.values())
    if name == rosters.ATTENTION:
        return sum(n for outcome, n in view.counts.items() if outcome != "active")
    return view.counts.get(name, 0)


@router.get("/verifier/{slug}/rosters/{job_id}/progress")
def roster_progress(
    job_id: str, request: Request, session: SessionDep, principal: Visitor, organization: OrgDep
) -> Response:
    """The roster's progress as JSON: what the roster page's script polls."""
    view = rosters.roster_view(session, principal, organization, job_id)
    with i18n.speaking(language_of(request, principal)):
        words = _said(progress_words(view))
    return JSONResponse(progress_body(view, words))


@router.get("/verifier/{slug}/rosters/{job_id}/verdicts.csv")
def roster_csv(
    job_id: str, platform: PlatformDep, principal: Visitor, organization: OrgDep
) -> Response:
    rosters.check_access(platform, principal, organization.slug, job_id)
    return csv_download(rosters.verdict_lines(platform, job_id), f"verdicts-{job_id[:8]}.csv")
