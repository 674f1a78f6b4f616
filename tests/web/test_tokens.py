"""API tokens: who may create, list and revoke an organization's tokens (through the API, the
pages and the operator's command line), that a token is shown once and stored nowhere, and
that expiry, revocation and a lost role end it at once."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.services.context import Platform
from openler.services.people import tokens
from openler.settings import Settings
from openler.store import Database
from openler.store.models import ApiToken, AuditEvent
from tests.conftest import NOW
from tests.web.conftest import csrf_of
from tests.web.test_api import token_for
from tests.web.test_members import HTML, _openler, as_

PIEDMONT_STAFF = {"email": "trainer@demo.openler.org", "role": "issuer_staff", "name": "lms"}
OHIO_ADMIN = {"email": "olivia@demo.openler.org", "role": "issuer_admin", "name": "ci"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_rows(platform: Any) -> list[tuple[str, str, Any]]:
    """Every token's (id, role, revoked_at): what an access decision may change."""
    with platform.db.session() as s:
        rows = s.execute(select(ApiToken).order_by(ApiToken.id)).scalars()
        return [(r.id, r.role, r.revoked_at) for r in rows]


def can_call(client: TestClient, token: str) -> int:
    """The status of an authenticated call made with ``token`` alone."""
    client.cookies.clear()
    return client.get("/api/jobs/none", headers=bearer(token)).status_code


@pytest.mark.parametrize(
    ("who", "slug", "body", "expected"),
    [
        ("olivia", "ohio-nursing", OHIO_ADMIN, 201),
        ("olivia", "piedmont-hospital", PIEDMONT_STAFF, 403),  # another organization
        ("trainer", "piedmont-hospital", PIEDMONT_STAFF, 403),  # staff, not an administrator
        ("hr", "piedmont-hospital", PIEDMONT_STAFF, 403),
        ("renee", "ohio-nursing", OHIO_ADMIN, 403),
        ("maria", "ohio-nursing", OHIO_ADMIN, 403),
        ("admin", "piedmont-hospital", PIEDMONT_STAFF, 201),  # platform administrators may
        (None, "ohio-nursing", OHIO_ADMIN, 401),
    ],
)
def test_who_may_create_tokens(
    client: TestClient, demo_platform: Any, who: str | None, slug: str, body: Any, expected: int
) -> None:
    before = token_rows(demo_platform)
    response = as_(client, who).post(f"/api/orgs/{slug}/tokens", json=body)
    assert response.status_code == expected, response.json()
    after = token_rows(demo_platform)
    if expected != 201:
        assert after == before and "token" not in response.json()
        return
    created = response.json()
    assert len(after) == len(before) + 1 and created["role"] == body["role"]
    assert created["token"].startswith("olr_") and response.headers["cache-control"] == "no-store"
    assert can_call(client, created["token"]) == 404  # authenticated; the job does not exist


def test_a_token_cannot_make_tokens(client: TestClient, demo_platform: Any) -> None:
    token = token_for(demo_platform, "olivia@demo.openler.org", "ohio-nursing", "issuer_admin")
    before = token_rows(demo_platform)
    client.cookies.clear()
    response = client.post("/api/orgs/ohio-nursing/tokens", json=OHIO_ADMIN, headers=bearer(token))
    assert response.status_code == 403 and "cannot manage API tokens" in response.json()["message"]
    listing = client.get("/api/orgs/ohio-nursing/tokens", headers=bearer(token))
    assert listing.status_code == 403
    assert token_rows(demo_platform) == before


@pytest.mark.parametrize(
    ("who", "slug", "expected"),
    [
        ("olivia", "ohio-nursing", 200),
        ("olivia", "piedmont-hospital", 403),
        ("trainer", "piedmont-hospital", 403),
        ("maria", "piedmont-hospital", 403),
        ("admin", "piedmont-hospital", 200),
        (None, "piedmont-hospital", 401),
    ],
)
def test_who_may_list_tokens(
    client: TestClient, demo_platform: Any, who: str | None, slug: str, expected: int
) -> None:
    ohio = token_for(demo_platform, "olivia@demo.openler.org", "ohio-nursing", "issuer_admin")
    token_for(demo_platform, "trainer@demo.openler.org", "piedmont-hospital", "issuer_staff")
    response = as_(client, who).get(f"/api/orgs/{slug}/tokens")
    assert response.status_code == expected
    if expected == 200:
        listed = response.json()["tokens"]
        assert [t["organization"] for t in listed] == [slug]  # only that organization's
        assert ohio not in response.text and "olr_" not in response.text  # never a secret


@pytest.mark.parametrize(
    ("who", "expected"),
    [("olivia", 403), ("trainer", 403), ("hr", 403), ("maria", 403), ("admin", 200), (None, 401)],
)
def test_who_may_revoke_a_token(
    client: TestClient, demo_platform: Any, who: str | None, expected: int
) -> None:
    secret = token_for(
        demo_platform, "trainer@demo.openler.org", "piedmont-hospital", "issuer_staff"
    )
    (token_id, _, _), *_ = token_rows(demo_platform)
    response = as_(client, who).post(f"/api/tokens/{token_id}/revoke")
    assert response.status_code == expected
    revoked_at = token_rows(demo_platform)[0][2]
    if expected == 200:
        assert response.json()["state"] == "revoked" and revoked_at == NOW
        assert can_call(client, secret) == 401
    else:
        assert revoked_at is None and can_call(client, secret) == 404


def test_a_token_acts_with_a_role_its_person_holds(client: TestClient) -> None:
    as_(client, "olivia")
    not_held = client.post(
        "/api/orgs/ohio-nursing/tokens",
        json={"email": "maria@demo.openler.org", "role": "issuer_staff"},
    )
    assert not_held.status_code == 409 and "grant the role first" in not_held.json()["message"]
    not_grantable = client.post(
        "/api/orgs/ohio-nursing/tokens", json={**OHIO_ADMIN, "role": "verifier"}
    )
    assert not_grantable.status_code == 403
    for days in (0, -1, 100_000):
        too_long = client.post(
            "/api/orgs/ohio-nursing/tokens", json={**OHIO_ADMIN, "expiresDays": days}
        )
        assert too_long.status_code == 400 and "1 to 3650 days" in too_long.json()["message"]
    nameless = client.post("/api/orgs/ohio-nursing/tokens", json={**OHIO_ADMIN, "name": "  "})
    assert nameless.status_code == 400
    unknown = client.post(
        "/api/orgs/ohio-nursing/tokens", json={**OHIO_ADMIN, "email": "nobody@example.org"}
    )
    assert unknown.status_code == 404


def test_expiry_is_honoured(client: TestClient, demo_platform: Any) -> None:
    created = as_(client, "olivia").post(
        "/api/orgs/ohio-nursing/tokens", json={**OHIO_ADMIN, "expiresDays": 30}
    )
    secret, expires = created.json()["token"], created.json()["expires"]
    assert expires == (NOW + timedelta(days=30)).isoformat()
    demo_platform.clock = lambda: NOW + timedelta(days=30) - timedelta(seconds=1)
    assert can_call(client, secret) == 404
    demo_platform.clock = lambda: NOW + timedelta(days=30)
    refused = client.get("/api/jobs/none", headers=bearer(secret))
    assert refused.status_code == 401 and "expired" in refused.json()["message"]
    as_(client, "olivia")
    listed = client.get("/api/orgs/ohio-nursing/tokens").json()["tokens"]
    assert [t["state"] for t in listed] == ["expired"]


def test_a_token_is_never_stored_logged_or_audited(
    client: TestClient, demo_platform: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    created = as_(client, "olivia").post("/api/orgs/ohio-nursing/tokens", json=OHIO_ADMIN).json()
    secret = created["token"]
    assert can_call(client, secret) == 404
    as_(client, "olivia").post(f"/api/tokens/{created['id']}/revoke")
    assert can_call(client, secret) == 401
    assert secret not in caplog.text and secret[4:] not in caplog.text
    with demo_platform.db.session() as s:
        stored = [str(r.__dict__) for r in s.execute(select(ApiToken)).scalars()]
        events = s.execute(
            select(AuditEvent).where(AuditEvent.subject == f"token:{created['id']}")
        ).scalars()
        trail = [(e.actor, e.action, e.data) for e in events]
    assert secret[4:] not in str(stored) and secret[4:] not in str(trail)
    assert [action for _, action, _ in trail] == ["token.create", "token.revoke"]
    assert trail[0][2]["role"] == "issuer_admin" and trail[0][0].startswith("person:")


def test_the_tokens_page(client: TestClient, demo_platform: Any) -> None:
    as_(client, "olivia")
    people = client.get("/manage/ohio-nursing")
    assert 'href="/manage/ohio-nursing/tokens"' in people.text
    empty = client.get("/manage/ohio-nursing/tokens")
    assert empty.status_code == 200 and "No tokens yet" in empty.text
    assert 'value="olivia@demo.openler.org"' in empty.text  # their own role by default
    form = {"csrf_token": csrf_of(empty.text), "email": "olivia@demo.openler.org"}
    created = client.post(
        "/manage/ohio-nursing/tokens",
        data={**form, "role": "issuer_admin", "name": "Student system", "expires": "90"},
    )
    assert created.status_code == 201 and created.headers["cache-control"] == "no-store"
    assert "shown only this once" in created.text
    (secret,) = [row for row in created.text.split('"') if row.startswith("olr_")]
    assert can_call(client, secret) == 404
    as_(client, "olivia")
    again = client.get("/manage/ohio-nursing/tokens")
    assert "Student system" in again.text and secret not in again.text
    bad = client.post(
        "/manage/ohio-nursing/tokens",
        data={
            **form,
            "csrf_token": csrf_of(again.text),
            "role": "issuer_admin",
            "name": "x",
            "expires": "soon",
        },
    )
    assert bad.status_code == 400 and "whole number of days" in bad.text

    (token_id, _, _), *_ = token_rows(demo_platform)
    revoke = f"/manage/ohio-nursing/tokens/{token_id}/revoke"
    unconfirmed = client.post(revoke, data={"csrf_token": csrf_of(again.text)})
    assert unconfirmed.status_code == 400 and "tick the box" in unconfirmed.text
    assert can_call(client, secret) == 404  # still works
    csrf = csrf_of(as_(client, "olivia").get("/manage/ohio-nursing/tokens").text)
    confirmed = client.post(revoke, data={"csrf_token": csrf, "confirm": "yes"})
    assert confirmed.status_code == 200 and "The token was revoked" in confirmed.text
    assert can_call(client, secret) == 401


def test_the_tokens_page_is_for_the_organizations_administrators(
    client: TestClient, demo_platform: Any
) -> None:
    token_for(demo_platform, "trainer@demo.openler.org", "piedmont-hospital", "issuer_staff")
    (token_id, _, _), *_ = token_rows(demo_platform)
    for who in ("trainer", "hr", "maria", "olivia"):
        assert (
            as_(client, who).get("/manage/piedmont-hospital/tokens", headers=HTML).status_code
            == 403
        )
    page = as_(client, "olivia").get("/manage/ohio-nursing/tokens")
    # another organization's token through this organization's page: not found, unchanged
    crossed = client.post(
        f"/manage/ohio-nursing/tokens/{token_id}/revoke",
        data={"csrf_token": csrf_of(page.text), "confirm": "yes"},
    )
    assert crossed.status_code == 404 and token_rows(demo_platform)[0][2] is None
    admin = as_(client, "admin").get("/manage/piedmont-hospital/tokens")
    assert admin.status_code == 200 and "lms" not in admin.text and "test" in admin.text


def test_the_operator_manages_tokens_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    env = {"OPENLER_DATABASE_URL": url, "OPENLER_DATA_DIR": str(tmp_path / "var")}
    assert _openler(env, "db", "upgrade").returncode == 0
    assert (
        _openler(
            env,
            "orgs",
            "add",
            "--slug",
            "acme",
            "--name",
            "Acme",
            "--kind",
            "issuer",
            "--did-method",
            "key",
        ).returncode
        == 0
    )
    assert (
        _openler(
            env, "people", "add", "--email", "a@acme.org", "--name", "A", "--no-password"
        ).returncode
        == 0
    )
    create = (
        "tokens",
        "create",
        "--email",
        "a@acme.org",
        "--org",
        "acme",
        "--role",
        "issuer_admin",
    )
    refused = _openler(env, *create)
    assert refused.returncode == 2 and "grant the role first" in refused.stderr
    assert refused.stdout == ""
    assert (
        _openler(
            env,
            "people",
            "grant",
            "--email",
            "a@acme.org",
            "--org",
            "acme",
            "--role",
            "issuer_admin",
        ).returncode
        == 0
    )
    made = _openler(env, *create, "--name", "suites", "--expires-days", "1")
    assert made.returncode == 0, made.stderr
    secret = made.stdout.removesuffix("\n")
    assert secret.startswith("olr_") and "\n" not in secret  # only the token

    platform = Platform(Settings(database_url=url, data_dir=tmp_path / "var"), Database(url))
    with platform.db.session() as s:
        acting = tokens.resolve(s, platform, secret)
    assert acting is not None and acting.token_scope is not None
    assert acting.token_scope[1] == "issuer_admin"

    listed = _openler(env, "tokens", "list", "--org", "acme")
    assert listed.returncode == 0 and secret[4:] not in listed.stdout
    assert "a@acme.org  issuer_admin  active" in listed.stdout and "suites" in listed.stdout
    token_id = listed.stdout.split()[0]
    assert _openler(env, "tokens", "revoke", token_id).returncode == 0
    twice = _openler(env, "tokens", "revoke", token_id)
    assert twice.returncode == 2 and "already revoked" in twice.stderr
    assert "revoked" in _openler(env, "tokens", "list").stdout
    with platform.db.session() as s:
        assert tokens.resolve(s, platform, secret) is None
    platform.db.dispose()
    assert "chain and keyed digests intact" in _openler(env, "audit", "verify").stdout
