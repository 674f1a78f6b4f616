"""VC API exchanges in the browser: an issuer makes an issuance link, a verifier a request
link, for wallets such as the Learner Credential Wallet (the link is shown once, with a QR
code); a learner's openler wallet answers another verifier's exchange (paste the link, see
who asks and for what, choose, consent, send)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openler.services.errors import Conflict, ServiceError, UsageError
from openler.services.people.accounts import Principal
from openler.services.protocols import exchanges, wallet_exchanges
from openler.services.protocols.client import ProtocolClient
from openler.services.wording import N_, Wording, phrase
from openler.store.models import Organization
from openler.web.claim_pages import qr_svg
from openler.web.deps import CommitRoute, OrgDep, PlatformDep, SessionDep, Visitor
from openler.web.render import achievement_form, page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)

#: what a verifier may ask for by example (the label a person reads, the example's types)
KINDS = {
    "any": ("Any credential", ["VerifiableCredential"]),
    "badge": (
        "An Open Badge (licences, certificates, badges)",
        ["VerifiableCredential", "OpenBadgeCredential"],
    ),
}


def _hours(value: str, most: int) -> int:
    if not value.isdigit() or not 1 <= int(value) <= most:
        raise UsageError(f"a link stays open from 1 to {most} hours")
    return int(value)


def _made(
    request: Request, principal: Principal, organization: Organization, made: exchanges.Made
) -> HTMLResponse:
    return page(
        request,
        "exchange_made.html",
        principal=principal,
        organization=organization,
        made=made,
        qr=qr_svg(made.interaction_url),
    )


@router.get("/issuer/{slug}/exchanges/new", response_class=HTMLResponse)
def issuance_form(
    request: Request, session: SessionDep, principal: Visitor, organization: OrgDep
) -> Response:
    return achievement_form(request, session, principal, organization, "exchange_issue.html")


@router.post("/issuer/{slug}/exchanges")
def create_issuance(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    achievement: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    name: Annotated[str, Form(max_length=300)] = "",
    hours: Annotated[str, Form()] = "24",
) -> Response:
    try:
        if not email.strip():
            raise UsageError("give the recipient's email address: it is named in the credential")
        made = exchanges.create_issuance(
            session,
            platform,
            principal,
            organization_slug=organization.slug,
            achievement_slug=achievement,
            email=email,
            name=name,
            minutes=_hours(hours, 7 * 24) * 60,
        )
    except (UsageError, Conflict) as exc:
        values = {"achievement": achievement, "email": email, "name": name, "hours": hours}
        return achievement_form(
            request,
            session,
            principal,
            organization,
            "exchange_issue.html",
            status=400,
            error=exc.message,
            values=values,
        )
    return RedirectResponse(f"/exchanges-made/{made.exchange.id}", status_code=303)


@router.get("/verifier/{slug}/exchanges/new", response_class=HTMLResponse)
def request_form(request: Request, principal: Visitor, organization: OrgDep) -> Response:
    return page(
        request,
        "exchange_request.html",
        principal=principal,
        organization=organization,
        kinds=KINDS,
        values={},
        error=None,
    )


@router.post("/verifier/{slug}/exchanges")
def create_request(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    reason: Annotated[str, Form(max_length=300)] = "",
    kind: Annotated[str, Form()] = "badge",
    signed: Annotated[str, Form()] = "",
    hours: Annotated[str, Form()] = "24",
) -> Response:
    try:
        if not reason.strip():
            raise UsageError("say what you ask for and why; the person sees it")
        if kind not in KINDS:
            raise UsageError("choose what kind of credential you ask for")
        query = {
            "type": "QueryByExample",
            "credentialQuery": {
                "reason": reason.strip(),
                "example": {
                    "@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": KINDS[kind][1],
                },
            },
        }
        made = exchanges.create_presentation(
            session,
            platform,
            principal,
            organization_slug=organization.slug,
            query=query,
            holder_signs=signed == "yes",
            minutes=_hours(hours, 24) * 60,
        )
    except UsageError as exc:
        return page(
            request,
            "exchange_request.html",
            400,
            principal=principal,
            organization=organization,
            kinds=KINDS,
            values={"reason": reason, "kind": kind, "signed": signed, "hours": hours},
            error=exc.message,
        )
    return RedirectResponse(f"/exchanges-made/{made.exchange.id}", status_code=303)


@router.get("/exchanges-made/{exchange_id}", response_class=HTMLResponse)
def made_page(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    exchange_id: str,
) -> Response:
    """The links of an exchange just made (a POST answered with a redirect here, so that
    a reload shows them again rather than making another)."""
    made, organization = exchanges.made_again(session, platform, principal, exchange_id)
    return _made(request, principal, organization, made)


@router.get("/wallet-exchange", response_class=HTMLResponse)
def paste_form(request: Request, principal: Visitor) -> Response:
    return page(request, "wallet_exchange.html", principal=principal, url="", error=None)


@router.post("/wallet-exchange")
def open_exchange(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    url: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    client = ProtocolClient(platform.settings)
    try:
        asked = wallet_exchanges.open_exchange(session, platform, principal, url.strip(), client)
    except ServiceError as exc:
        return page(request, "wallet_exchange.html", 400, principal=principal, url=url, error=exc)
    return _choose(request, session, platform, principal, url.strip(), asked)


def _choose(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Principal,
    url: str,
    asked: wallet_exchanges.Asked,
    *,
    status: int = 200,
    error: str | Wording | ServiceError | None = None,
) -> HTMLResponse:
    return page(
        request,
        "wallet_exchange_choose.html",
        status,
        principal=principal,
        url=url,
        asked=asked,
        error=error,
    )


@router.post("/wallet-exchange/send")
def send(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    url: Annotated[str, Form(max_length=2000)] = "",
    credentials: Annotated[list[str] | None, Form()] = None,
    consent: Annotated[str, Form()] = "",
    audience: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    client = ProtocolClient(platform.settings)
    try:
        if consent != "yes":
            asked = wallet_exchanges.open_exchange(session, platform, principal, url, client)
            return _choose(
                request,
                session,
                platform,
                principal,
                url,
                asked,
                status=400,
                error=phrase(
                    N_("tick the consent box to send: the verifier will see these credentials")
                ),
            )
        asked = wallet_exchanges.answer_exchange(
            session,
            platform,
            principal,
            url,
            client,
            credential_ids=credentials or [],
            expected_audience=audience,  # who the person agreed to
        )
    except ServiceError as exc:
        return page(request, "wallet_exchange.html", 400, principal=principal, url=url, error=exc)
    return page(
        request,
        "wallet_exchange_sent.html",
        principal=principal,
        asked=asked,
        count=len(credentials or []),
    )
