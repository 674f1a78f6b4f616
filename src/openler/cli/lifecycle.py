"""``openler issue extend`` and ``openler reminders send``: a credential's life after
issuance from the command line, acting as openler itself (``platform.operator``)."""

from __future__ import annotations

import csv
from datetime import UTC, time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from openler.cli.issue import HeldQueue, issue_app, run_with_progress
from openler.cli.platform import migrated_platform, operator
from openler.cli.trust import Yes, confirmed
from openler.services.errors import UsageError
from openler.services.issuers import lifecycle, orgs, reminders, rosters

reminders_app = typer.Typer(help="Expiry reminders to holders.", no_args_is_help=True)
console = Console(highlight=False, emoji=False, soft_wrap=True)
DATE_HELP = "DATE: 2026-12-31 or 12/31/2026 (month first), as roster files write it."


def day_option(value: str | None, option: str) -> str | None:
    """A date option in any form a roster's date column accepts, as an ISO 8601 date.

    >>> day_option("12/31/2029", "--expiring-before")
    '2029-12-31'
    """
    if value is None or not value.strip():
        return None
    try:
        moment = rosters.parse_date(value.strip())
    except ValueError:
        raise UsageError(
            f"{option} {value!r} is not a date (write 2026-12-31 or 12/31/2026)"
        ) from None
    moment = moment.astimezone(UTC)
    return moment.date().isoformat() if moment.time() == time() else moment.isoformat()


def plural(n: int, word: str) -> str:
    """``plural(1, "credential")`` → ``'1 credential'``; ``plural(4, …)`` → ``'4 credentials'``."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


@issue_app.command(
    "extend",
    help=(
        "Extend the validity of the credentials the options select by DAYS.\n\n"
        "Each active credential selected is issued again with the later end date, "
        "replacing the old one, as one audited job run here with its progress. Asks "
        "first unless --yes. Exit 0 when every credential was extended, 1 when some "
        "were not (the report says why), 2 for unusable input."
    ),
)
def extend(
    org: Annotated[str, typer.Option(help="The organization's slug.")],
    days: Annotated[int, typer.Option(help="Days to add to each credential's end date.")],
    achievement: Annotated[
        str | None, typer.Option(help="Only this achievement's credentials (its slug).")
    ] = None,
    expiring_before: Annotated[
        str | None,
        typer.Option("--expiring-before", help="Only those ending before DATE. " + DATE_HELP),
    ] = None,
    issued_before: Annotated[
        str | None,
        typer.Option("--issued-before", help="Only those issued before DATE. " + DATE_HELP),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say how many would be extended; change nothing.")
    ] = False,
    report: Annotated[
        Path | None, typer.Option(help="Write the per-credential report (CSV) here.")
    ] = None,
    yes: Yes = False,
) -> None:
    """Extend the validity of the credentials the options select by DAYS."""
    expiring_before = day_option(expiring_before, "--expiring-before")
    issued_before = day_option(issued_before, "--issued-before")
    platform = migrated_platform()
    acting = operator()
    with platform.db.session() as session:
        preview = lifecycle.preview_extension(
            session,
            platform,
            acting,
            orgs.organization_by_slug(session, org),
            days=days,
            achievement_slug=achievement,
            expiring_before=expiring_before,
            issued_before=issued_before,
        )
    if dry_run or preview.count == 0:
        console.print(f"{plural(preview.count, 'credential')} would be extended by {days} days")
        return
    confirmed(yes, f"Extend {plural(preview.count, 'credential')} by {days} days?")
    queue = HeldQueue()
    job_id = lifecycle.submit_extension(
        platform,
        queue,
        acting,
        organization_slug=org,
        days=days,
        achievement_slug=achievement,
        expiring_before=expiring_before,
        issued_before=issued_before,
    )
    run_with_progress(platform, acting, job_id, label="extending")
    with platform.db.session() as session:
        found = lifecycle.extension_job(session, acting, job_id, limit=None)
        if report is not None:
            with report.open("w", newline="", encoding="utf-8") as handle:
                csv.writer(handle).writerows(lifecycle.report_lines(found))
        console.print(
            f"job {job_id}: {found.extended:,} extended, {found.failed:,} not extended"
            + (f"; report: {report}" if report else "")
        )
        for row in found.rows:
            if row.outcome == "failed":
                console.print(f"  not extended: {row.credential_id}: {row.message}")
        failed = found.failed or found.job.state != "done"
        if found.job.error:
            console.print(f"  {found.job.error}")
    if failed:
        raise typer.Exit(1)


@reminders_app.command(
    "send",
    help=(
        "Put the expiry reminders due now in the outbox (run it daily).\n\n"
        "One reminder per credential and threshold, to the holder's account email or "
        "the email it was issued to; `openler outbox send` delivers them."
    ),
)
def send(
    days: Annotated[
        list[int] | None,
        typer.Option(
            "--days", help="A threshold in days (repeat it); default OPENLER_REMINDER_DAYS."
        ),
    ] = None,
    org: Annotated[str | None, typer.Option(help="Only this organization's credentials.")] = None,
) -> None:
    """Put the expiry reminders due now in the outbox (run it daily)."""
    platform = migrated_platform()
    with platform.db.session() as session:
        organization = orgs.organization_by_slug(session, org) if org else None
        run = reminders.send_reminders(
            session, platform, operator(), thresholds=days or None, organization=organization
        )
    console.print(
        f"{plural(run.sent, 'reminder')} queued; {run.already_sent:,} sent before; "
        f"{run.without_address:,} without an email address"
    )
