"""DCQL, the Digital Credentials Query Language of OpenID4VP 1.0 (§6), for W3C credentials.

A query asks for credentials by format (``ldp_vc``, ``jwt_vc_json``), by type (``meta.
type_values``: expanded type IRIs) and by claims (a path into the credential, optionally
with the values accepted); ``credential_sets`` say which combinations satisfy it. This
module checks a query (:func:`check_query`), finds which credentials match each credential
query (:func:`match`), and says whether a set of matching ids satisfies the query
(:func:`satisfied`). Pure: the credentials and their expanded types come in as arguments.

>>> query = check_query({"credentials": [{"id": "rn", "format": "ldp_vc",
...     "meta": {"type_values": [["https://example.org/vocab#License"]]}}]})
>>> card = Candidate("c1", "ldp_vc", {"type": ["License"]},
...     frozenset({"https://example.org/vocab#License"}))
>>> result = match(query, [card])
>>> result.matches["rn"], result.satisfied
(['c1'], True)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openler.vc.errors import ContextError, InputError
from openler.vc.jsonld import DocumentLoader, expand

#: the credential formats openler reads (OpenID4VP 1.0 Appendix B.1)
FORMATS = ("ldp_vc", "jwt_vc_json")
_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_QUERY_KEYS = {"credentials", "credential_sets"}
_CREDENTIAL_KEYS = {
    "id",
    "format",
    "multiple",
    "meta",
    "trusted_authorities",
    "require_cryptographic_holder_binding",
    "claims",
    "claim_sets",
}
_CLAIM_KEYS = {"id", "path", "values"}
#: the most a query may hold, so a hostile query cannot make matching expensive
MAX_CREDENTIAL_QUERIES = 20
MAX_CLAIMS = 50


class DcqlError(InputError):
    """A DCQL query that OpenID4VP 1.0 §6 does not allow, or that openler cannot honour;
    an OpenID4VP wallet answers it with ``invalid_request``."""

    code = "invalid_request"


@dataclass(frozen=True)
class Candidate:
    """A credential that may answer a query: an id of the caller's choosing, its format,
    the credential itself (for ``jwt_vc_json``, the credential inside the JWT) and its
    types expanded to IRIs (see :func:`expanded_types`)."""

    id: str
    format: str
    document: Mapping[str, Any]
    types: frozenset[str]
    holder_binding: bool = True


@dataclass
class MatchResult:
    """Which candidates match each credential query (by id), why the others do not, and
    whether the query as a whole can be satisfied."""

    query: Mapping[str, Any]
    matches: dict[str, list[str]] = field(default_factory=dict)
    reasons: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def satisfied(self) -> bool:
        return satisfied(self.query, {q for q, ids in self.matches.items() if ids})


def check_query(query: Any) -> dict[str, Any]:
    """The query when it is valid DCQL for the formats openler reads; raises
    :class:`DcqlError` naming the first problem otherwise."""
    if not isinstance(query, Mapping):
        raise DcqlError("a DCQL query is a JSON object")
    unknown = set(query) - _QUERY_KEYS
    if unknown:
        raise DcqlError(f"a DCQL query has no member {sorted(unknown)[0]!r}")
    credentials = query.get("credentials")
    if not isinstance(credentials, list) or not credentials:
        raise DcqlError("a DCQL query needs a non-empty 'credentials' array")
    if len(credentials) > MAX_CREDENTIAL_QUERIES:
        raise DcqlError(f"at most {MAX_CREDENTIAL_QUERIES} credential queries are accepted")
    ids: list[str] = []
    for index, credential in enumerate(credentials):
        ids.append(_check_credential_query(credential, f"credentials[{index}]"))
    if len(set(ids)) != len(ids):
        raise DcqlError("credential query ids must be unique")
    sets = query.get("credential_sets")
    if sets is not None:
        if not isinstance(sets, list) or not sets:
            raise DcqlError("'credential_sets' must be a non-empty array")
        for index, item in enumerate(sets):
            where = f"credential_sets[{index}]"
            if not isinstance(item, Mapping) or set(item) - {"options", "required", "purpose"}:
                raise DcqlError(f"{where} must be an object with 'options' (and 'required')")
            if not isinstance(item.get("required", True), bool):
                raise DcqlError(f"{where}.required must be true or false")
            options = item.get("options")
            if not isinstance(options, list) or not options:
                raise DcqlError(f"{where}.options must be a non-empty array")
            for option in options:
                if (
                    not isinstance(option, list)
                    or not option
                    or any(not isinstance(i, str) or i not in ids for i in option)
                ):
                    raise DcqlError(
                        f"{where}.options must be non-empty arrays of credential query ids"
                    )
    return dict(query)


def _check_credential_query(credential: Any, where: str) -> str:
    if not isinstance(credential, Mapping):
        raise DcqlError(f"{where} must be an object")
    unknown = set(credential) - _CREDENTIAL_KEYS
    if unknown:
        raise DcqlError(f"{where} has no member {sorted(unknown)[0]!r}")
    query_id = credential.get("id")
    if not isinstance(query_id, str) or not _ID.match(query_id):
        raise DcqlError(f"{where}.id must be letters, digits, '_' and '-' (at least one)")
    fmt = credential.get("format")
    if fmt not in FORMATS:
        raise DcqlError(f"{where}.format {fmt!r} is not one openler reads ({', '.join(FORMATS)})")
    for flag in ("multiple", "require_cryptographic_holder_binding"):
        if not isinstance(credential.get(flag, False), bool):
            raise DcqlError(f"{where}.{flag} must be true or false")
    if "trusted_authorities" in credential:
        raise DcqlError(
            f"{where}.trusted_authorities is not supported: openler judges issuers by its trust "
            "registry instead"
        )
    meta = credential.get("meta")
    type_values = meta.get("type_values") if isinstance(meta, Mapping) else None
    if (
        not isinstance(type_values, list)
        or not type_values
        or any(
            not isinstance(group, list)
            or not group
            or any(not isinstance(t, str) or ":" not in t for t in group)
            for group in type_values
        )
    ):
        raise DcqlError(
            f"{where}.meta.type_values must be a non-empty array of non-empty arrays of "
            "expanded type IRIs"
        )
    claims = credential.get("claims")
    claim_ids: list[str] = []
    if claims is not None:
        if not isinstance(claims, list) or not claims or len(claims) > MAX_CLAIMS:
            raise DcqlError(f"{where}.claims must be an array of 1 to {MAX_CLAIMS} claims")
        for index, claim in enumerate(claims):
            claim_ids.append(_check_claim(claim, f"{where}.claims[{index}]"))
    claim_sets = credential.get("claim_sets")
    if claim_sets is not None:
        if claims is None or any(i == "" for i in claim_ids):
            raise DcqlError(f"{where}.claim_sets needs claims, each with an id")
        if (
            not isinstance(claim_sets, list)
            or not claim_sets
            or any(
                not isinstance(s, list) or not s or any(i not in claim_ids for i in s)
                for s in claim_sets
            )
        ):
            raise DcqlError(f"{where}.claim_sets must be non-empty arrays of claim ids")
    return query_id


def _check_claim(claim: Any, where: str) -> str:
    if not isinstance(claim, Mapping) or set(claim) - _CLAIM_KEYS:
        raise DcqlError(f"{where} must be an object with 'path' (and 'id', 'values')")
    claim_id = claim.get("id", "")
    if claim_id != "" and (not isinstance(claim_id, str) or not _ID.match(claim_id)):
        raise DcqlError(f"{where}.id must be letters, digits, '_' and '-'")
    path = claim.get("path")
    if (
        not isinstance(path, list)
        or not path
        or any(
            not (p is None or isinstance(p, str) or (isinstance(p, int) and p >= 0))
            or isinstance(p, bool)
            for p in path
        )
    ):
        raise DcqlError(
            f"{where}.path must be a non-empty array of strings, non-negative integers and null"
        )
    values = claim.get("values")
    if values is not None and (
        not isinstance(values, list)
        or not values
        or any(v is None or not isinstance(v, str | int | float | bool) for v in values)
    ):
        raise DcqlError(f"{where}.values must be a non-empty array of strings, numbers or booleans")
    return str(claim_id)


def select(document: Any, path: Sequence[str | int | None]) -> list[Any]:
    """The elements a claims path pointer selects (OpenID4VP 1.0 §7): a string names a
    member of an object, an integer an element of an array, null every element of an
    array. Nothing is selected where the document does not have that shape.

    >>> select({"a": [{"b": 1}, {"b": 2}]}, ["a", None, "b"])
    [1, 2]
    """
    selected = [document]
    for step in path:
        following: list[Any] = []
        for node in selected:
            if isinstance(step, str) and isinstance(node, Mapping) and step in node:
                following.append(node[step])
            elif step is None and isinstance(node, list):
                following.extend(node)
            elif isinstance(step, int) and isinstance(node, list) and 0 <= step < len(node):
                following.append(node[step])
        selected = following
    return selected


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _claim_matches(document: Mapping[str, Any], claim: Mapping[str, Any]) -> bool:
    found = [v for v in select(document, claim["path"]) if v is not None]
    values = claim.get("values")
    if values is None:
        return bool(found)
    return any(_same(v, wanted) for v in found for wanted in values)


def _why_not(credential_query: Mapping[str, Any], candidate: Candidate) -> str | None:
    """None when ``candidate`` matches ``credential_query``; the reason otherwise."""
    if candidate.format != credential_query["format"]:
        return f"it is {candidate.format}, and {credential_query['format']} is asked for"
    groups = credential_query["meta"]["type_values"]
    if not any(set(group) <= candidate.types for group in groups):
        return "it is not of a type asked for"
    if credential_query.get("require_cryptographic_holder_binding", True) and (
        not candidate.holder_binding
    ):
        return "it is not bound to the holder's key"
    claims = credential_query.get("claims")
    if not claims:
        return None
    by_id = {c.get("id", ""): c for c in claims}
    claim_sets = credential_query.get("claim_sets")
    options = claim_sets if claim_sets else [None]
    for option in options:
        wanted = claims if option is None else [by_id[i] for i in option]
        if all(_claim_matches(candidate.document, c) for c in wanted):
            return None
    missing = next(c for c in claims if not _claim_matches(candidate.document, c))
    path = ".".join("*" if p is None else str(p) for p in missing["path"])
    return f"its {path} is not what is asked for"


def match(query: Mapping[str, Any], candidates: Iterable[Candidate]) -> MatchResult:
    """Which candidates match each credential query of a checked ``query``."""
    result = MatchResult(query)
    pool = list(candidates)
    for credential_query in query["credentials"]:
        query_id = credential_query["id"]
        result.matches[query_id] = []
        result.reasons[query_id] = {}
        for candidate in pool:
            reason = _why_not(credential_query, candidate)
            if reason is None:
                result.matches[query_id].append(candidate.id)
            else:
                result.reasons[query_id][candidate.id] = reason
    return result


def satisfied(query: Mapping[str, Any], answered: set[str]) -> bool:
    """Whether answering the credential queries ``answered`` satisfies ``query``: every
    credential query when there are no ``credential_sets``, otherwise one option of every
    required set (§6.4.2)."""
    sets = query.get("credential_sets")
    if not sets:
        return all(q["id"] in answered for q in query["credentials"])
    return all(
        any(set(option) <= answered for option in item["options"])
        for item in sets
        if item.get("required", True)
    )


def _words(name: str) -> str:
    """``achievementType`` → ``achievement type``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()


def _claim_words(path: Sequence[str | int | None]) -> str:
    names = [p for p in path if isinstance(p, str)]
    if not names:
        return "a claim"
    if "alignment" in names:
        return "skill"
    if names[-1] in ("name", "id", "type") and len(names) > 1:
        return f"{_words(names[-2])} {names[-1]}"
    return _words(names[-1])


def describe_credential_query(credential_query: Mapping[str, Any]) -> str:
    """A credential query in plain words.

    >>> describe_credential_query({"format": "ldp_vc", "meta": {"type_values": [[
    ...     "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"]]},
    ...     "claims": [{"path": ["credentialSubject", "achievement", "achievementType"],
    ...     "values": ["License"]}, {"path": ["credentialSubject", "achievement", "name"],
    ...     "values": ["RN"]}]})
    'an Open Badge Credential whose achievement type is License and achievement name is RN'
    """
    kinds = " or ".join(
        " and ".join(
            re.sub(r"(?<=[a-z])(?=[A-Z])", " ", t.rsplit("#", 1)[-1].rsplit("/", 1)[-1])
            for t in group
        )
        for group in credential_query["meta"]["type_values"]
    )
    words = f"an {kinds}" if kinds[:1].lower() in "aeiou" else f"a {kinds}"
    parts = []
    for claim in credential_query.get("claims", []):
        name = _claim_words(claim["path"])
        values = claim.get("values")
        parts.append(
            f"{name} is {' or '.join(str(v) for v in values)}" if values else f"its {name}"
        )
    return words + (" whose " + " and ".join(parts) if parts else "")


def describe(query: Mapping[str, Any]) -> str:
    """A whole query in plain words: each credential query, the optional ones marked."""
    optional: set[str] = set()
    for item in query.get("credential_sets") or []:
        if not item.get("required", True):
            optional.update(i for option in item["options"] for i in option)
    return "; ".join(
        describe_credential_query(q) + (" (optional)" if q["id"] in optional else "")
        for q in query["credentials"]
    )


def expanded_types(
    document: Mapping[str, Any], loader: DocumentLoader | None = None
) -> frozenset[str]:
    """The credential's ``type`` values expanded to IRIs by its own ``@context`` (what
    ``meta.type_values`` is compared with). Raises :class:`ContextError` for a context
    that is not bundled or a type it does not define.

    >>> sorted(expanded_types({"@context": ["https://www.w3.org/ns/credentials/v2"],
    ...     "type": ["VerifiableCredential"]}))
    ['https://www.w3.org/2018/credentials#VerifiableCredential']
    """
    context = document.get("@context")
    types = document.get("type")
    if context is None or types is None:
        raise ContextError("the credential has no @context or no type")
    expanded = expand({"@context": context, "type": types}, loader)
    found: set[str] = set()
    for node in expanded:
        if isinstance(node, Mapping):
            found.update(t for t in node.get("@type", []) if isinstance(t, str))
    return frozenset(found)
