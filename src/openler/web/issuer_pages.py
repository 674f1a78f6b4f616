"""Pages for issuer staff: issue one credential, issue a quick batch of pasted emails (or
a CSV file of them) as a roster job (its page is in ``roster_pages``), find what was
issued, and revoke, suspend or reinstate it. Access is decided in the service layer
(``require_role``)."""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openler.services import jobs, outbox
from openler.services.errors import NotFound, UsageError
from openler.services.issuers import (
    achievements,
    attention,
    bulk,
    claims,
    endorsements,
    issuing,
    lifecycle,
    orgs,
    stacking,
    standing,
)
from openler.services.people.accounts import Principal
from openler.services.verifiers.credential_state import check_state, states_of
from openler.store.models import Organization
from openler.web import claim_pages
from openler.web.deps import CommitRoute, OrgDep, PlatformDep, SessionDep, Visitor
from openler.web.render import Ask, achievement_form, confirmation, page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)
MAX_BATCH_FILE = 2_000_000
ACTIONS = {"suspend": "suspended", "reinstate": "reinstated", "revoke": "revoked"}
#: what the credential page says after issuing (``?done=``)
CLAIM_NOTICES = ("issued", "claim-sent", "claim-resent")
#: the OB 3.0 identity types the single-issue form offers, in plain words
IDENTIFIER_TYPES = {
    "identifier": "Licence or other number",
    "sisSourcedId": "Student id",
    "accountId": "Account id",
    "systemId": "Id in another system",
    "userName": "User name",
}
#: what each status change does, said on the page that asks before it is made
CONSEQUENCES = {
    "suspend": [
        "Verifiers see it as suspended at once: its status list is re-signed.",
        "You can reinstate it later.",
    ],
    "reinstate": ["Verifiers see it as valid again at once."],
    "revoke": [
        "Revocation is final: it cannot be undone.",
        "Verifiers see it as revoked at once: its status list is re-signed.",
    ],
}


def _dashboard(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Principal,
    organization: Organization,
    *,
    search: str = "",
    status: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    rows = issuing.organization_credentials(session, principal, organization, search=search)
    summary = issuing.issued_summary(session, principal, organization, at=platform.now())
    return page(
        request,
        "issuer.html",
        status,
        principal=principal,
        organization=organization,
        achievements=achievements.achievements_of(session, principal, organization),
        rows=rows,
        titles={
            row.id: endorsements.title_of(session, platform, row) or row.document.get("name")
            for row, _person in rows
        },
        summary=summary,
        attention=attention.of(session, platform, principal, organization),
        states=states_of(session, platform, [row for row, _person in rows]),
        search=search,
        error=error,
        values=values or {},
        identifier_types=IDENTIFIER_TYPES,
        admin=principal.has("issuer_admin", organization.id) or principal.platform_admin,
        standing=lifecycle.standing(session, platform, organization),
    )


@router.get("/issuer/{slug}", response_class=HTMLResponse)
def dashboard(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    q: str = "",
) -> Response:
    return _dashboard(request, session, platform, principal, organization, search=q)


@router.post("/issuer/{slug}/issue")
def issue_one(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    background: BackgroundTasks,
    achievement: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    identifier: Annotated[str, Form()] = "",
    identifier_type: Annotated[str, Form()] = "identifier",
    name: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
    untrusted_ok: Annotated[str, Form()] = "",
) -> Response:
    """Issue one credential to an email address or an identifier, with or without an
    account; asks first when the recipient already holds an active one."""
    values = {
        "achievement": achievement,
        "email": email,
        "identifier": identifier,
        "identifier_type": identifier_type,
        "name": name,
    }
    try:
        if not achievement:
            raise UsageError("choose an achievement")
        if identifier_type not in IDENTIFIER_TYPES:
            raise UsageError("choose what kind of identifier it is")
        recipient = claims.recipient_for(
            email=email, identifier=identifier, identifier_type=identifier_type, name=name
        )
        awarded = achievements.achievement_by_slug(session, organization, achievement)
        warning = standing.untrusted_warning(session, platform, organization, awarded)
        if warning and untrusted_ok != "yes":
            return confirmation(
                request,
                title=f"Issue {awarded.data.get('name', achievement)} although verifiers here "
                "would not trust it?",
                question=warning,
                consequences=[
                    "The credential is signed and goes to the recipient's wallet at once.",
                    "Every verifier here sees it as \u201cissuer not trusted\u201d until the "
                    "trust registry covers it.",
                ],
                action=f"/issuer/{organization.slug}/issue",
                fields={**values, "confirm": confirm, "untrusted_ok": "yes"},
                button="Issue it anyway",
                cancel=f"/issuer/{organization.slug}",
            )
        issued = claims.issue_one(
            session,
            platform,
            principal,
            organization,
            achievement_slug=achievement,
            recipient=recipient,
            allow_duplicate=confirm == "yes",
        )
    except claims.AlreadyHolds as exc:
        held = exc.held
        return confirmation(
            request,
            title=f"Issue {held.document.get('name') or 'it'} again?",
            question=f"{exc.message}; it is still {held.state}.",
            consequences=[
                "Issuing another gives them a second, separate credential; the first stays "
                "as it is.",
                "To replace the first (a correction, a renewal), re-issue it from its page "
                "instead.",
            ],
            action=f"/issuer/{organization.slug}/issue",
            fields={**values, "untrusted_ok": untrusted_ok},
            button="Issue another anyway",
            cancel=f"/issuer/{organization.slug}/credentials/{quote(held.id)}",
            danger=False,
        )
    except (UsageError, NotFound) as exc:
        return _dashboard(
            request,
            session,
            platform,
            principal,
            organization,
            status=400,
            error=exc.message,
            values=values,
        )
    stacking.after_issue(session, platform, issued.credential)
    request.app.state.metrics.events["credential.issue"] += 1
    done = "issued"
    if issued.claim is not None:
        done = "claim-sent"
        if outbox.smtp_connect(platform.settings) is not None:
            background.add_task(claim_pages.deliver_now, platform)
    return RedirectResponse(
        f"/issuer/{organization.slug}/credentials/{quote(issued.credential.id)}?done={done}", 303
    )


@router.get("/issuer/{slug}/credentials/{credential_id:path}", response_class=HTMLResponse)
def issued_credential(
    credential_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    done: str = "",
) -> Response:
    row = issuing.issued_by(session, principal, organization, credential_id)
    recipient = issuing.recipient_of(session, row)
    achievement = issuing.achievement_of(session, row)
    return page(
        request,
        "issued.html",
        standing=lifecycle.standing(session, platform, organization),
        renew_days=achievement.valid_days if achievement else None,
        renewable=lifecycle.renewable(row),
        principal=principal,
        organization=organization,
        row=row,
        state=check_state(session, platform, row)[0],
        recipient=recipient,
        badge=achievements.badge_format(session, row),
        done=done if done in (*ACTIONS.values(), "issued", "renewed", *CLAIM_NOTICES) else "",
        claim=(claim := claims.claim_for_credential(session, principal, row)),
        claim_state=claims.link_state(session, platform, claim) if claim else None,
        now=platform.now(),
        pretty=json.dumps(row.document, indent=2, ensure_ascii=False),
        endorsements=endorsements.for_document(session, platform, row.document),
        transcript=stacking.holder_of(row) is not None and row.kind == "OpenBadgeCredential",
    )


#: what the reason field says on the confirmation page
REASON_HINT = (
    "Verifiers who check it here read this, with the date and your organization's name. "
    "Say why in a sentence; leave out anything private."
)


@router.post("/issuer/{slug}/status/{credential_id:path}")
def change_status(
    credential_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    action: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    row = issuing.issued_by(session, principal, organization, credential_id)
    if action not in ACTIONS:
        raise UsageError("choose suspend, reinstate or revoke")
    needs_reason = action in ("revoke", "suspend")
    error = None
    if confirm == "yes" and needs_reason and not reason.strip():
        error = f"Say why you {action} it: verifiers are shown the reason."
    if confirm != "yes" or error:
        name = row.document.get("name") or "this credential"
        recipient = issuing.recipient_of(session, row)
        whose = f" of {issuing.recipient_label(row, recipient)}"
        return confirmation(
            request,
            title=f"{action.capitalize()} {name}{whose}?",
            question=f"{name}{whose}, issued {row.issued_at:%Y-%m-%d}, is {row.state} now.",
            consequences=CONSEQUENCES[action],
            action=f"/issuer/{organization.slug}/status/{quote(row.id)}",
            fields={"action": action},
            button=f"{action.capitalize()} it",
            cancel=f"/issuer/{organization.slug}/credentials/{quote(row.id)}",
            danger=action != "reinstate",
            asks=[
                Ask(
                    "reason",
                    "Reason" if needs_reason else "Reason (optional)",
                    reason,
                    hint=REASON_HINT,
                    required=needs_reason,
                    kind="textarea",
                    maxlength=issuing.MAX_REASON,
                )
            ],
            error=error,
            status=400 if error else 200,
        )
    issuing.set_status(session, platform, principal, row.id, action=action, reason=reason)
    request.app.state.metrics.events[f"credential.{action}"] += 1
    return RedirectResponse(
        f"/issuer/{organization.slug}/credentials/{quote(row.id)}?done={ACTIONS[action]}",
        status_code=303,
    )


@router.get("/issuer/{slug}/batch", response_class=HTMLResponse)
def batch_form(
    request: Request, session: SessionDep, principal: Visitor, organization: OrgDep
) -> Response:
    return achievement_form(request, session, principal, organization, "batch.html")


def recipients_from(text: str, upload: bytes | None) -> list[str]:
    """Emails from pasted lines and/or a CSV file (its ``email`` column, or the first
    column when there is no header); blank lines dropped, duplicates kept once, in order."""
    found: list[str] = []
    for line in text.splitlines():
        found += [part.strip() for part in line.replace(";", ",").split(",") if part.strip()]
    if upload:
        try:
            decoded = upload.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UsageError("the file is not UTF-8 text; save it as CSV (UTF-8)") from None
        rows = list(csv.reader(io.StringIO(decoded)))
        if rows:
            header = [cell.strip().lower() for cell in rows[0]]
            column = header.index("email") if "email" in header else 0
            body = rows[1:] if "email" in header else rows
            found += [r[column].strip() for r in body if len(r) > column and r[column].strip()]
    unique = list(dict.fromkeys(email.lower() for email in found))
    bad = [email for email in unique if "@" not in email]
    if bad:
        raise UsageError(f"not email addresses: {', '.join(bad[:5])}")
    if not unique:
        raise UsageError("give at least one recipient's email")
    return unique


@router.post("/issuer/{slug}/batch")
async def batch_submit(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    achievement: Annotated[str, Form()] = "",
    recipients: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    upload = await file.read(MAX_BATCH_FILE + 1) if file is not None and file.filename else None
    values = {"achievement": achievement, "recipients": recipients}
    try:
        if upload is not None and len(upload) > MAX_BATCH_FILE:
            raise UsageError("the file is larger than 2 MB; split it into several batches")
        emails = recipients_from(recipients, upload)
        if not achievement:
            raise UsageError("choose the achievement to issue")
        job_id = bulk.submit_emails(
            platform,
            request.app.state.jobs,
            principal,
            organization_slug=organization.slug,
            achievement_slug=achievement,
            recipients=emails,
        )
    except (UsageError, NotFound) as exc:
        return achievement_form(
            request,
            session,
            principal,
            organization,
            "batch.html",
            status=400,
            error=exc.message,
            values=values,
        )
    return RedirectResponse(f"/issuer/{organization.slug}/jobs/{job_id}", status_code=303)


@router.get("/issuer/{slug}/keys", response_class=HTMLResponse)
def keys_page(
    request: Request, session: SessionDep, principal: Visitor, organization: OrgDep, done: str = ""
) -> Response:
    notices = {
        "rotated": "A new key signs from now on; the old one still verifies what it signed.",
        "revoked": "The key is revoked: everything it signed now fails verification.",
    }
    return page(
        request,
        "keys.html",
        principal=principal,
        organization=organization,
        keys=orgs.key_overview(session, principal, organization),
        done=notices.get(done, ""),
    )


@router.post("/issuer/{slug}/keys/rotate")
def rotate(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    if confirm != "yes":
        orgs.key_overview(session, principal, organization)  # issuer admins only
        return confirmation(
            request,
            title=f"Make a new signing key for {organization.name}?",
            question="The new key signs every credential from now on.",
            consequences=[
                "The current key is retired: it stays published, so what it signed keeps "
                "verifying.",
                "Rotating cannot be undone (a retired key never signs again).",
            ],
            action=f"/issuer/{organization.slug}/keys/rotate",
            fields={},
            button="Make a new signing key",
            cancel=f"/issuer/{organization.slug}/keys",
        )
    orgs.rotate_key(session, platform, principal, organization.slug)
    return RedirectResponse(f"/issuer/{organization.slug}/keys?done=rotated", status_code=303)


@router.post("/issuer/{slug}/keys/revoke")
def revoke(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    key: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    row = orgs.key_of(session, organization, key)
    if confirm != "yes":
        overview = next(
            k for k in orgs.key_overview(session, principal, organization) if k.key.id == key
        )
        return confirmation(
            request,
            title="Revoke this signing key?",
            question=f"{row.method_id} signed {overview.signed} credential"
            f"{'' if overview.signed == 1 else 's'}. Revoke it only if it may have been stolen.",
            consequences=[
                "Revoking is final.",
                "Everything it signed fails verification at once; re-issue those credentials "
                "with the current key afterwards.",
            ],
            action=f"/issuer/{organization.slug}/keys/revoke",
            fields={"key": key},
            button="Revoke the key",
            cancel=f"/issuer/{organization.slug}/keys",
        )
    orgs.revoke_key(session, platform, principal, key)
    return RedirectResponse(f"/issuer/{organization.slug}/keys?done=revoked", status_code=303)


@router.post("/issuer/{slug}/keys/reissue")
def reissue(
    request: Request,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    session: SessionDep,
    key: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    if confirm != "yes":
        overview = next(
            (k for k in orgs.key_overview(session, principal, organization) if k.key.id == key),
            None,
        )
        if overview is None:
            raise NotFound(f"{organization.name} has no such key")
        count = overview.to_reissue
        return confirmation(
            request,
            title=f"Re-issue {count} credential{'' if count == 1 else 's'}?",
            question="Each is issued again with the current key, with the same claims and "
            "validity; the old one is revoked and points to its replacement.",
            consequences=["Holders find the new credential in their wallets."],
            action=f"/issuer/{organization.slug}/keys/reissue",
            fields={"key": key},
            button="Re-issue them",
            cancel=f"/issuer/{organization.slug}/keys",
            danger=False,
        )
    job_id = jobs.submit_bulk_reissue(
        platform, request.app.state.jobs, principal, organization_slug=organization.slug, key_id=key
    )
    return RedirectResponse(f"/issuer/{organization.slug}/jobs/{job_id}", status_code=303)
