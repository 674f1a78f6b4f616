"""``openler wallet answer``: a person's openler wallet answers another verifier's
OpenID4VP request, from the operator's command line. The operator acts for the person
with that email (running the command is their consent, recorded as for a share)."""

from __future__ import annotations

from typing import Annotated

import typer

from openler.cli.platform import migrated_platform
from openler.cli.wallet import wallet_app
from openler.services.protocols import oid4vp_wallet, wallet_exchanges
from openler.services.protocols.client import ProtocolError


@wallet_app.command("answer")
def answer(
    request_uri: Annotated[
        str, typer.Argument(metavar="REQUEST_URI", help="The openid4vp:// link of the request.")
    ],
    email: Annotated[str, typer.Option(help="Whose wallet answers.")],
    credential: Annotated[
        list[str] | None,
        typer.Option(
            "--credential",
            help="A credential to send (repeatable); by default the first active match of "
            "each credential the verifier asks for.",
        ),
    ] = None,
) -> None:
    """Show who asks and for what, send the chosen credentials, print the verifier's reply."""
    platform = migrated_platform()
    with platform.db.session() as session:
        principal = wallet_exchanges.principal_of(session, email)
        incoming = oid4vp_wallet.read_request(session, platform, principal, request_uri)
        typer.echo(f"{incoming.verifier} asks for:")
        for asked in incoming.asked:
            typer.echo(f"  {asked.id}: {asked.words}")
            for held in asked.held:
                typer.echo(f"    {held.credential.id}  {held.title}  ({held.state.label})")
        sent = oid4vp_wallet.answer_request(
            session,
            platform,
            principal,
            request_uri,
            credential_ids=credential or None,
            incoming=incoming,
        )
    if sent.refusal is not None:
        raise ProtocolError(sent.refusal)
    typer.echo(f"sent {', '.join(sent.credentials)}: the verifier answered {sent.status}")
