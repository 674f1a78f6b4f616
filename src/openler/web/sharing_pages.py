"""A learner's own sharing and data pages: one share with who opened it and when
(``/shares/{id}``), and their data to take away (``/record/my-data``: everything openler
holds about them as JSON, and the access log of their shares as CSV or JSON). The owner
only; the services decide, these render."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from openler.services.errors import UsageError
from openler.services.holders import my_data, sharing
from openler.web.deps import CommitRoute, PlatformDep, SessionDep, Visitor
from openler.web.render import download, page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)


def share_log_file(lines: list[dict[str, object]], kind: str) -> Response:
    """The access log of a person's shares as ``csv`` or ``json``."""
    if kind == "csv":
        return download(my_data.share_log_csv(lines), "text/csv; charset=utf-8", "share-log.csv")
    if kind == "json":
        body = json.dumps({"views": lines}, indent=2, ensure_ascii=False)
        return download(body, "application/json", "share-log.json")
    raise UsageError("the share log comes as csv or json")


@router.get("/shares/{share_id}", response_class=HTMLResponse)
def share_page(
    share_id: str, request: Request, session: SessionDep, platform: PlatformDep, principal: Visitor
) -> Response:
    summary = sharing.share_of(session, platform, principal, share_id)
    return page(request, "share_detail.html", principal=principal, s=summary)


@router.get("/record/my-data", response_class=HTMLResponse)
def my_data_page(request: Request, principal: Visitor) -> Response:
    return page(request, "my_data.html", principal=principal)


@router.get("/record/my-data/everything.json")
def everything(session: SessionDep, platform: PlatformDep, principal: Visitor) -> Response:
    document = my_data.everything(session, platform, principal)
    body = json.dumps(document, indent=2, ensure_ascii=False)
    return download(body, "application/json", "openler-my-data.json")


@router.get("/record/my-data/share-log")
def share_log(
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    kind: Annotated[str, Query(alias="format", max_length=10)] = "csv",
) -> Response:
    if kind not in ("csv", "json"):
        raise UsageError("the share log comes as csv or json")
    return share_log_file(my_data.share_log(session, platform, principal), kind)
