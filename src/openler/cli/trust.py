"""``openler trust``: a trust registry file and its signed snapshots. Entries and rules are
checked like the platform's registry; ``add`` never replaces an issuer (``edit`` shows the
old and the new and asks); ``remove`` and ``unrecognize`` ask too (``--yes`` answers for a
script)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from openler.services.errors import UsageError
from openler.services.files import trustfiles as service
from openler.vc import TRUST_STATES as STATES
from openler.vc import (
    CredentialFacts,
    Recognition,
    TrustEntry,
    VCError,
    format_datetime,
    parse_datetime,
)

app = typer.Typer(help="Manage the trust registry of issuers.", no_args_is_help=True)

RegistryArg = Annotated[Path, typer.Argument(help="The registry file (created by the first add).")]
Many = Annotated[list[str] | None, typer.Option()]


Yes = Annotated[bool, typer.Option("--yes", help="Do it without asking (for scripts).")]


def confirmed(yes: bool, question: str) -> None:
    """Go on when ``--yes`` was given or a person at the terminal says yes; refuse (exit 2)
    otherwise, so that a script never changes the registry without saying so."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(f"{question} Add --yes to do it (nothing was changed)")
    if not typer.confirm(question, default=False):
        raise UsageError("nothing was changed")


def _date(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    try:
        return format_datetime(parse_datetime(value, option))
    except VCError as exc:
        raise UsageError(exc.message) from None


@app.command("add")
def add(
    registry: RegistryArg,
    did: Annotated[str, typer.Option("--did", help="The issuer's DID or HTTPS identifier.")],
    name: Annotated[str, typer.Option("--name", help="Legal name.")],
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="For example US-OH.")],
    authority: Annotated[str, typer.Option("--authority", help="Who registered the issuer.")],
    achievement_type: Annotated[
        list[str] | None, typer.Option("--type", help="Authorised achievementType (repeatable).")
    ] = None,
    occupation: Annotated[
        list[str] | None,
        typer.Option("--occupation", help="Authorised occupation code (repeatable)."),
    ] = None,
    credential: Annotated[
        list[str] | None,
        typer.Option("--credential", help="Authorised CTDL credential id (repeatable)."),
    ] = None,
    valid_from: Annotated[str | None, typer.Option("--valid-from")] = None,
    valid_until: Annotated[str | None, typer.Option("--valid-until")] = None,
) -> None:
    """Add an issuer (one already in the registry is refused: use ``edit``)."""
    entry = TrustEntry(
        issuer=did,
        name=name,
        jurisdiction=jurisdiction,
        authorized=(service.scope(achievement_type or [], occupation or [], credential or []),),
        registered_by=authority,
        valid_from=_date(valid_from, "--valid-from"),
        valid_until=_date(valid_until, "--valid-until"),
    )
    service.add_entry(registry, entry)
    typer.echo(f"{registry}: added {name} ({did}) in {jurisdiction}")


@app.command("edit")
def edit(
    registry: RegistryArg,
    did: Annotated[str, typer.Option("--did", help="The issuer to change.")],
    name: Annotated[str | None, typer.Option("--name")] = None,
    jurisdiction: Annotated[str | None, typer.Option("--jurisdiction")] = None,
    authority: Annotated[str | None, typer.Option("--authority")] = None,
    achievement_type: Annotated[
        list[str] | None, typer.Option("--type", help="Authorised achievementType (repeatable).")
    ] = None,
    occupation: Annotated[
        list[str] | None, typer.Option("--occupation", help="Authorised occupation (repeatable).")
    ] = None,
    credential: Annotated[
        list[str] | None, typer.Option("--credential", help="Authorised credential (repeatable).")
    ] = None,
    any_credential: Annotated[
        bool, typer.Option("--any", help="Authorise any credential (clears the scope).")
    ] = False,
    valid_from: Annotated[str | None, typer.Option("--valid-from")] = None,
    valid_until: Annotated[str | None, typer.Option("--valid-until")] = None,
    yes: Yes = False,
) -> None:
    """Change an issuer's entry: shows the old and the new, then asks. Fields not given
    stay; --type/--occupation/--credential replace the scope."""
    changes: dict[str, object] = {}
    for key, value in (
        ("name", name),
        ("jurisdiction", jurisdiction),
        ("registeredBy", authority),
        ("validFrom", _date(valid_from, "--valid-from")),
        ("validUntil", _date(valid_until, "--valid-until")),
    ):
        if value is not None:
            changes[key] = value
    scoped = achievement_type or occupation or credential
    if any_credential and scoped:
        raise UsageError("--any authorises any credential; give it without --type etc.")
    if any_credential or scoped:
        changes["authorized"] = [
            service.scope(achievement_type or [], occupation or [], credential or []).to_json()
        ]
    planned = service.plan_edit(registry, did, changes)
    typer.echo(f"{registry}: {planned.old.name} ({did})")
    for label, before, after in planned.changes:
        typer.echo(f"  {label}: {before}  ->  {after}")
    confirmed(yes, "Make this change?")
    service.apply_edit(registry, planned)
    typer.echo(f"{registry}: changed {planned.new.name} ({did})")


@app.command("remove")
def remove(
    registry: RegistryArg, did: Annotated[str, typer.Option("--did")], yes: Yes = False
) -> None:
    """Remove an issuer's entry (asks first): its credentials stop being trusted."""
    entry = service.entry_of(registry, did)
    confirmed(yes, f"Remove {entry.name} ({entry.jurisdiction}, {did}) from {registry}?")
    service.remove_entry(registry, did)
    typer.echo(f"{registry}: removed {entry.name} ({did})")


@app.command("state")
def state(
    registry: RegistryArg,
    did: Annotated[str, typer.Option("--did")],
    new_state: Annotated[str, typer.Option("--state", help="active, suspended or withdrawn.")],
    reason: Annotated[str | None, typer.Option("--reason")] = None,
) -> None:
    """Suspend, withdraw or reinstate an issuer."""
    if new_state not in STATES:
        raise UsageError(f"--state must be one of {', '.join(STATES)}")
    entry = service.change_state(registry, did, new_state, at=datetime.now(UTC), reason=reason)
    typer.echo(f"{registry}: {entry.name} is now {entry.state}")


@app.command("recognize")
def recognize(
    registry: RegistryArg,
    name: Annotated[str, typer.Option("--name", help="For example 'the Nurse Licensure Compact'.")],
    jurisdiction: Annotated[
        str, typer.Option("--jurisdiction", help="The recognising jurisdiction.")
    ],
    source: Annotated[
        list[str], typer.Option("--from", help="A recognised jurisdiction (repeatable).")
    ],
    achievement_type: Annotated[list[str] | None, typer.Option("--type")] = None,
    occupation: Annotated[list[str] | None, typer.Option("--occupation")] = None,
) -> None:
    """Record that one jurisdiction recognises credentials authorised in others."""
    rule = Recognition(
        name,
        jurisdiction,
        tuple(source),
        service.scope(achievement_type or [], occupation or [], []),
    )
    service.add_recognition(registry, rule)
    typer.echo(f"{registry}: {jurisdiction} recognises {', '.join(source)} under {name}")


@app.command("unrecognize")
def unrecognize(
    registry: RegistryArg,
    name: Annotated[str, typer.Option("--name", help="The rule's name.")],
    jurisdiction: Annotated[
        str | None, typer.Option("--jurisdiction", help="Where it applies (when names repeat).")
    ] = None,
    yes: Yes = False,
) -> None:
    """Remove a recognition rule (asks first)."""
    found = service.rules_named(registry, name, jurisdiction)
    if not found:
        raise UsageError(f"{registry} has no rule named {name!r}")
    if len(found) > 1:
        places = ", ".join(rule.jurisdiction for rule in found)
        raise UsageError(f"{len(found)} rules are named {name!r} (in {places}); add --jurisdiction")
    rule = found[0]
    confirmed(
        yes,
        f"Remove the rule {rule.name!r} ({rule.jurisdiction} recognises "
        f"{', '.join(rule.recognizes)}) from {registry}?",
    )
    service.remove_recognition(registry, rule)
    typer.echo(f"{registry}: removed the rule {rule.name!r} in {rule.jurisdiction}")


@app.command("export")
def export(
    registry: RegistryArg,
    key: Annotated[Path, typer.Option("--key", help="The registry authority's key file.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the signed snapshot.")],
    registry_id: Annotated[
        str, typer.Option("--id", help="The registry's URL.")
    ] = "urn:openler:trust-registry",
) -> None:
    """Write a signed snapshot (TrustRegistryCredential) for offline verifiers."""
    service.export_snapshot(
        registry, key_file=key, registry_id=registry_id, out=out, at=datetime.now(UTC)
    )
    typer.echo(f"wrote {out}")


@app.command("check")
def check(
    registry: Annotated[Path, typer.Argument(help="A registry file or a signed snapshot.")],
    did: Annotated[str, typer.Option("--did")],
    achievement_type: Annotated[list[str] | None, typer.Option("--type")] = None,
    occupation: Annotated[list[str] | None, typer.Option("--occupation")] = None,
    jurisdiction: Annotated[
        str | None, typer.Option("--jurisdiction", help="Where the verifier is.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Is this issuer trusted (for this kind of credential, here)? Exit 0 yes, 1 no."""
    label = " ".join([*(occupation or []), *(achievement_type or [])]) or "this credential"
    facts = CredentialFacts(tuple(achievement_type or []), tuple(occupation or []), (), label)
    decision = service.check_issuer(
        registry, did, at=datetime.now(UTC), facts=facts, jurisdiction=jurisdiction
    )
    if as_json:
        typer.echo(
            json.dumps({"issuer": did, "trusted": decision.trusted, "message": decision.message})
        )
    else:
        typer.echo(("TRUSTED: " if decision.trusted else "NOT TRUSTED: ") + decision.message)
    sys.exit(0 if decision.trusted else 1)
