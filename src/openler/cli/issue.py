"""``openler issue batch``: issue an achievement to every row of a roster file (CSV or
XLSX) from the operator's command line, with a progress bar.

The roster is checked row by row as in the web pages (:mod:`openler.services.issuers.
rosters`) and submitted as a roster job, which this process then runs itself — no worker
needed — so a run that is stopped can be resumed by ``openler worker`` or the server
without issuing any row twice. The operator acts as ``system:cli:<login name>``.

Exit codes: 0 when every row was issued or already held (or, in a dry run, would be), 1
when some row was not (the summary names them), 2 when the input is unusable.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from openler.cli.platform import migrated_platform, operator
from openler.services import jobs
from openler.services.context import Platform
from openler.services.errors import FileError, UsageError
from openler.services.issuers import job_reports, orgs, rosters
from openler.services.issuers.tables import open_table
from openler.services.people.accounts import Principal

issue_app = typer.Typer(
    help="Issue and manage an organization's credentials.", no_args_is_help=True
)
err = Console(stderr=True, emoji=False, highlight=False, soft_wrap=True)
out = Console(emoji=False, highlight=False, soft_wrap=True)
#: how many of the rows that were not issued the summary lists (the results file has all)
LISTED = 20


class HeldQueue:
    """A queue that keeps the job for this process to run (see :func:`run_with_progress`)."""

    def __init__(self) -> None:
        self.job_ids: list[str] = []

    def submit(self, job_id: str) -> None:
        self.job_ids.append(job_id)


def column_overrides(pairs: list[str]) -> dict[str, str]:
    """``--column FIELD=HEADER`` options as a map (``FIELD=`` leaves the field unmapped).

    >>> column_overrides(["email=E-mail address", "name="])
    {'email': 'E-mail address', 'name': ''}
    """
    chosen: dict[str, str] = {}
    for pair in pairs:
        name, sep, header = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--column {pair!r}: write FIELD=HEADER, such as email='E-mail'")
        chosen[name.strip()] = header.strip()
    return chosen


def chosen_columns(guessed: dict[str, str], told: dict[str, str]) -> dict[str, str]:
    """The column map: what ``--column`` said, and the guesses for the other fields whose
    column it did not take (an explicit choice wins over a guess).

    >>> chosen_columns({"licenseNumber": "Licence", "name": "Name"}, {"identifier": "Licence"})
    {'name': 'Name', 'identifier': 'Licence'}
    """
    taken = set(told.values())
    kept = {
        name: header
        for name, header in guessed.items()
        if name not in told and (name == rosters.IDENTIFIER_TYPE or header not in taken)
    }
    return {**kept, **told}


def checked_columns(
    mapping: dict[str, str], headers: list[str], achievement_data: dict[str, Any]
) -> dict[str, str]:
    """:func:`rosters.check_mapping`, its refusals said for the command line: which
    ``--column`` fixes it, and the file's headers."""
    found = ", ".join(repr(h) for h in headers)
    has_recipient = any(mapping.get(f, "").strip() for f in ("email", "identifier"))
    if not has_recipient:
        raise UsageError(
            "no column was recognised as the recipients' email address or identifier: "
            f"name it with --column email=HEADER or --column identifier=HEADER (the file's "
            f"headers: {found})"
        )
    try:
        return rosters.check_mapping(mapping, headers, achievement_data)
    except UsageError as exc:
        if exc.message.startswith("the file has no column"):
            raise UsageError(f"{exc.message}; the file's headers: {found}") from None
        raise


@issue_app.command(
    "batch",
    help=(
        "Issue an achievement to every row of a roster file (CSV or XLSX).\n\n"
        "Rows with problems are reported and the others issued, each recipient once: "
        "one who already holds the achievement, or was on an earlier row, is reported "
        "as already holding it. A --dry-run says the same counts and issues nothing. Exit 0 "
        "when every row was issued or already held, 1 when some row was not, 2 for "
        "unusable input."
    ),
)
def batch(
    file: Annotated[Path, typer.Argument(help="The roster: a CSV (UTF-8) or XLSX file.")],
    org: Annotated[str, typer.Option(help="The issuing organization's slug.")],
    achievement: Annotated[str, typer.Option(help="The achievement's slug.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Issue nothing: report who would be issued.")
    ] = False,
    column: Annotated[
        list[str] | None,
        typer.Option(
            "--column",
            help="Which column holds a field: FIELD=HEADER (repeatable). Fields: "
            + ", ".join(rosters.FIELDS)
            + ", result:<result name>. Headers that name a field (email, name, "
            "identifier, …) are found without it; a --column wins over what was found.",
        ),
    ] = None,
    identifier_type: Annotated[
        str | None,
        typer.Option(
            "--identifier-type", help="The OB 3.0 identity type of the identifier column."
        ),
    ] = None,
    results: Annotated[
        Path | None, typer.Option("--results", help="Write the per-row result to this CSV file.")
    ] = None,
) -> None:
    """Issue an achievement to every row of a roster file (CSV or XLSX)."""
    if not file.is_file():
        raise FileError(f"no such file: {file}")
    platform = migrated_platform()
    principal = operator()
    chosen = rosters.achievement_for(platform, principal, org, achievement)
    try:
        with file.open("rb") as handle, open_table(handle) as table:
            headers = table.headers
    except OSError as exc:
        raise FileError(f"cannot read {file}: {exc.strerror}") from None
    mapping = chosen_columns(
        rosters.suggest_mapping(headers, chosen.data, chosen.column_map),
        column_overrides(column or []),
    )
    if identifier_type:
        mapping[rosters.IDENTIFIER_TYPE] = identifier_type
    mapping = checked_columns(mapping, headers, chosen.data)
    labels = rosters.field_labels(chosen.data)
    used = ", ".join(f"{labels[f]} ← {h!r}" for f, h in mapping.items() if f in labels)
    err.print(f"{escape(file.name)}: {escape(used)}")
    summary = rosters.preview(
        platform,
        principal,
        organization_slug=org,
        achievement_slug=achievement,
        path=file,
        mapping=mapping,
        first=0,
        problems=0,
    )
    err.print(f"{escape(file.name)}: {summary.words()}")
    queue = HeldQueue()
    job_id = rosters.submit(
        platform,
        queue,
        principal,
        organization_slug=org,
        achievement_slug=achievement,
        path=file,
        mapping=mapping,
        dry_run=dry_run,
        source=file.name,
    )
    run_with_progress(platform, principal, job_id)
    failed = _summary(platform, principal, org, job_id, dry_run=dry_run, summary=summary)
    if results is not None:
        with results.open("w", encoding="utf-8", newline="") as target:
            for text in job_reports.result_lines(platform, job_id):
                target.write(text)
        err.print(f"wrote the result of every row to {escape(str(results))}")
    raise typer.Exit(1 if failed else 0)


def run_with_progress(
    platform: Platform, principal: Principal, job_id: str, *, label: str = "issuing"
) -> None:
    """Run the job on a thread of this process while a bar follows ``Job.done``."""
    errors: list[Exception] = []

    def work() -> None:
        try:
            jobs.run_job(platform, job_id)
        except Exception as exc:  # noqa: BLE001 - raised again by the main thread
            errors.append(exc)

    worker = threading.Thread(target=work, name="openler-roster", daemon=True)
    worker.start()
    state = jobs.job_state(platform, job_id, principal, rows=0)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=False) as progress:
        task = progress.add_task(label, total=state["total"] or None)
        while worker.is_alive():
            worker.join(0.25)
            state = jobs.job_state(platform, job_id, principal, rows=0)
            progress.update(task, completed=state["done"] or 0)
        state = jobs.job_state(platform, job_id, principal, rows=0)
        progress.update(task, completed=state["done"] or 0)
    if errors:
        raise errors[0]


def _summary(
    platform: Platform,
    principal: Principal,
    org: str,
    job_id: str,
    *,
    dry_run: bool,
    summary: rosters.Summary,
) -> int:
    """Print what the job did (a dry run: what the roster would do, each row counted once
    as the preview counts it); returns how many rows were not issued."""
    with platform.db.session() as session:
        organization = orgs.organization_by_slug(session, org)
        view = job_reports.job_view(session, principal, organization, job_id)
        failed_rows = job_reports.job_rows(
            session, principal, organization, job_id, outcome="failed", limit=LISTED
        )
    counts = view.counts
    if dry_run:
        out.print(f"dry run {job_id}: {summary.words(issued='would be issued')}")
    else:
        out.print(f"roster {job_id}: {job_reports.outcome_words(counts) or 'no rows'}")
    if view.error:
        out.print(f"[red]the job stopped:[/red] {escape(view.error.splitlines()[0])}")
    failed = counts.get("failed", 0)
    for row in failed_rows:
        who = f" ({row.recipient})" if row.recipient else ""
        out.print(f"  row {row.row}{escape(who)}: {escape(row.message or 'not issued')}")
    if failed > len(failed_rows):
        out.print(f"  … and {failed - len(failed_rows):,} more (--results writes every row)")
    return failed or (1 if view.error else 0)
