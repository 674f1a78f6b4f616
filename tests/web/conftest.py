"""A web app over the demo world, on each database backend."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openler.services import demo
from openler.web import create_app
from tests.conftest import load_demo


@pytest.fixture
def demo_platform(platform: Any) -> Any:
    with platform.db.session() as session:
        load_demo(session, platform)
    return platform


@pytest.fixture
def client(demo_platform: Any) -> TestClient:
    app = create_app(demo_platform.settings, platform=demo_platform)
    return TestClient(app, base_url="http://127.0.0.1:8000", raise_server_exceptions=False)


def login(client: TestClient, email: str, password: str = demo.DEMO_PASSWORD) -> Any:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def recorded_state(platform: Any) -> dict[str, Any]:
    """What an access decision could change, for matrices: denied requests must leave all of
    it as it was, allowed ones change what they say they do. Sessions and the publication
    token are left out (signing in changes them)."""
    from sqlalchemy import func, select

    from openler.store import models as m

    with platform.db.session() as s:
        counted = [
            m.Organization,
            m.Person,
            m.Member,
            m.IssuerKey,
            m.Achievement,
            m.IssuedCredential,
            m.TrustEntryRow,
            m.RecognitionRow,
            m.Share,
            m.Consent,
            m.PresentationRequest,
            m.ApiToken,
        ]
        state: dict[str, Any] = {
            table.__tablename__: s.scalar(select(func.count()).select_from(table))
            for table in counted
        }
        state["credential states"] = sorted(
            (row.id, row.state) for row in s.scalars(select(m.IssuedCredential))
        )
        state["key states"] = sorted((row.id, row.state) for row in s.scalars(select(m.IssuerKey)))
        state["trust entries"] = sorted(
            (row.issuer, str(row.data)) for row in s.scalars(select(m.TrustEntryRow))
        )
        state["audited"] = sorted(
            row.action
            for row in s.scalars(select(m.AuditEvent))
            if not row.action.startswith(("login", "logout", "session"))
        )
        return state


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The entries of ``recorded_state`` that differ (for readable assertion messages)."""
    return {key: (before[key], after[key]) for key in before if before[key] != after[key]}
