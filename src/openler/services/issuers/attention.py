"""What needs an issuer's attention, for the top of the issuing page: recent jobs with rows
that were not issued, claim links sent and not yet claimed, stacked awards waiting for
approval, and credentials that expire soon. Counted in the database; issuer staff only.

>>> Attention(jobs=[], unclaimed=0, waiting=0, expiring=0).anything
False
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.issuers import issuing, job_reports
from openler.services.issuers.job_reports import JobView
from openler.services.people.accounts import Principal, require_role
from openler.store.models import Claim, IssuedCredential, Organization, PendingStack

#: how far ahead "expiring soon" looks
EXPIRING_DAYS = 60
#: how many of the newest jobs are looked at for rows not issued
RECENT_JOBS = 20


@dataclass(frozen=True)
class Attention:
    """``jobs``: recent finished jobs (not dry runs) with rows not issued, newest first;
    ``unclaimed``: claim links still open; ``waiting``: stacked awards waiting for approval
    (None for staff who may not approve); ``expiring``: current credentials whose validity
    ends within ``days``."""

    jobs: list[JobView]
    unclaimed: int
    waiting: int | None
    expiring: int
    days: int = EXPIRING_DAYS

    @property
    def anything(self) -> bool:
        return bool(self.jobs or self.unclaimed or self.waiting or self.expiring)


def of(
    session: Session, platform: Platform, principal: Principal, organization: Organization
) -> Attention:
    """What needs attention at ``organization`` now. Issuer staff only."""
    require_role(principal, organization.id, *issuing.ISSUERS)
    now = platform.now()
    jobs = [
        job
        for job in job_reports.organization_jobs(
            session, principal, organization, limit=RECENT_JOBS
        )
        if job.finished and not job.dry_run and job.counts.get("failed")
    ]
    credential_here = (Claim.credential_id == IssuedCredential.id) & (
        IssuedCredential.organization_id == organization.id
    )
    unclaimed = session.execute(
        select(func.count())
        .select_from(Claim)
        .join(IssuedCredential, credential_here)
        .where(
            Claim.claimed_at.is_(None),
            Claim.expires_at > now,
            IssuedCredential.state != "revoked",
            IssuedCredential.replaced_by.is_(None),
        )
    ).scalar_one()
    approver = principal.has("issuer_admin", organization.id) or principal.platform_admin
    waiting = (
        session.execute(
            select(func.count())
            .select_from(PendingStack)
            .where(
                PendingStack.organization_id == organization.id,
                PendingStack.state == "pending",
            )
        ).scalar_one()
        if approver
        else None
    )
    expiring = session.execute(
        select(func.count())
        .select_from(IssuedCredential)
        .where(
            IssuedCredential.organization_id == organization.id,
            IssuedCredential.replaced_by.is_(None),
            IssuedCredential.state == "active",
            IssuedCredential.valid_until.is_not(None),
            IssuedCredential.valid_until >= now,
            IssuedCredential.valid_until < now + timedelta(days=EXPIRING_DAYS),
        )
    ).scalar_one()
    return Attention(
        jobs=jobs[:5],
        unclaimed=int(unclaimed),
        waiting=None if waiting is None else int(waiting),
        expiring=int(expiring),
    )
