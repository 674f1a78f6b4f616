"""The learner's pages: a credential verified as of now, its download, and sharing (create,
list with views, withdraw). Every decision is the service layer's; these render."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openler.services.errors import NotFound, ServiceError, UsageError
from openler.services.holders import candidates, sharing
from openler.services.issuers import issuing
from openler.services.people.accounts import Principal
from openler.services.wording import N_, Wording, phrase, worded
from openler.web.claim_pages import qr_svg
from openler.web.deps import CommitRoute, PlatformDep, SessionDep, Visitor
from openler.web.render import confirmation, credential_download, page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)
NEW_SHARE_COOKIE = "openler_new_share"


@router.get("/wallet/{credential_id:path}")
def credential_page(credential_id: str, session: SessionDep, principal: Visitor) -> Response:
    """The old address of a credential's page: on to its entry in the record (the same
    access rule first: anyone else's credential does not exist here either)."""
    row = issuing.own_credential(session, principal, credential_id)
    return RedirectResponse(f"/record/issued:{quote(row.id, safe='')}", status_code=303)


@router.get("/download/{credential_id:path}")
def download(
    credential_id: str,
    session: SessionDep,
    principal: Visitor,
    kind: Annotated[str, Query(alias="format")] = "json",
) -> Response:
    """The credential as JSON, or (``?format=badge``) baked into its badge image."""
    row = issuing.own_credential(session, principal, credential_id)
    return credential_download(session, row, kind)


def _shares(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Principal,
    *,
    status: int = 200,
    chosen: str = "",
    error: Wording | ServiceError | None = None,
    values: dict[str, Any] | None = None,
    new_token: str | None = None,
) -> HTMLResponse:
    """The sharing page; ``error`` is a problem of this form or a service's refusal, shown
    in the page's language (``said``); ``new_token`` the token of the share just made, its
    link shown once with whom to send it to."""
    shares = sharing.shares_of(session, platform, principal)
    new_link = f"{platform.settings.public_url.rstrip('/')}/s/{new_token}" if new_token else None
    made = sharing.opened_by(shares, new_token) if new_token else None
    return page(
        request,
        "shares.html",
        status,
        principal=principal,
        shares=shares,
        new_audience=made.share.audience if made else None,
        candidates=candidates.candidates(session, platform, principal, from_elsewhere=True),
        chosen=chosen,
        error=error,
        values=values,
        new_link=new_link,
        qr=qr_svg(new_link) if new_link else None,
        max_views=sharing.MAX_VIEWS,
    )


@router.get("/shares", response_class=HTMLResponse)
def shares_page(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    credential: str = "",
) -> Response:
    token = request.cookies.get(NEW_SHARE_COOKIE)
    response = _shares(request, session, platform, principal, chosen=credential, new_token=token)
    if token:
        response.delete_cookie(NEW_SHARE_COOKIE, path="/shares")  # the link is shown once
    return response


@router.post("/shares")
def create_share(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    audience: Annotated[str, Form(max_length=300)] = "",
    purpose: Annotated[str, Form(max_length=300)] = "",
    days: Annotated[str, Form(max_length=10)] = "30",
    views: Annotated[str, Form(max_length=10)] = "",
    what: Annotated[str, Form(max_length=20)] = "selection",
    credentials: Annotated[list[str] | None, Form()] = None,
    consent: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "audience": audience,
        "purpose": purpose,
        "days": days,
        "views": views,
        "what": what,
        "credentials": credentials or [],
    }
    problem: Wording | ServiceError | None = None
    if not audience.strip() or not purpose.strip():
        problem = phrase(N_("Say who will see the credentials and why."))
    elif not days.strip().isdigit():
        problem = phrase(N_("The number of days must be a whole number from 1 to 365."))
    elif views.strip() and not views.strip().isdigit():
        problem = worded(
            N_(
                "The view limit must be a whole number from 1 to %(most)s, "
                "or left empty for no limit."
            ),
            most=str(sharing.MAX_VIEWS),
        )
    elif consent != "yes":
        problem = phrase(
            N_("Tick the consent box to share: the audience will see these credentials.")
        )
    if problem is None:
        try:
            created = sharing.create_share(
                session,
                platform,
                principal,
                credential_ids=credentials or [],
                whole_record=what == "whole",
                audience=audience.strip(),
                purpose=purpose.strip(),
                days=int(days),
                max_views=int(views) if views.strip() else None,
            )
        except (UsageError, NotFound) as exc:
            problem = exc
    if problem is not None:
        return _shares(
            request, session, platform, principal, status=400, error=problem, values=values
        )
    request.app.state.metrics.events["share.create"] += 1
    response = RedirectResponse("/shares", status_code=303)
    response.set_cookie(
        NEW_SHARE_COOKIE,
        created.token,
        httponly=True,
        samesite="strict",
        secure=platform.settings.secure_cookies,
        max_age=300,
        path="/shares",
    )
    return response


@router.post("/shares/{share_id}/withdraw")
def withdraw_share(
    share_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    if confirm != "yes":
        summary = sharing.share_of(session, platform, principal, share_id)
        audience = summary.share.audience
        return confirmation(
            request,
            title=f"Withdraw the share with {audience}?",
            question=f"You shared {', '.join(summary.credentials)} with {audience} for "
            f"{summary.share.purpose}.",
            consequences=[
                f"The link stops working at once: {audience} can no longer open it.",
                "Your consent for it is withdrawn; to share again you make a new link.",
            ],
            action=f"/shares/{share_id}/withdraw",
            fields={},
            button="Withdraw the share",
            cancel="/shares",
        )
    sharing.revoke_share(session, platform, principal, share_id)
    return RedirectResponse("/shares", status_code=303)
