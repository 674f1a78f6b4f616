"""``openler people`` and ``openler orgs``: set a deployment up from the command line — the
first platform administrator, organizations and their signing keys, and roles. The operator
running these has the database and the key-encryption key; each change is audited as the
system principal ``system:cli:<login name>``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from openler.cli.platform import migrated_platform, operator
from openler.services.errors import UsageError
from openler.services.issuers import orgs
from openler.services.people import members

people_app = typer.Typer(help="Accounts and roles.", no_args_is_help=True)
orgs_app = typer.Typer(help="Organizations.", no_args_is_help=True)


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
    platform = migrated_platform()  # refuse an un-migrated database before asking for anything
    password = _password(password_stdin, no_password)
    with platform.db.session() as session:
        person = members.create_account(
            session,
            platform,
            operator(),
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
        str,
        typer.Option(
            help="issuer_admin, issuer_staff, verifier, registry_admin or career_navigator."
        ),
    ],
) -> None:
    """Give a person a role in an organization."""
    platform = migrated_platform()
    with platform.db.session() as session:
        organization = orgs.organization_by_slug(session, org)
        members.grant_role(session, platform, operator(), organization, email=email, role=role)
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
    platform = migrated_platform()
    with platform.db.session() as session:
        acting = operator()
        organization = orgs.create_organization(
            session,
            platform,
            acting,
            slug=slug,
            name=name,
            kind=kind,
            jurisdiction=jurisdiction,
            did_method=did_method,
        )
        orgs.create_key(session, platform, organization, actor=acting)
        typer.echo(f"created {organization.slug}: {orgs.org_did(platform, organization)}")
