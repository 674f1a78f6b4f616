"""What the JSON endpoints share: cache lifetimes, the VC API verification answer,
event counters."""

from __future__ import annotations

from typing import Any

from fastapi import Request

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


def count(request: Request, event: str) -> None:
    request.app.state.metrics.events[event] += 1
