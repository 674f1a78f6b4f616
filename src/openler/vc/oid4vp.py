"""OpenID4VP 1.0 pieces that are pure: the signed request object (JAR, RFC 9101, with
``typ: oauth-authz-req+jwt``) and the shape of a ``vp_token`` answering a DCQL query.

The client identifier prefixes read here are ``decentralized_identifier:`` (the request
object must be signed by a key of that DID) and ``redirect_uri:`` (the request must not be
signed; the verifier is known only by its response URI). Others are refused.

>>> from datetime import UTC, datetime
>>> from openler.vc.keys import Multikey
>>> from openler.vc.did import Resolver
>>> key = Multikey.from_seed(bytes(32))
>>> token = sign_request_object({"client_id": f"decentralized_identifier:{key.controller}",
...     "nonce": "n-1"}, key, at=datetime(2026, 1, 1, tzinfo=UTC))
>>> read_request_object(token, resolver=Resolver()).signed_by == key.id
True
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openler.vc import jose, jsontext
from openler.vc.did import Resolver
from openler.vc.errors import InputError, JoseError, KeyFormatError, ResolutionError
from openler.vc.keys import Multikey
from openler.vc.multibase import b64url_decode

REQUEST_OBJECT_TYP = "oauth-authz-req+jwt"
#: RFC 3986 unreserved characters: what ``nonce`` and ``state`` are made of (§5.2, §5.3)
UNRESERVED = re.compile(r"^[A-Za-z0-9._~-]+$")
DID_PREFIX = "decentralized_identifier:"
REDIRECT_PREFIX = "redirect_uri:"
#: the most presentations one response may hold (each is verified)
MAX_PRESENTATIONS = 20


class RequestError(InputError):
    """An authorization request a wallet must refuse; ``code`` is the OpenID4VP error."""

    code = "invalid_request"

    def __init__(self, message: str, code: str = "invalid_request") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class RequestObject:
    """A request object read and, where its client identifier prefix calls for one, its
    signature checked. ``signed_by`` is the verification method that signed it (None for
    an unsigned ``redirect_uri:`` request)."""

    claims: Mapping[str, Any]
    signed_by: str | None

    @property
    def client_id(self) -> str:
        return str(self.claims["client_id"])


def sign_request_object(claims: Mapping[str, Any], key: Multikey, *, at: datetime) -> str:
    """The request object as a compact JWS signed with EdDSA by ``key`` (its ``kid`` the
    key's DID URL), ``typ: oauth-authz-req+jwt``, ``iat`` the signing time."""
    return jose.encode(
        {**claims, "iat": int(at.timestamp())}, key, typ=REQUEST_OBJECT_TYP, issued_at=None
    )


def read_request_object(text: str, *, resolver: Resolver) -> RequestObject:
    """Read a request object fetched from a ``request_uri``; raises :class:`RequestError`
    (``invalid_request_object``, ``invalid_client``) when it is malformed, unsigned where a
    signature is required, or signed by a key its client identifier does not name."""
    text = text.strip()
    parts = text.split(".")
    if len(parts) == 3 and parts[2] == "":
        return _unsigned(parts)
    try:
        jwt = jose.decode(text)
    except JoseError as exc:
        raise RequestError(
            f"the request object is not a signed JWT: {exc.message}", "invalid_request_object"
        ) from None
    if jwt.header.get("typ") != REQUEST_OBJECT_TYP:
        raise RequestError(
            f"the request object's typ is {jwt.header.get('typ')!r}, not {REQUEST_OBJECT_TYP!r}",
            "invalid_request_object",
        )
    client_id = jwt.payload.get("client_id")
    if not isinstance(client_id, str):
        raise RequestError("the request object has no client_id", "invalid_request_object")
    if not client_id.startswith(DID_PREFIX):
        raise RequestError(
            f"openler reads signed requests of decentralized_identifier: verifiers only, not "
            f"{client_id.split(':', 1)[0]!r}",
            "invalid_client",
        )
    did = client_id.removeprefix(DID_PREFIX)
    kid = jwt.key_id
    if kid is None or kid.split("#", 1)[0] != did:
        raise RequestError(
            f"the request object is not signed by a key of {did} (kid {kid!r})", "invalid_client"
        )
    try:
        method = _method(resolver, kid)
        key = jose.jwk_from_method(method)
    except (ResolutionError, KeyFormatError) as exc:
        raise RequestError(
            f"the verifier's key {kid} could not be resolved: {exc.message}", "invalid_client"
        ) from None
    if not jose.signature_valid(jwt, key):
        raise RequestError(
            f"the request object's signature does not verify with {kid}: it was altered or "
            "signed by another key",
            "invalid_request_object",
        )
    return RequestObject(dict(jwt.payload), kid)


def _method(resolver: Resolver, kid: str) -> Mapping[str, Any]:
    try:
        return resolver.method(kid, "authentication")
    except ResolutionError:
        return resolver.method(kid, "assertionMethod")


def _unsigned(parts: list[str]) -> RequestObject:
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = json.loads(b64url_decode(parts[1]))
    except (KeyFormatError, ValueError):
        raise RequestError("the request object is not a JWT", "invalid_request_object") from None
    if not isinstance(header, dict) or header.get("alg") != "none" or not isinstance(payload, dict):
        raise RequestError("the request object is not a JWT", "invalid_request_object")
    client_id = payload.get("client_id")
    if not isinstance(client_id, str) or not client_id.startswith(REDIRECT_PREFIX):
        raise RequestError(
            "an unsigned request object is allowed only for a redirect_uri: verifier",
            "invalid_request_object",
        )
    if payload.get("response_uri") != client_id.removeprefix(REDIRECT_PREFIX):
        raise RequestError(
            "a redirect_uri: verifier's client_id must be its response_uri", "invalid_client"
        )
    return RequestObject(payload, None)


def check_request(claims: Mapping[str, Any], *, client_id: str | None = None) -> None:
    """The request parameters a wallet relies on (§5): ``response_type`` ``vp_token``,
    ``response_mode`` ``direct_post`` with a ``response_uri``, a ``nonce`` (and ``state``)
    of unreserved characters, a ``dcql_query``; the ``client_id`` of the link the same as
    the signed one's."""
    if client_id is not None and claims.get("client_id") != client_id:
        raise RequestError("the link's client_id is not the request object's client_id")
    if claims.get("response_type") != "vp_token":
        raise RequestError(f"response_type {claims.get('response_type')!r} is not vp_token")
    if claims.get("response_mode") != "direct_post":
        raise RequestError(
            f"response_mode {claims.get('response_mode')!r} is not supported (direct_post is)"
        )
    if not isinstance(claims.get("response_uri"), str):
        raise RequestError("a direct_post request needs a response_uri")
    for name in ("nonce", "state"):
        value = claims.get(name)
        if name == "state" and value is None:
            continue
        if not isinstance(value, str) or not UNRESERVED.match(value):
            raise RequestError(f"{name} must be a string of unreserved characters")
    if "dcql_query" not in claims:
        raise RequestError("the request has no dcql_query (presentation_definition is not read)")


def check_vp_token(vp_token: Any, query: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The ``vp_token`` of a DCQL response (§8.1): a JSON object whose keys are credential
    query ids of ``query`` and whose values are non-empty arrays of presentations (one
    unless the query says ``multiple``): JSON objects for ``ldp_vc``, compact JWTs for
    ``jwt_vc_json``. Raises :class:`RequestError` otherwise."""
    if isinstance(vp_token, str):
        try:
            vp_token = jsontext.parse(vp_token)
        except InputError as exc:
            raise RequestError(f"vp_token is not JSON openler accepts: {exc.message}") from None
    if not isinstance(vp_token, dict) or not vp_token:
        raise RequestError("vp_token must be a JSON object keyed by credential query id")
    queries = {q["id"]: q for q in query["credentials"]}
    if sum(len(p) for p in vp_token.values() if isinstance(p, list)) > MAX_PRESENTATIONS:
        raise RequestError(f"vp_token holds more than {MAX_PRESENTATIONS} presentations")
    checked: dict[str, list[Any]] = {}
    for query_id, presentations in vp_token.items():
        credential_query = queries.get(query_id)
        if credential_query is None:
            raise RequestError(f"vp_token answers {query_id!r}, which the query does not ask")
        if not isinstance(presentations, list) or not presentations:
            raise RequestError(f"vp_token[{query_id!r}] must be a non-empty array")
        if len(presentations) > 1 and not credential_query.get("multiple", False):
            raise RequestError(f"vp_token[{query_id!r}] holds more than one presentation")
        wanted = dict if credential_query["format"] == "ldp_vc" else str
        if any(not isinstance(p, wanted) for p in presentations):
            raise RequestError(
                f"vp_token[{query_id!r}] must hold "
                + ("JSON presentations" if wanted is dict else "compact JWT presentations")
            )
        checked[query_id] = presentations
    return checked


def unverified_jwt_document(token: str) -> dict[str, Any]:
    """The credential or presentation inside a compact JWT (``vc``/``vp`` claim, or the
    payload), its signature NOT checked: for matching a query, never for a verdict."""
    return dict(jose.decode(token).unverified_document)
