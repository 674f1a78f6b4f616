"""``openler wallet``: a person's openler wallet acting towards other issuers and verifiers
(each command acts for the person with ``--email``). The commands live with their
protocol: ``accept-offer`` in :mod:`openler.cli.offers` (OpenID4VCI), ``answer`` in
:mod:`openler.cli.requests` (OpenID4VP), ``exchange`` in :mod:`openler.cli.exchanges` (VC
API exchanges)."""

from __future__ import annotations

import typer

wallet_app = typer.Typer(
    help="Act as a person's openler wallet towards other issuers and verifiers.",
    no_args_is_help=True,
)
