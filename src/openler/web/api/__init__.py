"""JSON endpoints, one module a capability. Thin: parse, call one service, render."""

from openler.web.api import (
    achievements,
    documents,
    exchanges,
    jobs,
    lifecycle,
    oid4vci,
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
        exchanges,
        oid4vci,
    )
]

__all__ = ["routers"]
