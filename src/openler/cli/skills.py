"""``openler skills``: alignment suggestions from a stored framework.

``openler skills suggest --framework ID --top K --jsonl`` is a contract (checks depend on
it): it reads one text per line on standard input and prints one JSON line per input,
``{"text": …, "suggestions": [{"id": …, "label": …, "score": …}, …]}``, ``id`` being the
competency's identifier (an ESCO concept URI …) and ``label`` its preferred label. Which
method ran is said on standard error. The first suggestion from a framework computes its
vectors (progress on standard error); ``openler skills embed`` does it ahead.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Annotated

import typer
from rich.console import Console

from openler.cli.platform import migrated_platform, operator
from openler.services.skills import suggestions
from openler.skills.suggest import Suggestions

skills_app = typer.Typer(help="Skills: alignment suggestions.", no_args_is_help=True)
err = Console(stderr=True, highlight=False, emoji=False, soft_wrap=True, markup=False)

FrameworkOpt = Annotated[
    str, typer.Option("--framework", help="The framework's id (esco, onet, demo …).")
]
#: lines read before the suggester runs on them (one model call for the batch)
_BATCH = 32


def embed_progress(done: int, total: int) -> None:
    """How far embedding a framework is, one line on standard error kept rewritten."""
    err.print(f"embedding the framework: {done:,} of {total:,} texts", end="\r")
    if done >= total:
        err.print()


def _lines() -> Iterator[list[str]]:
    batch: list[str] = []
    for line in sys.stdin:
        batch.append(line.rstrip("\r\n"))
        if len(batch) >= _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _as_json(found: Suggestions) -> str:
    return json.dumps(
        {
            "text": found.text,
            "suggestions": [
                {"id": s.item.identifier, "label": s.item.label, "score": s.score}
                for s in found.suggestions
            ],
        },
        ensure_ascii=False,
    )


@skills_app.command("suggest")
def suggest(
    framework: FrameworkOpt,
    top: Annotated[int, typer.Option("--top", help="Suggestions a text (1–100).")] = 10,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="One JSON line per input line (else a listing).")
    ] = False,
    method: Annotated[
        str | None,
        typer.Option(
            "--method", help="lexical, semantic or fused (default: fused when openler[ml] is in)."
        ),
    ] = None,
) -> None:
    """Suggest competencies for each line of standard input."""
    platform = migrated_platform()
    said = False
    for batch in _lines():
        with platform.db.session() as session:
            answer = suggestions.suggest(
                session,
                platform,
                operator(),
                framework,
                batch,
                top=top,
                method=method,
                progress=embed_progress,
            )
        if not said:
            err.print(f"suggestions from {answer.framework.name} by the {answer.method} method")
            if answer.note is not None:
                err.print(f"note: {answer.note_text}")
            said = True
        for found in answer.results:
            if jsonl:
                typer.echo(_as_json(found))
            else:
                typer.echo(found.text)
                for s in found.suggestions:
                    typer.echo(f"  {s.score:.3f}  {s.item.label}  {s.item.identifier}")
        sys.stdout.flush()


@skills_app.command("embed")
def embed(framework: FrameworkOpt) -> None:
    """Compute the vectors of a framework's items that are missing (once; suggestions use
    them). Needs openler[ml]."""
    platform = migrated_platform()
    with platform.db.session() as session:
        done = suggestions.embed_framework(session, platform, framework, embed_progress)
    typer.echo(f"{done:,} items of {framework} embedded" if done else "nothing to embed")
