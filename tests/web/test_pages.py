"""Sign-in and the home page of each role, with its own data and nobody else's."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.store.models import AuditEvent
from tests.web.conftest import csrf_of, login

ROLE_PAGES = [
    (
        "maria@demo.openler.org",
        ["Your record", "Registered Nurse", "IV Therapy", "Open your record"],
    ),
    ("olivia@demo.openler.org", ["Ohio Board of Nursing — issuing", "suspended"]),
    ("trainer@demo.openler.org", ["Piedmont Regional Hospital — issuing", "IV Therapy"]),
    ("hr@demo.openler.org", ["Verify a credential"]),
    ("renee@demo.openler.org", ["Trust registry", "Ohio Board of Nursing"]),
    ("admin@demo.openler.org", ["Organizations on this platform", "U.S. Army"]),
]


@pytest.mark.parametrize(("email", "expected"), ROLE_PAGES)
def test_each_role_signs_in_to_its_home(
    client: TestClient, email: str, expected: list[str]
) -> None:
    response = login(client, email)
    assert response.status_code == 303 and response.headers["location"] == "/home"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    home = client.get("/home")
    assert home.status_code == 200
    for text in expected:
        assert text in home.text, text


def test_learners_see_only_their_own_credentials(client: TestClient) -> None:
    login(client, "james@demo.openler.org")
    home = client.get("/home").text
    assert "Welding Technology Certificate" in home
    assert "Registered Nurse" not in home and "IV Therapy" not in home


def test_issuer_pages_show_only_their_organization(client: TestClient) -> None:
    login(client, "olivia@demo.openler.org")
    home = client.get("/home").text
    # her own organization's workspace, with what it issued ...
    assert "Ohio Board of Nursing — issuing" in home and "Registered Nurse" in home
    assert client.get("/issuer/ohio-nursing").status_code == 200
    # ... and nobody else's: not on the home page, not by URL, no verifier or registry tools
    assert "Piedmont Regional Hospital — issuing" not in home
    assert "IV Therapy" not in home
    assert 'id="verify"' not in home and "Trust registry" not in home
    assert client.get("/issuer/piedmont-hospital").status_code in (403, 404)


def test_wrong_password_and_csrf(client: TestClient) -> None:
    response = login(client, "maria@demo.openler.org", "not the password")
    assert response.status_code == 401 and "wrong email or password" in response.text
    forged = client.post(
        "/login", data={"email": "maria@demo.openler.org", "password": "x", "csrf_token": "forged"}
    )
    assert forged.status_code == 403
    assert client.get("/home", follow_redirects=False).headers["location"] == "/login"


def test_verify_page_from_the_home_page(client: TestClient, demo_platform: object) -> None:
    from openler.store.models import IssuedCredential

    with demo_platform.db.session() as s:  # type: ignore[attr-defined]
        document = next(
            c.document
            for c in s.query(IssuedCredential)
            if c.state == "active" and c.document["issuer"]["name"] == "Ohio Board of Nursing"
        )
    import json

    login(client, "hr@demo.openler.org")
    token = csrf_of(client.get("/home").text)
    result = client.post("/verify", data={"document": json.dumps(document), "csrf_token": token})
    assert result.status_code == 200
    assert "Verified: " in result.text and "issued by Ohio Board of Nursing" in result.text
    # a tampered copy is not verified (the page reports, it does not rubber-stamp)
    tampered = json.loads(json.dumps(document))
    tampered["credentialSubject"]["achievement"]["name"] = "Nurse Practitioner"
    refused = client.post("/verify", data={"document": json.dumps(tampered), "csrf_token": token})
    assert refused.status_code == 200 and "Not verified" in refused.text
    assert "proof" in refused.text and "Verified: " not in refused.text
    missing_csrf = client.post("/verify", data={"document": json.dumps(document)})
    assert missing_csrf.status_code == 403
    # the page is everyone's (tests/web/test_verify_pages.py): a learner verifies too
    client.cookies.clear()
    login(client, "maria@demo.openler.org")
    token = csrf_of(client.get("/home").text)
    read = client.post("/verify", data={"document": "{}", "csrf_token": token})
    assert read.status_code == 200 and "This is not a credential" in read.text


def test_logout_ends_the_session(client: TestClient, demo_platform: Any) -> None:
    login(client, "maria@demo.openler.org")
    token = csrf_of(client.get("/home").text)
    session_cookie = client.cookies.get("openler_session")
    assert (
        client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    client.cookies.clear()
    assert client.get("/home", follow_redirects=False).status_code == 303
    client.cookies.set("openler_session", session_cookie or "")  # the old cookie is dead too
    assert client.get("/home", follow_redirects=False).headers["location"] == "/login"
    with demo_platform.db.session() as s:
        last = s.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalars().first()
        assert last is not None and last.action == "logout"


def test_pages_carry_a_content_security_policy(client: TestClient) -> None:
    policy = client.get("/login").headers["content-security-policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert "form-action 'self'" in policy and "unsafe-inline" not in policy
    assert "unsafe-inline" in client.get("/docs").headers["content-security-policy"]
    assert "content-security-policy" not in client.get("/healthz").headers
