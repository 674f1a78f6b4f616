"""What the trust registry accepts: the rules every way in (the registry pages, the API and
the file-based ``openler trust``) applies before an entry or a recognition rule is stored.

A registry that took ``hello`` as an issuer, "North Carolina" as a jurisdiction or "!!" as
a recognised one would never match a credential, and nobody would notice. So:

- an issuer is a DID (DID Core 1.0 §3.1 syntax) or an ``https://`` URL with a host;
- a jurisdiction is an ISO 3166-1 alpha-2 country (``US``) or an ISO 3166-2 subdivision
  (``US-NC``) that exists (the ISO data shipped with ``pycountry``);
- an occupation is an O*NET-SOC code ``NN-NNNN.NN``;
- an achievement type is one of Open Badges 3.0's, or an extension ``ext:…``;
- names are plain text of a sensible length.

>>> check_did("did:web:ler.nc.example")
'did:web:ler.nc.example'
>>> check_jurisdiction("US-NC")
'US-NC'
>>> check_occupation("29-1141.00")
'29-1141.00'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pycountry

from openler.services.errors import UsageError
from openler.vc import ACHIEVEMENT_TYPES, Recognition, Scope, TrustEntry, VCError

# DID Core 1.0 §3.1 "DID Syntax" (ABNF):
#   did                = "did:" method-name ":" method-specific-id
#   method-name        = 1*method-char
#   method-char        = %x61-7A / DIGIT
#   method-specific-id = *( *idchar ":" ) 1*idchar
#   idchar             = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded
#   pct-encoded        = "%" HEXDIG HEXDIG
_IDCHAR = r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})"
DID_SYNTAX = re.compile(rf"did:[a-z0-9]+:(?:{_IDCHAR}*:)*{_IDCHAR}+")
ONET_SOC = re.compile(r"[0-9]{2}-[0-9]{4}\.[0-9]{2}")
_NAME_LIMIT = 200


def check_did(value: str, what: str = "the issuer") -> str:
    """``value`` when it is a DID by DID Core's syntax, or an ``https://`` URL with a host
    (an issuer identified by its web address); otherwise a :class:`UsageError` saying
    what a DID looks like."""
    text = value.strip()
    if DID_SYNTAX.fullmatch(text):
        return text
    if text.startswith("https://"):
        parts = urlsplit(text)
        if parts.hostname and not any(c.isspace() for c in text):
            return text
    raise UsageError(
        f"{what} must be a DID such as did:web:board.example or did:key:z6Mk… "
        f"(DID Core §3.1: did:METHOD:ID, the method in lower-case letters and digits), "
        f"or an https:// address; {_shown(text)} is neither"
    )


def check_jurisdiction(value: str, what: str = "the jurisdiction") -> str:
    """``value`` (upper-cased) when it is an ISO 3166-1 alpha-2 country code or an ISO
    3166-2 subdivision code that exists, such as ``US`` or ``US-NC``."""
    code = value.strip().upper()
    if re.fullmatch(r"[A-Z]{2}", code) and _country(code) is not None:
        return code
    if re.fullmatch(r"[A-Z]{2}-[A-Z0-9]{1,3}", code):
        if _subdivision(code) is not None:
            return code
        country = _country(code[:2])
        where = f"{country.name} has no subdivision {code}" if country else f"no country {code[:2]}"
        raise UsageError(f"{what} {_shown(value)} is not an ISO 3166-2 code ({where})")
    raise UsageError(
        f"{what} must be an ISO 3166 code: a country (US) or a state or territory (US-NC, "
        f"US-OH, US-PR); {_shown(value)} is not one"
    )


def check_occupation(value: str) -> str:
    code = value.strip()
    if ONET_SOC.fullmatch(code):
        return code
    raise UsageError(
        f"an occupation must be an O*NET-SOC code such as 29-1141.00 (NN-NNNN.NN); "
        f"{_shown(value)} is not one"
    )


def check_achievement_type(value: str) -> str:
    kind = value.strip()
    if kind in ACHIEVEMENT_TYPES or re.fullmatch(r"ext:[A-Za-z0-9._-]+", kind):
        return kind
    known = ", ".join(ACHIEVEMENT_TYPES[:6])
    raise UsageError(
        f"{_shown(value)} is not an Open Badges 3.0 achievement type (such as {known} …) "
        f"or an extension written ext:Name"
    )


def check_name(value: Any, what: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise UsageError(f"give {what}")
    if len(text) > _NAME_LIMIT:
        raise UsageError(f"{what} is longer than {_NAME_LIMIT} characters")
    if any(not c.isprintable() for c in text):
        raise UsageError(f"{what} contains control characters")
    if not any(c.isalnum() for c in text):
        raise UsageError(f"{what} must contain letters or digits; {_shown(text)} has none")
    return text


def check_scope(scope: Scope) -> Scope:
    return Scope(
        tuple(dict.fromkeys(check_achievement_type(t) for t in scope.achievement_types)),
        tuple(dict.fromkeys(check_occupation(o) for o in scope.occupations)),
        tuple(dict.fromkeys(_check_credential(c) for c in scope.credentials)),
    )


def check_entry(data: Mapping[str, Any]) -> TrustEntry:
    """A :class:`TrustEntry` from JSON, every field checked (a :class:`UsageError` names
    the first that is wrong)."""
    try:
        entry = TrustEntry.from_json(data)
    except VCError as exc:
        raise UsageError(exc.message) from None
    return checked_entry(entry)


def checked_entry(entry: TrustEntry) -> TrustEntry:
    if not entry.authorized:
        raise UsageError("say what the issuer may issue (an empty scope means any credential)")
    return TrustEntry(
        issuer=check_did(entry.issuer),
        name=check_name(entry.name, "the issuer's name"),
        jurisdiction=check_jurisdiction(entry.jurisdiction),
        authorized=tuple(check_scope(s) for s in entry.authorized),
        registered_by=check_name(entry.registered_by, "who registered the issuer"),
        state=entry.state,
        valid_from=entry.valid_from,
        valid_until=entry.valid_until,
        state_changed=entry.state_changed,
        reason=entry.reason,
    )


@dataclass(frozen=True)
class Edit:
    """An entry as it is and as an edit would make it, for a person to confirm."""

    old: TrustEntry
    new: TrustEntry

    @property
    def changes(self) -> list[tuple[str, str, str]]:
        """(field, old, new) for every field that differs, in words."""
        before, after = _in_words(self.old), _in_words(self.new)
        return [
            (label, before[label], after[label])
            for label in before
            if before[label] != after[label]
        ]


def _in_words(entry: TrustEntry) -> dict[str, str]:
    return {
        "Name": entry.name,
        "Jurisdiction": entry.jurisdiction,
        "May issue": "; ".join(s.describe() for s in entry.authorized),
        "Registered by": entry.registered_by,
        "Valid from": entry.valid_from or "—",
        "Valid until": entry.valid_until or "—",
    }


def check_recognition(data: Mapping[str, Any]) -> Recognition:
    try:
        rule = Recognition.from_json(data)
    except VCError as exc:
        raise UsageError(exc.message) from None
    return checked_recognition(rule)


def checked_recognition(rule: Recognition) -> Recognition:
    jurisdiction = check_jurisdiction(rule.jurisdiction, "where the rule applies")
    recognized = _unique(check_jurisdiction(j, "a recognised place") for j in rule.recognizes)
    if not recognized:
        raise UsageError("name at least one jurisdiction the rule recognises")
    if jurisdiction in recognized:
        raise UsageError(f"{jurisdiction} need not recognise itself: its own issuers count there")
    return Recognition(
        check_name(rule.name, "the rule's name"), jurisdiction, recognized, check_scope(rule.scope)
    )


def _check_credential(value: str) -> str:
    text = value.strip()
    parts = urlsplit(text)
    has_place = bool(parts.netloc or parts.path)
    if parts.scheme in ("https", "http", "urn") and has_place and " " not in text:
        return text
    raise UsageError(f"a credential in a scope must be a URL or a URN; {_shown(value)} is not")


def _country(alpha_2: str) -> Any:
    return pycountry.countries.get(alpha_2=alpha_2)


def _subdivision(code: str) -> Any:
    subdivisions: Any = pycountry.subdivisions  # typed differently across pycountry releases
    return subdivisions.get(code=code)


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _shown(value: str) -> str:
    return repr(value if len(value) <= 80 else value[:77] + "…")
