"""OpenID4VCI pages. For whoever holds a claim link: "use another wallet app" makes an
offer of the credential and shows it as a link and a QR code. For a signed-in person:
"receive a credential from another issuer" — paste an offer, see who offers what, confirm,
and the credential is verified and filed; each received credential checked as of now.
Decisions are the services'; these render."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from openler.services.errors import Conflict, UsageError
from openler.services.issuers import claims
from openler.services.protocols import oid4vci_authorize, oid4vci_offers, oid4vci_wallet
from openler.services.protocols.client import ProtocolError
from openler.web.claim_pages import _check_anonymous_form, qr_svg
from openler.web.deps import CommitRoute, MaybePrincipal, PlatformDep, SessionDep, Visitor
from openler.web.edge import csp_with_form_target
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
    oid4vci_offers.offer_for_claim_link(session, platform, token)
    return RedirectResponse(f"/claim/{quote(token, safe='')}/wallet-app", status_code=303)


@router.get("/claim/{token}/wallet-app", response_class=HTMLResponse)
def wallet_offer(
    token: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: MaybePrincipal,
) -> Response:
    made = oid4vci_offers.page_offer(session, platform, token)
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
    issuer: Annotated[str, Form()] = "",
) -> Response:
    """Paste an offer: see who offers what and confirm; confirmed, receive it (from the
    issuer shown, only: an offer by reference may change in between)."""
    try:
        if confirm != "yes":
            seen = oid4vci_wallet.preview(platform, offer)
            asks_code = seen.tx_code is not None
            if asks_code and not tx_code.strip():  # the code is typed on the first form
                return _receive_page(
                    request,
                    principal,
                    error=f"{seen.issuer_name} asks for the code it gave you with this offer: "
                    "type it in the box for the code, then continue.",
                    offer=offer,
                )
            return confirmation(
                request,
                title="Receive a credential",
                question=f"Add {seen.credential_name} from {seen.issuer_name} to your wallet?",
                action="/receive",
                fields={"offer": offer, "tx_code": tx_code, "issuer": seen.credential_issuer},
                button="Add it to my wallet",
                cancel="/receive",
                danger=False,
                consequences=[
                    f"{seen.issuer_name} ({seen.credential_issuer}) issues it to your wallet's "
                    "key; openler checks it before keeping it.",
                ],
            )
        row = oid4vci_wallet.accept(
            session, platform, principal, offer, tx_code=tx_code or None, expected_issuer=issuer
        )
    except (UsageError, ProtocolError, Conflict) as exc:
        session.rollback()
        return _receive_page(request, principal, error=exc.message, offer=offer, status=400)
    request.app.state.metrics.events["wallet.receive"] += 1
    return RedirectResponse(f"/record/held:{quote(row.id, safe='')}", status_code=303)


@router.get("/received/{received_id}")
def received_page(received_id: str, session: SessionDep, principal: Visitor) -> Response:
    """The old address of a credential received from elsewhere: on to its entry in the
    record (theirs only, as before)."""
    row = oid4vci_wallet.received(session, principal, received_id)
    return RedirectResponse(f"/record/held:{quote(row.id, safe='')}", status_code=303)


# --- a resident's own credential to a wallet app (authorization code flow) ----------------


@router.post("/wallet-offers")
def make_own_offer(
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    credential: Annotated[str, Form()] = "",
    format: Annotated[str, Form()] = "ldp_vc",
) -> Response:
    """An offer of a credential the person holds, for their wallet app."""
    made = oid4vci_authorize.offer_own_credential(
        session, platform, principal, credential, format=format
    )
    return RedirectResponse(f"/wallet-offers/{made.offer.id}", status_code=303)


@router.get("/wallet-offers/{offer_id}", response_class=HTMLResponse)
def own_offer(
    offer_id: str, request: Request, session: SessionDep, platform: PlatformDep, principal: Visitor
) -> Response:
    made = oid4vci_authorize.own_offer(session, platform, principal, offer_id)
    response = page(
        request,
        "wallet_offer.html",
        principal=principal,
        made=made,
        credential_id=made.offer.credential_id,
        qr=qr_svg(made.uri),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/orgs/{slug}/oid4vci/authorize", response_class=HTMLResponse)
def authorize_request(
    slug: str, request: Request, session: SessionDep, platform: PlatformDep, principal: Visitor
) -> Response:
    """A wallet app asks for a copy of a credential the person holds: ask them."""
    try:
        asked = oid4vci_authorize.request_from(
            session, platform, principal, slug, dict(request.query_params)
        )
    except (UsageError, Conflict) as exc:
        return page(
            request, "authorize_problem.html", 400, principal=principal, problem=exc.message
        )
    fields = {k: v for k, v in asked.params.items() if not k.startswith("_")}
    response = confirmation(
        request,
        title="Send a credential to a wallet app",
        question=(
            f"Send a copy of your {asked.credential_name} from {asked.organization.name} "
            f"to the wallet app at {asked.wallet}?"
        ),
        action=f"/orgs/{quote(slug)}/oid4vci/authorize",
        fields=fields,
        button="Send it to the wallet app",
        cancel=asked.denied(),
        danger=False,
        consequences=[
            "The app receives its own copy, bound to its key; yours stays in your wallet.",
            "Say yes only if you opened this from your own wallet app just now.",
        ],
    )
    # "yes" is answered by a redirect to the wallet app, which the policy must let through
    response.headers["Content-Security-Policy"] = csp_with_form_target(asked.redirect_target)
    return response


@router.post("/orgs/{slug}/oid4vci/authorize")
async def authorize(
    slug: str, request: Request, session: SessionDep, platform: PlatformDep, principal: Visitor
) -> Response:
    """The person said yes: back to the wallet app with a one-time code."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    form.pop("csrf_token", None)
    form.pop("confirm", None)
    try:
        to = await run_in_threadpool(
            oid4vci_authorize.authorize, session, platform, principal, slug, form
        )
    except (UsageError, Conflict) as exc:
        return page(
            request, "authorize_problem.html", 400, principal=principal, problem=exc.message
        )
    return RedirectResponse(to, status_code=303)
