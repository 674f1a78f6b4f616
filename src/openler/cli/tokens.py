"""``openler tokens``: API tokens from the operator's command line. ``create`` prints only
the token on standard output, so that a script can capture it; each change is audited as
``system:cli:<login name>``."""

from __future__ import annotations

from typing import Annotated

import typer

from openler.cli.platform import migrated_platform, operator
from openler.services.issuers import orgs
from openler.services.people import tokens

tokens_app = typer.Typer(help="API tokens for machine clients.", no_args_is_help=True)


@tokens_app.command("create")
def create(
    email: Annotated[str, typer.Option(help="Whose role the token acts with.")],
    org: Annotated[str, typer.Option(help="The organization's slug.")],
    role: Annotated[str, typer.Option(help="The role it acts as (the person must hold it there).")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "API token",
    expires_days: Annotated[
        int | None, typer.Option("--expires-days", help="Expire after this many days.")
    ] = None,
) -> None:
    """Create a token and print it (only it) once: it cannot be shown again."""
    platform = migrated_platform()
    with platform.db.session() as session:
        organization = orgs.organization_by_slug(session, org)
        created = tokens.create(
            session,
            platform,
            operator(),
            organization,
            email=email,
            role=role,
            name=name,
            expires_days=expires_days,
        )
    typer.echo(created.secret)


@tokens_app.command("list")
def list_tokens(
    org: Annotated[str | None, typer.Option(help="Only this organization's tokens.")] = None,
) -> None:
    """List tokens (never their secrets): id, organization, person, role, state, name."""
    platform = migrated_platform()
    with platform.db.session() as session:
        organization = orgs.organization_by_slug(session, org) if org else None
        views = tokens.tokens_of(session, platform, operator(), organization)
    for view in views:
        expires = view.expires_at.strftime("%Y-%m-%d") if view.expires_at else "never"
        typer.echo(
            f"{view.id}  {view.organization}  {view.email}  {view.role}  {view.state}"
            f"  expires {expires}  {view.name}"
        )
    if not views:
        typer.echo("no API tokens")


@tokens_app.command("revoke")
def revoke(token_id: Annotated[str, typer.Argument(metavar="ID", help="The token's id.")]) -> None:
    """Revoke a token at once (final)."""
    platform = migrated_platform()
    with platform.db.session() as session:
        view = tokens.revoke(session, platform, operator(), token_id)
    typer.echo(f"revoked {view.id} ({view.name}, {view.role} in {view.organization})")
