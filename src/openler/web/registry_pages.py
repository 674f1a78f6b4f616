"""The state LER office's trust registry pages: register an issuer with what it may issue,
suspend, withdraw or reinstate it with a reason, and add recognition rules between
jurisdictions. Decisions are ``services.registry``'s (registry admins only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openler.services.errors import NotFound, UsageError
from openler.services.office import registry
from openler.services.people.accounts import Principal
from openler.vc import TRUST_STATES as STATES
from openler.vc import Recognition, TrustEntry
from openler.web.deps import CommitRoute, PlatformDep, SessionDep, Visitor
from openler.web.render import check_csrf, page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)
NOTICES = {
    "added": "The issuer is in the registry; verifiers see it at once.",
    "state": "The issuer's state changed; verifiers see it at once.",
    "recognized": "The recognition rule is in force.",
}


def _list(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def _registry_page(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Principal,
    *,
    status: int = 200,
    error: str | None = None,
    done: str = "",
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    authority = registry.authority_of(session, principal)
    entries = [TrustEntry.from_json(e) for e in registry.entries(session)]
    rules = [Recognition.from_json(r) for r in registry.recognitions(session)]
    return page(
        request,
        "registry.html",
        status,
        principal=principal,
        authority=authority,
        entries=entries,
        rules=rules,
        candidates=registry.candidates(session, platform),
        states=STATES,
        error=error,
        done=NOTICES.get(done, ""),
        values=values or {},
    )


@router.get("/registry", response_class=HTMLResponse)
def registry_page(
    request: Request, session: SessionDep, platform: PlatformDep, principal: Visitor, done: str = ""
) -> Response:
    return _registry_page(request, session, platform, principal, done=done)


@router.post("/registry/entries")
def add_entry(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    issuer: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    jurisdiction: Annotated[str, Form()] = "",
    types: Annotated[str, Form()] = "",
    occupations: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    values = {
        "issuer": issuer,
        "name": name,
        "jurisdiction": jurisdiction,
        "types": types,
        "occupations": occupations,
    }
    scope: dict[str, Any] = {}
    if _list(types):
        scope["achievementType"] = _list(types)
    if _list(occupations):
        scope["occupation"] = _list(occupations)
    try:
        if not issuer.strip() or not name.strip() or not jurisdiction.strip():
            raise UsageError("give the issuer's DID, its name and its jurisdiction")
        registry.add_entry(
            session,
            platform,
            principal,
            {
                "issuer": issuer.strip(),
                "name": name.strip(),
                "jurisdiction": jurisdiction.strip(),
                "authorized": [scope],
            },
        )
    except UsageError as exc:
        return _registry_page(
            request, session, platform, principal, status=400, error=exc.message, values=values
        )
    return RedirectResponse("/registry?done=added", status_code=303)


@router.post("/registry/state")
def change_state(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    issuer: Annotated[str, Form()] = "",
    state: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        if state != "active" and not reason.strip():
            raise UsageError("say why: verifiers are shown the reason")
        registry.set_state(
            session, platform, principal, issuer, state=state, reason=reason.strip() or None
        )
    except (UsageError, NotFound) as exc:
        return _registry_page(
            request, session, platform, principal, status=exc.http_status, error=exc.message
        )
    return RedirectResponse("/registry?done=state", status_code=303)


@router.post("/registry/recognitions")
def add_recognition(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    name: Annotated[str, Form()] = "",
    jurisdiction: Annotated[str, Form()] = "",
    recognizes: Annotated[str, Form()] = "",
    types: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    values = {
        "rule_name": name,
        "rule_jurisdiction": jurisdiction,
        "recognizes": recognizes,
        "rule_types": types,
    }
    try:
        if not name.strip() or not jurisdiction.strip() or not _list(recognizes):
            raise UsageError("give the rule's name, where it applies and what it recognises")
        scope = {"achievementType": _list(types)} if _list(types) else {}
        registry.add_recognition(
            session,
            platform,
            principal,
            {
                "name": name.strip(),
                "jurisdiction": jurisdiction.strip(),
                "recognizes": _list(recognizes),
                "scope": scope,
            },
        )
    except UsageError as exc:
        return _registry_page(
            request, session, platform, principal, status=400, error=exc.message, values=values
        )
    return RedirectResponse("/registry?done=recognized", status_code=303)
