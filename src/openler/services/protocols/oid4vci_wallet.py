"""OpenID4VCI 1.0, wallet side: openler's wallet receives a credential from another issuer.

A person pastes an offer (``openid-credential-offer://?credential_offer=…`` or
``…?credential_offer_uri=…``, or the offer's JSON). :func:`preview` reads it and the
issuer's metadata and says who offers what; :func:`accept` runs the pre-authorized code
flow — token (with the transaction code the issuer gave apart, if it asks for one), nonce,
credential request with a ``jwt`` proof of possession of the person's wallet key (their
did:key) — then verifies what arrives with the platform's verifier (fails closed: it must
verify, and be bound to the person's DID) and files it in their record, labelled with its
issuer, with an audit event.

Every call to the issuer goes through :class:`ProtocolClient` (public https only, no
redirects, size and time limits).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, Forbidden, NotFound, UsageError
from openler.services.people.accounts import Principal, holder_key
from openler.services.protocols.client import Answer, ProtocolClient, ProtocolError
from openler.services.verifiers.verifying import verify_document
from openler.store.models import Person, ReceivedCredential
from openler.vc import InputError as _InputError
from openler.vc import VerificationReport, parse_json, sign_key_proof

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
#: the formats openler's wallet asks for, in order of preference
FORMATS = ("ldp_vc", "jwt_vc_json")
MAX_OFFER_CHARS = 20_000


@dataclass(frozen=True)
class Offer:
    """An offer read and its issuer's metadata fetched: who offers what."""

    credential_issuer: str
    issuer_name: str
    configuration_id: str
    format: str
    credential_name: str
    pre_authorized_code: str
    tx_code: dict[str, Any] | None
    metadata: dict[str, Any]


def _offer_text(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """(the offer by value, or the URL of the offer by reference) of what was pasted."""
    text = text.strip()
    if len(text) > MAX_OFFER_CHARS:
        raise UsageError("the offer is too long to be one")
    if text.startswith("{"):
        return _json_object(text, "the offer"), None
    query = parse_qs(urlsplit(text).query)
    if "credential_offer" in query:
        return _json_object(query["credential_offer"][0], "the offer"), None
    if "credential_offer_uri" in query:
        return None, query["credential_offer_uri"][0]
    raise UsageError(
        "this is not an OpenID4VCI offer: paste the whole link, which starts with "
        "openid-credential-offer:// and holds credential_offer or credential_offer_uri"
    )


def _from_interaction(client: ProtocolClient, text: str) -> str:
    """An offer pasted as it is, or the OpenID4VCI offer an interaction URL (the link a
    VC API issuer hands out, ``…?iuv=1``) names among its protocols."""
    link = text.strip()
    if not link.lower().startswith(("https://", "http://")) or "credential_offer" in link:
        return text
    protocols = _answer_json(client.get(link), "the link").get("protocols")
    offer = protocols.get("OID4VCI") if isinstance(protocols, dict) else None
    if not isinstance(offer, str):
        raise UsageError(
            "this link offers no OpenID4VCI offer; if it asks for credentials rather than "
            "offering one, answer it under 'Answer a request from elsewhere'"
        )
    return offer


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = parse_json(text)
    except _InputError as exc:
        raise UsageError(f"{what} is not JSON: {exc.message}") from None
    if not isinstance(value, dict):
        raise UsageError(f"{what} must be a JSON object")
    return value


def _answer_json(answer: Answer, what: str) -> dict[str, Any]:
    if answer.status != 200:
        detail = ""
        if answer.content_type == "application/json":
            body = answer.json()
            if isinstance(body, dict) and "error" in body:
                detail = f": {body.get('error')} — {body.get('error_description', '')}".rstrip(" —")
        raise ProtocolError(f"the issuer refused {what} (HTTP {answer.status}){detail}")
    value = answer.json()
    if not isinstance(value, dict):
        raise ProtocolError(f"the issuer's {what} is not a JSON object")
    return value


def _well_known(identifier: str, suffix: str) -> str:
    parts = urlsplit(identifier)
    path = parts.path.rstrip("/")
    return f"{parts.scheme}://{parts.netloc}/.well-known/{suffix}{path}"


def _display_name(entries: Any) -> str | None:
    if isinstance(entries, list):
        for entry in entries:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                return str(entry["name"])
    return None


def preview(
    platform: Platform,
    text: str,
    *,
    client: ProtocolClient | None = None,
    expected_issuer: str | None = None,
) -> Offer:
    """Read the offer ``text`` and its issuer's metadata (nothing is redeemed).
    ``expected_issuer``: the credential issuer the person was shown and agreed to; an offer
    by reference that now names another is refused before its issuer is contacted."""
    client = client or ProtocolClient(platform.settings)
    offer, uri = _offer_text(_from_interaction(client, text))
    if offer is None:
        assert uri is not None
        offer = _answer_json(client.get(uri), "the offer")
    issuer = offer.get("credential_issuer")
    ids = offer.get("credential_configuration_ids")
    grants = offer.get("grants")
    if not isinstance(issuer, str) or not isinstance(ids, list) or not ids:
        raise ProtocolError("the offer names no credential issuer or no credential")
    if expected_issuer is not None and issuer != expected_issuer:
        raise ProtocolError(
            f"the offer changed since you saw it: it was from {expected_issuer}, it is now "
            f"from {issuer}; nothing was sent"
        )
    grant = grants.get(PRE_AUTHORIZED_GRANT) if isinstance(grants, dict) else None
    if not isinstance(grant, dict) or not isinstance(grant.get("pre-authorized_code"), str):
        raise ProtocolError(
            "the offer has no pre-authorized code: openler's wallet takes offers of the "
            "pre-authorized code flow only"
        )
    metadata = _answer_json(
        client.get(_well_known(issuer, "openid-credential-issuer")), "its metadata"
    )
    if metadata.get("credential_issuer") != issuer:
        raise ProtocolError("the issuer's metadata is for another credential issuer")
    supported = metadata.get("credential_configurations_supported")
    if not isinstance(supported, dict):
        raise ProtocolError("the issuer's metadata lists no credential configurations")
    chosen = [
        (cid, supported[cid])
        for fmt in FORMATS
        for cid in ids
        if isinstance(cid, str)
        and isinstance(supported.get(cid), dict)
        and supported[cid].get("format") == fmt
    ]
    if not chosen:
        raise ProtocolError(
            "the offer holds no credential in a format openler's wallet takes (ldp_vc, jwt_vc_json)"
        )
    cid, configuration = chosen[0]
    meta = configuration.get("credential_metadata")
    name = _display_name(meta.get("display") if isinstance(meta, dict) else None)
    name = name or _display_name(configuration.get("display")) or cid
    tx_code = grant.get("tx_code")
    return Offer(
        credential_issuer=issuer,
        issuer_name=_display_name(metadata.get("display")) or urlsplit(issuer).netloc,
        configuration_id=cid,
        format=str(configuration["format"]),
        credential_name=name,
        pre_authorized_code=grant["pre-authorized_code"],
        tx_code=tx_code if isinstance(tx_code, dict) else None,
        metadata=metadata,
    )


def _token_endpoint(client: ProtocolClient, offer: Offer) -> str:
    servers = offer.metadata.get("authorization_servers")
    server = servers[0] if isinstance(servers, list) and servers else offer.credential_issuer
    if not isinstance(server, str):
        raise ProtocolError("the issuer names an authorization server that is not a URL")
    for suffix in ("oauth-authorization-server", "openid-configuration"):
        answer = client.get(_well_known(server, suffix))
        if answer.status == 200:
            metadata = _answer_json(answer, "its authorization server metadata")
            if metadata.get("issuer") != server:  # RFC 8414 §3.3
                raise ProtocolError(f"the metadata found for {server} is another server's")
            found = metadata.get("token_endpoint")
            if isinstance(found, str):
                return found
    raise ProtocolError(f"{server} publishes no token endpoint")


def _person(session: Session, principal: Principal) -> Person:
    if principal.is_system or principal.token_scope is not None:
        raise Forbidden("a credential is received into the wallet of a person signed in")
    person = session.get(Person, principal.person_id)
    if person is None:
        raise Forbidden("sign in to receive a credential")
    return person


def accept(
    session: Session,
    platform: Platform,
    principal: Principal,
    text: str,
    *,
    tx_code: str | None = None,
    client: ProtocolClient | None = None,
    expected_issuer: str | None = None,
) -> ReceivedCredential:
    """Receive the credential the offer ``text`` offers into ``principal``'s wallet (from
    ``expected_issuer`` only, when given: the issuer the person agreed to)."""
    person = _person(session, principal)
    client = client or ProtocolClient(platform.settings)
    offer = preview(platform, text, client=client, expected_issuer=expected_issuer)
    if offer.tx_code is not None and not (tx_code or "").strip():
        raise UsageError(
            f"{offer.issuer_name} asks for the transaction code it gave you with this offer"
        )
    key = holder_key(session, platform, person)  # the wallet's did:key; made on first use
    form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": offer.pre_authorized_code}
    if offer.tx_code is not None and tx_code:
        form["tx_code"] = tx_code.strip()
    token = _answer_json(
        client.post_form(_token_endpoint(client, offer), form), "the pre-authorized code"
    )
    access = token.get("access_token")
    if not isinstance(access, str):
        raise ProtocolError("the issuer's token answer holds no access token")
    nonce = token.get("c_nonce")
    nonce_endpoint = offer.metadata.get("nonce_endpoint")
    if isinstance(nonce_endpoint, str):
        nonce = _answer_json(client.post_form(nonce_endpoint, {}), "a nonce").get("c_nonce")
    proof = sign_key_proof(
        key,
        audience=offer.credential_issuer,
        nonce=nonce if isinstance(nonce, str) else None,
        at=platform.now(),
    )
    endpoint = offer.metadata.get("credential_endpoint")
    if not isinstance(endpoint, str):
        raise ProtocolError("the issuer's metadata has no credential endpoint")
    answer = _answer_json(
        client.post_json(
            endpoint,
            {"credential_configuration_id": offer.configuration_id, "proofs": {"jwt": [proof]}},
            headers={"Authorization": f"Bearer {access}"},
        ),
        "the credential request",
    )
    credential = _credential_of(answer)
    return _file(session, platform, principal, person, offer, credential)


def _credential_of(answer: dict[str, Any]) -> dict[str, Any] | str:
    listed = answer.get("credentials")
    if isinstance(listed, list) and len(listed) >= 1:
        first = listed[0]
        found = first.get("credential") if isinstance(first, dict) else first
    else:
        found = answer.get("credential")
    if not isinstance(found, dict | str):
        raise ProtocolError(
            "the issuer's answer holds no credential (a deferred issuance is not supported)"
        )
    return found


def _file(
    session: Session,
    platform: Platform,
    principal: Principal,
    person: Person,
    offer: Offer,
    credential: dict[str, Any] | str,
) -> ReceivedCredential:
    report = verify_document(session, platform, credential, require_trust=False)
    if not report.verified:
        raise ProtocolError(
            f"the credential {offer.issuer_name} sent did not verify, so it was not kept: "
            + "; ".join(report.errors())
        )
    document, jwt = _document_of(credential)
    subject = document.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    if subject_id != person.did:
        raise ProtocolError(
            f"the credential {offer.issuer_name} sent is not bound to your wallet "
            f"(its subject is {subject_id!r}), so it was not kept"
        )
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    issuer_label = str((issuer.get("name") if isinstance(issuer, dict) else None) or "")
    # a name is what the credential (or the issuer's metadata) calls itself; the host the
    # wallet reached is what it is known by, so the label carries it
    host = urlsplit(offer.credential_issuer).netloc
    label = issuer_label or offer.issuer_name
    row = ReceivedCredential(
        person_id=person.id,
        issuer=str(issuer_id),
        issuer_name=(label if host in label else f"{label} ({host})")[:300],
        credential_issuer=offer.credential_issuer,
        format=offer.format,
        name=_name_of(document, offer)[:300],
        document=document,
        jwt=jwt,
        received_at=platform.now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="wallet.receive",
        subject=row.id,
        data={
            "credential_issuer": offer.credential_issuer,
            "issuer": row.issuer,
            "format": offer.format,
            "credential": document.get("id"),
        },
    )
    return row


def _document_of(credential: dict[str, Any] | str) -> tuple[dict[str, Any], str | None]:
    if isinstance(credential, dict):
        return credential, None
    parts = credential.split(".")
    try:
        encoded = parts[1] + "=" * (-len(parts[1]) % 4) if len(parts) == 3 else ""
        payload = json.loads(base64.urlsafe_b64decode(encoded)) if encoded else None
    except (ValueError, binascii.Error):
        payload = None
    if not isinstance(payload, dict):
        raise ProtocolError("the credential is neither JSON nor a JWT")
    inner = payload.get("vc", payload)
    if not isinstance(inner, dict):
        raise ProtocolError("the JWT carries no credential")
    return inner, credential


def _name_of(document: dict[str, Any], offer: Offer) -> str:
    subject = document.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    name = achievement.get("name") if isinstance(achievement, dict) else None
    return str(name or document.get("name") or offer.credential_name)


def received_of(session: Session, principal: Principal) -> list[ReceivedCredential]:
    """The credentials ``principal`` received from issuers elsewhere, newest first."""
    return list(
        session.execute(
            select(ReceivedCredential)
            .where(ReceivedCredential.person_id == principal.person_id)
            .order_by(ReceivedCredential.received_at.desc())
        ).scalars()
    )


def received(session: Session, principal: Principal, received_id: str) -> ReceivedCredential:
    """One credential ``principal`` received (theirs only)."""
    row = session.get(ReceivedCredential, received_id)
    if row is None or row.person_id != principal.person_id:
        raise NotFound("you have no such credential")
    return row


def checked(
    session: Session, platform: Platform, principal: Principal, received_id: str
) -> tuple[ReceivedCredential, VerificationReport]:
    """A credential ``principal`` received, verified as of now (its page)."""
    row = received(session, principal, received_id)
    report = verify_document(
        session, platform, row.jwt or row.document, require_trust=False, name=row.name
    )
    return row, report


def person_by_email(session: Session, email: str) -> Person:
    """The account with ``email`` (for the CLI, which acts for a person)."""
    found = session.execute(select(Person).where(Person.email == email.strip().lower())).scalar()
    if found is None:
        raise NotFound(f"no account has the email address {email}")
    if found.did is not None and found.encrypted_holder_key is None:
        raise Conflict(f"{email} holds their own wallet key: openler cannot prove it for them")
    return found
