"""Pages for a credential's life after issuance: renew one credential, and extend the
validity of many at once (a form with a preview count, a confirmation, then the job's
page with its progress and report). Revoke, suspend and reinstate with a reason are the
status route of ``issuer_pages``. Access is decided in the service layer."""

from __future__ import annotations

import csv
import io
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openler.services.errors import NotFound, UsageError
from openler.services.issuers import achievements, issuing, lifecycle
from openler.services.issuers.lifecycle import MAX_DAYS
from openler.services.people.accounts import Principal
from openler.store.models import Organization
from openler.web.deps import CommitRoute, OrgDep, PlatformDep, SessionDep, Visitor
from openler.web.render import Ask, confirmation, page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)


def _days(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise UsageError("the number of days must be a whole number, such as 365")
    return int(value)


def _untrusted(standing: lifecycle.Standing) -> list[str]:
    if standing.trusted:
        return []
    return [f"Warning: {standing.message} What you issue now will fail that check too."]


@router.post("/issuer/{slug}/renew/{credential_id:path}")
def renew(
    credential_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    days: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    row = issuing.issued_by(session, principal, organization, credential_id)
    achievement = issuing.achievement_of(session, row)
    error = None
    try:
        chosen = _days(days)
    except UsageError as exc:
        chosen, error = None, exc.message
    if confirm != "yes" or error:
        name = row.document.get("name") or "this credential"
        whose = issuing.recipient_label(row, issuing.recipient_of(session, row))
        default = achievement.valid_days if achievement else None
        return confirmation(
            request,
            title=f"Renew {name} of {whose}?",
            question=f"A new {name} valid from today replaces the one issued "
            f"{row.issued_at:%Y-%m-%d}.",
            consequences=[
                "The current one stays valid until its own end date, so copies already handed "
                "out keep working; revoking the new one later revokes it too.",
                "The holder's wallet and shares present the new one.",
                *_untrusted(lifecycle.standing(session, platform, organization)),
            ],
            action=f"/issuer/{organization.slug}/renew/{quote(row.id)}",
            fields={},
            button="Renew it",
            cancel=f"/issuer/{organization.slug}/credentials/{quote(row.id)}",
            danger=False,
            asks=[
                Ask(
                    "days",
                    "Valid for (days)",
                    days or (str(default) if default else ""),
                    kind="number",
                    min=1,
                    max=MAX_DAYS,
                    hint=f"The achievement's usual validity is {default} days."
                    if default
                    else None,
                )
            ],
            error=error,
            status=400 if error else 200,
        )
    new = lifecycle.renew(session, platform, principal, row.id, days=chosen)
    request.app.state.metrics.events["credential.renew"] += 1
    return RedirectResponse(
        f"/issuer/{organization.slug}/credentials/{quote(new.id)}?done=renewed", 303
    )


def _extend_page(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    *,
    values: dict[str, str],
    preview: lifecycle.Preview | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "extend.html",
        status,
        principal=principal,
        organization=organization,
        achievements=achievements.achievements_of(session, principal, organization),
        standing=lifecycle.standing(session, platform, organization),
        values=values,
        preview=preview,
        error=error,
        max_days=MAX_DAYS,
    )


@router.get("/issuer/{slug}/extend", response_class=HTMLResponse)
def extend_form(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    achievement: str = "",
    days: str = "",
    expiring_before: str = "",
    issued_before: str = "",
) -> Response:
    """The form; with ``days`` given, how many credentials it would extend."""
    values = {
        "achievement": achievement,
        "days": days,
        "expiring_before": expiring_before,
        "issued_before": issued_before,
    }
    if not days:
        lifecycle.require_extender(principal, organization)
        return _extend_page(request, session, platform, principal, organization, values=values)
    preview = _preview(request, session, platform, principal, organization, values)
    if isinstance(preview, Response):
        return preview
    return _extend_page(
        request, session, platform, principal, organization, values=values, preview=preview
    )


def _preview(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Principal,
    organization: Organization,
    values: dict[str, str],
) -> lifecycle.Preview | Response:
    """What the form's ``values`` would extend, or the form again saying what is wrong."""
    try:
        return lifecycle.preview_extension(
            session,
            platform,
            principal,
            organization,
            days=_days(values["days"]) or 0,
            achievement_slug=values["achievement"] or None,
            expiring_before=values["expiring_before"] or None,
            issued_before=values["issued_before"] or None,
        )
    except (UsageError, NotFound) as exc:
        return _extend_page(
            request,
            session,
            platform,
            principal,
            organization,
            values=values,
            error=exc.message,
            status=400,
        )


@router.post("/issuer/{slug}/extend")
def extend_submit(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    days: Annotated[str, Form()] = "",
    achievement: Annotated[str, Form()] = "",
    expiring_before: Annotated[str, Form()] = "",
    issued_before: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "achievement": achievement,
        "days": days,
        "expiring_before": expiring_before,
        "issued_before": issued_before,
    }
    preview = _preview(request, session, platform, principal, organization, values)
    if isinstance(preview, Response):
        return preview
    chosen = preview.days
    if preview.count == 0:
        return _extend_page(
            request,
            session,
            platform,
            principal,
            organization,
            values=values,
            preview=preview,
            error="No credential matches: nothing to extend.",
            status=400,
        )
    if confirm != "yes":
        what = preview.achievement.data.get("name") if preview.achievement else None
        count = preview.count
        plural = "" if count == 1 else "s"
        return confirmation(
            request,
            title=f"Extend {count} credential{plural} by {chosen} days?",
            question=f"{count} active {what or organization.name} credential{plural} "
            f"ending between {preview.first_end:%Y-%m-%d} and {preview.last_end:%Y-%m-%d} "
            f"will each be valid {chosen} days longer.",
            consequences=[
                "Each is issued again with the later end date and signed anew; the old one stays "
                "valid to its own end date, so copies already handed out keep working.",
                "Holders' wallets, shares and answers to requests present the new ones.",
                "It runs as one background job; you can watch it and download its report.",
                *_untrusted(lifecycle.standing(session, platform, organization)),
            ],
            action=f"/issuer/{organization.slug}/extend",
            fields={k: v for k, v in values.items() if v},
            button=f"Extend {count} credential{plural}",
            cancel=f"/issuer/{organization.slug}/extend?{urlencode(values)}",
            danger=False,
        )
    job_id = lifecycle.submit_extension(
        platform,
        request.app.state.jobs,
        principal,
        organization_slug=organization.slug,
        days=chosen,
        achievement_slug=achievement or None,
        expiring_before=expiring_before or None,
        issued_before=issued_before or None,
    )
    return RedirectResponse(f"/issuer/{organization.slug}/extend/{job_id}", status_code=303)


@router.get("/issuer/{slug}/extend/{job_id}", response_class=HTMLResponse)
def extension_page(
    job_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
) -> Response:
    found = lifecycle.extension_job(session, principal, job_id, organization=organization)
    return page(
        request,
        "extend_job.html",
        principal=principal,
        organization=organization,
        found=found,
        title=lifecycle.extension_title(session, found),
        progress=found.to_json(),
        standing=lifecycle.standing(session, platform, organization),
    )


@router.get("/issuer/{slug}/extend/{job_id}/report.csv")
def extension_report(
    job_id: str, session: SessionDep, principal: Visitor, organization: OrgDep
) -> Response:
    found = lifecycle.extension_job(
        session, principal, job_id, organization=organization, limit=None
    )
    out = io.StringIO()
    csv.writer(out).writerows(lifecycle.report_lines(found))
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="extension-{job_id[:8]}.csv"'},
    )
