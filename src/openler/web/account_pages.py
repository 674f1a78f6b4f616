"""Deleting one's own account: a page saying plainly what goes and what issuers keep, the
confirmation (the person types their email address), and the page after. The service
decides and refuses; this renders."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openler.services.errors import ServiceError, UsageError
from openler.services.people import deletion
from openler.services.people.accounts import Principal
from openler.web.deps import SESSION_COOKIE, CommitRoute, PlatformDep, SessionDep, Visitor
from openler.web.render import Ask, confirmation, page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)


@router.get("/account/delete", response_class=HTMLResponse)
def delete_page(request: Request, session: SessionDep, principal: Visitor) -> Response:
    return page(
        request,
        "account_delete.html",
        principal=principal,
        removed=deletion.REMOVED,
        kept=deletion.KEPT,
        refusal=deletion.refusal_for(session, principal),
    )


def _confirm(
    request: Request, principal: Principal, typed: str, error: ServiceError | None
) -> Response:
    return confirmation(
        request,
        title="Delete your account?",
        question="This cannot be undone. Your account and everything in it goes now, and you "
        "are signed out everywhere.",
        consequences=[*deletion.REMOVED, *deletion.KEPT],
        action="/account/delete",
        fields={},
        button="Delete my account",
        cancel="/account/delete",
        asks=[
            Ask(
                "email",
                "Type your email address to confirm",
                typed,
                hint="The address you sign in with.",
                kind="email",
                maxlength=320,
            )
        ],
        error=error,
        status=400 if error else 200,
    )


@router.post("/account/delete")
def delete_account(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    email: Annotated[str, Form(max_length=320)] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    if confirm != "yes":
        return _confirm(request, principal, email, None)
    try:
        deletion.delete_account(session, platform, principal, confirm=email)
    except UsageError as exc:
        return _confirm(request, principal, email, exc)
    response = RedirectResponse("/account/deleted", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/account/deleted", response_class=HTMLResponse)
def deleted_page(request: Request) -> Response:
    return page(request, "account_deleted.html", kept=deletion.KEPT)
