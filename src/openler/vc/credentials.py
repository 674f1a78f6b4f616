"""Safe recipes: sign a credential as its issuer, build and sign a presentation as holder."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from openler.vc.dataintegrity import Cryptosuite, add_proof
from openler.vc.jsonld import DocumentLoader
from openler.vc.keys import Multikey
from openler.vc.models import VC_V2

_PROFILE_TYPES = (
    "AchievementCredential",
    "OpenBadgeCredential",
    "ClrCredential",
    "EndorsementCredential",
)


def sign_credential(
    credential: Mapping[str, Any],
    key: Multikey,
    *,
    cryptosuite: Cryptosuite = "eddsa-rdfc-2022",
    created: datetime | None = None,
    loader: DocumentLoader | None = None,
) -> dict[str, Any]:
    """Add an ``assertionMethod`` proof by ``key``; set the issuer from the key if missing.

    Open Badges and CLR credentials get an issuer ``Profile`` object, other credentials the
    controller's URL; an issuer object without an ``id`` gets the controller as its id.
    Nothing else in the credential changes.
    """
    document = copy.deepcopy(dict(credential))
    issuer = document.get("issuer")
    if isinstance(issuer, dict) and "id" not in issuer:
        document["issuer"] = {"id": key.controller, **issuer}
    elif "issuer" not in document:
        types = document.get("type", [])
        types = [types] if isinstance(types, str) else types
        if any(t in _PROFILE_TYPES for t in types):
            document["issuer"] = {"id": key.controller, "type": ["Profile"]}
        else:
            document["issuer"] = key.controller
    return add_proof(document, key, cryptosuite=cryptosuite, created=created, loader=loader)


def build_presentation(
    credentials: Sequence[Mapping[str, Any] | str],
    *,
    holder: str,
    presentation_id: str | None = None,
) -> dict[str, Any]:
    """An unsigned VC 2.0 presentation of ``credentials`` (JSON objects or compact JWTs)."""
    embedded: list[Any] = []
    for credential in credentials:
        if isinstance(credential, str):
            embedded.append(
                {
                    "@context": VC_V2,
                    "type": "EnvelopedVerifiableCredential",
                    "id": f"data:application/vc+jwt,{credential}",
                }
            )
        else:
            embedded.append(dict(credential))
    presentation: dict[str, Any] = {"@context": [VC_V2], "type": ["VerifiablePresentation"]}
    if presentation_id:
        presentation["id"] = presentation_id
    presentation["holder"] = holder
    presentation["verifiableCredential"] = embedded
    return presentation


def sign_presentation(
    presentation: Mapping[str, Any],
    key: Multikey,
    *,
    challenge: str | None,
    domain: str | None = None,
    created: datetime | None = None,
    expires: datetime | None = None,
    cryptosuite: Cryptosuite = "eddsa-rdfc-2022",
    loader: DocumentLoader | None = None,
) -> dict[str, Any]:
    """Add an ``authentication`` proof by the holder's key, bound to challenge and domain."""
    return add_proof(
        presentation,
        key,
        cryptosuite=cryptosuite,
        purpose="authentication",
        created=created,
        expires=expires,
        challenge=challenge,
        domain=domain,
        loader=loader,
    )
