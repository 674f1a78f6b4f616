"""``openler verify-roster``: a verification roster — a ZIP of credential files or a list of
share links — checked from the operator's command line, with a progress bar.

The roster is submitted as the web pages submit it (:mod:`openler.services.verifiers.
rosters`), for the organization named, and run by this process itself — no worker needed;
what a run that is stopped had checked is kept with the roster. The operator acts as
``system:cli:<login name>``; there is no request size limit here, only the roster's own
(:data:`~openler.services.verifiers.roster_files.LIMITS`).

Exit codes: 0 when every item is verified and active, 1 when some item is not (the summary
names the first), 2 when the input is unusable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import select

from openler.cli.issue import HeldQueue, run_with_progress
from openler.cli.platform import migrated_platform, operator
from openler.services.errors import FileError
from openler.services.issuers import orgs
from openler.services.verifiers import rosters
from openler.services.verifiers.roster_files import LIMITS
from openler.services.wording import filled
from openler.store.models import RosterVerdict

err = Console(stderr=True, emoji=False, highlight=False, soft_wrap=True)
out = Console(emoji=False, highlight=False, soft_wrap=True)
#: how many items that are not verified and active the summary lists (--results has all)
LISTED = 20


def verify_roster(
    file: Annotated[
        Path, typer.Argument(help="A ZIP of credential files, or a CSV/XLSX list of links.")
    ],
    org: Annotated[str, typer.Option(help="The verifying organization's slug.")],
    results: Annotated[
        Path | None, typer.Option("--results", help="Write every item's verdict to this CSV file.")
    ] = None,
) -> None:
    """Check every credential of a roster (a ZIP of files or a list of share links)."""
    if not file.is_file():
        raise FileError(f"no such file: {file}")
    try:
        with file.open("rb") as handle:
            content = handle.read(LIMITS.file_bytes + 1)
    except OSError as exc:
        raise FileError(f"cannot read {file}: {exc.strerror}") from None
    platform = migrated_platform()
    principal = operator()
    job_id = rosters.submit(
        platform,
        HeldQueue(),
        principal,
        organization_slug=org,
        content=content,
        filename=file.name,
    )
    run_with_progress(platform, principal, job_id, label="checking")
    with platform.db.session() as session:
        organization = orgs.organization_by_slug(session, org)
        view = rosters.roster_view(session, principal, organization, job_id)
        listed = list(
            session.execute(
                select(RosterVerdict)
                .where(RosterVerdict.job_id == job_id, RosterVerdict.outcome != "active")
                .order_by(RosterVerdict.row)
                .limit(LISTED)
            ).scalars()
        )
    words = "; ".join(filled(w) for w in rosters.count_words(view.counts, view.total))
    out.print(f"roster {job_id}: {escape(words)}")
    if view.error:
        out.print(f"[red]the job stopped:[/red] {escape(view.error.splitlines()[0])}")
    for verdict in listed:
        out.print(f"  {verdict.row}. {escape(verdict.source)}: {escape(verdict.reason)}")
    others = sum(n for outcome, n in view.counts.items() if outcome != "active")
    if others > len(listed):
        out.print(f"  … and {others - len(listed):,} more (--results writes every item)")
    if results is not None:
        with results.open("w", encoding="utf-8", newline="") as target:
            for text in rosters.verdict_lines(platform, job_id):
                target.write(text)
        err.print(f"wrote every item's verdict to {escape(str(results))}")
    raise typer.Exit(1 if others or view.error else 0)
