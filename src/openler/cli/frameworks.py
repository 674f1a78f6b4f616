"""``openler frameworks``: skills and occupations frameworks from the operator's command
line — import one from its published files, list those here, show one and search its items.

Exit codes: 0 imported whole, 1 imported with rows skipped (each named on standard error),
2 nothing imported (the file or the options are wrong; the message says which).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from openler.cli.platform import migrated_platform, operator
from openler.cli.skills import embed_progress
from openler.services.context import Platform
from openler.services.errors import UsageError
from openler.services.skills import embedder, frameworks, suggestions

frameworks_app = typer.Typer(
    help="Skills and occupations frameworks (CASE, CTDL, ESCO, O*NET, military crosswalks).",
    no_args_is_help=True,
)
#: skipped rows printed before "… and n more"
SHOWN_PROBLEMS = 20


class _Progress:
    """Stages and row counts on standard error, one line a stage, as an import goes on."""

    def __init__(self) -> None:
        self.last: tuple[str, int] = ("", -1)

    def __call__(self, stage: str, done: int, total: int) -> None:
        step = max(1, total // 10)
        if stage != self.last[0] or done == total or done - self.last[1] >= step:
            typer.echo(f"  {stage}: {done:,} of {total:,}", err=True)
            self.last = (stage, done)


@frameworks_app.command("import")
def import_framework(
    kind: Annotated[
        str, typer.Argument(help="case, ctdl, esco, onet or military.", show_default=False)
    ],
    path: Annotated[
        Path,
        typer.Argument(
            help="The file; for esco and onet a file or the directory of the download.",
            show_default=False,
        ),
    ],
    framework_id: Annotated[
        str | None,
        typer.Option("--id", help="The framework's id (default: esco, onet, military, case-…)."),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="What it is called.")] = None,
    no_embed: Annotated[
        bool,
        typer.Option(
            "--no-embed",
            help="Do not compute the vectors of suggestions by meaning now "
            "(the first suggestion or openler skills embed will).",
        ),
    ] = False,
) -> None:
    """Import a framework, or update the one of the same id in place (items matched by
    identifier; its relations replaced), and print what changed; then, when openler[ml] is
    installed, compute the vectors its new or changed items lack (progress on standard
    error), so that the first suggestion from it answers at once."""
    if kind not in frameworks.KINDS:
        raise UsageError(
            f"{kind!r} is not a kind of framework: one of {', '.join(frameworks.KINDS)}"
        )
    if not path.exists():
        raise UsageError(f"{path} does not exist")
    if path.is_dir() and kind not in frameworks.MANY_FILES:
        raise UsageError(f"a {kind} framework is one file, and {path} is a directory")
    platform = migrated_platform()
    typer.echo(f"importing {kind} from {path}", err=True)
    with platform.db.session() as session:
        done = frameworks.import_files(
            session,
            platform,
            operator(),
            kind,
            [path],
            framework_id=framework_id,
            name=name,
            progress=_Progress(),
        )
    counts = done.counts
    typer.echo(
        f"{done.framework_id}: {done.name} — {counts['items']:,} items "
        f"({counts['added']:,} added, {counts['updated']:,} updated, "
        f"{counts['missing']:,} no longer in the file but kept), "
        f"{counts['relations']:,} relations, {counts['unresolved']:,} unresolved"
    )
    skipped = [p for p in done.problems if p.line > 0]
    for problem in done.problems[:SHOWN_PROBLEMS]:
        typer.echo(f"  {'skipped' if problem.line else 'left aside'}: {problem}", err=True)
    if len(done.problems) > SHOWN_PROBLEMS:
        typer.echo(f"  … and {len(done.problems) - SHOWN_PROBLEMS:,} more", err=True)
    if counts["unresolved"]:
        typer.echo(
            f"  {counts['unresolved']:,} relations name an item no framework here holds "
            "(a crosswalk's occupations: import O*NET, then the crosswalk again)",
            err=True,
        )
    if not no_embed:
        _embed(platform, done.framework_id)
    if skipped:
        typer.echo(f"{len(skipped):,} rows skipped", err=True)
        raise typer.Exit(1)


def _embed(platform: Platform, framework_id: str) -> None:
    """The imported framework's missing vectors, in a transaction of their own (the import
    is kept if this is interrupted)."""
    if not embedder.available():
        typer.echo(
            "  vectors not computed: openler[ml] is not installed (suggestions match words)",
            err=True,
        )
        return
    with platform.db.session() as session:
        suggestions.embed_framework(session, platform, framework_id, embed_progress)


@frameworks_app.command("list")
def list_frameworks() -> None:
    """The frameworks here: id, kind, items, relations, when last imported, name."""
    platform = migrated_platform()
    with platform.db.session() as session:
        rows = frameworks.frameworks(session)
        held = frameworks.item_counts(session)
        for row in rows:
            items = sum(held.get(row.id, {}).values())
            when = (row.updated_at or row.imported_at).strftime("%Y-%m-%d %H:%M")
            relations = row.counts.get("relations", 0)
            counted = f"{items:,} items\t{relations:,} relations"
            typer.echo(f"{row.id}\t{row.kind}\t{counted}\t{when}\t{row.name}")
    if not rows:
        typer.echo("no framework yet (openler frameworks import KIND PATH)", err=True)


@frameworks_app.command("show")
def show(
    framework_id: Annotated[str, typer.Argument(help="The framework's id.", show_default=False)],
    search: Annotated[
        str | None,
        typer.Option("--search", help="Items whose label, alternative label or code has this."),
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="Only items of this kind (skill, occupation …).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Items shown (1–500).")] = 20,
) -> None:
    """A framework: what it is, what it holds, and its items (those found by --search)."""
    platform = migrated_platform()
    with platform.db.session() as session:
        row = frameworks.get_framework(session, framework_id)
        held = frameworks.item_counts(session).get(row.id, {})
        typer.echo(f"{row.id}: {row.name} ({row.kind})")
        if row.source:
            typer.echo(f"source: {row.source}")
        if row.version:
            typer.echo(f"version: {row.version}")
        typer.echo("holds: " + ", ".join(f"{n:,} {k}" for k, n in sorted(held.items())))
        page = frameworks.items(session, row.id, kind=kind, query=search, limit=limit)
        label = f"matching {search!r}" if search else "items"
        typer.echo(f"{page.total:,} {label}; the first {len(page.items)}:")
        for entry in page.items:
            code = f" [{entry.code}]" if entry.code and entry.code != entry.identifier else ""
            typer.echo(f"  {entry.kind}\t{entry.label}{code}\t{entry.identifier}")
