"""Presentation requests: a verifier asks for credentials with a fresh challenge, and the
presentation that answers is verified against it once (a replay is refused)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.accounts import Principal, require_role
from openler.services.context import Platform
from openler.services.errors import Conflict, NotFound
from openler.services.verifying import verify_document
from openler.store.models import Organization, PresentationRequest
from openler.vc import VerificationReport


def create_request(
    session: Session,
    platform: Platform,
    principal: Principal,
    *,
    organization_slug: str,
    query: dict[str, Any],
    minutes: int = 30,
) -> PresentationRequest:
    """A request for a presentation, with a single-use challenge (verifier role)."""
    organization = session.execute(
        select(Organization).where(Organization.slug == organization_slug)
    ).scalar()
    if organization is None:
        raise NotFound(f"no organization {organization_slug!r}")
    require_role(principal, organization.id, "verifier")
    now = platform.now()
    request = PresentationRequest(
        organization_id=organization.id,
        challenge=secrets.token_urlsafe(24),
        domain=f"{platform.settings.public_url}/orgs/{organization.slug}",
        query=query,
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    session.add(request)
    session.flush()
    audit.record(
        session,
        at=now,
        actor=principal.label,
        action="request.create",
        subject=f"request:{request.id}",
    )
    return request


def answer_request(
    session: Session, platform: Platform, challenge: str, presentation: dict[str, Any] | str
) -> VerificationReport:
    """Verify a presentation against the request that issued ``challenge``; a request is
    answered once, and not after it expires."""
    request = session.execute(
        select(PresentationRequest)
        .where(PresentationRequest.challenge == challenge)
        .with_for_update()
    ).scalar()
    if request is None:
        raise NotFound("no presentation request has this challenge")
    now = platform.now()
    if request.fulfilled_at is not None:
        raise Conflict("this request was already answered; ask the verifier for a new one")
    if request.expires_at < now:
        raise Conflict("this request has expired; ask the verifier for a new one")
    report = verify_document(
        session,
        platform,
        presentation,
        challenge=request.challenge,
        domain=request.domain,
        name="presentation",
    )
    if report.verified:
        request.fulfilled_at = now
    audit.record(
        session,
        at=now,
        actor="holder",
        action="request.answer",
        subject=f"request:{request.id}",
        data={"verified": report.verified},
    )
    return report
