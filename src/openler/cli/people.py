"""``openler people`` and ``openler orgs``: set a deployment up from the command line — the
first platform administrator, organizations and their signing keys, and roles. The operator
running these has the database; each change is audited as the ``operator``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from openler.cli.platform import settings_from_env
from openler.services.context import Platform
from openler.services.errors import ServiceError, UsageError
from openler.services.issuers import orgs
from openler.services.people import members
from openler.store import MigrationRequired

people_app = typer.Typer(help="Accounts and roles.", no_args_is_help=True)
orgs_app = typer.Typer(help="Organizations.", no_args_is_help=True)


def operator_platform() -> Platform:
    """The platform for the operator's commands; refuses an un-migrated database."""
    platform = Platform.from_settings(settings_from_env())
    try:
        platform.db.require_migrated()
    except MigrationRequired as exc:
        raise ServiceError(str(exc)) from None
    return platform


def _password(stdin: bool, none: bool) -> str | None:
    if none:
        return None
    if stdin:
        password = sys.stdin.readline().rstrip("\n")
        if not password:
            raise UsageError("no password on standard input")
        return password
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@people_app.command("add")
def add_person(
    email: Annotated[str, typer.Option(help="The person's email (their sign-in name).")],
    name: Annotated[str, typer.Option(help="Their full name.")],
    platform_admin: Annotated[
        bool, typer.Option("--platform-admin", help="Make them a platform administrator.")
    ] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    no_password: Annotated[
        bool,
        typer.Option("--no-password", help="No password: they sign in through OpenID Connect."),
    ] = False,
) -> None:
    """Create an account (asks for the password twice unless told otherwise)."""
    platform = operator_platform()  # refuse an un-migrated database before asking for anything
    password = _password(password_stdin, no_password)
    with platform.db.session() as session:
        person = members.create_account(
            session,
            platform,
            None,
            name=name,
            email=email,
            password=password,
            platform_admin=platform_admin,
        )
        typer.echo(
            f"created {person.email}" + (" (platform administrator)" if platform_admin else "")
        )


@people_app.command("grant")
def grant(
    email: Annotated[str, typer.Option(help="The person's email.")],
    org: Annotated[str, typer.Option(help="The organization's slug.")],
    role: Annotated[
        str, typer.Option(help="issuer_admin, issuer_staff, verifier or registry_admin.")
    ],
) -> None:
    """Give a person a role in an organization."""
    platform = operator_platform()
    with platform.db.session() as session:
        organization = orgs.organization_by_slug(session, org)
        members.grant_role(session, platform, None, organization, email=email, role=role)
        typer.echo(f"{email} is now {role} in {organization.name}")


@orgs_app.command("add")
def add_org(
    slug: Annotated[str, typer.Option(help="Short name used in URLs and the did:web.")],
    name: Annotated[str, typer.Option(help="The organization's name.")],
    kind: Annotated[str, typer.Option(help="issuer, employer, agency or registry_authority.")],
    jurisdiction: Annotated[
        str | None, typer.Option(help="Where it is authorised, such as US-NC.")
    ] = None,
    did_method: Annotated[
        str, typer.Option("--did-method", help="web (served here) or key.")
    ] = "web",
) -> None:
    """Create an organization and its first signing key; prints its DID."""
    platform = operator_platform()
    with platform.db.session() as session:
        organization = orgs.create_organization(
            session,
            platform,
            None,
            slug=slug,
            name=name,
            kind=kind,
            jurisdiction=jurisdiction,
            did_method=did_method,
        )
        orgs.create_key(session, platform, organization, actor="operator")
        typer.echo(f"created {organization.slug}: {orgs.org_did(platform, organization)}")
