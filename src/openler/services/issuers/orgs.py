"""Organizations, their did:web identifiers and issuer keys (sealed at rest, rotatable)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, NotFound, UsageError
from openler.services.issuers import statuslists
from openler.services.people.accounts import Principal, require_platform_admin, require_role
from openler.services.secrets import vault
from openler.services.wording import N_
from openler.store.models import IssuedCredential, IssuerKey, Organization
from openler.vc import DID_CONTEXT, Multikey, did_web_for

KINDS = ("issuer", "employer", "agency", "military", "registry_authority")
#: each of :data:`KINDS` as pages name it (marked so they translate it)
KIND_WORDS = {
    "issuer": N_("issuer"),
    "employer": N_("employer"),
    "agency": N_("agency"),
    "military": N_("military"),
    "registry_authority": N_("registry authority"),
}
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}$")


DID_METHODS = ("web", "key")


def org_did(platform: Platform, organization: Organization) -> str:
    """``did:web:<host>:orgs:<slug>``, served at ``<public_url>/orgs/<slug>/did.json``; for a
    did:key organization, the did:key of its current signing key."""
    if organization.did_method == "key":
        if organization.did is None:
            raise Conflict(f"{organization.name} has no signing key yet")
        return organization.did
    host = urlsplit(platform.settings.public_url).netloc
    return did_web_for(host, "orgs", organization.slug)


def create_organization(
    session: Session,
    platform: Platform,
    principal: Principal,
    *,
    slug: str,
    name: str,
    kind: str,
    jurisdiction: str | None = None,
    url: str | None = None,
    did_method: str = "web",
) -> Organization:
    """Create an organization (platform admins and the system principal)."""
    require_platform_admin(principal)
    if not _SLUG.match(slug):
        raise UsageError("a slug is 2-79 characters: lower-case letters, digits and hyphens")
    if kind not in KINDS:
        raise UsageError(f"kind must be one of {', '.join(KINDS)}")
    if did_method not in DID_METHODS:
        raise UsageError("the DID method must be web or key")
    if session.execute(select(Organization).where(Organization.slug == slug)).scalar():
        raise Conflict(f"an organization with the slug {slug!r} exists")
    organization = Organization(
        slug=slug, name=name, kind=kind, jurisdiction=jurisdiction, url=url, did_method=did_method
    )
    session.add(organization)
    session.flush()
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="organization.create",
        subject=f"organization:{organization.slug}",
        data={"kind": kind, "jurisdiction": jurisdiction},
    )
    return organization


def organization_by_slug(session: Session, slug: str) -> Organization:
    organization = session.execute(select(Organization).where(Organization.slug == slug)).scalar()
    if organization is None:
        raise NotFound(f"no organization {slug!r}")
    return organization


def organizations_of(session: Session, principal: Principal, *roles: str) -> list[Organization]:
    """The organizations in which ``principal`` holds one of ``roles``."""
    found = (session.get(Organization, i) for i in principal.organizations_with(*roles))
    return [organization for organization in found if organization is not None]


def all_organizations(session: Session) -> list[Organization]:
    """Every organization on the platform, by name."""
    return list(session.execute(select(Organization).order_by(Organization.name)).scalars())


def key_of(session: Session, organization: Organization, key_id: str) -> IssuerKey:
    """One of the organization's signing keys (404 for any other)."""
    row = session.get(IssuerKey, key_id)
    if row is None or row.organization_id != organization.id:
        raise NotFound(f"{organization.name} has no such key")
    return row


def keys_of(session: Session, organization: Organization) -> list[IssuerKey]:
    return list(
        session.execute(
            select(IssuerKey)
            .where(IssuerKey.organization_id == organization.id)
            .order_by(IssuerKey.created_at, IssuerKey.method_id)
        ).scalars()
    )


@dataclass(frozen=True)
class KeyOverview:
    key: IssuerKey
    signed: int  # credentials this key signed
    to_reissue: int  # of those, neither revoked nor already re-issued


def key_overview(
    session: Session, principal: Principal, organization: Organization
) -> list[KeyOverview]:
    """The organization's keys, newest first, with what each signed (issuer admins)."""
    require_role(principal, organization.id, "issuer_admin")
    counts = dict(
        session.execute(
            select(IssuedCredential.key_id, func.count())
            .where(IssuedCredential.organization_id == organization.id)
            .group_by(IssuedCredential.key_id)
        ).all()
    )
    current = dict(
        session.execute(
            select(IssuedCredential.key_id, func.count())
            .where(
                IssuedCredential.organization_id == organization.id,
                IssuedCredential.state != "revoked",
                IssuedCredential.replaced_by.is_(None),
            )
            .group_by(IssuedCredential.key_id)
        ).all()
    )
    return [
        KeyOverview(key, int(counts.get(key.id, 0)), int(current.get(key.id, 0)))
        for key in reversed(keys_of(session, organization))
    ]


def rotate_key(session: Session, platform: Platform, principal: Principal, slug: str) -> IssuerKey:
    """A new signing key for the organization (issuer admins); earlier keys keep verifying."""
    organization = organization_by_slug(session, slug)
    require_role(principal, organization.id, "issuer_admin")
    return create_key(session, platform, organization, actor=principal)


def create_key(
    session: Session, platform: Platform, organization: Organization, *, actor: Principal
) -> IssuerKey:
    """A new Ed25519 key published in the organization's DID document; it signs from now on.
    A did:key organization takes the new key's did:key as its identifier. The caller has
    checked that ``actor`` may (``rotate_key``; a new organization's first key)."""
    existing = keys_of(session, organization)
    if organization.did_method == "key":
        key = Multikey.generate()
        organization.did = key.controller
    else:
        did = org_did(platform, organization)
        key = Multikey.generate().with_controller(did, f"{did}#key-{len(existing) + 1}")
    row = IssuerKey(
        organization_id=organization.id,
        method_id=key.id,
        controller=key.controller,
        public_key_multibase=key.public_key_multibase,
        encrypted_secret=b"",
        state="active",
        created_at=platform.now(),
    )
    row.encrypted_secret = vault(platform).seal(key.secret_seed(), label=key.id)
    for old in existing:
        if old.state == "active":
            old.state = "retired"
            old.retired_at = platform.now()
    session.add(row)
    session.flush()
    audit.record(session, at=platform.now(), actor=actor.label, action="key.create", subject=key.id)
    return row


def revoke_key(
    session: Session, platform: Platform, principal: Principal, key_id: str
) -> IssuerKey:
    """Mark a compromised key revoked: everything it signed stops verifying."""
    row = session.get(IssuerKey, key_id)
    if row is None:
        raise NotFound("no such key")
    require_role(principal, row.organization_id, "issuer_admin")
    if row.state == "revoked":
        raise Conflict("the key is already revoked")
    if row.controller.startswith("did:key:"):
        raise Conflict(
            "a did:key cannot be marked revoked (it has no document to say so); rotate the key "
            "and revoke the credentials it signed instead"
        )
    row.state = "revoked"
    row.revoked_at = platform.now()
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="key.revoke",
        subject=row.method_id,
    )
    organization = session.get(Organization, row.organization_id)
    if organization is not None:
        try:
            _active, key = signing_key(session, platform, organization)
        except Conflict:
            return row  # no active key left: the lists are re-signed when a new key exists
        did = org_did(platform, organization)
        statuslists.republish_all(session, platform, organization, key=key, did=did)
    return row


def signing_key(
    session: Session, platform: Platform, organization: Organization
) -> tuple[IssuerKey, Multikey]:
    """The active key, unsealed for one signing operation. Never logged, never returned."""
    for row in reversed(keys_of(session, organization)):
        if row.state == "active":
            seed = vault(platform).open(row.encrypted_secret, label=row.method_id)
            return row, Multikey.from_seed(seed).with_controller(row.controller, row.method_id)
    raise Conflict(f"{organization.name} has no active signing key")


def did_document(
    session: Session, platform: Platform, organization: Organization
) -> dict[str, Any]:
    """The DID document: every key ever used (so old credentials keep verifying), revoked
    ones marked ``revoked`` and left out of the relationships."""
    if organization.did_method != "web":
        raise NotFound(f"{organization.name} uses did:key; its DID documents need no server")
    did = org_did(platform, organization)
    methods, usable = [], []
    for row in keys_of(session, organization):
        method: dict[str, Any] = {
            "id": row.method_id,
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": row.public_key_multibase,
        }
        if row.state == "revoked" and row.revoked_at is not None:
            method["revoked"] = row.revoked_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        else:
            usable.append(row.method_id)
        methods.append(method)
    return {
        "@context": list(DID_CONTEXT),
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": usable,
        "authentication": usable,
    }
