"""What a person finds on signing in: their own credentials, and a workspace for each role
they hold (issuing, verifying, the trust registry, the people of an organization, the
platform). Each part is read by the service that owns it, with its own access rule.

The home page renders this; counting what an organization issued is done in the database
(``issuing.issued_summary``), so the page costs the same for 10 credentials or 10 million.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.issuers import issuing, orgs
from openler.services.issuers.issuing import IssuedSummary
from openler.services.office import registry
from openler.services.people.accounts import Principal
from openler.services.people.members import ADMIN_ROLES
from openler.services.verifiers import saved as saved_results
from openler.services.verifiers.credential_state import CredentialState, states_of
from openler.store.models import IssuedCredential, Organization


@dataclass(frozen=True)
class Workspaces:
    credentials: list[IssuedCredential]  # the person's own, oldest first
    states: dict[str, CredentialState]  # of those and of every ``issuing[].recent``, by id
    issuing: list[IssuedSummary]
    verifying: list[Organization]
    registry: list[dict[str, Any]]  # the registry's entries, for its administrators
    managing: list[Organization]  # where they may grant roles
    platform: list[Organization]  # every organization, for platform administrators
    #: verify-page results saved by the organizations they verify for, newest first
    saved: list[saved_results.Listed] = field(default_factory=list)


def of(session: Session, platform: Platform, principal: Principal) -> Workspaces:
    """The workspaces of ``principal`` (a person signed in)."""
    own = issuing.credentials_of(session, principal.person_id)
    summaries = [
        issuing.issued_summary(session, principal, organization, at=platform.now())
        for organization in orgs.organizations_of(session, principal, *issuing.ISSUERS)
    ]
    shown = own + [row for summary in summaries for row in summary.recent]
    may_see_registry = bool(principal.organizations_with("registry_admin"))
    return Workspaces(
        credentials=own,
        states=states_of(session, platform, shown),
        issuing=summaries,
        verifying=orgs.organizations_of(session, principal, "verifier"),
        registry=(
            registry.entries(session) if may_see_registry or principal.platform_admin else []
        ),
        managing=orgs.organizations_of(session, principal, *ADMIN_ROLES),
        platform=orgs.all_organizations(session) if principal.platform_admin else [],
        saved=saved_results.recent(session, principal),
    )
