"""JSON endpoints, one module a capability. Thin: parse, call one service, render."""

from openler.web.api import (
    documents,
    jobs,
    lifecycle,
    platform,
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
        lifecycle,
        requests,
        wallet,
        registry,
    )
]

__all__ = ["routers"]
