"""OpenID4VCI pages. For whoever holds a claim link: "use another wallet app" makes an
offer of the credential and shows it as a link and a QR code. For a signed-in person:
"receive a credential from another issuer" — paste an offer, see who offers what, confirm,
and the credential is verified and filed; each received credential checked as of now.
Decisions are the services'; these render."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openler.services.errors import Conflict, UsageError
from openler.services.issuers import claims
from openler.services.protocols import oid4vci_issuer, oid4vci_wallet
from openler.services.protocols.client import ProtocolError
from openler.web.claim_pages import _check_anonymous_form, qr_svg
from openler.web.deps import CommitRoute, MaybePrincipal, PlatformDep, SessionDep, Visitor
from openler.web.render import confirmation, page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)


# --- the claim link: another wallet app --------------------------------------------------


@router.post("/claim/{token}/wallet-app")
def make_wallet_offer(
    token: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: MaybePrincipal,
    form_token: Annotated[str, Form()] = "",
) -> Response:
    """An OpenID4VCI offer of what the link offers (the link is the capability)."""
    if principal is None:
        _check_anonymous_form(request, form_token)
    oid4vci_issuer.offer_for_claim_link(session, platform, token)
    return RedirectResponse(f"/claim/{quote(token, safe='')}/wallet-app", status_code=303)


@router.get("/claim/{token}/wallet-app", response_class=HTMLResponse)
def wallet_offer(
    token: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: MaybePrincipal,
) -> Response:
    made = oid4vci_issuer.page_offer(session, platform, token)
    if made is None:
        return RedirectResponse(f"/claim/{quote(token, safe='')}", status_code=303)
    response = page(
        request,
        "claim_wallet_app.html",
        principal=principal,
        offer=claims.offer(session, platform, token),
        made=made,
        token=token,
        qr=qr_svg(made.uri),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the wallet: receive from another issuer ---------------------------------------------


def _receive_page(
    request: Request,
    principal: Visitor,
    *,
    error: str | None = None,
    offer: str = "",
    status: int = 200,
) -> Response:
    return page(request, "receive.html", status, principal=principal, error=error, offer=offer)


@router.get("/receive", response_class=HTMLResponse)
def receive_form(request: Request, principal: Visitor) -> Response:
    return _receive_page(request, principal)


@router.post("/receive", response_class=HTMLResponse)
def receive(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    offer: Annotated[str, Form()] = "",
    tx_code: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Paste an offer: see who offers what and confirm; confirmed, receive it."""
    try:
        if confirm != "yes":
            seen = oid4vci_wallet.preview(platform, offer)
            asks_code = seen.tx_code is not None
            return confirmation(
                request,
                title="Receive a credential",
                question=f"Add {seen.credential_name} from {seen.issuer_name} to your wallet?",
                action="/receive",
                fields={"offer": offer, "tx_code": tx_code},
                button="Add it to my wallet",
                cancel="/receive",
                danger=False,
                consequences=[
                    f"{seen.issuer_name} ({seen.credential_issuer}) issues it to your wallet's "
                    "key; openler checks it before keeping it.",
                    *(
                        [f"{seen.issuer_name} asks for the code it gave you with this offer."]
                        if asks_code and not tx_code.strip()
                        else []
                    ),
                ],
            )
        row = oid4vci_wallet.accept(session, platform, principal, offer, tx_code=tx_code or None)
    except (UsageError, ProtocolError, Conflict) as exc:
        session.rollback()
        return _receive_page(request, principal, error=exc.message, offer=offer, status=400)
    request.app.state.metrics.events["wallet.receive"] += 1
    return RedirectResponse(f"/received/{quote(row.id)}", status_code=303)


@router.get("/received/{received_id}", response_class=HTMLResponse)
def received_page(
    received_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
) -> Response:
    """A credential received from elsewhere, checked as of now."""
    row, report = oid4vci_wallet.checked(session, platform, principal, received_id)
    return page(
        request,
        "received.html",
        principal=principal,
        row=row,
        report=report,
        pretty=json.dumps(row.document, indent=2, ensure_ascii=False),
    )
