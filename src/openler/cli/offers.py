"""``openler offers create`` (an issuer's OpenID4VCI offer, through the claim flow) and
``openler wallet accept-offer`` (openler's wallet receiving from another issuer, acting for
the person with an email address). Both print what a test or an operator needs last."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from openler.cli.exchanges import create_exchange_issuance
from openler.cli.platform import migrated_platform, operator
from openler.cli.wallet import wallet_app
from openler.services.errors import UsageError
from openler.services.issuers import orgs
from openler.services.people.accounts import principal_for
from openler.services.protocols import oid4vci_offers, oid4vci_wallet

offers_app = typer.Typer(
    help="Offer credentials to wallets elsewhere by a standard protocol.", no_args_is_help=True
)


class Protocol(StrEnum):
    """The protocols an offer can be made in."""

    oid4vci = "oid4vci"
    vcapi = "vcapi"


class Format(StrEnum):
    ldp_vc = "ldp_vc"
    jwt_vc_json = "jwt_vc_json"


@offers_app.command(
    "create",
    help=(
        "Issue an achievement to an email address through the claim flow (the claim link "
        "is mailed as usual) and print an offer of it for a wallet elsewhere.\n\n"
        "With --protocol oid4vci (the default) the last line is an OpenID4VCI offer by "
        "reference, openid-credential-offer://?credential_offer_uri=…, carrying a "
        "pre-authorized code; --tx-code also prints a transaction code to tell the "
        "recipient apart from the offer. With --protocol vcapi it is the interaction URL of "
        "a VC API exchange (…?iuv=1, what the Learner Credential Wallet opens): the wallet "
        "authenticates with its DID and the credential is issued to that DID."
    ),
)
def create(
    org: Annotated[str, typer.Option("--org", help="The organization's slug.")],
    achievement: Annotated[str, typer.Option("--achievement", help="The achievement's slug.")],
    email: Annotated[str, typer.Option("--email", help="The recipient's email address.")],
    name: Annotated[str | None, typer.Option("--name", help="The recipient's name.")] = None,
    protocol: Annotated[
        Protocol, typer.Option("--protocol", help="The protocol of the offer.")
    ] = Protocol.oid4vci,
    format: Annotated[
        Format, typer.Option("--format", help="The credential format the offer names.")
    ] = Format.ldp_vc,
    tx_code: Annotated[
        bool, typer.Option("--tx-code", help="Ask the wallet for a transaction code too.")
    ] = False,
    by_value: Annotated[
        bool, typer.Option("--by-value", help="Print the offer by value instead.")
    ] = False,
) -> None:
    """Issue through the claim flow and print an OpenID4VCI offer of the credential, or
    make a VC API exchange that issues it."""
    if protocol is Protocol.vcapi:
        if tx_code or by_value or format is not Format.ldp_vc:
            raise UsageError("--tx-code, --by-value and --format belong to --protocol oid4vci")
        made_exchange = create_exchange_issuance(org, achievement, email, name or "")
        typer.echo(f"exchange {made_exchange.exchange.id}")
        typer.echo(made_exchange.interaction_url)
        return
    platform = migrated_platform()
    with platform.db.session() as session:
        made = oid4vci_offers.offer_new_credential(
            session,
            platform,
            operator(),
            orgs.organization_by_slug(session, org),
            achievement_slug=achievement,
            email=email,
            name=name,
            format=format.value,
            tx_code=tx_code,
        )
    until = f"{made.offer.expires_at:%Y-%m-%d %H:%M} UTC"
    typer.echo(f"credential {made.offer.credential_id} offered until {until}")
    if made.tx_code is not None:
        typer.echo(f"transaction code: {made.tx_code}")
    typer.echo(made.by_value if by_value else made.uri)


@wallet_app.command(
    "accept-offer",
    help=(
        "Receive the credential an OpenID4VCI offer (openid-credential-offer://…) offers "
        "into the openler wallet of the person with --email: the pre-authorized code flow, "
        "the wallet's key proven, the credential verified and filed. Prints its record id "
        "last."
    ),
)
def accept_offer(
    offer_uri: Annotated[str, typer.Argument(help="The offer link, or its JSON.")],
    email: Annotated[str, typer.Option("--email", help="Whose wallet receives it.")],
    tx_code: Annotated[
        str | None, typer.Option("--tx-code", help="The transaction code the issuer gave.")
    ] = None,
) -> None:
    """Receive an offered credential into a person's wallet."""
    platform = migrated_platform()
    with platform.db.session() as session:
        person = oid4vci_wallet.person_by_email(session, email)
        row = oid4vci_wallet.accept(
            session, platform, principal_for(session, person), offer_uri, tx_code=tx_code
        )
        typer.echo(f"received {row.name} from {row.issuer_name} ({row.issuer})")
        typer.echo(row.id)
