"""``openler outbox``: deliver the mail waiting in the outbox through the configured SMTP
server (``OPENLER_SMTP_URL``), once or every few seconds, and list what is waiting."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from openler.cli.platform import migrated_platform
from openler.services import outbox

outbox_app = typer.Typer(help="Mail waiting to be sent (claim links, …).", no_args_is_help=True)


@outbox_app.command(
    "send",
    help=(
        "Send the mail waiting in the outbox through OPENLER_SMTP_URL.\n\n"
        "A failure is recorded on its message and retried on the next run, up to "
        "OPENLER_SMTP_MAX_ATTEMPTS times. Exits 1 when a message failed (in a single "
        "run)."
    ),
)
def send(
    limit: Annotated[int, typer.Option(help="Messages per run at most.", min=1)] = 500,
    watch: Annotated[
        float | None,
        typer.Option("--watch", help="Keep running, delivering every this many seconds."),
    ] = None,
) -> None:
    """Send the mail waiting in the outbox through OPENLER_SMTP_URL."""
    platform = migrated_platform()
    try:
        while True:
            with platform.db.session() as session:
                done = outbox.deliver(session, platform, limit=limit)
            typer.echo(f"sent {done.sent}, failed {done.failed}, still waiting {done.waiting}")
            if watch is None:
                raise typer.Exit(1 if done.failed else 0)
            time.sleep(max(watch, 0.5))
    finally:
        platform.db.dispose()


@outbox_app.command("list")
def list_waiting(
    limit: Annotated[int, typer.Option(help="Messages to show at most.", min=1)] = 50,
) -> None:
    """List the messages not sent yet, oldest first, with their last error."""
    platform = migrated_platform()
    try:
        with platform.db.session() as session:
            rows = outbox.unsent(session, limit=limit)
            lines = [
                f"{row.created_at:%Y-%m-%d %H:%M}  {row.to_address}  {row.subject}  "
                f"[{f'{row.attempts} attempt(s): {row.error}' if row.error else 'waiting'}]"
                for row in rows
            ]
    finally:
        platform.db.dispose()
    for line in lines or ["nothing waiting"]:
        typer.echo(line)
