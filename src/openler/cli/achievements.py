"""``openler achievements``: an organization's achievements from the operator's command line
— add one, list them, retire one (or offer it again). Each change is audited as
``system:cli:<login name>``; a refused definition is one line naming each field."""

from __future__ import annotations

from typing import Annotated

import typer

from openler.cli.platform import migrated_platform, operator
from openler.services.issuers import achievements, orgs
from openler.services.issuers.achievement_checks import InvalidAchievement, definition

achievements_app = typer.Typer(help="Achievements an organization awards.", no_args_is_help=True)

OrgOpt = Annotated[str, typer.Option("--org", help="The organization's slug.")]
SlugOpt = Annotated[str, typer.Option("--slug", help="The achievement's short name.")]


@achievements_app.command("add")
def add(
    org: OrgOpt,
    slug: SlugOpt,
    name: Annotated[str, typer.Option("--name", help="What it is called.")],
    kind: Annotated[
        str, typer.Option("--type", help="OB 3.0 achievementType (License, Badge …) or ext:Name.")
    ] = "",
    description: Annotated[
        str, typer.Option("--description", help="What it recognises (default: its name).")
    ] = "",
    criteria: Annotated[
        str,
        typer.Option(
            "--criteria",
            help="How it is earned: text, or a web page (https://…). Default: the description.",
        ),
    ] = "",
    valid_days: Annotated[
        int | None,
        typer.Option("--valid-days", help="Credentials are valid this many days by default."),
    ] = None,
) -> None:
    """Add an achievement (version 1) and print its id."""
    description = description.strip() or name
    text, url = (
        ("", criteria.strip()) if criteria.strip().startswith("https://") else (criteria, "")
    )
    data, problems = definition(
        name=name,
        description=description,
        criteria=text.strip() or (description if not url else ""),
        criteria_url=url,
        achievement_type=kind,
    )
    if problems:
        raise InvalidAchievement(problems)
    platform = migrated_platform()
    with platform.db.session() as session:
        organization = orgs.organization_by_slug(session, org)
        row = achievements.create_achievement(
            session,
            platform,
            operator(),
            organization,
            slug=slug,
            data=data,
            valid_days=valid_days,
        )
        made = str(row.data["id"])
    typer.echo(f"added {made} (version 1)")


@achievements_app.command("list")
def list_achievements(org: OrgOpt) -> None:
    """List the organization's achievements, retired ones too: slug, version, type, how
    many were issued, state, name."""
    platform = migrated_platform()
    with platform.db.session() as session:
        organization = orgs.organization_by_slug(session, org)
        listed = achievements.listing(session, operator(), organization)
        for entry in listed:
            a = entry.achievement
            state = f"retired {a.retired_at:%Y-%m-%d}" if a.retired_at else "offered"
            kind = a.data.get("achievementType", "Achievement")
            typer.echo(
                f"{a.slug}  v{a.version}  {kind}  {entry.issued} issued  {state}  {a.data['name']}"
            )
        if not listed:
            typer.echo(f"{organization.name} has no achievements")


@achievements_app.command("retire")
def retire(
    org: OrgOpt,
    slug: SlugOpt,
    undo: Annotated[
        bool, typer.Option("--undo", help="Offer a retired achievement again.")
    ] = False,
) -> None:
    """Retire an achievement: nothing more is issued of it; what was issued stays valid."""
    platform = migrated_platform()
    with platform.db.session() as session:
        organization = orgs.organization_by_slug(session, org)
        row = achievements.achievement_by_slug(session, organization, slug)
        achievements.retire(session, platform, operator(), organization, row, retired=not undo)
        name = str(row.data.get("name", slug))
    typer.echo(f"{'offered again' if undo else 'retired'}: {name} ({slug})")
