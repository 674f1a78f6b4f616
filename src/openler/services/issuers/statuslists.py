"""Status lists kept in the database: publishing (re-signing) a list after a change."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.errors import NotFound
from openler.store.models import Organization, StatusList
from openler.vc import Bitstring, Multikey, add_proof, format_datetime, status_list_credential


def status_list_url(platform: Platform, status_list: StatusList) -> str:
    return f"{platform.settings.public_url}/status/{status_list.id}"


def publish(platform: Platform, status_list: StatusList, *, key: Multikey, did: str) -> None:
    """Re-sign the list credential with ``key`` after a change (or a key change)."""
    now = platform.now()
    unsigned = status_list_credential(
        list_url=status_list_url(platform, status_list),
        # the issuer as a plain URL (VC DM 2.0 §4.7 allows either form): the W3C Bitstring
        # Status List suite wrongly asserts that an issuer object's id is an object
        issuer=did,
        purpose=status_list.purpose,  # type: ignore[arg-type]
        bits=Bitstring(bytearray(status_list.bits)),
        valid_from=format_datetime(now),
        ttl_ms=300_000,
    )
    status_list.credential = add_proof(unsigned, key, created=now)
    status_list.version += 1
    status_list.updated_at = now


def republish_all(
    session: Session, platform: Platform, organization: Organization, *, key: Multikey, did: str
) -> int:
    """Re-sign every list of an organization (after a key was revoked); returns how many."""
    lists = session.execute(
        select(StatusList).where(StatusList.organization_id == organization.id).with_for_update()
    ).scalars()
    count = 0
    for status_list in lists:
        publish(platform, status_list, key=key, did=did)
        count += 1
    return count


def published(session: Session, list_id: str) -> StatusList:
    """A status list as published (its signed credential and version); 404 when there is
    no such list or it was never signed."""
    row = session.get(StatusList, list_id)
    if row is None or row.credential is None:
        raise NotFound("no such status list")
    return row
