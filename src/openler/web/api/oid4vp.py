"""OpenID4VP 1.0 verifier endpoints that wallets call: the request object behind a
``request_uri``, and the ``direct_post`` response endpoint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response

from openler.services.errors import Conflict, NotFound
from openler.services.protocols import oid4vp_verifier
from openler.vc import REQUEST_OBJECT_TYP
from openler.web.api.common import count
from openler.web.deps import CommitRoute, PlatformDep, SessionDep

router = APIRouter(route_class=CommitRoute, tags=["OpenID4VP"])
_NO_STORE = {"Cache-Control": "no-store"}


def request_object_response(signed: Callable[[], str]) -> Response:
    """What a ``request_uri`` answers: the request object ``signed()`` makes
    (``application/oauth-authz-req+jwt``), or ``invalid_request_uri`` when there is no such
    request or it is no longer open."""
    try:
        jwt = signed()
    except (NotFound, Conflict) as exc:
        return JSONResponse(
            {"error": "invalid_request_uri", "error_description": exc.message},
            status_code=exc.http_status,
            headers=_NO_STORE,
        )
    return Response(jwt, media_type=f"application/{REQUEST_OBJECT_TYP}", headers=_NO_STORE)


@router.get(oid4vp_verifier.REQUEST_PATH + "{token}")
def request_object(token: str, session: SessionDep, platform: PlatformDep) -> Response:
    """The signed request object (``application/oauth-authz-req+jwt``)."""
    return request_object_response(lambda: oid4vp_verifier.request_object(session, platform, token))


@router.post(oid4vp_verifier.RESPONSE_PATH)
def response_endpoint(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    state: Annotated[str, Form(max_length=200)] = "",
    vp_token: Annotated[str, Form()] = "",
    error: Annotated[str, Form(max_length=100)] = "",
    error_description: Annotated[str, Form(max_length=1000)] = "",
) -> JSONResponse:
    """The wallet's ``direct_post``: 200 with a JSON object when the response is taken (an
    answer, or the wallet's error response), 400 with the OpenID4VP error otherwise."""
    form = {
        key: value
        for key, value in {
            "state": state,
            "vp_token": vp_token,
            "error": error,
            "error_description": error_description,
        }.items()
        if value
    }
    outcome = oid4vp_verifier.receive_response(session, platform, form)
    if outcome.report is not None:
        count(request, "verify.verified")
    return JSONResponse(outcome.body, status_code=outcome.status, headers=_NO_STORE)
