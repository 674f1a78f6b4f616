"""What the JSON endpoints share: cache lifetimes, the media type of a credential they
serve, the VC API verification answer, event counters."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from openler.services.errors import ServiceError
from openler.vc import VerificationReport

CACHE_DOCUMENTS = "public, max-age=300"
CACHE_STATUS = "public, max-age=60"


def verification_body(report: VerificationReport) -> dict[str, Any]:
    """The VC API VerificationResponse (checks, warnings, errors) plus openler's report."""
    return {
        "verified": report.verified,
        "checks": [c.id for c in report.checks if c.status == "passed"],
        "warnings": [f"{c.id}: {c.message}" for c in report.checks if c.status == "warning"],
        # every reason, including those of embedded credentials (a presentation that fails
        # only because a credential in it does must still say why)
        "errors": report.errors(),
        "report": report.to_json(),
    }


def json_bytes(content: Any) -> bytes:
    """``content`` encoded as ``JSONResponse`` encodes it (UTF-8, no NaN, no spaces)."""
    return json.dumps(
        content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")


def count(request: Request, event: str) -> None:
    request.app.state.metrics.events[event] += 1


#: how a served credential may be labelled, the most precise first (VC DM 2.0 §6.3:
#: ``application/vc``; §6 "Media Type Precision": clients may ask for less precise types)
CREDENTIAL_TYPES = ("application/vc", "application/ld+json", "application/json")


class NotAcceptable(ServiceError):  # noqa: N818 - HTTP vocabulary
    http_status = 406
    code = "not_acceptable"


def credential_media_type(accept: str | None) -> str:
    """The media type to serve a credential as, given the client's ``Accept`` header
    (RFC 9110 §12.5.1): the acceptable type with the highest weight, ties going to the more
    precise; ``application/vc`` when the client accepts anything.

    >>> credential_media_type("application/ld+json, application/json")
    'application/ld+json'
    >>> credential_media_type("application/json;q=0.9, application/vc;q=0.5")
    'application/json'
    >>> credential_media_type(None), credential_media_type("text/html, */*;q=0.8")
    ('application/vc', 'application/vc')
    """
    if not accept or not accept.strip():
        return CREDENTIAL_TYPES[0]
    weights: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = max(0.0, min(1.0, float(value)))
                except ValueError:
                    weight = 0.0
        media = media.lower()
        weights[media] = max(weights.get(media, 0.0), weight)

    def weight_of(media: str) -> float:
        kind = media.split("/")[0]
        for key in (media, f"{kind}/*", "*/*"):
            if key in weights:
                return weights[key]
        return 0.0

    best = max(CREDENTIAL_TYPES, key=lambda m: (weight_of(m), -CREDENTIAL_TYPES.index(m)))
    if weight_of(best) <= 0:
        raise NotAcceptable(
            "this document is served as " + ", ".join(CREDENTIAL_TYPES) + "; the Accept header "
            "allows none of them"
        )
    return best
