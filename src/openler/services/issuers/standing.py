"""What the trust registry here would decide about an achievement's credentials — before
any is issued, so that issuer staff are warned instead of finding out from their
learners' wallets ("issuer not trusted")."""

from __future__ import annotations

from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.issuers.orgs import org_did
from openler.services.verifiers.verifying import registry
from openler.store.models import Achievement, Organization
from openler.vc import CredentialFacts, TrustDecision


def achievement_trust(
    session: Session, platform: Platform, organization: Organization, achievement: Achievement
) -> TrustDecision | None:
    """The registry's decision on ``organization`` issuing ``achievement`` as it is defined
    now (its type and alignments), in the organization's own jurisdiction; None when the
    platform keeps no registry at all."""
    trust = registry(session)
    if not trust.entries:
        return None
    document = {
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "credentialSubject": {"achievement": achievement.data},
    }
    return trust.decide(
        org_did(platform, organization), CredentialFacts.of(document), at=platform.now()
    )


def untrusted_warning(
    session: Session, platform: Platform, organization: Organization, achievement: Achievement
) -> str:
    """What issuer staff are told when verifiers here would not trust the achievement's
    credentials (empty when they would): the registry's reason and what to do."""
    decision = achievement_trust(session, platform, organization, achievement)
    if decision is None or decision.trusted:
        return ""
    return (
        f"Verifiers here would not trust {achievement.data.get('name', achievement.slug)} "
        f"credentials: {decision.message}. Ask the trust registry office to extend the "
        "organization's registration, or change the achievement's type or alignments, "
        "before issuing it."
    )
