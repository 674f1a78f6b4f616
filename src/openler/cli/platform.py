"""``openler db``, ``serve``, ``audit`` and the web demo: the platform from the command line."""

from __future__ import annotations

import errno
import getpass
import os
import shlex
import socket
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from openler.services import audit, demo, jobs
from openler.services.context import Platform
from openler.services.errors import ServiceError, UsageError
from openler.services.people.accounts import Principal
from openler.settings import Settings
from openler.store import MigrationRequired

db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
console = Console(highlight=False, emoji=False)


def settings_from_env() -> Settings:
    try:
        return Settings()
    except ValueError as exc:
        raise UsageError(f"invalid settings: {exc}") from None


#: the platforms this command opened, closed by :func:`close_platforms` when it ends
OPENED: list[Platform] = []


def close_platforms() -> None:
    """Close the database connections of every platform the command opened (the entry
    point does, however the command ended)."""
    while OPENED:
        OPENED.pop().db.dispose()


def migrated_platform() -> Platform:
    """The deployment's platform, refusing a database whose migrations are pending. Its
    connections are closed when the command ends (however it ends)."""
    platform = Platform.from_settings(settings_from_env())
    OPENED.append(platform)
    try:
        platform.db.require_migrated()
    except MigrationRequired as exc:
        raise ServiceError(str(exc)) from None
    return platform


def operator() -> Principal:
    """Whoever runs the command line acts as openler itself — they hold the database and
    the key-encryption key — audited as ``system:cli:<login name>``."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name in this environment (a bare container)
        user = "unknown"
    return Principal.system(f"cli:{user}")


@db_app.command("upgrade")
def upgrade() -> None:
    """Apply every migration to the database named by OPENLER_DATABASE_URL."""
    platform = Platform.from_settings(settings_from_env())
    platform.db.upgrade()
    current, _ = platform.db.revisions()
    jobs.prepare_database(platform)
    typer.echo(f"database at revision {current}")


@db_app.command("status")
def status() -> None:
    """Show the database's revision and whether it is current."""
    platform = Platform.from_settings(settings_from_env())
    current, head = platform.db.revisions()
    typer.echo(f"database revision {current or '(empty)'}; this version needs {head}")
    if current != head:
        raise typer.Exit(1)


@audit_app.command("verify")
def audit_verify(
    checkpoints: Annotated[
        list[Path] | None,
        typer.Option(
            "--checkpoints",
            help="Another file of checkpoints to check against (a copy kept elsewhere); "
            "repeatable. The deployment's own file is always read.",
        ),
    ] = None,
) -> None:
    """Check the audit trail: every event's chain link, hash and keyed digest, and the trail
    against the signed checkpoints. Exit 1, naming the first problem, when an event was
    edited, deleted or moved, the tail was cut off or the trail deleted."""
    report = audit.verify_trail(migrated_platform(), checkpoints or [])
    typer.echo(("OK: " if report.ok else "BROKEN: ") + report.message)
    for note in report.notes:
        typer.echo(f"  note: {note}")
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Verify the events since the latest checkpoint, sign the trail's head (event count and
    hash) and append it to the checkpoint file; prints the line — keep a copy elsewhere."""
    platform = migrated_platform()
    checkpoint = audit.write_checkpoint(platform)
    typer.echo(checkpoint.to_line())
    typer.echo(
        f"checkpoint of {checkpoint.events} events appended to "
        f"{platform.settings.audit_checkpoint_path}",
        err=True,
    )


def worker(
    burst: Annotated[bool, typer.Option("--burst", help="Stop when no job is waiting.")] = False,
) -> None:
    """Run background jobs from the PostgreSQL queue (run any number of these)."""
    settings = settings_from_env()
    queue = jobs.ProcrastinateQueue(settings.database_url)
    queue.run_worker(burst=burst)


#: how long a worker of ``openler serve --workers N`` may take to start, and to answer
#: uvicorn's health check after that (a worker that does not is restarted)
WORKER_START_SECONDS = 60


def serve_app(
    settings: Settings,
    host: str,
    port: int,
    *,
    tls: tuple[Path, Path] | None = None,
    workers: int = 1,
) -> None:
    """Serve the app with uvicorn; ``workers`` > 1 forks that many processes sharing the
    port (each builds its app from the environment, ``openler.web.app.from_environment``)."""
    import uvicorn
    from fastapi import FastAPI

    from openler.web import create_app
    from openler.web.edge import uvicorn_log_config

    platform = Platform.from_settings(settings)
    app: FastAPI | str
    try:
        if workers == 1:
            app = create_app(settings, platform=platform)
        else:  # each worker builds its own app from the environment
            platform.db.require_migrated()
            app = "openler.web.app:from_environment"
    except MigrationRequired as exc:
        raise ServiceError(str(exc)) from None
    timer = audit.CheckpointTimer(platform, settings.audit_checkpoint_minutes)
    timer.start()
    try:
        uvicorn.run(
            app,
            factory=workers > 1,
            workers=workers,
            # a worker answers uvicorn's start-up check once it has imported openler and
            # built its app: seconds on an idle machine, more on a busy one, where uvicorn's
            # 5 s restarted every worker before it was ready, over and over
            timeout_worker_healthcheck=WORKER_START_SECONDS,
            host=host,
            port=port,
            log_level="info",
            log_config=uvicorn_log_config(),  # the access log with capability URLs redacted
            proxy_headers=True,
            forwarded_allow_ips=[
                p.strip() for p in settings.trusted_proxies.split(",") if p.strip()
            ],
            timeout_keep_alive=settings.keep_alive_seconds,
            ssl_certfile=str(tls[0]) if tls else None,
            ssl_keyfile=str(tls[1]) if tls else None,
        )
    finally:
        timer.stop()


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    tls_cert: Annotated[
        Path | None, typer.Option("--tls-cert", help="Serve HTTPS with this PEM certificate.")
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option("--tls-key", help="The certificate's PEM private key.")
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1, help="Processes sharing the port (one per core); each keeps its own caches."
        ),
    ] = 1,
) -> None:
    """Run the web app and API (stateless: run several behind a proxy)."""
    if (tls_cert is None) != (tls_key is None):
        raise UsageError("--tls-cert and --tls-key go together")
    tls = (tls_cert, tls_key) if tls_cert is not None and tls_key is not None else None
    serve_app(settings_from_env(), host, port, tls=tls, workers=workers)


def port_is_free(host: str, port: int) -> None:
    """Refuse, with what to do, when something already listens on ``host:port``."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        # as uvicorn binds: a port left in TIME_WAIT by a stopped demo is free, a listener not
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
            raise UsageError(
                f"{host}:{port} is already in use (is a demo running? stop it with Ctrl+C, "
                "or choose another port with --port)"
            ) from None


def cli_environment(database: Path, public_url: str) -> str:
    """The settings that point the command line at a demo's database: its file, the data
    folder beside it (the key-encryption key that unlocks the signing keys) and the
    address its credentials name.

    >>> for part in cli_environment(Path("/srv/var/demo.db"), "http://127.0.0.1:8000").split():
    ...     print(part)
    export
    OPENLER_DATABASE_URL=sqlite:////srv/var/demo.db
    OPENLER_DATA_DIR=/srv/var
    OPENLER_PUBLIC_URL=http://127.0.0.1:8000
    """
    path = database.absolute()
    values = {
        "OPENLER_DATABASE_URL": f"sqlite:///{path}",
        "OPENLER_DATA_DIR": str(path.parent),
        "OPENLER_PUBLIC_URL": public_url,
    }
    return "export " + " ".join(f"{k}={shlex.quote(v)}" for k, v in values.items())


def web_demo(
    serve_it: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the web app.")] = True,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    database: Annotated[Path, typer.Option(help="SQLite file for the demo (recreated).")] = Path(
        "var/demo.db"
    ),
) -> None:
    """Load the demo stories into a fresh SQLite database and serve the web app."""
    if serve_it:
        # before the database is recreated: a demo already serving here keeps its data
        port_is_free(host, port)
    database.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    public_url = os.environ.get("OPENLER_PUBLIC_URL", f"http://{host}:{port}")
    settings = Settings(
        database_url=f"sqlite:///{database}", public_url=public_url, data_dir=database.parent
    )
    settings.audit_checkpoint_path.unlink(missing_ok=True)  # they anchored the old trail
    platform = Platform.from_settings(settings)
    platform.db.upgrade()
    with platform.db.session() as session:
        logins = demo.load(session, platform)
    demo.populate(platform)
    platform.db.dispose()
    typer.echo(f"openler demo at {public_url} — one login per role:")
    width = max(len(login.email) for login in logins)
    for login in logins:
        line = f"  {login.role:<15} {login.email:<{width}}  password {login.password}"
        typer.echo(f"{line}  ({login.name})")
    typer.echo("To use the openler command on this demo's data, set in your shell:")
    typer.echo(f"  {cli_environment(database, public_url)}")
    if serve_it:
        console.print(f"Open {public_url} in a browser; press Ctrl+C to stop.")
        serve_app(settings, host, port)
