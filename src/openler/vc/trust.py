"""The trust registry: which issuers a state trusts, for what, and where it is recognised.

A :class:`TrustEntry` says that an issuer (a DID or HTTPS identifier) is authorised by an
authority to issue certain credentials (achievement types, occupation codes, CTDL
credential ids) in one jurisdiction, for a period, in a state (active, suspended,
withdrawn). A :class:`Recognition` says that a jurisdiction recognises credentials
authorised in others (a Nurse Licensure Compact state recognises RN licenses from the
other compact states). :meth:`TrustRegistry.decide` answers "is this issuer trusted for
this credential, here?" with a :class:`TrustDecision` that explains itself.

The registry travels as a signed credential (``TrustRegistryCredential``) so that a
verifier can run offline from a snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from openler.vc.dates import format_datetime, parse_datetime
from openler.vc.errors import InputError
from openler.vc.jsonld import TRUST_CONTEXT
from openler.vc.models import VC_V2

EntryState = Literal["active", "suspended", "withdrawn"]
STATES: tuple[EntryState, ...] = ("active", "suspended", "withdrawn")


class TrustRegistryError(InputError):
    code = "trust_registry"


def _strings(value: Any, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise TrustRegistryError(f"{name} must be a string or a list of strings")


@dataclass(frozen=True)
class CredentialFacts:
    """What the trust decision needs to know about a credential."""

    achievement_types: tuple[str, ...] = ()
    occupations: tuple[str, ...] = ()
    credential_ids: tuple[str, ...] = ()
    label: str = "this credential"
    #: a record of other credentials (a CLR 2.0 ClrCredential): any scope covers it, since
    #: each credential it bundles is judged against the registry on its own
    bundle: bool = False

    @classmethod
    def of(cls, credential: Mapping[str, Any]) -> CredentialFacts:
        """Facts from an OB 3.0 credential: achievementType, alignment codes and URLs."""
        subject = credential.get("credentialSubject")
        achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
        types = credential.get("type")
        types = [types] if isinstance(types, str) else list(types or [])
        if "ClrCredential" in types:
            return cls(label="a learner record (ClrCredential)", bundle=True)
        if not isinstance(achievement, Mapping):
            named = [t for t in types if t != "VerifiableCredential"]
            return cls(
                achievement_types=tuple(named), label=named[0] if named else "this credential"
            )
        kind = achievement.get("achievementType")
        codes: list[str] = []
        ids = [str(achievement.get("id"))] if achievement.get("id") else []
        for alignment in achievement.get("alignment") or []:
            if isinstance(alignment, Mapping):
                if isinstance(alignment.get("targetCode"), str):
                    codes.append(alignment["targetCode"])
                if isinstance(alignment.get("targetUrl"), str):
                    ids.append(alignment["targetUrl"])
        name = achievement.get("name")
        label = f"{name} {kind}" if name and kind else str(name or kind or "this credential")
        return cls(
            achievement_types=(kind,) if isinstance(kind, str) else (),
            occupations=tuple(codes),
            credential_ids=tuple(ids),
            label=label,
        )


@dataclass(frozen=True)
class Scope:
    """What an authorisation or recognition covers; an empty field means "any"."""

    achievement_types: tuple[str, ...] = ()
    occupations: tuple[str, ...] = ()
    credentials: tuple[str, ...] = ()

    def covers(self, facts: CredentialFacts) -> bool:
        if facts.bundle:
            return True
        if self.achievement_types and not set(self.achievement_types) & set(
            facts.achievement_types
        ):
            return False
        if self.occupations and not set(self.occupations) & set(facts.occupations):
            return False
        return not (self.credentials and not set(self.credentials) & set(facts.credential_ids))

    def describe(self) -> str:
        parts = [", ".join(self.achievement_types) or "any credential"]
        if self.occupations:
            parts.append(f"for occupation {', '.join(self.occupations)}")
        if self.credentials:
            parts.append(f"({', '.join(self.credentials)})")
        return " ".join(parts)

    def to_json(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        if self.achievement_types:
            out["achievementType"] = list(self.achievement_types)
        if self.occupations:
            out["occupation"] = list(self.occupations)
        if self.credentials:
            out["credential"] = list(self.credentials)
        return out

    @classmethod
    def from_json(cls, data: Any) -> Scope:
        if not isinstance(data, Mapping):
            raise TrustRegistryError("a scope must be an object")
        return cls(
            _strings(data.get("achievementType"), "achievementType"),
            _strings(data.get("occupation"), "occupation"),
            _strings(data.get("credential"), "credential"),
        )


@dataclass(frozen=True)
class TrustEntry:
    issuer: str
    name: str
    jurisdiction: str
    authorized: tuple[Scope, ...]
    registered_by: str
    state: EntryState = "active"
    valid_from: str | None = None
    valid_until: str | None = None
    state_changed: str | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "issuer": self.issuer,
            "name": self.name,
            "jurisdiction": self.jurisdiction,
            "authorized": [s.to_json() for s in self.authorized],
            "registeredBy": self.registered_by,
            "state": self.state,
        }
        for key, value in (
            ("validFrom", self.valid_from),
            ("validUntil", self.valid_until),
            ("stateChanged", self.state_changed),
            ("reason", self.reason),
        ):
            if value is not None:
                data[key] = value
        return data

    @classmethod
    def from_json(cls, data: Any) -> TrustEntry:
        if not isinstance(data, Mapping):
            raise TrustRegistryError("a trust entry must be an object")
        try:
            state = data.get("state", "active")
            if state not in STATES:
                raise TrustRegistryError(f"state must be one of {', '.join(STATES)}")
            for key in ("validFrom", "validUntil", "stateChanged"):
                if data.get(key) is not None:
                    parse_datetime(data[key], key)
            return cls(
                issuer=str(data["issuer"]),
                name=str(data["name"]),
                jurisdiction=str(data["jurisdiction"]),
                authorized=tuple(Scope.from_json(s) for s in data.get("authorized", [])),
                registered_by=str(data["registeredBy"]),
                state=state,
                valid_from=data.get("validFrom"),
                valid_until=data.get("validUntil"),
                state_changed=data.get("stateChanged"),
                reason=data.get("reason"),
            )
        except KeyError as exc:
            raise TrustRegistryError(f"a trust entry needs {exc.args[0]!r}") from None


@dataclass(frozen=True)
class Recognition:
    """``jurisdiction`` recognises credentials authorised in ``recognizes``, within ``scope``."""

    name: str
    jurisdiction: str
    recognizes: tuple[str, ...]
    scope: Scope = field(default_factory=Scope)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "jurisdiction": self.jurisdiction,
            "recognizes": list(self.recognizes),
            "scope": self.scope.to_json(),
        }

    @classmethod
    def from_json(cls, data: Any) -> Recognition:
        if not isinstance(data, Mapping):
            raise TrustRegistryError("a recognition rule must be an object")
        try:
            return cls(
                str(data["name"]),
                str(data["jurisdiction"]),
                _strings(data["recognizes"], "recognizes"),
                Scope.from_json(data.get("scope", {})),
            )
        except KeyError as exc:
            raise TrustRegistryError(f"a recognition rule needs {exc.args[0]!r}") from None


@dataclass(frozen=True)
class TrustDecision:
    trusted: bool
    message: str
    entry: TrustEntry | None = None


@dataclass
class TrustRegistry:
    """Entries by issuer plus recognition rules. Pure data: storage lives elsewhere."""

    name: str = "Trust registry"
    jurisdiction: str | None = None
    entries: dict[str, TrustEntry] = field(default_factory=dict)
    recognitions: list[Recognition] = field(default_factory=list)
    snapshot_issued: str | None = None
    snapshot_issuer: str | None = None

    def add(self, entry: TrustEntry) -> None:
        self.entries[entry.issuer] = entry

    def remove(self, issuer: str) -> TrustEntry:
        try:
            return self.entries.pop(issuer)
        except KeyError:
            raise TrustRegistryError(f"{issuer} is not in the registry") from None

    def set_state(
        self, issuer: str, state: EntryState, *, at: datetime, reason: str | None = None
    ) -> TrustEntry:
        if state not in STATES:
            raise TrustRegistryError(f"state must be one of {', '.join(STATES)}")
        entry = self.entries.get(issuer)
        if entry is None:
            raise TrustRegistryError(f"{issuer} is not in the registry")
        changed = replace(entry, state=state, state_changed=format_datetime(at), reason=reason)
        self.entries[issuer] = changed
        return changed

    def recognise(self, rule: Recognition) -> None:
        self.recognitions.append(rule)

    def decide(
        self, issuer: str, facts: CredentialFacts, *, at: datetime, jurisdiction: str | None = None
    ) -> TrustDecision:
        """Is ``issuer`` trusted for the credential described by ``facts`` (here)?"""
        entry = self.entries.get(issuer)
        if entry is None:
            place = f" in {jurisdiction}" if jurisdiction else ""
            return TrustDecision(False, f"issuer {issuer} is not in the trust registry{place}")
        who = f"{entry.name} ({entry.jurisdiction})"
        if entry.state != "active":
            since = f" since {entry.state_changed[:10]}" if entry.state_changed else ""
            why = f": {entry.reason}" if entry.reason else ""
            return TrustDecision(
                False, f"{who} is {entry.state} in the trust registry{since}{why}", entry
            )
        if entry.valid_from and parse_datetime(entry.valid_from) > at:
            return TrustDecision(False, f"{who} is registered only from {entry.valid_from}", entry)
        if entry.valid_until and parse_datetime(entry.valid_until) < at:
            return TrustDecision(False, f"{who}'s registration ended on {entry.valid_until}", entry)
        scope = next((s for s in entry.authorized if s.covers(facts)), None)
        if scope is None:
            allowed = "; ".join(s.describe() for s in entry.authorized) or "nothing"
            return TrustDecision(
                False,
                f"{who} is not registered to issue {facts.label} in "
                f"{entry.jurisdiction} (authorised for: {allowed})",
                entry,
            )
        if facts.bundle and (jurisdiction is None or jurisdiction == entry.jurisdiction):
            return TrustDecision(
                True,
                f"{who} is registered by {entry.registered_by} in {entry.jurisdiction}; each "
                "credential the record bundles is checked against its authorisation",
                entry,
            )
        if jurisdiction is None or jurisdiction == entry.jurisdiction:
            return TrustDecision(
                True,
                f"{who} is authorised by {entry.registered_by} to issue {scope.describe()} "
                f"in {entry.jurisdiction}",
                entry,
            )
        rule = next(
            (
                r
                for r in self.recognitions
                if r.jurisdiction == jurisdiction
                and entry.jurisdiction in r.recognizes
                and r.scope.covers(facts)
            ),
            None,
        )
        if rule is None:
            return TrustDecision(
                False,
                f"{who} is authorised for {facts.label} in {entry.jurisdiction}, which is not "
                f"recognised in {jurisdiction}",
                entry,
            )
        return TrustDecision(
            True,
            f"{who} is authorised for {facts.label} in {entry.jurisdiction}, recognised in "
            f"{jurisdiction} under {rule.name}",
            entry,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "jurisdiction": self.jurisdiction,
            "entries": [e.to_json() for e in sorted(self.entries.values(), key=lambda e: e.issuer)],
            "recognitions": [r.to_json() for r in self.recognitions],
        }

    @classmethod
    def from_json(cls, data: Any) -> TrustRegistry:
        if not isinstance(data, Mapping):
            raise TrustRegistryError("a trust registry must be a JSON object")
        registry = cls(
            name=str(data.get("name", "Trust registry")), jurisdiction=data.get("jurisdiction")
        )
        for item in _list(data.get("entries"), "entries"):
            registry.add(TrustEntry.from_json(item))
        registry.recognitions = [
            Recognition.from_json(r) for r in _list(data.get("recognitions"), "recognitions")
        ]
        return registry

    def snapshot(self, *, registry_id: str, authority: str, at: datetime) -> dict[str, Any]:
        """An unsigned ``TrustRegistryCredential``; sign it with the authority's key."""
        subject: dict[str, Any] = {"id": registry_id, "type": "TrustRegistry", "name": self.name}
        if self.jurisdiction:
            subject["jurisdiction"] = self.jurisdiction
        data = self.to_json()
        subject["entries"] = data["entries"]
        subject["recognitions"] = data["recognitions"]
        return {
            "@context": [VC_V2, TRUST_CONTEXT],
            "id": f"{registry_id}#snapshot-{format_datetime(at)}",
            "type": ["VerifiableCredential", "TrustRegistryCredential"],
            "issuer": authority,
            "validFrom": format_datetime(at),
            "credentialSubject": subject,
        }

    @classmethod
    def from_snapshot(cls, credential: Mapping[str, Any]) -> TrustRegistry:
        """The registry inside a snapshot credential. Verify the credential first."""
        types = credential.get("type") or []
        if "TrustRegistryCredential" not in types:
            raise TrustRegistryError("not a TrustRegistryCredential")
        subject = credential.get("credentialSubject")
        if not isinstance(subject, Mapping):
            raise TrustRegistryError("the snapshot has no credentialSubject")
        registry = cls.from_json(subject)
        registry.snapshot_issued = credential.get("validFrom")
        issuer = credential.get("issuer")
        registry.snapshot_issuer = issuer.get("id") if isinstance(issuer, Mapping) else issuer
        return registry


def _list(value: Any, name: str) -> Sequence[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TrustRegistryError(f"{name} must be a list")
    return value
