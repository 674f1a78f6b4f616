"""The learner's exports: the page offering them, the JSON bundle and the LER-RS résumé as
downloads, the printable résumé page and its PDF. A printed résumé gets a QR code per
credential only with the person's consent on the form (each is a share link of that
credential, for a year). Everything is the signed-in person's own; the services decide."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from openler.services.context import Platform
from openler.services.holders import exports, resume_pdf
from openler.services.holders.exports import Format
from openler.web.claim_pages import qr_svg
from openler.web.deps import CommitRoute, PlatformDep, SessionDep, Visitor
from openler.web.render import page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)


def _download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False).encode()


@router.get("/record/export", response_class=HTMLResponse)
def export_page(request: Request, platform: PlatformDep, principal: Visitor) -> Response:
    response = page(
        request,
        "export.html",
        principal=principal,
        links_until=exports.links_until(platform),
        audience=exports.PRINTED_AUDIENCE,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/record/export/json")
def export_json(session: SessionDep, platform: PlatformDep, principal: Visitor) -> Response:
    document = exports.bundle(session, platform, principal)
    return _download(_json(document), "application/json", "openler-record.json")


@router.get("/record/export/ler-rs")
def export_ler_rs(session: SessionDep, platform: PlatformDep, principal: Visitor) -> Response:
    document = exports.ler_rs(session, platform, principal)
    return _download(_json(document), "application/json", "openler-resume-ler-rs.json")


def _consented(links: str) -> bool:
    return links == "yes"


def _resume_page(
    request: Request, platform: Platform, shown: exports.Resume, principal: Any
) -> HTMLResponse:
    codes = {
        line.link: qr_svg(line.link) for _, lines in shown.groups for line in lines if line.link
    }
    response = page(
        request,
        "resume.html",
        principal=principal,
        resume=shown,
        codes=codes,
        links_until=exports.links_until(platform),
    )
    response.headers["Cache-Control"] = "no-store"  # it may carry share links
    return response


@router.get("/record/resume", response_class=HTMLResponse)
def resume_page(
    request: Request, session: SessionDep, platform: PlatformDep, principal: Visitor
) -> Response:
    """The printable résumé without links (QR codes are made from the export page, which
    asks first)."""
    shown = exports.printed(session, platform, principal, with_links=False, kind="print")
    return _resume_page(request, platform, shown, principal)


@router.post("/record/resume", response_class=HTMLResponse)
def resume_with_links(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    links: Annotated[str, Form()] = "",
) -> Response:
    kind: Format = "print"
    shown = exports.printed(session, platform, principal, with_links=_consented(links), kind=kind)
    return _resume_page(request, platform, shown, principal)


@router.post("/record/export/pdf")
def export_pdf(
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    links: Annotated[str, Form()] = "",
) -> Response:
    shown = exports.printed(session, platform, principal, with_links=_consented(links), kind="pdf")
    return _download(resume_pdf.render(shown), "application/pdf", "openler-resume.pdf")
