"""A person's own data: the JSON of everything openler holds about them and the access log
of their shares, for them alone — never a password hash, a sealed key or a share link."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.services.issuers import issuing
from openler.store.models import AuditEvent, Person
from tests.web.conftest import login
from tests.web.test_api import token_for

MARIA = "maria@demo.openler.org"


def maria_shares(client: TestClient, platform: Any) -> dict[str, Any]:
    """Maria shares her licence; a verifier of the hospital opens it signed in, then someone
    not signed in; the client is left signed out."""
    with platform.db.session() as s:
        maria = s.execute(select(Person).where(Person.email == MARIA)).scalar_one()
        licence = next(
            r.id
            for r in issuing.credentials_of(s, maria.id)
            if r.document["name"] == "Registered Nurse"
        )
    login(client, MARIA)
    created = client.post(
        "/api/me/shares",
        json={
            "credentials": [licence],
            "audience": "Piedmont Regional Hospital",
            "purpose": "RN position",
            "maxViews": 5,
        },
    )
    assert created.status_code == 201, created.text
    client.cookies.clear()
    path = "/s/" + created.json()["link"].rsplit("/s/", 1)[1]
    login(client, "hr@demo.openler.org")
    assert client.get(path).status_code == 200
    client.cookies.clear()
    assert client.get(path).status_code == 200
    shared: dict[str, Any] = created.json()
    shared["token"] = path.rsplit("/", 1)[1]
    return shared


def test_the_owner_gets_everything(client: TestClient, demo_platform: Any) -> None:
    shared = maria_shares(client, demo_platform)
    login(client, MARIA)
    answer = client.get("/api/me/data")
    assert answer.status_code == 200
    data = answer.json()
    assert data["person"]["email"] == MARIA and data["person"]["name"] == "Maria Alvarez"
    names = sorted(c["document"]["name"] for c in data["credentialsIssuedToYou"])
    assert "Registered Nurse" in names and "IV Therapy and Infusion Safety" in names
    assert set(data) >= {
        "credentialsFromElsewhere",
        "selfReported",
        "consents",
        "requestsAnswered",
        "auditEvents",
    }
    (share,) = data["shares"]
    assert share["id"] == shared["id"] and share["maxViews"] == 5
    assert sorted(v["who"] for v in share["views"]) == [
        "Piedmont Regional Hospital (Sam Patel)",
        "someone not signed in",
    ]
    actions = {e["action"] for e in data["auditEvents"]}
    assert {"share.create", "consent.grant", "share.view"} <= actions
    assert {e["actor"] for e in data["auditEvents"] if e["action"] == "share.view"} == {
        "another person",
        "someone not signed in",
    }
    text = answer.text
    with demo_platform.db.session() as s:
        maria = s.execute(select(Person).where(Person.email == MARIA)).scalar_one()
        assert maria.password_hash and maria.password_hash not in text
        assert "$argon2" not in text and "password_hash" not in text
        assert maria.encrypted_holder_key is not None
        assert maria.encrypted_holder_key.hex() not in text
    assert shared["token"] not in text and "token_hash" not in text
    assert "10.0.0" not in text and "testclient" not in text  # no viewer's address
    # the page's download is the same document, as a file, and audited
    page = client.get("/record/my-data")
    assert page.status_code == 200 and "Download everything" in page.text
    download = client.get("/record/my-data/everything.json")
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    assert download.headers["cache-control"] == "no-store"
    assert json.loads(download.text)["person"]["email"] == MARIA
    with demo_platform.db.session() as s:
        downloads = s.execute(
            select(AuditEvent).where(AuditEvent.action == "data.download")
        ).scalars()
        assert [e.data["what"] for e in downloads] == ["everything", "everything"]


def test_the_share_log_as_csv_and_json(client: TestClient, demo_platform: Any) -> None:
    maria_shares(client, demo_platform)
    login(client, MARIA)
    rows = list(csv.reader(io.StringIO(client.get("/record/my-data/share-log").text)))
    assert rows[0] == [
        "share",
        "audience",
        "purpose",
        "viewed_at",
        "who",
        "organization",
        "verified",
    ]
    assert sorted((r[1], r[4], r[5], r[6]) for r in rows[1:]) == [
        (
            "Piedmont Regional Hospital",
            "Piedmont Regional Hospital (Sam Patel)",
            "Piedmont Regional Hospital",
            "yes",
        ),
        ("Piedmont Regional Hospital", "someone not signed in", "", "yes"),
    ]
    as_json = client.get("/api/me/share-log").json()["views"]
    assert {v["organization"] for v in as_json} == {"Piedmont Regional Hospital", None}
    assert client.get("/api/me/share-log?format=xml").status_code == 400


@pytest.mark.parametrize("path", ["/api/me/data", "/api/me/share-log"])
def test_no_one_else_gets_it(client: TestClient, demo_platform: Any, path: str) -> None:
    shared = maria_shares(client, demo_platform)
    assert client.get(path).status_code == 401  # not signed in
    assert client.get("/record/my-data", follow_redirects=False).status_code in (302, 303)
    login(client, "james@demo.openler.org")
    theirs = client.get(path)
    assert theirs.status_code == 200
    assert MARIA not in theirs.text and shared["id"] not in theirs.text
    assert "Maria" not in theirs.text
    client.cookies.clear()
    token = token_for(demo_platform, "olivia@demo.openler.org", "ohio-nursing", "issuer_admin")
    refused = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403  # an organization's token reads no one's own data
