"""A person's openler wallet answers another verifier's OpenID4VP request in the browser:
paste (or scan) the link, see who asks and for what and which credentials answer, choose,
agree, send."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from openler.services.errors import ServiceError, UsageError
from openler.services.people.accounts import Principal
from openler.services.protocols import oid4vp_wallet
from openler.services.wording import N_
from openler.web.deps import CommitRoute, PlatformDep, SessionDep, Visitor
from openler.web.render import page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)
MAX_LINK = 4000


def _request_page(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Principal,
    uri: str,
    *,
    status: int = 200,
    error: str | ServiceError | None = None,
    chosen: list[str] | None = None,
) -> HTMLResponse:
    incoming = None
    if uri:
        try:
            incoming = oid4vp_wallet.read_request(session, platform, principal, uri)
        except UsageError as exc:
            status, error = 400, exc
    return page(
        request,
        "oid4vp_answer.html",
        status,
        principal=principal,
        uri=uri,
        incoming=incoming,
        chosen=chosen,
        error=error,
    )


@router.get("/oid4vp/answer", response_class=HTMLResponse)
def answer_form(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    uri: str = "",
) -> Response:
    return _request_page(request, session, platform, principal, uri[:MAX_LINK].strip())


@router.post("/oid4vp/answer")
def answer(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    uri: Annotated[str, Form(max_length=MAX_LINK)],
    credentials: Annotated[list[str] | None, Form()] = None,
    consent: Annotated[str, Form()] = "",
) -> Response:
    chosen = credentials or []
    try:
        if not chosen:
            raise UsageError.worded(N_("choose at least one credential to send"))
        if consent != "yes":
            raise UsageError.worded(
                N_("tick the consent box to send: the verifier will see these credentials")
            )
        sent = oid4vp_wallet.answer_request(
            session, platform, principal, uri, credential_ids=chosen
        )
    except UsageError as exc:
        return _request_page(
            request, session, platform, principal, uri, status=400, error=exc, chosen=chosen
        )
    if sent.refusal is not None:
        return _request_page(
            request,
            session,
            platform,
            principal,
            uri,
            status=400,
            error=sent.refusal,
            chosen=chosen,
        )
    return page(request, "oid4vp_sent.html", principal=principal, sent=sent)


@router.post("/oid4vp/decline")
def decline(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    uri: Annotated[str, Form(max_length=MAX_LINK)],
) -> Response:
    """Say no to the verifier (nothing is sent but the refusal)."""
    try:
        sent = oid4vp_wallet.decline_request(session, platform, principal, uri)
    except UsageError as exc:
        return _request_page(request, session, platform, principal, uri, status=400, error=exc)
    return page(request, "oid4vp_sent.html", principal=principal, sent=sent, declined=True)
