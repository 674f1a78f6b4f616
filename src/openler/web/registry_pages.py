"""The state LER office's trust registry pages: register an issuer with what it may issue,
edit it (old and new shown, then confirmed), suspend, withdraw or reinstate it with a
reason, remove it, and add or remove recognition rules between jurisdictions. Every change
that matters is confirmed on its own page first. Decisions are ``services.office.registry``'s
(registry admins only)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openler.services.errors import Conflict, NotFound, UsageError
from openler.services.office import registry
from openler.services.people.accounts import Principal
from openler.vc import TRUST_STATES as STATES
from openler.vc import TrustEntry
from openler.web.deps import CommitRoute, PlatformDep, SessionDep, Visitor
from openler.web.render import confirmation, page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)
NOTICES = {
    "added": "The issuer is in the registry; verifiers see it at once.",
    "edited": "The issuer's entry was changed; verifiers see it at once.",
    "state": "The issuer's state changed; verifiers see it at once.",
    "removed": "The issuer was removed from the registry; verifiers no longer trust it.",
    "recognized": "The recognition rule is in force.",
    "unrecognized": "The recognition rule was removed.",
}
#: what a registry state means for verifiers, said before it is set
STATE_EFFECTS = {
    "active": "Verifiers trust its credentials again, for what it is authorised to issue.",
    "suspended": "Verifiers stop trusting its credentials until it is reinstated.",
    "withdrawn": "Verifiers stop trusting its credentials; withdrawal is meant to last.",
}
ENTRY_FIELDS = ("issuer", "name", "jurisdiction", "types", "occupations")


def _entry_form(
    issuer: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    jurisdiction: Annotated[str, Form()] = "",
    types: Annotated[str, Form()] = "",
    occupations: Annotated[str, Form()] = "",
) -> dict[str, str]:
    """The issuer-entry form's fields as sent (registering and editing share the form)."""
    return dict(zip(ENTRY_FIELDS, (issuer, name, jurisdiction, types, occupations), strict=True))


EntryForm = Annotated[dict[str, str], Depends(_entry_form)]


def _list(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def _entry_data(values: dict[str, str]) -> dict[str, Any]:
    scope: dict[str, Any] = {}
    if _list(values["types"]):
        scope["achievementType"] = _list(values["types"])
    if _list(values["occupations"]):
        scope["occupation"] = _list(values["occupations"])
    if not values["issuer"].strip() or not values["name"].strip():
        raise UsageError("give the issuer's DID, its name and its jurisdiction")
    if not values["jurisdiction"].strip():
        raise UsageError("give the issuer's DID, its name and its jurisdiction")
    return {
        "issuer": values["issuer"].strip(),
        "name": values["name"].strip(),
        "jurisdiction": values["jurisdiction"].strip(),
        "authorized": [scope],
    }


def _form_values(entry: TrustEntry) -> dict[str, str]:
    return {
        "issuer": entry.issuer,
        "name": entry.name,
        "jurisdiction": entry.jurisdiction,
        "types": ", ".join(t for s in entry.authorized for t in s.achievement_types),
        "occupations": ", ".join(o for s in entry.authorized for o in s.occupations),
    }


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
    return page(
        request,
        "registry.html",
        status,
        principal=principal,
        authority=authority,
        entries=entries,
        rules=registry.recognition_rules(session),
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
    values: EntryForm,
) -> Response:
    try:
        registry.add_entry(session, platform, principal, _entry_data(values))
    except (UsageError, Conflict) as exc:
        return _registry_page(
            request,
            session,
            platform,
            principal,
            status=exc.http_status,
            error=exc.message,
            values=values,
        )
    return RedirectResponse("/registry?done=added", status_code=303)


def _edit_page(
    request: Request,
    principal: Principal,
    entry: TrustEntry,
    values: dict[str, str],
    *,
    status: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    return page(
        request,
        "registry_edit.html",
        status,
        principal=principal,
        entry=entry,
        values=values,
        error=error,
    )


@router.get("/registry/entries/edit", response_class=HTMLResponse)
def edit_form(request: Request, session: SessionDep, principal: Visitor, issuer: str) -> Response:
    registry.authority_of(session, principal)
    entry = registry.entry_of(session, issuer)
    return _edit_page(request, principal, entry, _form_values(entry))


@router.post("/registry/entries/edit")
def edit_entry(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    values: EntryForm,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """First the old and the new side by side; the change is made once confirmed."""
    issuer = values["issuer"]
    entry = registry.entry_of(session, issuer)
    try:
        data = _entry_data(values)
        if confirm != "yes":
            edit = registry.plan_edit(session, principal, issuer, data)
            return confirmation(
                request,
                title=f"Change the entry of {edit.old.name}?",
                question="Verifiers see the new entry as soon as you confirm.",
                changes=edit.changes,
                action="/registry/entries/edit",
                fields=values,
                button="Confirm the change",
                cancel=f"/registry/entries/edit?issuer={quote(issuer, safe='')}",
                danger=False,
            )
        registry.edit_entry(session, platform, principal, issuer, data)
    except UsageError as exc:
        return _edit_page(request, principal, entry, values, status=400, error=exc.message)
    return RedirectResponse("/registry?done=edited", status_code=303)


@router.post("/registry/entries/remove")
def remove_entry(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    issuer: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    registry.authority_of(session, principal)
    entry = registry.entry_of(session, issuer)
    if confirm != "yes":
        return confirmation(
            request,
            title=f"Remove {entry.name} from the registry?",
            question=f"{entry.name} ({entry.jurisdiction}, {entry.issuer}) will no longer be "
            "in the trust registry.",
            consequences=[
                "Verifiers stop trusting every credential it issued, at once.",
                "To keep a record while it is not trusted, suspend or withdraw it instead.",
            ],
            action="/registry/entries/remove",
            fields={"issuer": issuer},
            button=f"Remove {entry.name}",
            cancel="/registry",
        )
    registry.remove_entry(session, platform, principal, issuer)
    return RedirectResponse("/registry?done=removed", status_code=303)


@router.post("/registry/state")
def change_state(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    issuer: Annotated[str, Form()] = "",
    state: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    try:
        if state not in STATES:
            raise UsageError(f"choose a state: {', '.join(STATES)}")
        if state != "active" and not reason.strip():
            raise UsageError("say why: verifiers are shown the reason")
        entry = registry.entry_of(session, issuer)
        registry.authority_of(session, principal)
        if confirm != "yes":
            verb = {"active": "Reinstate", "suspended": "Suspend", "withdrawn": "Withdraw"}[state]
            shown_reason = f" The reason shown to verifiers: “{reason.strip()}”." if reason else ""
            return confirmation(
                request,
                title=f"{verb} {entry.name}?",
                question=f"{entry.name} is {entry.state} now; it will be {state}.{shown_reason}",
                consequences=[STATE_EFFECTS[state]],
                action="/registry/state",
                fields={"issuer": issuer, "state": state, "reason": reason},
                button=f"{verb} {entry.name}",
                cancel="/registry",
                danger=state != "active",
            )
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
) -> Response:
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
    except (UsageError, Conflict) as exc:
        return _registry_page(
            request,
            session,
            platform,
            principal,
            status=exc.http_status,
            error=exc.message,
            values=values,
        )
    return RedirectResponse("/registry?done=recognized", status_code=303)


@router.post("/registry/recognitions/remove")
def remove_recognition(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    rule: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    registry.authority_of(session, principal)
    found = registry.rule_of(session, rule)
    if confirm != "yes":
        return confirmation(
            request,
            title=f"Remove the rule {found.name}?",
            question=f"{found.jurisdiction} will no longer recognise {found.scope.describe()} "
            f"authorised in {', '.join(found.recognizes)} under {found.name}.",
            consequences=[
                f"Verifiers in {found.jurisdiction} stop trusting those credentials at once."
            ],
            action="/registry/recognitions/remove",
            fields={"rule": rule},
            button="Remove the rule",
            cancel="/registry",
        )
    registry.remove_recognition(session, platform, principal, rule)
    return RedirectResponse("/registry?done=unrecognized", status_code=303)
