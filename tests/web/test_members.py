"""Accounts and roles: who may create accounts and grant or remove which roles, through the
API, the pages and the operator's command line; a removed role stops working at once."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.store.models import AuditEvent, Person
from tests.web.conftest import changes, csrf_of, login, recorded_state
from tests.web.test_api import token_for

HTML = {"Accept": "text/html"}


def as_(client: TestClient, who: str | None) -> TestClient:
    client.cookies.clear()
    if who is not None:
        login(client, f"{who}@demo.openler.org")
    return client


def person_id(platform: Any, email: str) -> str:
    with platform.db.session() as s:
        return str(s.execute(select(Person.id).where(Person.email == email)).scalar_one())


@pytest.mark.parametrize(
    ("who", "expected"),
    [(None, 401), ("maria", 403), ("olivia", 403), ("renee", 403), ("admin", 201)],
)
def test_creating_accounts_is_for_platform_admins(
    client: TestClient, demo_platform: Any, who: str | None, expected: int
) -> None:
    body = {"name": "Ana Diaz", "email": "ana@example.org", "password": "a long passphrase"}
    as_(client, who)
    before = recorded_state(demo_platform)
    assert client.post("/api/people", json=body).status_code == expected
    after = recorded_state(demo_platform)
    if expected == 201:
        assert after["people"] == before["people"] + 1
        assert login(as_(client, None), "ana@example.org", "a long passphrase").status_code == 303
    else:
        assert after == before, changes(before, after)


def test_account_input_is_checked(client: TestClient) -> None:
    as_(client, "admin")
    duplicate = client.post("/api/people", json={"name": "M", "email": "MARIA@demo.openler.org"})
    assert duplicate.status_code == 409
    short = client.post("/api/people", json={"name": "A", "email": "a@x.org", "password": "short"})
    assert short.status_code == 400 and "12 characters" in short.json()["message"]
    assert client.post("/api/people", json={"name": "A", "email": "nope"}).status_code == 400


@pytest.mark.parametrize(
    ("who", "slug", "role", "expected"),
    [
        ("olivia", "ohio-nursing", "issuer_staff", 201),
        ("olivia", "ohio-nursing", "issuer_admin", 201),
        ("olivia", "ohio-nursing", "verifier", 403),
        ("olivia", "piedmont-hospital", "issuer_staff", 403),
        ("trainer", "piedmont-hospital", "issuer_staff", 403),
        ("hr", "piedmont-hospital", "verifier", 403),
        ("maria", "ohio-nursing", "issuer_staff", 403),
        ("renee", "nc-ler", "verifier", 201),
        ("renee", "nc-ler", "registry_admin", 201),
        ("renee", "ohio-nursing", "issuer_staff", 403),
        ("admin", "piedmont-hospital", "verifier", 201),
        ("admin", "ohio-nursing", "registry_admin", 400),
        ("admin", "ohio-nursing", "owner", 400),
        (None, "ohio-nursing", "issuer_staff", 401),
    ],
)
def test_grant_matrix(
    client: TestClient, demo_platform: Any, who: str | None, slug: str, role: str, expected: int
) -> None:
    as_(client, who)
    before = recorded_state(demo_platform)
    response = client.post(
        f"/api/orgs/{slug}/members", json={"email": "james@demo.openler.org", "role": role}
    )
    assert response.status_code == expected, response.json()
    after = recorded_state(demo_platform)
    if expected == 201:
        assert after["members"] == before["members"] + 1
        assert after["audited"].count("member.add") == before["audited"].count("member.add") + 1
    else:
        assert after == before, changes(before, after)


@pytest.mark.parametrize(
    ("who", "expected"), [("olivia", 200), ("trainer", 403), ("maria", 403), ("admin", 200)]
)
def test_member_list_matrix(client: TestClient, who: str, expected: int) -> None:
    assert as_(client, who).get("/api/orgs/ohio-nursing/members").status_code == expected


def test_a_granted_role_works_and_a_removed_one_stops_at_once(
    client: TestClient, demo_platform: Any
) -> None:
    james = person_id(demo_platform, "james@demo.openler.org")
    as_(client, "olivia").post(
        "/api/orgs/ohio-nursing/members",
        json={"email": "james@demo.openler.org", "role": "issuer_staff"},
    )
    listed = client.get("/api/orgs/ohio-nursing/members").json()["members"]
    assert {"James Carter": ["issuer_staff"]}.items() <= {
        m["name"]: m["roles"] for m in listed
    }.items()
    token = token_for(demo_platform, "james@demo.openler.org", "ohio-nursing", "issuer_staff")
    as_(client, "james")
    assert client.get("/issuer/ohio-nursing", headers=HTML).status_code == 200

    as_(client, "olivia").post(
        "/api/orgs/ohio-nursing/members/remove", json={"personId": james, "role": "issuer_staff"}
    )
    as_(client, "james")
    assert client.get("/issuer/ohio-nursing", headers=HTML).status_code == 403
    client.cookies.clear()
    bearer = client.get(
        "/api/orgs/ohio-nursing/members", headers={"Authorization": f"Bearer {token}"}
    )
    assert bearer.status_code == 401  # the token went with the role
    with demo_platform.db.session() as s:
        actions = [
            e.action
            for e in s.execute(
                select(AuditEvent).where(AuditEvent.subject == f"person:{james}")
            ).scalars()
        ]
    changes = [a for a in actions if a.startswith("member.")]
    assert changes[-2:] == ["member.add", "member.remove"]


def test_the_last_administrator_stays(client: TestClient, demo_platform: Any) -> None:
    olivia = person_id(demo_platform, "olivia@demo.openler.org")
    body = {"personId": olivia, "role": "issuer_admin"}
    refused = as_(client, "olivia").post("/api/orgs/ohio-nursing/members/remove", json=body)
    assert refused.status_code == 409 and "last issuer_admin" in refused.json()["message"]
    assert (
        as_(client, "admin").post("/api/orgs/ohio-nursing/members/remove", json=body).status_code
        == 200
    )


def test_the_people_page(client: TestClient, demo_platform: Any) -> None:
    as_(client, "olivia")
    assert 'href="/manage/ohio-nursing"' in client.get("/home").text
    page = client.get("/manage/ohio-nursing")
    assert page.status_code == 200 and "Olivia Chen" in page.text
    assert '<option value="issuer_staff"' in page.text and 'value="verifier"' not in page.text
    token = csrf_of(page.text)
    unknown = client.post(
        "/manage/ohio-nursing/grant",
        data={"csrf_token": token, "email": "nobody@example.org", "role": "issuer_staff"},
    )
    assert unknown.status_code == 404 and "create the account first" in unknown.text
    assert 'value="nobody@example.org"' in unknown.text
    granted = client.post(
        "/manage/ohio-nursing/grant",
        data={"csrf_token": token, "email": "dana@demo.openler.org", "role": "issuer_staff"},
    )
    assert granted.status_code == 200 and "The role was granted" in granted.text
    assert "Dana Brooks" in granted.text
    dana = person_id(demo_platform, "dana@demo.openler.org")
    asked = client.post(
        "/manage/ohio-nursing/remove",
        data={"csrf_token": token, "person": dana, "role": "issuer_staff"},
    )
    assert "Remove the issuer staff role from Dana Brooks?" in asked.text
    assert "Dana Brooks" in client.get("/manage/ohio-nursing").text  # not yet removed
    removed = client.post(
        "/manage/ohio-nursing/remove",
        data={"csrf_token": token, "person": dana, "role": "issuer_staff", "confirm": "yes"},
    )
    assert "The role was removed" in removed.text and "Dana Brooks" not in removed.text
    for who in ("trainer", "maria"):
        assert as_(client, who).get("/manage/ohio-nursing", headers=HTML).status_code == 403


def _openler(env: dict[str, str], *args: str, stdin: str | None = None) -> Any:
    return subprocess.run(
        [sys.executable, "-c", "from openler.cli import main; main()", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


def test_an_operator_sets_up_a_deployment_from_the_command_line(tmp_path: Path) -> None:
    env = {
        "OPENLER_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        "OPENLER_DATA_DIR": str(tmp_path / "var"),
        "OPENLER_PASSWORD_HASH_MEMORY_KIB": "1024",
        "OPENLER_PASSWORD_HASH_TIME_COST": "1",
    }
    early = _openler(env, "people", "add", "--email", "a@x.org", "--name", "A", "--no-password")
    assert early.returncode == 2 and "openler db upgrade" in early.stderr
    unmigrated = _openler(env, "audit", "verify")
    assert unmigrated.returncode == 2 and "openler db upgrade" in unmigrated.stderr
    assert _openler(env, "db", "upgrade").returncode == 0
    admin = _openler(
        env,
        "people",
        "add",
        "--email",
        "Admin@State.gov",
        "--name",
        "State Admin",
        "--platform-admin",
        "--password-stdin",
        stdin="correct horse battery\n",
    )
    assert (
        admin.returncode == 0 and "created admin@state.gov (platform administrator)" in admin.stdout
    )
    org = _openler(
        env,
        "orgs",
        "add",
        "--slug",
        "nc-ler",
        "--name",
        "NC LER Office",
        "--kind",
        "registry_authority",
        "--jurisdiction",
        "US-NC",
    )
    assert org.returncode == 0 and "did:web:127.0.0.1%3A8000:orgs:nc-ler" in org.stdout
    assert (
        _openler(
            env, "people", "add", "--email", "r@state.gov", "--name", "R", "--no-password"
        ).returncode
        == 0
    )
    granted = _openler(
        env,
        "people",
        "grant",
        "--email",
        "r@state.gov",
        "--org",
        "nc-ler",
        "--role",
        "registry_admin",
    )
    assert granted.returncode == 0
    again = _openler(
        env,
        "people",
        "grant",
        "--email",
        "r@state.gov",
        "--org",
        "nc-ler",
        "--role",
        "registry_admin",
    )
    assert again.returncode == 2 and "already has the registry_admin role" in again.stderr
    wrong = _openler(
        env, "people", "grant", "--email", "r@state.gov", "--org", "nc-ler", "--role", "owner"
    )
    assert wrong.returncode == 2 and "role must be one of" in wrong.stderr
    with sqlite3.connect(tmp_path / "x.db") as db:
        actors = dict(db.execute("SELECT action, actor FROM audit_events").fetchall())
    assert actors["organization.create"].startswith("system:cli:")  # the operator, by name
    assert actors["member.add"] == actors["person.create"] == actors["organization.create"]
    assert "chain and keyed digests intact" in _openler(env, "audit", "verify").stdout
    checkpoint = _openler(env, "audit", "checkpoint")
    assert checkpoint.returncode == 0, checkpoint.stderr
    line = json.loads(checkpoint.stdout)  # the line to keep elsewhere
    assert line["kind"] == "openler-audit-checkpoint-1" and line["signer"].startswith("did:key:")
    assert (tmp_path / "var" / "audit-checkpoints.jsonl").read_text() == checkpoint.stdout
    with sqlite3.connect(tmp_path / "x.db") as db:  # someone with the database, not the key
        db.execute("DELETE FROM audit_events WHERE seq > 3")
    broken = _openler(env, "audit", "verify")
    assert broken.returncode == 1
    assert broken.stdout.startswith("BROKEN: the trail ends at event 3, but the checkpoint of")
    assert f"recorded {line['events']} events: events 4–{line['events']} were deleted" in (
        broken.stdout
    )
    refused = _openler(env, "audit", "checkpoint")
    assert refused.returncode == 2 and "no checkpoint was written" in refused.stderr
