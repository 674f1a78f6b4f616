"""JSON endpoints, one module a capability. Thin: parse, call one service, render."""

from openler.web.api import (
    achievements,
    documents,
    jobs,
    lifecycle,
    oid4vp,
    platform,
    records,
    registry,
    requests,
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
        oid4vp,
    )
]

__all__ = ["routers"]
