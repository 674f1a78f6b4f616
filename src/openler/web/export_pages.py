"""The learner's exports: the page offering them, the JSON bundle and the LER-RS résumé as
downloads, the printable résumé page and its PDF. A printed résumé gets a QR code per
credential only with the person's consent on the form (each is a share link of that
credential, for a year). Everything is the signed-in person's own; the services decide."""

from __future__ import annotations

import base64
import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openler.services.context import Platform
from openler.services.holders import exports, resume_pdf
from openler.services.people.accounts import Principal
from openler.web import i18n
from openler.web.claim_pages import qr_svg
from openler.web.deps import CommitRoute, PlatformDep, SessionDep, Visitor
from openler.web.render import download, language_of, page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)


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
    return download(_json(document), "application/json", "openler-record.json")


@router.get("/record/export/ler-rs")
def export_ler_rs(session: SessionDep, platform: PlatformDep, principal: Visitor) -> Response:
    document = exports.ler_rs(session, platform, principal)
    return download(_json(document), "application/json", "openler-resume-ler-rs.json")


def _consented(links: str) -> bool:
    return links == "yes"


def _resume_page(
    request: Request, platform: Platform, shown: exports.Resume, principal: Principal
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


#: the printed links just made, kept for the résumé page an hour (so Reload shows them again
#: and posts nothing); share tokens are never put in an address
PRINTED_COOKIE = "openler_printed"
_PRINTED_PATH = "/record/resume"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
_REF = re.compile(r"(issued|held):[^\s]{1,200}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _packed(made: exports.PrintedLinks) -> str:
    data = json.dumps({"until": made.until, "tokens": made.tokens}, separators=(",", ":"))
    return base64.urlsafe_b64encode(data.encode()).decode()


def _unpacked(value: str | None) -> exports.PrintedLinks | None:
    """The links the cookie holds, when it is well formed (it comes from the browser)."""
    if not value:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(value.encode()))
    except (ValueError, RecursionError):  # not base64, not JSON, or nested past reading
        return None
    tokens = data.get("tokens") if isinstance(data, dict) else None
    until = data.get("until") if isinstance(data, dict) else None
    if not isinstance(tokens, dict) or not isinstance(until, str) or not _DAY.fullmatch(until):
        return None
    kept = {
        ref: token
        for ref, token in tokens.items()
        if isinstance(ref, str)
        and isinstance(token, str)
        and _REF.fullmatch(ref)
        and _TOKEN.fullmatch(token)
    }
    return exports.PrintedLinks(kept, until)


@router.get("/record/resume", response_class=HTMLResponse)
def resume_page(
    request: Request, session: SessionDep, platform: PlatformDep, principal: Visitor
) -> Response:
    """The printable résumé: with the QR codes just made (see :func:`make_links`), else
    without (the export page makes them, asking first)."""
    made = _unpacked(request.cookies.get(PRINTED_COOKIE))
    shown = exports.printed(session, platform, principal, kind="print", links=made)
    return _resume_page(request, platform, shown, principal)


@router.post("/record/resume")
def make_links(
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    links: Annotated[str, Form()] = "",
) -> Response:
    """Make the printed links when the person consented, then show the résumé (303)."""
    response = RedirectResponse(_PRINTED_PATH, status_code=303)
    if _consented(links):
        made = exports.print_links(session, platform, principal)
        response.set_cookie(
            PRINTED_COOKIE,
            _packed(made),
            path=_PRINTED_PATH,
            max_age=3600,
            httponly=True,
            samesite="strict",
            secure=platform.settings.secure_cookies,
        )
    else:
        response.delete_cookie(PRINTED_COOKIE, path=_PRINTED_PATH)
    return response


@router.post("/record/export/pdf")
def export_pdf(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    links: Annotated[str, Form()] = "",
) -> Response:
    """The résumé as a PDF, in the language of the person's pages."""
    made = exports.print_links(session, platform, principal) if _consented(links) else None
    shown = exports.printed(session, platform, principal, kind="pdf", links=made)
    translate = i18n.translator(language_of(request, principal))
    body = resume_pdf.render(shown, translate=translate)
    return download(body, "application/pdf", "openler-resume.pdf")
