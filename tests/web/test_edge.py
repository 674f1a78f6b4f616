"""The network edge through the test client: request body limits counted on what arrives,
security and caching headers, and capability URLs kept out of the access log."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from openler.store.models import AuditEvent
from openler.web import create_app
from openler.web.edge import RedactCapabilities, redact
from tests.web.conftest import csrf_of, login
from tests.web.test_api import maria_credential
from tests.web.test_sharing import path_of, share

LIMIT = 1_000_000  # the default OPENLER_MAX_REQUEST_BYTES


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """A body without Content-Length: httpx sends a generator chunked."""
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b" " * piece


def audit_count(platform: Any) -> int:
    with platform.db.session() as s:
        return int(s.execute(select(func.count()).select_from(AuditEvent)).scalar_one())


# --- body limit ------------------------------------------------------------------------


def test_a_chunked_body_over_the_limit_is_refused_with_json(client: TestClient) -> None:
    response = client.post(
        "/credentials/verify",
        content=chunks(3 * LIMIT),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "1 MB at most" in response.json()["message"]
    assert response.headers["connection"] == "close"


def test_a_chunked_body_under_the_limit_is_read(client: TestClient, demo_platform: Any) -> None:
    body = json.dumps({"verifiableCredential": maria_credential(demo_platform)}).encode()
    response = client.post(
        "/credentials/verify",
        content=(body[i : i + 1000] for i in range(0, len(body), 1000)),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["verified"] is True


def test_a_declared_length_over_the_limit_is_refused_before_reading(client: TestClient) -> None:
    response = client.post(
        "/credentials/verify",
        content=b"{" + b" " * (LIMIT + 10) + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413 and response.json()["code"] == "too_large"


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/login", "application/x-www-form-urlencoded"),  # a form, parsed by Starlette
        ("/presentations/verify", "application/json"),  # a JSON model, parsed by FastAPI
        ("/api/requests/abc/answer", "application/json"),  # unauthenticated, capability URL
        ("/verify", "multipart/form-data; boundary=x"),  # an upload
    ],
)
def test_every_kind_of_body_is_limited(client: TestClient, path: str, content_type: str) -> None:
    """The limit sits under every route: whichever parser reads the body is refused."""
    response = client.post(path, content=chunks(2 * LIMIT), headers={"content-type": content_type})
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "too_large"


def test_roster_uploads_may_be_larger_for_people_signed_in(client: TestClient) -> None:
    """A roster of tens of thousands of rows is over the usual limit: its upload routes take
    up to OPENLER_MAX_UPLOAD_BYTES from someone signed in, and nothing else does."""
    multipart = {"content-type": "multipart/form-data; boundary=x"}
    for path in ("/verifier/piedmont-hospital/rosters", "/issuer/ohio-nursing/rosters"):
        stranger = client.post(path, content=chunks(2 * LIMIT), headers=multipart)
        assert stranger.status_code == 413, path  # no session: the usual limit
    login(client, "hr@demo.openler.org")
    signed = client.post(
        "/verifier/piedmont-hospital/rosters", content=chunks(2 * LIMIT), headers=multipart
    )
    assert signed.status_code not in (413, 500), signed.text  # read, then refused as a form
    elsewhere = client.post("/record/import", content=chunks(2 * LIMIT), headers=multipart)
    assert elsewhere.status_code == 413  # other routes keep the usual limit
    huge = client.post(
        "/verifier/piedmont-hospital/rosters",
        content=b"x" * 51_000_000,
        headers=multipart,
    )
    assert huge.status_code == 413 and "50 MB at most" in huge.json()["message"]


def test_a_browser_gets_a_page_with_a_way_on(client: TestClient, demo_platform: Any) -> None:
    """A form post from a signed-in person: an HTML 413 page, and nothing was issued."""
    login(client, "olivia@demo.openler.org")
    page = client.get("/issuer/ohio-nursing/batch", headers={"accept": "text/html"})
    assert page.status_code == 200
    before = audit_count(demo_platform)
    response = client.post(
        "/issuer/ohio-nursing/batch",
        content=chunks(2 * LIMIT),
        headers={
            "accept": "text/html,application/xhtml+xml",
            "content-type": "application/x-www-form-urlencoded",
        },
        follow_redirects=False,
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Too large to accept</h1>" in response.text
    assert 'href="/"' in response.text  # the way on
    assert audit_count(demo_platform) == before  # nothing happened
    assert csrf_of(page.text)  # the form page itself still works


# --- caching and transport headers --------------------------------------------------------


def test_what_depends_on_the_principal_is_never_stored(
    client: TestClient, demo_platform: Any
) -> None:
    """Attack 2.10: Back after sign-out showed a licence from the browser's cache. RFC 9111
    §5.2.2.5: "The no-store response directive indicates that a cache MUST NOT store any part
    of either the immediate request or the response and MUST NOT use the response to satisfy
    any other request." """
    created = share(client, demo_platform)
    login(client, "maria@demo.openler.org")
    signed_in = {
        "/home": client.get("/home"),
        "/api/me/credentials": client.get("/api/me/credentials"),
        "/shares": client.get("/shares"),
    }
    for path, response in signed_in.items():
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path
    client.cookies.clear()
    shared = client.get(path_of(created["link"]))  # capability content, no principal
    assert shared.status_code == 200 and "Registered Nurse" in shared.text
    assert shared.headers["cache-control"] == "no-store"
    assert client.get("/login").headers["cache-control"] == "no-store"
    assert client.get("/nowhere").headers["cache-control"] == "no-store"


def test_public_documents_keep_their_own_caching(client: TestClient) -> None:
    did = client.get("/orgs/ohio-nursing/did.json")
    assert did.status_code == 200 and did.headers["cache-control"].startswith("public")
    css = client.get("/static/openler.css")
    assert css.status_code == 200 and "cache-control" not in css.headers  # ETag revalidation


def test_hsts_only_when_the_site_is_served_over_https(demo_platform: Any) -> None:
    """RFC 6797 §7.2: "An HSTS Host MUST NOT include the STS header field in HTTP responses
    conveyed over non-secure transport." openler sends it when its public URL is https://
    and the request came over HTTPS (at openler, or at a trusted proxy: see test_live_edge)."""
    http_site = create_app(demo_platform.settings, platform=demo_platform)
    for base in ("http://127.0.0.1:8000", "https://127.0.0.1:8000"):
        answer = TestClient(http_site, base_url=base).get("/login")
        assert "strict-transport-security" not in answer.headers, base
    https = demo_platform.settings.model_copy(update={"public_url": "https://ler.example"})
    https_site = create_app(https, platform=demo_platform)
    secure = TestClient(https_site, base_url="https://ler.example")
    for path in ("/login", "/healthz", "/orgs/ohio-nursing/did.json", "/nowhere"):
        assert secure.get(path).headers["strict-transport-security"] == "max-age=31536000", path
    plain = TestClient(https_site, base_url="http://ler.example")  # straight to the app port
    assert "strict-transport-security" not in plain.get("/login").headers
    off = create_app(https.model_copy(update={"hsts_seconds": 0}), platform=demo_platform)
    answer = TestClient(off, base_url="https://ler.example").get("/login")
    assert "strict-transport-security" not in answer.headers


# --- logs ----------------------------------------------------------------------------------


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/s/q3Jx9vTOKEN", "/s/[redacted]"),
        ("/s/q3Jx9vTOKEN?utm=x", "/s/[redacted]?utm=x"),
        ("/requests/CHALLENGE", "/requests/[redacted]"),
        ("/api/requests/CHALLENGE/answer", "/api/requests/[redacted]/answer"),
        ("/prefix/s/q3Jx9vTOKEN", "/prefix/s/[redacted]"),
        (
            "/login/oidc/callback?state=S&code=C",
            "/login/oidc/callback?state=%5Bredacted%5D&code=%5Bredacted%5D",
        ),
        ("/home", "/home"),
        ("/status/abc?x=1", "/status/abc?x=1"),
        ("/shares/42/withdraw", "/shares/42/withdraw"),
    ],
)
def test_redaction_of_paths(path: str, logged: str) -> None:
    assert redact(path) == logged


def test_the_app_redacts_uvicorns_access_records(demo_platform: Any) -> None:
    """``create_app`` installs the filter on uvicorn's access logger (for servers started by
    other means than ``openler serve``); a record logged the way uvicorn logs loses its token."""
    create_app(demo_platform.settings, platform=demo_platform)
    access = logging.getLogger("uvicorn.access")
    assert sum(isinstance(f, RedactCapabilities) for f in access.filters) == 1
    create_app(demo_platform.settings, platform=demo_platform)  # installed once only
    assert sum(isinstance(f, RedactCapabilities) for f in access.filters) == 1
    handler = Capture()
    access.addHandler(handler)
    level = access.level
    access.setLevel(logging.INFO)
    try:
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/s/TOKEN123", "1.1", 200)
    finally:
        access.removeHandler(handler)
        access.setLevel(level)
    assert [r.getMessage() for r in handler.records] == [
        '127.0.0.1:5000 - "GET /s/[redacted] HTTP/1.1" 200'
    ]
