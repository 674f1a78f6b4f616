"""``openler requests``: presentation requests by a standard protocol, from the operator's
command line (audited as ``system:cli:<login name>``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from openler.cli.exchanges import create_exchange_request, print_request
from openler.cli.platform import migrated_platform, operator
from openler.services.errors import UsageError
from openler.services.files.documents import read_json_file
from openler.services.protocols import exchanges, oid4vp_verifier
from openler.services.verifiers import requests as requests_service

requests_app = typer.Typer(
    help="Presentation requests other wallets answer (OpenID4VP, VC API exchanges).",
    no_args_is_help=True,
)
PROTOCOLS = ("oid4vp", "vcapi")


@requests_app.command("create")
def create(
    org: Annotated[str, typer.Option(help="The verifying organization's slug.")],
    query: Annotated[
        Path, typer.Option(help="A DCQL query (JSON file): what the wallet must present.")
    ],
    protocol: Annotated[
        str,
        typer.Option(
            help="oid4vp (OpenID4VP 1.0: an openid4vp:// link) or vcapi (a VC API exchange: "
            "an interaction URL the Learner Credential Wallet opens; the DCQL query becomes a "
            "QueryByExample)."
        ),
    ] = "oid4vp",
    minutes: Annotated[int, typer.Option(help="How long the request stays open.")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Print {id, uri} as JSON.")] = False,
) -> None:
    """Create a request and print its link (``openid4vp://…``, or the exchange's
    interaction URL) as the last line."""
    if protocol not in PROTOCOLS:
        raise UsageError(
            f"--protocol {protocol!r} is not supported; this openler speaks {', '.join(PROTOCOLS)}"
        )
    dcql = read_json_file(query)
    if protocol == "vcapi":
        made = create_exchange_request(
            org, exchanges.query_by_example(dcql), holder_signs=True, minutes=minutes, dcql=dcql
        )
        print_request(made.exchange.request_id, made.interaction_url, as_json=as_json)
        return
    platform = migrated_platform()
    with platform.db.session() as session:
        created = oid4vp_verifier.create_request(
            session,
            platform,
            operator(),
            organization_slug=org,
            query=dcql,
            minutes=minutes,
        )
        request_id = created.request.id
    print_request(request_id, created.uri, as_json=as_json)


@requests_app.command("show")
def show(
    request_id: Annotated[str, typer.Argument(metavar="ID", help="The request's id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the request as JSON.")] = False,
) -> None:
    """A request's state and its answer, verified again now."""
    platform = migrated_platform()
    with platform.db.session() as session:
        row, report = requests_service.view_request(session, platform, operator(), request_id)
        state = requests_service.state_of(row, platform.now())
        data: dict[str, Any] = {
            "id": row.id,
            "state": "waiting" if state == "open" else state,
            "verified": report.verified if report is not None else None,
            "query": row.query,
            "expires": row.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            **oid4vp_verifier.answer_fields(session, platform, row),
            "verification": report.to_json() if report is not None else None,
        }
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    typer.echo(f"request {data['id']}: {data['state']}")
    if report is not None:
        typer.echo(report.summary)
    for key in ("wallet_error", "refused"):
        if data.get(key):
            typer.echo(
                f"{key.replace('_', ' ')}: {data[key]['error']}: "
                f"{data[key].get('error_description', '')}"
            )
