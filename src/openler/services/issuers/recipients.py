"""Who a credential is issued to: an account, an email address or another identifier
(a licence number, a student id), whether or not the person has an account yet.

A credential names its recipient by the holder's DID when it is bound to a wallet, and
otherwise by an OB 3.0 ``IdentityObject``: the SHA-256 of the address or identifier with a
salt (``sha256$<hex>``), so that a verifier told the address can check it and nobody else
learns it from the credential.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from openler.services.errors import UsageError

#: the OB 3.0 IdentifierTypeEnum values a roster's identifier column may be (or ``ext:…``)
IDENTITY_TYPES = ("identifier", "sourcedId", "sisSourcedId", "systemId", "accountId", "userName")


def normal_email(value: str) -> str:
    """An address as openler keys it: trimmed and lower-cased; refused when it is not one."""
    email = value.strip().lower()
    local, at, domain = email.partition("@")
    if not (at and local and "." in domain and " " not in email and len(email) <= 320):
        raise UsageError(f"{value.strip()!r} is not an email address")
    return email


@dataclass(frozen=True)
class Recipient:
    """Whom one issuance names. At least an email or an identifier; a ``did`` (the
    holder's wallet) binds the credential, ``person_id`` links the account."""

    email: str | None = None
    identifier: str | None = None
    #: the OB 3.0 identityType of ``identifier``
    identifier_type: str = "identifier"
    name: str | None = None
    person_id: str | None = None
    did: str | None = None

    def __post_init__(self) -> None:
        if self.email is not None:
            object.__setattr__(self, "email", normal_email(self.email))
        if self.identifier is not None:
            object.__setattr__(self, "identifier", self.identifier.strip() or None)
        if self.email is None and self.identifier is None and self.person_id is None:
            raise UsageError("a recipient needs an email address or an identifier")

    @property
    def key(self) -> str:
        """The issuer's key for this recipient: their email when known, else the identifier
        (what "already holds" compares)."""
        if self.email:
            return f"email:{self.email}"
        if self.identifier:
            return f"identifier:{self.identifier}"
        return f"person:{self.person_id}"


def identity_hash(value: str, salt: str) -> str:
    """OB 3.0 §B.1.11: ``sha256$`` and the hex SHA-256 of the value followed by the salt."""
    return "sha256$" + hashlib.sha256((value + salt).encode()).hexdigest()


def identity_object(value: str, identity_type: str, *, salt: str | None = None) -> dict[str, Any]:
    """A hashed ``IdentityObject`` naming a recipient by ``value`` (an email address is
    hashed lower-cased, as verifiers compare it)."""
    salt = salt if salt is not None else secrets.token_hex(16)
    if identity_type == "emailAddress":
        value = value.strip().lower()
    return {
        "type": "IdentityObject",
        "hashed": True,
        "identityHash": identity_hash(value, salt),
        "identityType": identity_type,
        "salt": salt,
    }


def matches(identity: dict[str, Any], value: str) -> bool:
    """Whether a (hashed or plain) ``IdentityObject`` names ``value``: what a verifier told
    the recipient's address or identifier can check."""
    if identity.get("identityType") == "emailAddress":
        value = value.strip().lower()
    expected = identity.get("identityHash")
    if identity.get("hashed") is True:
        salt = identity.get("salt") or ""
        return isinstance(expected, str) and secrets.compare_digest(
            expected.lower(), identity_hash(value, str(salt))
        )
    return expected == value


def subject_names(recipient: Recipient) -> dict[str, Any]:
    """The ``credentialSubject`` members that name the recipient: ``id`` (the DID) when the
    credential is bound to a wallet, and an ``identifier`` list for the email and/or the
    identifier — hashed, so the credential does not disclose them."""
    names: dict[str, Any] = {}
    if recipient.did:
        names["id"] = recipient.did
    identities = []
    if recipient.email:
        identities.append(identity_object(recipient.email, "emailAddress"))
    if recipient.identifier:
        identities.append(identity_object(recipient.identifier, recipient.identifier_type))
    if identities:
        names["identifier"] = identities
    return names


@dataclass(frozen=True)
class Award:
    """One issuance of an achievement: the recipient and what this credential says of them
    beyond the achievement (a roster row, a single issue). ``row`` is its row number in a
    roster (1 for the first data row)."""

    recipient: Recipient
    row: int = 0
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    #: OB 3.0 Result objects (``resultDescription`` ids resolved by the caller)
    results: list[dict[str, Any]] = field(default_factory=list)
    evidence_url: str | None = None
    #: further ``credentialSubject`` members (``licenseNumber``, ``creditsEarned``, …)
    subject: dict[str, Any] = field(default_factory=dict)


def award_to_json(award: Award) -> dict[str, Any]:
    """An award as JSON (a roster job's stored input)."""
    r = award.recipient
    data: dict[str, Any] = {"row": award.row}
    for name, value in (
        ("email", r.email),
        ("identifier", r.identifier),
        ("name", r.name),
        ("person", r.person_id),
        ("did", r.did),
        ("evidence", award.evidence_url),
        ("validFrom", award.valid_from.isoformat() if award.valid_from else None),
        ("validUntil", award.valid_until.isoformat() if award.valid_until else None),
    ):
        if value is not None:
            data[name] = value
    if r.identifier is not None:
        data["identifierType"] = r.identifier_type
    if award.results:
        data["results"] = award.results
    if award.subject:
        data["subject"] = award.subject
    return data


def award_from_json(data: dict[str, Any]) -> Award:
    """The award :func:`award_to_json` wrote."""
    recipient = Recipient(
        email=data.get("email"),
        identifier=data.get("identifier"),
        identifier_type=data.get("identifierType", "identifier"),
        name=data.get("name"),
        person_id=data.get("person"),
        did=data.get("did"),
    )
    return Award(
        recipient,
        row=int(data.get("row", 0)),
        valid_from=datetime.fromisoformat(data["validFrom"]) if data.get("validFrom") else None,
        valid_until=datetime.fromisoformat(data["validUntil"]) if data.get("validUntil") else None,
        results=list(data.get("results", [])),
        evidence_url=data.get("evidence"),
        subject=dict(data.get("subject", {})),
    )
