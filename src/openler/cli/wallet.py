"""``openler wallet``: a person's openler wallet acting towards other issuers and verifiers
(each command acts for the person with ``--email``). The commands live with their
protocol: ``accept-offer`` in :mod:`openler.cli.offers` (OpenID4VCI), ``answer`` in
:mod:`openler.cli.requests` (OpenID4VP), ``exchange`` in :mod:`openler.cli.exchanges` (VC
API exchanges); ``import`` (files the person brings) is here."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from openler.cli.platform import migrated_platform
from openler.services.errors import NotFound
from openler.services.holders import imports
from openler.services.people.accounts import principal_for
from openler.store.models import Person

wallet_app = typer.Typer(
    help="Act as a person's openler wallet towards other issuers and verifiers.",
    no_args_is_help=True,
)


@wallet_app.command("import")
def import_files(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...",
            exists=True,
            dir_okay=False,
            readable=True,
            help="Badge images (PNG, SVG), credentials (JSON), JWTs, CLR records, LER-RS résumés.",
        ),
    ],
    email: Annotated[str, typer.Option(help="Whose record the files are imported into.")],
) -> None:
    """Import credentials a person has from elsewhere into their record: each is verified
    and labelled. Prints a row per credential; exits 0 when everything was added verified
    or was already held, 1 when something did not verify or was not imported."""
    platform = migrated_platform()
    with platform.db.session() as session:
        person = session.execute(
            select(Person).where(Person.email == email.strip().lower())
        ).scalar()
        if person is None:
            raise NotFound(f"no person has the email {email}")
        uploads = []
        for path in files:
            with path.open("rb") as handle:
                uploads.append(imports.Upload(path.name, handle.read(imports.MAX_FILE_BYTES + 1)))
        report = imports.import_files(session, platform, principal_for(session, person), uploads)
    for row in report.rows:
        named = f" — {row.name}" if row.name else ""
        typer.echo(f"{row.source}: {row.label}{named}. {row.message}")
    for part in report.not_imported:
        typer.echo(f"not imported: {part}")
    raise typer.Exit(0 if report.ok else 1)
