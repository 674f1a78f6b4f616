"""openler's wallet answers an OpenID4VP 1.0 request from another verifier.

The person pastes (or scans) the verifier's link, ``openid4vp://?client_id=…&request_uri=…``.
The wallet fetches the request object through :class:`ProtocolClient` and reads it:
signed by a key of the DID its ``decentralized_identifier:`` client_id names (checked), or
unsigned from a ``redirect_uri:`` verifier (known only by its web address, and shown so).
It shows who asks and for what, and which held credentials satisfy the DCQL query —
suspended, expired or revoked ones shown as such and never offered. With the person's
choice and consent it signs one presentation per credential (the holder's custodial key;
challenge the request's ``nonce``, domain its full ``client_id``), posts the ``vp_token``
to the ``response_uri`` (``direct_post``), and audits it like a share.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import NotFound, UsageError
from openler.services.holders.candidates import offerable
from openler.services.holders.sharing import wallet_presentation
from openler.services.issuers import issuing
from openler.services.people.accounts import Principal, require_self
from openler.services.protocols.client import ProtocolClient, ProtocolError
from openler.services.verifiers.credential_state import CredentialState, states_of
from openler.services.verifiers.verifying import local_fetcher
from openler.store.models import IssuedCredential, Person
from openler.vc import (
    REQUEST_OBJECT_TYP,
    Candidate,
    DcqlError,
    Fetched,
    RequestError,
    ResolutionError,
    Resolver,
    VCError,
    check_dcql_query,
    check_request,
    dcql_satisfied,
    describe_credential_query,
    did_web_url,
    expanded_types,
    match_dcql,
    read_request_object,
)


@dataclass(frozen=True)
class Held:
    """A held credential that matches a credential query, and whether it may be sent."""

    credential: IssuedCredential
    state: CredentialState

    @property
    def offerable(self) -> bool:
        return offerable(self.state)

    @property
    def why_not(self) -> str | None:
        """Why it cannot be sent, in plain words (None when it can)."""
        if self.offerable:
            return None
        return self.state.said

    @property
    def title(self) -> str:
        """The achievement's name and its issuer's, as the credential says."""
        document = self.credential.document
        subject = document.get("credentialSubject", {})
        achievement = subject.get("achievement", {}) if isinstance(subject, dict) else {}
        name = achievement.get("name") if isinstance(achievement, dict) else None
        issuer = document.get("issuer", {})
        by = issuer.get("name") if isinstance(issuer, dict) else None
        name = name or document.get("name") or "credential"
        return f"{name} from {by}" if by else str(name)


@dataclass
class Asked:
    """One credential query in plain words, and the held credentials that match it."""

    id: str
    words: str
    held: list[Held] = field(default_factory=list)


@dataclass
class IncomingRequest:
    """What the wallet shows before the person chooses: who asks (``verifier`` in words,
    ``client_id``, whether the request was signed by that verifier), for what, and which
    held credentials answer."""

    uri: str
    claims: Mapping[str, Any]
    verifier: str
    signed_by: str | None
    asked: list[Asked]

    @property
    def client_id(self) -> str:
        return str(self.claims["client_id"])

    @property
    def satisfiable(self) -> bool:
        ready = {a.id for a in self.asked if any(h.offerable for h in a.held)}
        return dcql_satisfied(self.claims["dcql_query"], ready)


@dataclass(frozen=True)
class SentAnswer:
    """What the verifier answered to the response (§8.2)."""

    status: int
    reply: Mapping[str, Any]
    credentials: list[str]
    #: who it was sent to, in words (:attr:`IncomingRequest.verifier`)
    verifier: str

    @property
    def accepted(self) -> bool:
        return self.status == 200

    @property
    def refusal(self) -> str | None:
        """Why the verifier refused it (its OpenID4VP error), or None when it accepted."""
        if self.accepted:
            return None
        return (
            f"{self.verifier} refused the answer ({self.status}): "
            f"{self.reply.get('error', 'error')}: {self.reply.get('error_description', '')}"
        )


def _link_parameters(uri: str) -> tuple[str, str]:
    parts = urlsplit(uri.strip())
    params = parse_qs(parts.query)
    if "request" in params:
        raise UsageError("this wallet reads requests by reference (request_uri), not by value")
    client_id = params.get("client_id", [""])[0]
    request_uri = params.get("request_uri", [""])[0]
    if not client_id or not request_uri:
        raise UsageError(
            "this is not an OpenID4VP request link: it needs client_id and request_uri"
        )
    return client_id, request_uri


def _fetcher(session: Session, platform: Platform, client: ProtocolClient) -> Any:
    """DID documents: this platform's own from the database, others' through the client."""
    own = local_fetcher(session, platform)
    host = urlsplit(platform.settings.public_url).netloc

    def fetch(url: str) -> Mapping[str, Any] | Fetched:
        if urlsplit(url).netloc == host:
            return own(url)
        try:
            answer = client.get(url)
        except ProtocolError as exc:
            raise ResolutionError(exc.message) from None
        if answer.status != 200:
            raise ResolutionError(f"{url} answered {answer.status}")
        document = answer.json()
        if not isinstance(document, dict):
            raise ResolutionError(f"{url} is not a JSON object")
        return document

    return fetch


def read_request(
    session: Session,
    platform: Platform,
    principal: Principal,
    uri: str,
    *,
    client: ProtocolClient | None = None,
) -> IncomingRequest:
    """Fetch and read the request behind an ``openid4vp://`` link, for the signed-in
    person; raises :class:`UsageError` (a :class:`ProtocolError` for the network) saying
    what is wrong with it."""
    require_self(principal, principal.person_id)
    client = client or ProtocolClient(platform.settings)
    client_id, request_uri = _link_parameters(uri)
    answer = client.get(
        request_uri, headers={"Accept": f"application/{REQUEST_OBJECT_TYP}, application/jwt"}
    )
    if answer.status != 200:
        raise ProtocolError(
            f"the verifier did not give its request ({answer.status}): {answer.text()[:200]}"
        )
    try:
        read = read_request_object(
            answer.text(), resolver=Resolver(_fetcher(session, platform, client))
        )
        check_request(read.claims, client_id=client_id)
        query = check_dcql_query(read.claims["dcql_query"])
    except (RequestError, DcqlError) as exc:
        raise UsageError(f"this request cannot be answered ({exc.code}): {exc.message}") from None
    expires = read.claims.get("exp")
    if isinstance(expires, int | float) and expires < platform.now().timestamp():
        raise UsageError("this request has expired; ask the verifier for a new one")
    return IncomingRequest(
        uri=uri,
        claims={**read.claims, "dcql_query": query},
        verifier=_verifier_words(read.claims, read.signed_by),
        signed_by=read.signed_by,
        asked=_asked(session, platform, principal.person_id, query),
    )


def _verifier_words(claims: Mapping[str, Any], signed_by: str | None) -> str:
    """Who asks, in plain words: the name the verifier gives, with its web host when its
    identifier has one (``did:web``, a response URI); an identifier that is only a key
    (``did:key``) is left for the page's details, and the name it gives itself is shown as
    its own claim."""
    metadata = claims.get("client_metadata")
    name = metadata.get("client_name") if isinstance(metadata, Mapping) else None
    who = str(claims["client_id"]).split(":", 1)[-1]
    if signed_by is None:
        where = urlsplit(who).netloc or who
        return f"{name} (says it is; unsigned request from {where})" if name else where
    host = None
    if who.startswith("did:web:"):
        with contextlib.suppress(VCError):
            host = urlsplit(did_web_url(who)).netloc
    if name and host:
        return f"{name} ({host})"
    if name:  # a did:key names no one: anybody may sign a request calling itself anything
        return f"{name} (says it is; known only by its key)"
    return host or who


def _asked(
    session: Session, platform: Platform, person_id: str, query: Mapping[str, Any]
) -> list[Asked]:
    rows = [r for r in issuing.credentials_of(session, person_id) if isinstance(r.document, dict)]
    candidates = []
    for row in rows:
        try:
            types = expanded_types(row.document)
        except VCError:
            continue
        candidates.append(Candidate(row.id, "ldp_vc", row.document, types))
    result = match_dcql(query, candidates)
    states = states_of(session, platform, rows)
    by_id = {r.id: r for r in rows}
    asked = []
    for credential_query in query["credentials"]:
        query_id = credential_query["id"]
        asked.append(
            Asked(
                query_id,
                describe_credential_query(credential_query),
                [Held(by_id[c], states[c]) for c in result.matches[query_id]],
            )
        )
    return asked


def answer_request(
    session: Session,
    platform: Platform,
    principal: Principal,
    uri: str,
    *,
    credential_ids: list[str] | None = None,
    client: ProtocolClient | None = None,
    incoming: IncomingRequest | None = None,
) -> SentAnswer:
    """Send the chosen credentials (by default, the first active match of each credential
    query) to the verifier, with consent recorded; raises :class:`UsageError` when a
    choice is not offered or does not satisfy the query (:class:`ProtocolError` when the
    verifier cannot be reached). A refusal by the verifier is an answer too
    (:attr:`SentAnswer.refusal`), audited like an acceptance. ``incoming``, the request as
    :func:`read_request` just read it for this person, saves fetching it again."""
    client = client or ProtocolClient(platform.settings)
    if incoming is None or incoming.uri != uri:
        incoming = read_request(session, platform, principal, uri, client=client)
    person = session.get(Person, principal.person_id)
    if person is None:
        raise NotFound("no such person")
    vp_token = _choose(incoming, credential_ids)
    chosen = [c for ids in vp_token.values() for c in ids]
    token: dict[str, list[dict[str, Any]]] = {
        query_id: [
            wallet_presentation(
                session,
                platform,
                person,
                [credential_id],
                challenge=str(incoming.claims["nonce"]),
                domain=incoming.client_id,
            )
            for credential_id in ids
        ]
        for query_id, ids in vp_token.items()
    }
    form = {"vp_token": json.dumps(token)}
    if "state" in incoming.claims:
        form["state"] = str(incoming.claims["state"])
    # sent before anything is written here: no write lock is held while the other party
    # answers (on SQLite that party may be this very platform, writing its answer)
    sent = client.post_form(str(incoming.claims["response_uri"]), form)
    reply = _reply(sent.json() if sent.body else {})
    now = platform.now()
    audit.record(
        session,
        at=now,
        actor=principal.label,
        action="consent.grant",
        subject=f"oid4vp:{incoming.client_id}"[:400],
        data={"audience": incoming.verifier, "credentials": chosen, "protocol": "oid4vp"},
    )
    audit.record(
        session,
        at=now,
        actor=principal.label,
        action="wallet.answer",
        subject=f"oid4vp:{incoming.client_id}"[:400],
        data={"status": sent.status, "credentials": chosen, "error": reply.get("error")},
    )
    return SentAnswer(sent.status, reply, chosen, incoming.verifier)


def _reply(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _choose(incoming: IncomingRequest, credential_ids: list[str] | None) -> dict[str, list[str]]:
    """Which credential answers which credential query: each chosen one goes to the first
    query it matches (one per query unless the query allows ``multiple``)."""
    queries = {q["id"]: q for q in incoming.claims["dcql_query"]["credentials"]}
    offerable = {a.id: [h.credential.id for h in a.held if h.offerable] for a in incoming.asked}
    if credential_ids is None:
        credential_ids = list(dict.fromkeys(ids[0] for ids in offerable.values() if ids))
    if not credential_ids:
        raise UsageError("none of your credentials can answer this request")
    chosen: dict[str, list[str]] = {}
    for credential_id in dict.fromkeys(credential_ids):
        home = next(
            (
                q
                for q, ids in offerable.items()
                if credential_id in ids and (queries[q].get("multiple", False) or q not in chosen)
            ),
            None,
        )
        if home is None:
            held = {h.credential.id: h for a in incoming.asked for h in a.held}
            if credential_id in held:
                one = held[credential_id]
                raise UsageError(f"{one.title} cannot be sent: {one.why_not}")
            raise UsageError(f"credential {credential_id} is not one this request asks for")
        chosen.setdefault(home, []).append(credential_id)
    if not dcql_satisfied(incoming.claims["dcql_query"], set(chosen)):
        missing = [a.words for a in incoming.asked if a.id not in chosen]
        raise UsageError("the verifier also asks for " + "; ".join(missing))
    return chosen


def decline_request(
    session: Session,
    platform: Platform,
    principal: Principal,
    uri: str,
    *,
    client: ProtocolClient | None = None,
) -> SentAnswer:
    """Tell the verifier the person declines: the error response ``access_denied``
    (§8.5), posted like an answer and audited."""
    client = client or ProtocolClient(platform.settings)
    incoming = read_request(session, platform, principal, uri, client=client)
    form = {"error": "access_denied", "error_description": "the holder declined"}
    if "state" in incoming.claims:
        form["state"] = str(incoming.claims["state"])
    sent = client.post_form(str(incoming.claims["response_uri"]), form)
    reply = _reply(sent.json() if sent.body else {})
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="wallet.decline",
        subject=f"oid4vp:{incoming.client_id}"[:400],
        data={"status": sent.status, "protocol": "oid4vp"},
    )
    return SentAnswer(sent.status, reply, [], incoming.verifier)
