"""Pages for issuer staff: a learner's transcript (a CLR 2.0 ClrCredential) — what it
bundles, how their achievements relate — and endorsements of other organizations'
achievements. Access is decided in the service layer."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openler.services.errors import NotFound, UsageError
from openler.services.issuers import endorsements, transcripts
from openler.services.issuers.transcripts import Link
from openler.services.people.accounts import Principal
from openler.store.models import Organization
from openler.vc import ASSOCIATION_TYPES
from openler.web.deps import CommitRoute, OrgDep, PlatformDep, SessionDep, Visitor
from openler.web.render import confirmation, page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)
#: how many associations of their own a person can add on the page at once
EXTRA_LINKS = 3
#: CLR 2.0 association types as the page says them (the source … the target)
SAID = {
    "exactMatchOf": "is an exact match of",
    "isChildOf": "is a child of",
    "isParentOf": "is the parent of",
    "isPartOf": "is part of",
    "isPeerOf": "is a peer of",
    "isRelatedTo": "is related to",
    "precedes": "comes before",
    "replacedBy": "is replaced by",
}


def _transcript_page(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Principal,
    organization: Organization,
    credential: str,
    *,
    status: int = 200,
    error: str | None = None,
    chosen: list[str] | None = None,
    name: str = "",
) -> HTMLResponse:
    record = transcripts.learner_record(session, platform, principal, organization, credential)
    names = {str(a.data.get("id")): str(a.data.get("name", a.slug)) for _r, a in record.credentials}
    return page(
        request,
        "transcript.html",
        status,
        principal=principal,
        organization=organization,
        record=record,
        credential=credential,
        chosen=chosen if chosen is not None else [row.id for row, _a in record.credentials],
        achievements=names,
        types=[(t, SAID.get(t, t)) for t in ASSOCIATION_TYPES],
        said=SAID,
        extra=range(1, EXTRA_LINKS + 1),
        issued=transcripts.transcripts_of(session, principal, organization, credential),
        title=name,
        error=error,
    )


@router.get("/issuer/{slug}/transcripts/new", response_class=HTMLResponse)
def transcript_form(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    credential: str = "",
) -> Response:
    if not credential:
        raise UsageError("open a credential of the learner first, then choose the transcript")
    return _transcript_page(request, session, platform, principal, organization, credential)


@router.post("/issuer/{slug}/transcripts")
async def transcript_issue(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    credential: Annotated[str, Form()] = "",
    credentials: Annotated[list[str] | None, Form()] = None,
    name: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    form = await request.form()
    links: list[Link] = []
    fields: dict[str, str | list[str]] = {
        "credential": credential,
        "credentials": credentials or [],
        "name": name,
    }
    for i in range(1, EXTRA_LINKS + 1):
        source, kind, target = (
            str(form.get(f"{part}{i}", "")) for part in ("source", "kind", "target")
        )
        if source or target:
            links.append(Link(source, kind, target))
            fields |= {f"source{i}": source, f"kind{i}": kind, f"target{i}": target}
    try:
        if not credentials:
            raise UsageError("tick at least one credential to put in the transcript")
        record = transcripts.learner_record(session, platform, principal, organization, credential)
        if confirm != "yes":
            count = len(credentials)
            return confirmation(
                request,
                title=f"Issue a transcript to {record.name}?",
                question=f"It bundles {count} credential{'' if count == 1 else 's'} "
                f"{organization.name} issued to {record.name}, each exactly as it was signed.",
                consequences=[
                    f"It is signed now as {organization.name}; verifiers check it and every "
                    "credential in it.",
                    "You can revoke it later like any credential.",
                ],
                action=f"/issuer/{organization.slug}/transcripts",
                fields=fields,
                button="Issue the transcript",
                cancel=f"/issuer/{organization.slug}/transcripts/new?credential={quote(credential)}",
                danger=False,
            )
        row = transcripts.issue_transcript(
            session,
            platform,
            principal,
            organization,
            credential,
            include=credentials,
            links=links,
            name=name,
        )
    except UsageError as exc:
        return _transcript_page(
            request,
            session,
            platform,
            principal,
            organization,
            credential,
            status=400,
            error=exc.message,
            chosen=credentials or [],
            name=name,
        )
    request.app.state.metrics.events["credential.issue"] += 1
    return RedirectResponse(
        f"/issuer/{organization.slug}/credentials/{quote(row.id)}?done=issued", 303
    )


def _endorsements_page(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Principal,
    organization: Organization,
    *,
    status: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
    done: str = "",
) -> HTMLResponse:
    targets = endorsements.targets(session, platform, principal, organization)
    return page(
        request,
        "endorsements.html",
        status,
        principal=principal,
        organization=organization,
        targets=targets,
        given=endorsements.given_by(session, platform, principal, organization),
        received=endorsements.received_by(session, platform, principal, organization),
        values=values or {},
        error=error,
        done=done,
    )


@router.get("/issuer/{slug}/endorsements", response_class=HTMLResponse)
def endorsements_page(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    done: str = "",
) -> Response:
    notice = "The endorsement is signed and shown with the achievement." if done else ""
    return _endorsements_page(request, session, platform, principal, organization, done=notice)


@router.post("/issuer/{slug}/endorsements")
def endorse(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    target: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    values = {"target": target, "comment": comment}
    try:
        if not target or not comment.strip():
            raise UsageError("choose what to endorse and say why")
        if confirm != "yes":
            named = next(
                (
                    t
                    for t in endorsements.targets(session, platform, principal, organization)
                    if t.id == target
                ),
                None,
            )
            if named is None:
                raise NotFound("that is not something this organization can endorse")
            return confirmation(
                request,
                title=f"Endorse {named.name}?",
                question=f"{organization.name} signs an endorsement of {named.name}: "
                f"“{comment.strip()}”",
                consequences=[
                    "Everyone who sees the achievement here sees the endorsement, checked.",
                    "You can withdraw it later by revoking it.",
                ],
                action=f"/issuer/{organization.slug}/endorsements",
                fields=values,
                button="Sign the endorsement",
                cancel=f"/issuer/{organization.slug}/endorsements",
                danger=False,
            )
        endorsements.endorse(
            session, platform, principal, organization, target_id=target, comment=comment
        )
    except (UsageError, NotFound) as exc:
        return _endorsements_page(
            request,
            session,
            platform,
            principal,
            organization,
            status=400,
            error=exc.message,
            values=values,
        )
    return RedirectResponse(f"/issuer/{organization.slug}/endorsements?done=1", 303)
