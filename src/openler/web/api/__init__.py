"""JSON endpoints, one module a capability. Thin: parse, call one service, render."""

from openler.web.api import (
    achievements,
    documents,
    exchanges,
    jobs,
    lifecycle,
    my_data,
    oid4vci,
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
        my_data,
        registry,
        records,
        achievements,
        lifecycle,
        exchanges,
        oid4vci,
        oid4vp,
    )
]

__all__ = ["routers"]
