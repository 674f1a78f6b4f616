"""JSON endpoints, one module a capability. Thin: parse, call one service, render."""

from openler.web.api import (
    achievements,
    documents,
    exchanges,
    imports,
    jobs,
    lifecycle,
    my_data,
    oid4vci,
    oid4vp,
    platform,
    records,
    registry,
    requests,
    self_reported,
    skills,
    suggestions,
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
        suggestions,
        my_data,
        registry,
        records,
        achievements,
        lifecycle,
        exchanges,
        oid4vci,
        oid4vp,
        imports,
        self_reported,
    )
]

__all__ = ["routers"]
