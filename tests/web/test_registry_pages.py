"""The trust registry pages of the state LER office: register, suspend and reinstate
issuers, add recognition rules; verification follows at once; only registry admins."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.services.issuers import issuing
from openler.store.models import Person
from tests.web.conftest import csrf_of, login

HTML = {"Accept": "text/html"}
OHIO = "did:web:127.0.0.1%3A8000:orgs:ohio-nursing"


def maria_license(platform: Any) -> dict[str, Any]:
    with platform.db.session() as s:
        maria = s.execute(
            select(Person).where(Person.email == "maria@demo.openler.org")
        ).scalar_one()
        return next(
            dict(c.document)
            for c in issuing.credentials_of(s, maria.id)
            if c.document["name"] == "Registered Nurse"
        )


def verified(client: TestClient, document: dict[str, Any]) -> bool:
    body = {"verifiableCredential": document, "options": {"jurisdiction": "US-NC"}}
    return bool(client.post("/credentials/verify", json=body).json()["verified"])


@pytest.mark.parametrize(
    ("who", "expected"), [("renee", 200), ("admin", 403), ("olivia", 403), ("maria", 403)]
)
def test_registry_pages_are_for_registry_admins(
    client: TestClient, who: str, expected: int
) -> None:
    login(client, f"{who}@demo.openler.org")
    assert client.get("/registry", headers=HTML).status_code == expected


def test_suspend_and_reinstate_an_issuer(client: TestClient, demo_platform: Any) -> None:
    document = maria_license(demo_platform)
    assert verified(client, document)
    login(client, "renee@demo.openler.org")
    assert 'href="/registry"' in client.get("/home").text
    page = client.get("/registry")
    assert "Ohio Board of Nursing" in page.text and "29-1141.00" in page.text
    token = csrf_of(page.text)
    no_reason = client.post(
        "/registry/state", data={"csrf_token": token, "issuer": OHIO, "state": "suspended"}
    )
    assert no_reason.status_code == 400 and "say why" in no_reason.text
    asked = client.post(
        "/registry/state",
        data={"csrf_token": token, "issuer": OHIO, "state": "suspended", "reason": "audit"},
    )
    assert asked.status_code == 200 and "Suspend Ohio Board of Nursing?" in asked.text
    assert "it will be suspended" in asked.text and "“audit”" in asked.text
    assert verified(client, document)  # nothing changed before the confirmation
    suspended = client.post(
        "/registry/state",
        data={
            "csrf_token": token,
            "issuer": OHIO,
            "state": "suspended",
            "reason": "audit",
            "confirm": "yes",
        },
    )
    assert "verifiers see it at once" in suspended.text and "audit" in suspended.text
    assert not verified(client, document)
    client.post(
        "/registry/state",
        data={"csrf_token": token, "issuer": OHIO, "state": "active", "confirm": "yes"},
    )
    assert verified(client, document)
    unknown = client.post(
        "/registry/state",
        data={"csrf_token": token, "issuer": "did:web:nowhere", "state": "active"},
    )
    assert unknown.status_code == 404 and "not in the trust registry" in unknown.text


def test_register_an_issuer_and_a_recognition_rule(client: TestClient) -> None:
    login(client, "renee@demo.openler.org")
    token = csrf_of(client.get("/registry").text)
    missing = client.post(
        "/registry/entries",
        data={
            "csrf_token": token,
            "issuer": "did:web:hospital.example",
            "name": "",
            "types": "Badge",
        },
    )
    assert missing.status_code == 400 and "its name and its jurisdiction" in missing.text
    assert 'value="did:web:hospital.example"' in missing.text and 'value="Badge"' in missing.text
    added = client.post(
        "/registry/entries",
        data={
            "csrf_token": token,
            "issuer": "did:web:hospital.example",
            "name": "Example Hospital",
            "jurisdiction": "US-VA",
            "types": "Badge, Certificate",
        },
    )
    assert "The issuer is in the registry" in added.text
    assert "Example Hospital" in added.text and "Badge, Certificate" in added.text
    rule = client.post(
        "/registry/recognitions",
        data={
            "csrf_token": token,
            "name": "Virginia reciprocity",
            "jurisdiction": "US-NC",
            "recognizes": "US-VA",
            "types": "Certificate",
        },
    )
    assert "The recognition rule is in force" in rule.text
    assert "Virginia reciprocity" in rule.text
    snapshot = client.get("/trust").json()
    assert "did:web:hospital.example" in str(snapshot)
