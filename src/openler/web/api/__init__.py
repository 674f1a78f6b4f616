"""JSON endpoints, one module a capability. Thin: parse, call one service, render."""

from openler.web.api import (
    achievements,
    documents,
    exchanges,
    jobs,
    lifecycle,
    oid4vci,
    oid4vp,
    platform,
    records,
    registry,
    requests,
    self_reported,
    tokens,
    vcapi,
    wallet,
)

routers = [
    m.router
    for m in (
        vcapi,
        documents,
        platform,
        tokens,
        jobs,
        requests,
        wallet,
        registry,
        records,
        achievements,
        lifecycle,
        exchanges,
        oid4vci,
        oid4vp,
        self_reported,
    )
]

__all__ = ["routers"]
