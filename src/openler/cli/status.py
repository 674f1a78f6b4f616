"""``openler status``: Bitstring Status List files (a contract; keep it stable)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from openler.services.errors import UsageError
from openler.services.files import statusfiles
from openler.vc import MIN_STATUS_ENTRIES as MIN_ENTRIES

app = typer.Typer(help="Create and update Bitstring Status Lists.", no_args_is_help=True)

SizeOpt = Annotated[
    int, typer.Option("--size", help="Bits per entry (statusSize); 1 unless a message list.")
]


@app.command("create")
def create(
    list_id: Annotated[str, typer.Option("--id", help="The URL the list will be published at.")],
    purpose: Annotated[
        str, typer.Option("--purpose", help="revocation, suspension, refresh or message.")
    ],
    key: Annotated[Path, typer.Option("--key", help="The issuer's key file.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the signed list.")],
    size: SizeOpt = 1,
    entries: Annotated[
        int, typer.Option(help="Number of entries (at least 131072).")
    ] = MIN_ENTRIES,
    ttl: Annotated[int | None, typer.Option(help="Cache lifetime hint in milliseconds.")] = None,
) -> None:
    """Write a signed, empty status list credential."""
    statusfiles.create_list(
        list_url=list_id,
        purpose=purpose,
        key_file=key,
        out=out,
        at=datetime.now(UTC),
        size=size,
        entries=entries,
        ttl_ms=ttl,
    )
    typer.echo(f"wrote {out}: {purpose} list {list_id} with {entries} entries")


@app.command("set")
def set_(
    file: Annotated[Path, typer.Argument(help="The status list credential file.")],
    index: Annotated[int, typer.Option("--index", help="The entry to change.")],
    key: Annotated[Path, typer.Option("--key", help="The issuer's key file.")],
    value: Annotated[
        int, typer.Option("--value", help="The new value (1 = revoked/suspended).")
    ] = 1,
    size: SizeOpt = 1,
) -> None:
    """Set one entry and re-sign the list in place."""
    if index < 0:
        raise UsageError("--index must be 0 or more")
    old = statusfiles.set_entry(
        file, index=index, value=value, key_file=key, at=datetime.now(UTC), size=size
    )
    typer.echo(f"{file}: entry {index} {old} -> {value}; list re-signed")


@app.command("get")
def get(
    file: Annotated[Path, typer.Argument(help="The status list credential file.")],
    index: Annotated[int, typer.Option("--index", help="The entry to read.")],
    size: SizeOpt = 1,
) -> None:
    """Print the value of one entry."""
    if index < 0:
        raise UsageError("--index must be 0 or more")
    typer.echo(str(statusfiles.get_entry(file, index=index, size=size)))
