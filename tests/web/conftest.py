"""A web app over the demo world, on each database backend."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openler.services import demo
from openler.web import create_app


@pytest.fixture
def demo_platform(platform: Any) -> Any:
    with platform.db.session() as session:
        demo.load(session, platform)
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
