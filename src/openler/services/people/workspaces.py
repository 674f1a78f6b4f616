"""What a person finds on signing in: their own credentials, and a workspace for each role
they hold (issuing, verifying, the trust registry, the people of an organization, the
platform). Each part is read by the service that owns it, with its own access rule.

The home page renders this; counting what an organization issued is done in the database
(``issuing.issued_summary``), so the page costs the same for 10 credentials or 10 million.
So is a verifier's summary (:func:`verifier_summary`): its requests waiting and answered,
open incidents with their responders, recent rosters with their verdicts, all counted and
chosen in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.issuers import issuing, orgs
from openler.services.issuers.issuing import IssuedSummary
from openler.services.office import registry
from openler.services.people.accounts import Principal
from openler.services.people.members import ADMIN_ROLES
from openler.services.verifiers import incidents as incidents_service
from openler.services.verifiers import requests as requests_service
from openler.services.verifiers import rosters as roster_service
from openler.services.verifiers import saved as saved_results
from openler.services.verifiers.credential_state import CredentialState, states_of
from openler.services.wording import Wording
from openler.store.models import IssuedCredential, Organization

if TYPE_CHECKING:  # job_reports imports the jobs that import rosters: typing only
    from openler.services.issuers.job_reports import JobView


@dataclass(frozen=True)
class RosterLine:
    """A verification roster as the home page lists it: its verdicts counted in words."""

    roster: JobView
    counts: list[Wording]


@dataclass(frozen=True)
class VerifierSummary:
    """What a verifier's home page opens with, for one organization they verify for: the
    work waiting for them first, then what came back."""

    organization: Organization
    requests: requests_service.RequestsSummary
    incidents: list[incidents_service.OpenIncident]
    rosters: list[RosterLine]
    #: verify-page results saved for the organization, newest first
    saved: list[saved_results.Listed] = field(default_factory=list)


#: how many rosters the summary lists
RECENT_ROSTERS = 3


def verifier_summary(
    session: Session, platform: Platform, principal: Principal, organization: Organization
) -> VerifierSummary:
    """``organization``'s verifying in short, for its verifiers (each part refuses anyone
    else): requests waiting for an answer (how many, the newest few and what they ask),
    those answered recently (who answered, when), open incidents (responders verified and
    refused), the latest rosters (verdicts counted in words), saved verifications."""
    return VerifierSummary(
        organization,
        requests_service.summary_of(session, principal, organization, now=platform.now()),
        incidents_service.open_incidents(session, principal, organization),
        [
            RosterLine(view, roster_service.count_words(view.counts, view.total))
            for view in roster_service.rosters_of(
                session, principal, organization, limit=RECENT_ROSTERS
            )
        ],
        saved_results.recent(session, principal, organization),
    )


@dataclass(frozen=True)
class Workspaces:
    credentials: list[IssuedCredential]  # the person's own, oldest first
    states: dict[str, CredentialState]  # of those and of every ``issuing[].recent``, by id
    issuing: list[IssuedSummary]
    verifying: list[VerifierSummary]
    registry: list[dict[str, Any]]  # the registry's entries, for its administrators
    managing: list[Organization]  # where they may grant roles
    platform: list[Organization]  # every organization, for platform administrators


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
        verifying=[
            verifier_summary(session, platform, principal, organization)
            for organization in orgs.organizations_of(session, principal, "verifier")
        ],
        registry=(
            registry.entries(session) if may_see_registry or principal.platform_admin else []
        ),
        managing=orgs.organizations_of(session, principal, *ADMIN_ROLES),
        platform=orgs.all_organizations(session) if principal.platform_admin else [],
    )
