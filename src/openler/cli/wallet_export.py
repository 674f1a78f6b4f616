"""``openler wallet export``: a person's record exported from the operator's command line —
the JSON bundle, the HR Open LER-RS résumé, or the résumé as a PDF (acting for the person
with that email; the export is audited as one they made)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from openler.cli.platform import migrated_platform
from openler.cli.wallet import wallet_app
from openler.services.errors import UsageError
from openler.services.holders import exports


class ExportFormat(StrEnum):
    json = "json"
    ler_rs = "ler-rs"
    pdf = "pdf"


@wallet_app.command("export")
def export(
    email: Annotated[str, typer.Option(help="Whose record.")],
    kind: Annotated[
        ExportFormat, typer.Option("--format", help="json, ler-rs or pdf.")
    ] = ExportFormat.json,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write to this file (default: standard output)."),
    ] = None,
    links: Annotated[
        bool,
        typer.Option(
            "--links",
            help="PDF only: make a share link per credential issued here, lasting 365 days, "
            "for its QR code (each is listed on the person's shares page).",
        ),
    ] = False,
    language: Annotated[
        str,
        typer.Option(
            "--language",
            help="PDF only: the language of its headings and fixed words (en, es, …).",
        ),
    ] = "en",
) -> None:
    """Export a person's record: everything as JSON, an LER-RS résumé, or a PDF résumé."""
    if links and kind is not ExportFormat.pdf:
        raise UsageError("--links is for --format pdf (the printed résumé's QR codes)")
    # the PDF library and the catalogues are read only by this command (not at every start)
    from openler.services.holders import resume_pdf
    from openler.web import i18n

    if language not in i18n.catalogues():
        offered = ", ".join(sorted(i18n.catalogues()))
        raise UsageError(f"there is no language {language!r} here; choose one of {offered}")
    if language != i18n.DEFAULT_LANGUAGE and kind is not ExportFormat.pdf:
        raise UsageError("--language is for --format pdf (the JSON and LER-RS are data)")
    if kind is ExportFormat.pdf and out is None and sys.stdout.isatty():
        raise UsageError("a PDF is not for a terminal: give --out FILE, or redirect the output")
    platform = migrated_platform()
    with platform.db.session() as session:
        principal = exports.principal_by_email(session, email)
        if kind is ExportFormat.pdf:
            made = exports.print_links(session, platform, principal) if links else None
            shown = exports.printed(session, platform, principal, kind="pdf", links=made)
            body = resume_pdf.render(shown, translate=i18n.translator(language))
        else:
            document = (
                exports.bundle(session, platform, principal)
                if kind is ExportFormat.json
                else exports.ler_rs(session, platform, principal)
            )
            body = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()
    if out is None:
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
        return
    out.write_bytes(body)
    typer.echo(f"wrote {out} ({len(body)} bytes)", err=True)
