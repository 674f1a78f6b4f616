"""Commands of the ``openler`` CLI. The interface is a contract: keep it stable."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from openler import __version__
from openler.cli import issue as issue_cli
from openler.cli import lifecycle as lifecycle_cli
from openler.cli import people as people_cli
from openler.cli import platform as platform_cli
from openler.cli import verify_roster as verify_roster_cli
from openler.cli import (
    wallet_answer,  # noqa: F401 - registers 'openler wallet answer'
    wallet_export,  # noqa: F401 - registers 'openler wallet export'
)
from openler.cli.achievements import achievements_app
from openler.cli.exchanges import exchanges_app
from openler.cli.frameworks import frameworks_app
from openler.cli.offers import offers_app
from openler.cli.outbox import outbox_app
from openler.cli.render import print_report
from openler.cli.requests import requests_app
from openler.cli.skills import skills_app
from openler.cli.status import app as status_app
from openler.cli.tokens import tokens_app
from openler.cli.trust import app as trust_app
from openler.cli.wallet import wallet_app
from openler.services.errors import ServiceError, UsageError
from openler.services.files.documents import context_loader, load_key, read_json_file, write_key
from openler.services.files.parallel import default_jobs
from openler.services.files.signing import SignOptions, sign_files, with_identifier
from openler.services.files.verify_inputs import VerifyOptions, verify_inputs
from openler.settings import DEFAULT_FETCH_SECONDS, DEFAULT_MAX_FETCHES
from openler.vc import (
    CRYPTOSUITES,
    Multikey,
    VCError,
    build_presentation,
    parse_datetime,
    sign_credential,
    sign_presentation,
)

app = typer.Typer(
    name="openler",
    help="Issue, hold, share and verify Learning and Employment Records.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
key_app = typer.Typer(help="Manage signing keys (Ed25519 Multikey).", no_args_is_help=True)
app.add_typer(key_app, name="key")
app.add_typer(status_app, name="status")
app.add_typer(trust_app, name="trust")
app.add_typer(platform_cli.db_app, name="db")
app.add_typer(platform_cli.audit_app, name="audit")
app.add_typer(people_cli.people_app, name="people")
app.add_typer(people_cli.orgs_app, name="orgs")
app.add_typer(tokens_app, name="tokens")
app.add_typer(achievements_app, name="achievements")
app.add_typer(issue_cli.issue_app, name="issue")
app.add_typer(lifecycle_cli.reminders_app, name="reminders")
app.add_typer(outbox_app, name="outbox")
app.add_typer(exchanges_app, name="exchanges")
app.add_typer(offers_app, name="offers")
app.add_typer(requests_app, name="requests")
app.add_typer(wallet_app, name="wallet")
app.add_typer(frameworks_app, name="frameworks")
app.add_typer(skills_app, name="skills")
app.command("serve")(platform_cli.serve)
app.command("worker")(platform_cli.worker)
app.command("verify-roster")(verify_roster_cli.verify_roster)

err = Console(stderr=True, emoji=False, highlight=False, soft_wrap=True)

ContextOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--context", help="Add a JSON-LD context from a local file: URL=FILE (repeatable)."
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"openler {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """openler: verifiable Learning and Employment Records."""


def _when(value: str | None, option: str) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        return parse_datetime(value, option)
    except VCError as exc:
        raise UsageError(exc.message) from None


def _read_document(source: str) -> dict[str, Any]:
    if source == "-":
        try:
            doc = json.loads(sys.stdin.read())
        except json.JSONDecodeError as exc:
            raise UsageError(
                f"standard input is not valid JSON (line {exc.lineno}: {exc.msg})"
            ) from None
    else:
        doc = read_json_file(source, "input")
    if not isinstance(doc, dict):
        raise UsageError(f"{source} must hold a JSON object")
    return doc


@key_app.command("generate")
def key_generate(
    out: Annotated[Path, typer.Option("--out", help="Where to write the key file (mode 0600).")],
    controller: Annotated[
        str | None,
        typer.Option(
            help="Publish under this controller (did:web or https URL) instead of did:key."
        ),
    ] = None,
    key_id: Annotated[
        str | None, typer.Option("--id", help="Verification method id (default CONTROLLER#KEY).")
    ] = None,
) -> None:
    """Generate an Ed25519 key and write it as Multikey JSON."""
    key = Multikey.generate()
    if controller:
        key = key.with_controller(controller, key_id or f"{controller}#key-1")
    write_key(key, out)
    typer.echo(f"wrote {out}: {key.id}")


@key_app.command("show")
def key_show(keyfile: Annotated[Path, typer.Argument(help="A key file.")]) -> None:
    """Print the public verification method of a key file (never the secret)."""
    typer.echo(json.dumps(load_key(keyfile).public_json(), indent=2))


JobsOpt = Annotated[
    int,
    typer.Option(
        "--jobs", help="Worker processes for a batch (0: one per CPU this process may use)."
    ),
]


def _jobs(value: int) -> int:
    if value < 0:
        raise UsageError("--jobs must be 0 (one per CPU this process may use) or more")
    return value or default_jobs()


@app.command()
def sign(
    sources: Annotated[
        list[str], typer.Argument(metavar="FILE…|-", help="Unsigned credentials (JSON).")
    ],
    key: Annotated[Path, typer.Option("--key", help="Issuer key file.")],
    suite: Annotated[
        str, typer.Option("--suite", help="eddsa-rdfc-2022 or eddsa-jcs-2022.")
    ] = "eddsa-rdfc-2022",
    created: Annotated[
        str | None, typer.Option("--created", help="Proof creation time (ISO 8601; default now).")
    ] = None,
    context: ContextOpt = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out-dir", help="Write each signed credential here (needed for several)."),
    ] = None,
    jobs: JobsOpt = 0,
) -> None:
    """Sign a credential and print it; or sign many into --out-dir, one line per file."""
    if suite not in CRYPTOSUITES:
        raise UsageError(f"--suite must be one of {', '.join(CRYPTOSUITES)}")
    when = _when(created, "--created")
    if out_dir is None:
        if len(sources) != 1:
            raise UsageError("several inputs need --out-dir")
        document, added = with_identifier(_read_document(sources[0]))
        if added:
            err.print(f"the document had no id; it was given {added}")
        signed = sign_credential(
            document,
            load_key(key),
            cryptosuite=suite,
            created=when,
            loader=context_loader(context or []),
        )
        typer.echo(json.dumps(signed, indent=2, ensure_ascii=False))
        return
    if "-" in sources:
        raise UsageError("standard input cannot be used with --out-dir")
    options = SignOptions(str(key), str(out_dir), suite, when, tuple(context or []))
    failed = 0
    for result in sign_files(sources, options, jobs=_jobs(jobs)):
        if result.error:
            failed += 1
            typer.echo(f"FAILED {result.input}: {result.error}")
        else:
            given = f" (it had no id; given {result.added_id})" if result.added_id else ""
            typer.echo(f"signed {result.input} -> {result.output}{given}")
    typer.echo(f"{len(sources) - failed} signed, {failed} failed")
    if failed:
        raise typer.Exit(1)


@app.command()
def present(
    sources: Annotated[
        list[str], typer.Argument(metavar="FILE…", help="Signed credentials (JSON or JWT).")
    ],
    key: Annotated[Path, typer.Option("--key", help="Holder key file.")],
    challenge: Annotated[str | None, typer.Option(help="The verifier's challenge (nonce).")] = None,
    domain: Annotated[str | None, typer.Option(help="The verifier's domain.")] = None,
    suite: Annotated[str, typer.Option("--suite")] = "eddsa-rdfc-2022",
    context: ContextOpt = None,
) -> None:
    """Build a presentation of credentials and sign it as holder (authentication)."""
    if suite not in CRYPTOSUITES:
        raise UsageError(f"--suite must be one of {', '.join(CRYPTOSUITES)}")
    holder = load_key(key)
    credentials: list[dict[str, Any] | str] = []
    for source in sources:
        text = Path(source).read_text("utf-8") if source != "-" else sys.stdin.read()
        stripped = text.strip()
        credentials.append(
            stripped if not stripped.startswith("{") else _read_json_text(stripped, source)
        )
    presentation = build_presentation(credentials, holder=holder.controller)
    signed = sign_presentation(
        presentation,
        holder,
        challenge=challenge,
        domain=domain,
        created=datetime.now(UTC),
        cryptosuite=suite,
        loader=context_loader(context or []),
    )
    typer.echo(json.dumps(signed, indent=2, ensure_ascii=False))


def _read_json_text(text: str, source: str) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{source} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(doc, dict):
        raise UsageError(f"{source} must hold a JSON object")
    return doc


@app.command()
def verify(
    sources: Annotated[
        list[str],
        typer.Argument(metavar="FILE…", help="Credentials, presentations, JWTs or baked badges."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON report.")] = False,
    as_jsonl: Annotated[
        bool, typer.Option("--jsonl", help="Print one JSON report per line.")
    ] = False,
    at: Annotated[
        str | None, typer.Option("--at", help="Verify as of this time (ISO 8601).")
    ] = None,
    context: ContextOpt = None,
    doc: Annotated[
        list[str] | None,
        typer.Option("--doc", help="Serve a DID or controller document from a file: URL=FILE."),
    ] = None,
    online: Annotated[
        bool,
        typer.Option(
            "--online", help="Allow HTTPS fetches of documents (from public addresses only)."
        ),
    ] = False,
    max_fetches: Annotated[
        int,
        typer.Option("--max-fetches", min=0, help="With --online: fetches per input at most."),
    ] = DEFAULT_MAX_FETCHES,
    fetch_seconds: Annotated[
        float,
        typer.Option(
            "--fetch-seconds", min=0.1, help="With --online: seconds of fetching per input."
        ),
    ] = DEFAULT_FETCH_SECONDS,
    challenge: Annotated[str | None, typer.Option(help="Expected presentation challenge.")] = None,
    domain: Annotated[str | None, typer.Option(help="Expected presentation domain.")] = None,
    trust: Annotated[
        str | None, typer.Option("--trust", help="A signed trust registry snapshot (JSON file).")
    ] = None,
    trust_authority: Annotated[
        str | None,
        typer.Option(
            "--trust-authority",
            help="The DID that must have signed the --trust snapshot (required with --trust).",
        ),
    ] = None,
    jurisdiction: Annotated[
        str | None, typer.Option("--jurisdiction", help="Where the verifier is (e.g. US-NC).")
    ] = None,
    bind_holder: Annotated[
        bool,
        typer.Option(
            "--bind-holder",
            help="Require a presentation to name its holder, be signed by the holder, and "
            "hold only credentials about the holder.",
        ),
    ] = False,
    jobs: JobsOpt = 0,
) -> None:
    """Verify inputs. Exit 0 if all verified, 1 if any did not, 2 if any was unreadable."""
    if as_json and as_jsonl:
        raise UsageError("choose one of --json and --jsonl")
    if trust is not None and not trust_authority:
        # a snapshot is only as good as its signer: any key can sign a registry
        raise UsageError(
            "--trust needs --trust-authority DID: the DID of the registry authority whose "
            "signature the snapshot must carry (for example the state LER office's did:web)"
        )
    options = VerifyOptions(
        at=_when(at, "--at"),
        contexts=context or [],
        docs=doc or [],
        online=online,
        challenge=challenge,
        domain=domain,
        trust_snapshot=trust,
        trust_authority=trust_authority,
        jurisdiction=jurisdiction,
        max_fetches=max_fetches,
        fetch_seconds=fetch_seconds,
        bind_holder=bind_holder,
    )
    reports = []
    for report in verify_inputs(sources, options, jobs=_jobs(jobs)):
        reports.append(report)
        if as_jsonl:
            typer.echo(json.dumps(report.to_json(), ensure_ascii=False))
        elif not as_json:
            print_report(report)
    if as_json:
        payload = reports[0].to_json() if len(reports) == 1 else [r.to_json() for r in reports]
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    unreadable = any(r.status_of("parse") != "passed" for r in reports)
    if unreadable:
        raise typer.Exit(2)
    raise typer.Exit(0 if all(r.verified for r in reports) else 1)


@app.command()
def demo(
    script: Annotated[
        bool, typer.Option("--script", help="Run the scripted story in the terminal instead.")
    ] = False,
    serve_it: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the web app.")] = True,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    database: Annotated[Path, typer.Option(help="SQLite file for the demo (recreated).")] = Path(
        "var/demo.db"
    ),
) -> None:
    """Load the demo stories and serve the web app, printing one login per role."""
    if script:
        from openler.cli.demo import run

        run()
        return
    platform_cli.web_demo(serve_it=serve_it, host=host, port=port, database=database)


def main() -> None:
    """Entry point: Typer handles usage errors (exit 2); this turns openler's errors into
    one-line messages and exit codes, in one place."""
    try:
        app()
    except ServiceError as exc:
        err.print(f"[red]error:[/red] {escape(exc.message)}")
        sys.exit(exc.exit_code)
    except VCError as exc:
        err.print(f"[red]error:[/red] {escape(exc.message)}")
        sys.exit(2)
    finally:
        platform_cli.close_platforms()
