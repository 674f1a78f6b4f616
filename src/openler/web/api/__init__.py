"""JSON endpoints, one module a capability. Thin: parse, call one service, render."""

from openler.web.api import (
    achievements,
    documents,
    exchanges,
    imports,
    jobs,
    lifecycle,
    oid4vci,
    oid4vp,
    platform,
    records,
    registry,
    requests,
    skills,
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
        skills,
        registry,
        records,
        achievements,
        lifecycle,
        exchanges,
        oid4vci,
        oid4vp,
        imports,
    )
]

__all__ = ["routers"]
