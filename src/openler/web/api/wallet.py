"""A person's own records: their credentials and their shares."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from openler.services.errors import Forbidden
from openler.services.holders import sharing
from openler.services.issuers import issuing
from openler.services.verifiers.credential_state import (
    CredentialState,
    check_state,
    states_of,
)
from openler.web.deps import CommitRoute, CurrentPrincipal, PlatformDep, SessionDep

router = APIRouter(route_class=CommitRoute)


class ShareBody(BaseModel):
    #: credential ids (issued here), or ``held:<id>`` for one from elsewhere bound to you;
    #: leave empty with ``wholeRecord``
    credentials: list[str] = Field(default_factory=list, max_length=100)
    audience: str = Field(min_length=1, max_length=300)
    purpose: str = Field(min_length=1, max_length=300)
    days: int = 30
    #: share every credential you hold that can be shared now, as it stands
    wholeRecord: bool = False
    #: the link stops opening after this many views (1 to 1000; none: no limit)
    maxViews: int | None = Field(default=None, ge=1, le=1000)


@router.post("/api/me/shares", status_code=201, tags=["wallet"])
def create_share(
    body: ShareBody, session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Share some of your credentials (or your whole record), optionally for at most
    ``maxViews`` openings; the link is shown once."""
    created = sharing.create_share(
        session,
        platform,
        principal,
        credential_ids=body.credentials,
        audience=body.audience,
        purpose=body.purpose,
        days=body.days,
        whole_record=body.wholeRecord,
        max_views=body.maxViews,
    )
    return {
        "id": created.share.id,
        "link": f"{platform.settings.public_url}/s/{created.token}",
        "expires": created.share.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "maxViews": created.share.max_views,
    }


@router.get("/api/me/shares", tags=["wallet"])
def my_shares(
    session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Your shares, newest first, each with who opened it and when (never the link: it is
    shown once, when made)."""
    return {
        "shares": [
            {
                "id": s.share.id,
                "audience": s.share.audience,
                "purpose": s.share.purpose,
                "state": s.state,
                "credentials": s.credentials,
                "wholeRecord": s.share.whole_record,
                "maxViews": s.share.max_views,
                "expires": s.share.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "views": [o.to_json() for o in s.log],
            }
            for s in sharing.shares_of(session, platform, principal)
        ]
    }


@router.post("/api/me/shares/{share_id}/revoke", tags=["wallet"])
def revoke_share(
    share_id: str, session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Withdraw a share (and the consent behind it)."""
    share = sharing.revoke_share(session, platform, principal, share_id)
    return {"id": share.id, "withdrawn": True}


def _credential_view(row: Any, state: CredentialState) -> dict[str, Any]:
    """A credential as the API shows it: ``state`` is its state as of now (active,
    suspended, revoked, replaced, expired, not-yet-valid, issuer-not-trusted or
    unverified) with a ``stateReason``; ``issuerStatus`` what the issuer last set."""
    return {
        "id": row.id,
        "state": state.code,
        "stateReason": state.reason,
        "issuerStatus": row.state,
        "document": row.document,
    }


@router.get("/api/me/credentials", tags=["wallet"])
def my_credentials(
    session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """The signed-in person's own credentials (never anyone else's)."""
    if principal.token_scope is not None:
        raise Forbidden("organization tokens cannot read a learner's wallet")
    rows = issuing.credentials_of(session, principal.person_id)
    states = states_of(session, platform, rows)
    return {"credentials": [_credential_view(r, states[r.id]) for r in rows]}


@router.get("/api/credentials/{credential_id}", tags=["issuing"])
def get_credential(
    credential_id: str, session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """An issued credential: for its holder, or staff of the issuing organization."""
    row = issuing.read_credential(session, principal, credential_id)
    return _credential_view(row, check_state(session, platform, row)[0])
