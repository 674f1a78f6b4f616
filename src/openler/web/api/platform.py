"""Running the platform: organizations, accounts, members and signing keys."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from openler.services.issuers import orgs
from openler.services.people import members
from openler.web.deps import CommitRoute, CurrentPrincipal, OrgDep, PlatformDep, SessionDep

router = APIRouter(route_class=CommitRoute)


class OrganizationRequest(BaseModel):
    slug: str
    name: str
    kind: str
    jurisdiction: str | None = None
    url: str | None = None
    didMethod: str = "web"


@router.post("/api/orgs", status_code=201, tags=["platform"])
def create_organization(
    body: OrganizationRequest,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
) -> dict[str, Any]:
    """Create an organization with a signing key (platform administrators)."""
    organization = orgs.create_organization(
        session,
        platform,
        principal,
        slug=body.slug,
        name=body.name,
        kind=body.kind,
        jurisdiction=body.jurisdiction,
        url=body.url,
        did_method=body.didMethod,
    )
    orgs.create_key(session, platform, organization, actor=principal)
    return {
        "slug": organization.slug,
        "did": orgs.org_did(platform, organization),
        "kind": organization.kind,
    }


class PersonRequest(BaseModel):
    name: str = Field(min_length=1, max_length=300)
    email: str = Field(min_length=3, max_length=320)
    password: str | None = Field(
        default=None, description="omit for people who sign in through the identity provider"
    )
    platformAdmin: bool = False


@router.post("/api/people", status_code=201, tags=["platform"])
def create_person(
    body: PersonRequest, session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Create an account (platform administrators)."""
    person = members.create_account(
        session,
        platform,
        principal,
        name=body.name,
        email=body.email,
        password=body.password,
        platform_admin=body.platformAdmin,
    )
    return {"id": person.id, "email": person.email, "name": person.name}


class MemberRequest(BaseModel):
    email: str
    role: str


class RemoveMemberRequest(BaseModel):
    personId: str
    role: str


@router.get("/api/orgs/{slug}/members", tags=["platform"])
def list_members(
    session: SessionDep, principal: CurrentPrincipal, organization: OrgDep
) -> dict[str, Any]:
    """Everyone with a role in the organization (for its administrators)."""
    return {
        "members": [
            {
                "personId": m.person.id,
                "name": m.person.name,
                "email": m.person.email,
                "roles": m.roles,
            }
            for m in members.members_of(session, principal, organization)
        ]
    }


@router.post("/api/orgs/{slug}/members", status_code=201, tags=["platform"])
def add_member(
    body: MemberRequest,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    organization: OrgDep,
) -> dict[str, Any]:
    """Grant a role: platform admins any; issuer admins issuer_admin/issuer_staff/
    career_navigator; registry admins registry_admin/verifier/career_navigator — in their own
    organization."""
    member = members.grant_role(
        session, platform, principal, organization, email=body.email, role=body.role
    )
    return {"personId": member.person_id, "organization": organization.slug, "role": member.role}


@router.post("/api/orgs/{slug}/members/remove", tags=["platform"])
def remove_member(
    body: RemoveMemberRequest,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    organization: OrgDep,
) -> dict[str, Any]:
    """Remove a role; it stops working at the person's next request."""
    members.remove_role(
        session, platform, principal, organization, person_id=body.personId, role=body.role
    )
    return {"personId": body.personId, "organization": organization.slug, "removed": body.role}


def _key_view(row: Any) -> dict[str, Any]:
    """A key as the API shows it: public material and lifecycle, never the secret."""
    return {
        "id": row.id,
        "verificationMethod": row.method_id,
        "publicKeyMultibase": row.public_key_multibase,
        "state": row.state,
    }


@router.post("/api/orgs/{slug}/keys", status_code=201, tags=["issuing"])
def rotate_key(
    slug: str, session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Rotate the organization's signing key (issuer admins)."""
    return _key_view(orgs.rotate_key(session, platform, principal, slug))


@router.post("/api/keys/{key_id}/revoke", tags=["issuing"])
def revoke_key(
    key_id: str, session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Mark a compromised key revoked: what it signed stops verifying."""
    return _key_view(orgs.revoke_key(session, platform, principal, key_id))
