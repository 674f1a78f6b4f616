"""The public verify page, for anyone, no account needed: a file (dropped or chosen), pasted
text, a share link, or what a QR code says, verified and answered first; the result
downloads as a JSON report and a PDF report without the server keeping anything.

Someone with the verifier role may save a result for their organization, to find it again
on their home page. Every decision is the services' (``verifiers.anyone``,
``verifiers.rate_limit``, ``verifiers.sealed_results``, ``verifiers.report_pdf``,
``verifiers.saved``); these routes read the form, count the use against the client's
allowance and render.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openler.services.errors import NotFound, ServiceError, UsageError
from openler.services.issuers import orgs
from openler.services.people.accounts import Principal
from openler.services.verifiers import anyone, rate_limit, report_pdf, saved, sealed_results
from openler.services.wording import N_
from openler.vc import MAX_INPUT_BYTES
from openler.web import i18n
from openler.web.deps import (
    CommitRoute,
    MaybePrincipal,
    OrgDep,
    PlatformDep,
    SessionDep,
    Visitor,
    optional_principal,
)
from openler.web.render import download, error_page, language_of, page

#: whoever uses the page without signing in (a share link's opening is theirs, by client)
ANONYMOUS = Principal.system("verify page")

router = APIRouter(include_in_schema=False, route_class=CommitRoute)

#: the most the paste box holds (what the request body limit lets through anyway)
MAX_PASTE = 1_000_000


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _form(
    request: Request,
    platform: PlatformDep,
    principal: Principal | None,
    *,
    status: int = 200,
    text: str = "",
    error: ServiceError | None = None,
) -> HTMLResponse:
    return page(
        request,
        "verify.html",
        status,
        principal=principal,
        text=text,
        error=error,
        limit_mb=max(1, min(platform.settings.max_request_bytes, MAX_INPUT_BYTES) // 1_000_000),
        per_minute=platform.settings.verify_page_per_minute,
    )


def _too_many(request: Request, exc: rate_limit.TooManyVerifications) -> Response:
    response = error_page(request, 429, exc)
    response.headers["Retry-After"] = str(exc.seconds)
    return response


@router.get("/verify", response_class=HTMLResponse)
def verify_form(request: Request, platform: PlatformDep, principal: MaybePrincipal) -> Response:
    return _form(request, platform, principal)


@router.post("/verify", response_class=HTMLResponse)
def verify_given(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: MaybePrincipal,
    file: Annotated[UploadFile | None, File()] = None,
    document: Annotated[str, Form(max_length=MAX_PASTE)] = "",
) -> Response:
    """Verify the file or the text (a credential, a presentation, a share link) sent."""
    upload = file.file.read(MAX_INPUT_BYTES + 1) if file is not None and file.filename else b""
    if file is not None and file.filename and document.strip():
        return _form(
            request,
            platform,
            principal,
            status=400,
            text=document,
            error=UsageError.worded(
                N_("Verify one thing at a time: choose a file, or paste text, not both")
            ),
        )
    try:
        rate_limit.take(platform, principal or ANONYMOUS, _client(request))
    except rate_limit.TooManyVerifications as exc:
        return _too_many(request, exc)
    given = (
        anyone.Given(upload, file.filename or "file")
        if file is not None and file.filename
        else anyone.Given(document.encode("utf-8"))
    )
    try:
        checked = anyone.check(
            session,
            platform,
            given,
            principal=principal or ANONYMOUS,
            hosts=anyone.hosts_of(platform, request.headers.get("host", "")),
            viewer=f"verify page:{_client(request)}",
        )
    except ServiceError as exc:
        return _form(
            request,
            platform,
            principal,
            status=exc.http_status if exc.http_status != 409 else 410,
            text=document,
            error=exc,
        )
    verified = checked.report.verified
    request.app.state.metrics.events["verify." + ("verified" if verified else "failed")] += 1
    if checked.share is not None:
        request.app.state.metrics.events["share.view"] += 1
    record = sealed_results.record_of(platform, checked)
    return page(
        request,
        "verify_result.html",
        principal=principal,
        checked=checked,
        verdict=checked.verdict,
        report=checked.report,
        sealed=sealed_results.sealed(platform, record),
        seal_hours=sealed_results.SEAL_HOURS,
        verifier_orgs=orgs.organizations_of(session, principal, saved.VERIFIER)
        if principal
        else [],
    )


@router.post("/verify/save")
def save_result(
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    result: Annotated[str, Form()],
    organization: Annotated[str, Form(max_length=200)],
) -> Response:
    """Keep a result (not what was verified) for one of the verifier's organizations."""
    row = saved.save(session, platform, principal, organization, result)
    return RedirectResponse(f"/verifier/{quote(organization)}/saved/{row.id}", status_code=303)


@router.get("/verifier/{slug}/saved/{saved_id}", response_class=HTMLResponse)
def saved_page(
    saved_id: str, request: Request, session: SessionDep, principal: Visitor, organization: OrgDep
) -> Response:
    row = saved.saved_of(session, principal, organization, saved_id)
    return page(
        request,
        "verify_saved.html",
        principal=principal,
        organization=organization,
        row=row,
        record=row.record,
        verdict=saved.verdict_of(row.record),
    )


@router.get("/verifier/{slug}/saved/{saved_id}/report.{kind}")
def saved_report(
    saved_id: str,
    kind: str,
    request: Request,
    session: SessionDep,
    principal: Visitor,
    organization: OrgDep,
) -> Response:
    """A saved result as the JSON or PDF report it was when checked."""
    row = saved.saved_of(session, principal, organization, saved_id)
    return _report(request, principal, row.record, kind)


def _report(
    request: Request, principal: Principal | None, record: dict[str, Any], kind: str
) -> Response:
    if kind == "json":
        body = json.dumps(sealed_results.public_json(record), indent=2, ensure_ascii=False)
        return download(body.encode("utf-8"), "application/json", "verification-report.json")
    if kind == "pdf":
        translate = i18n.translator(language_of(request, principal))
        body_pdf = report_pdf.render(record, translate=translate)
        return download(body_pdf, "application/pdf", "verification-report.pdf")
    raise NotFound("a report comes as .json or .pdf")


# a signed-in person's form is checked as every form is (no principal is needed to read it)
@router.post("/verify/report.json", dependencies=[Depends(optional_principal)])
def report_json(
    request: Request, platform: PlatformDep, result: Annotated[str, Form()]
) -> Response:
    """The result a verify page carries, as the JSON report (made again from the page's
    sealed copy: nothing is verified again, nothing was kept)."""
    return _report(request, None, sealed_results.opened(platform, result), "json")


@router.post("/verify/report.pdf")
def report_pdfdownload(
    request: Request,
    platform: PlatformDep,
    principal: MaybePrincipal,
    result: Annotated[str, Form()],
) -> Response:
    """The result a verify page carries, as a PDF report in the page's language."""
    record = sealed_results.opened(platform, result)
    try:
        rate_limit.take(platform, principal or ANONYMOUS, _client(request))
    except rate_limit.TooManyVerifications as exc:
        return _too_many(request, exc)
    return _report(request, principal, record, "pdf")
