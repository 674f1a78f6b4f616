"""``openler exchanges``: VC API exchanges (interaction URLs the Learner Credential Wallet
opens) made from the operator's command line. Each prints the interaction URL as its last
line; each is audited as ``system:cli:<login name>``. ``openler wallet exchange``: a
person's wallet answering another verifier's exchange."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from openler.cli.platform import migrated_platform, operator
from openler.cli.wallet import wallet_app
from openler.services.errors import UsageError
from openler.services.protocols import exchanges, wallet_exchanges
from openler.services.protocols.client import ProtocolClient, ProtocolError

exchanges_app = typer.Typer(help="VC API exchanges (interaction URLs).", no_args_is_help=True)


@exchanges_app.command("create-issuance")
def create_issuance(
    org: Annotated[str, typer.Option(help="The issuing organization's slug.")],
    achievement: Annotated[str, typer.Option(help="The achievement's slug.")],
    email: Annotated[str, typer.Option(help="The recipient's email address.")],
    name: Annotated[str, typer.Option(help="The recipient's name.")] = "",
    minutes: Annotated[int, typer.Option(help="How long the exchange works.", min=1)] = 30,
) -> None:
    """An exchange issuing ACHIEVEMENT to the DID that authenticates at it."""
    made = create_exchange_issuance(org, achievement, email, name, minutes=minutes)
    typer.echo(f"exchange {made.exchange.id}")
    typer.echo(made.interaction_url)


def create_exchange_issuance(
    org: str, achievement: str, email: str, name: str, *, minutes: int = 30
) -> exchanges.Made:
    """An issuance exchange made by the operator (``exchanges create-issuance`` and
    ``offers create --protocol vcapi``)."""
    platform = migrated_platform()
    with platform.db.session() as session:
        return exchanges.create_issuance(
            session,
            platform,
            operator(),
            organization_slug=org,
            achievement_slug=achievement,
            email=email,
            name=name,
            minutes=minutes,
        )


@exchanges_app.command("create-request")
def create_request(
    org: Annotated[str, typer.Option(help="The verifying organization's slug.")],
    query: Annotated[
        Path, typer.Option(help="A QueryByExample query (or a list, or a VP request) as JSON.")
    ],
    unsigned: Annotated[
        bool,
        typer.Option(help="Ask no DIDAuthentication: accept an unsigned presentation."),
    ] = False,
    minutes: Annotated[int, typer.Option(help="How long the exchange works.", min=1)] = 30,
    as_json: Annotated[
        bool, typer.Option("--json", help='Print {"id": request id, "uri": interaction URL}.')
    ] = False,
) -> None:
    """An exchange asking for a presentation; its answer lands in a presentation request."""
    try:
        parsed = json.loads(query.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"--query {query}: {exc}") from None
    made = create_exchange_request(org, parsed, holder_signs=not unsigned, minutes=minutes)
    print_request(made.exchange.request_id, made.interaction_url, as_json=as_json)


def create_exchange_request(
    org: str,
    query: Any,
    *,
    holder_signs: bool,
    minutes: int,
    dcql: dict[str, Any] | None = None,
) -> exchanges.Made:
    """A presentation exchange made by the operator (``exchanges create-request`` and
    ``requests create --protocol vcapi``)."""
    platform = migrated_platform()
    with platform.db.session() as session:
        return exchanges.create_presentation(
            session,
            platform,
            operator(),
            organization_slug=org,
            query=query,
            holder_signs=holder_signs,
            minutes=minutes,
            dcql=dcql,
        )


def print_request(request_id: str | None, uri: str, *, as_json: bool) -> None:
    """A request's id and link: ``{"id", "uri"}`` with ``--json``, else two lines, the
    link last."""
    if request_id is None:  # a presentation exchange always answers into a request
        raise UsageError("the exchange has no presentation request")
    if as_json:
        typer.echo(json.dumps({"id": request_id, "uri": uri}))
        return
    typer.echo(f"request {request_id}")
    typer.echo(uri)


@wallet_app.command("exchange")
def wallet_exchange(
    url: Annotated[str, typer.Argument(metavar="URL", help="The verifier's interaction URL.")],
    email: Annotated[str, typer.Option(help="The person whose wallet answers.")],
    credential: Annotated[
        list[str] | None,
        typer.Option(help="A credential to send (repeat); without it, show what is asked."),
    ] = None,
) -> None:
    """Answer another verifier's VC API exchange from EMAIL's wallet: without --credential,
    show who asks, for what, and which credentials match; with it, send them (consent)."""
    platform = migrated_platform()
    client = ProtocolClient(platform.settings)
    refused: ProtocolError | None = None
    with platform.db.session() as session:
        principal = wallet_exchanges.principal_of(session, email)
        if not credential:
            asked = wallet_exchanges.open_exchange(session, platform, principal, url, client)
        else:
            try:
                asked = wallet_exchanges.answer_exchange(
                    session, platform, principal, url, client, credential_ids=credential
                )
            except ProtocolError as exc:  # committed: a refused answer's audit is kept
                refused = exc
    if refused is not None:
        raise refused
    typer.echo(f"asked by {asked.audience}: {'; '.join(asked.reasons) or 'credentials'}")
    typer.echo("signed (DIDAuthentication)" if asked.authenticate else "unsigned presentation")
    if not credential:
        for row in asked.matching:
            typer.echo(f"{row.id}  {row.document.get('name', 'credential')}")
        if not asked.matching:
            typer.echo("none of your credentials match")
        return
    typer.echo(f"sent {len(credential)} credential(s) to {asked.audience}")
