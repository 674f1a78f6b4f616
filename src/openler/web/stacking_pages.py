"""Pages for stacking: an organization's rules at a glance, the rule of one achievement
(what it requires, and whether an admin approves each award), and the stacked awards
waiting for approval. Access is decided in the service layer (``require_role``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openler.services.errors import Conflict, UsageError
from openler.services.issuers import achievements, stacking
from openler.services.issuers.stacking import Rule
from openler.services.people.accounts import Principal
from openler.store.models import Achievement, Organization
from openler.web.deps import CommitRoute, OrgDep, PlatformDep, SessionDep, Visitor
from openler.web.render import confirmation, page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)
NOTICES = {
    "saved": "The rule is saved. It applies from the next credential issued.",
    "removed": "The rule is removed: nothing is stacked on this achievement any more.",
    "approved": "Approved: the stacked credential was issued.",
    "declined": "Declined: it will not be queued again for this person.",
}


@router.get("/issuer/{slug}/stacking", response_class=HTMLResponse)
def overview(
    request: Request,
    session: SessionDep,
    principal: Visitor,
    organization: OrgDep,
    done: str = "",
) -> Response:
    waiting = stacking.waiting(session, principal, organization)  # issuer admins only
    offered = achievements.achievements_of(session, principal, organization)
    return page(
        request,
        "stacking.html",
        principal=principal,
        organization=organization,
        rules=[(a, stacking.rule_of(a)) for a in offered],
        names={a.slug: str(a.data.get("name") or a.slug) for a in offered},
        waiting=waiting,
        label=stacking.recipient_label,
        done=NOTICES.get(done, ""),
    )


def _rule_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    organization: Organization,
    achievement: Achievement,
    *,
    status: int = 200,
    error: str | None = None,
    chosen: list[str] | None = None,
    mode: str | None = None,
    count: int | None = None,
    approval: bool | None = None,
) -> HTMLResponse:
    found = stacking.editor(session, principal, organization, achievement)
    rule = found.rule
    return page(
        request,
        "stacking_rule.html",
        status,
        principal=principal,
        organization=organization,
        achievement=achievement,
        rule=rule,
        others=found.others,
        required_by=found.required_by,
        chosen=chosen if chosen is not None else list(rule.of if rule else []),
        mode=mode or ("count" if rule and not rule.needs_all else "all"),
        count=count or (rule.count if rule else 1),
        approval=approval if approval is not None else bool(rule and rule.approval),
        error=error,
    )


@router.get("/issuer/{slug}/achievements/{aslug}/stacking", response_class=HTMLResponse)
def rule_form(
    aslug: str, request: Request, session: SessionDep, principal: Visitor, organization: OrgDep
) -> Response:
    achievement = achievements.achievement_by_slug(session, organization, aslug)
    return _rule_page(request, session, principal, organization, achievement)


@router.post("/issuer/{slug}/achievements/{aslug}/stacking")
def save_rule(
    aslug: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    requires: Annotated[list[str] | None, Form()] = None,
    mode: Annotated[str, Form()] = "all",
    count: Annotated[int, Form()] = 1,
    approval: Annotated[str, Form()] = "",
    remove: Annotated[str, Form()] = "",
) -> Response:
    achievement = achievements.achievement_by_slug(session, organization, aslug)
    chosen = requires or []
    try:
        if remove:
            rule = None
        else:
            if not chosen:
                raise UsageError("tick at least one achievement it requires")
            data: dict[str, object] = (
                {"all": chosen} if mode == "all" else {"count": count, "of": chosen}
            )
            rule = Rule.from_json({**data, "approval": approval == "yes"})
        stacking.set_rule(session, platform, principal, organization, achievement, rule)
    except UsageError as exc:
        return _rule_page(
            request,
            session,
            principal,
            organization,
            achievement,
            status=400,
            error=exc.message,
            chosen=chosen,
            mode=mode,
            count=count,
            approval=approval == "yes",
        )
    done = "removed" if rule is None else "saved"
    return RedirectResponse(f"/issuer/{organization.slug}/stacking?done={done}", 303)


@router.post("/issuer/{slug}/stacking/waiting/{pending_id}")
def decide(
    pending_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    action: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    if action not in ("approve", "decline"):
        raise UsageError("choose approve or decline")
    item = next(
        (
            w
            for w in stacking.waiting(session, principal, organization)
            if w.pending.id == pending_id
        ),
        None,
    )
    if item is None:
        raise Conflict("this stacked award is no longer waiting")
    name = str(item.achievement.data.get("name", item.achievement.slug))
    who = stacking.recipient_label(item.pending)
    if confirm != "yes":
        approving = action == "approve"
        return confirmation(
            request,
            title=f"{'Approve' if approving else 'Decline'} {name} for {who}?",
            question=f"{who} holds {len(item.components)} of the credentials it requires: "
            + ", ".join(str(c.document.get("name", "credential")) for c in item.components)
            + ".",
            consequences=[
                f"{name} is issued and signed now; {who} finds it in their wallet."
                if approving
                else "It is not queued again for this person; you can still issue it by hand.",
                "This is recorded in the audit log.",
            ],
            action=f"/issuer/{organization.slug}/stacking/waiting/{pending_id}",
            fields={"action": action, "reason": reason},
            button=f"{'Approve and issue' if approving else 'Decline'}",
            cancel=f"/issuer/{organization.slug}/stacking",
            danger=not approving,
        )
    if action == "approve":
        stacking.approve(session, platform, principal, organization, pending_id)
        return RedirectResponse(f"/issuer/{organization.slug}/stacking?done=approved", 303)
    stacking.decline(session, platform, principal, organization, pending_id, reason=reason)
    return RedirectResponse(f"/issuer/{organization.slug}/stacking?done=declined", 303)
