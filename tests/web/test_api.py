"""The HTTP API: VC API, documents, health, errors and the access-control matrix."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openler.services.issuers import issuing
from openler.services.people import accounts, tokens
from openler.store.models import IssuedCredential, Organization, Person
from tests.conftest import SETUP
from tests.web.conftest import changes, login, recorded_state

CREDENTIAL = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "Sterile Technique",
    "issuer": {"type": ["Profile"], "name": "Piedmont Regional Hospital"},
    "credentialSubject": {
        "id": "did:example:subject",
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "https://piedmont.example/achievements/sterile-technique",
            "type": ["Achievement"],
            "achievementType": "Badge",
            "name": "Sterile Technique",
            "description": "Maintains a sterile field.",
            "criteria": {"narrative": "Observed skills check."},
        },
    },
}


def token_for(platform: Any, email: str, slug: str, role: str) -> str:
    """A token made as the operator's ``openler tokens create`` makes it."""
    with platform.db.session() as s:
        org = s.query(Organization).filter_by(slug=slug).one()
        return tokens.create(s, platform, SETUP, org, email=email, role=role, name="test").secret


def maria_credential(platform: Any) -> dict[str, Any]:
    with platform.db.session() as s:
        maria = s.query(Person).filter_by(email="maria@demo.openler.org").one()
        documents = [c.document for c in issuing.credentials_of(s, maria.id)]
        return next(d for d in documents if d["name"] == "Registered Nurse")


def test_health_metrics_and_openapi(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    assert "openler_http_requests_total" in client.get("/metrics").text
    assert "/credentials/verify" in client.get("/openapi.json").json()["paths"]
    assert client.get("/docs").status_code == 200


def test_did_document_and_status_list_headers(client: TestClient, demo_platform: Any) -> None:
    did = client.get("/orgs/ohio-nursing/did.json")
    assert did.status_code == 200 and did.headers["content-type"].startswith("application/did+json")
    assert "max-age" in did.headers["cache-control"]
    assert did.json()["id"] == "did:web:127.0.0.1%3A8000:orgs:ohio-nursing"
    url = maria_credential(demo_platform)["credentialStatus"][0]["statusListCredential"]
    path = url.removeprefix("http://127.0.0.1:8000")
    status = client.get(path)
    assert status.status_code == 200 and status.headers["content-type"].startswith("application/vc")
    again = client.get(path, headers={"If-None-Match": status.headers["etag"]})
    assert again.status_code == 304


def test_verify_endpoint(client: TestClient, demo_platform: Any) -> None:
    credential = maria_credential(demo_platform)
    ok = client.post(
        "/credentials/verify",
        json={"verifiableCredential": credential, "options": {"jurisdiction": "US-NC"}},
    )
    assert ok.status_code == 200, ok.json()
    body = ok.json()
    assert body["verified"] and "proof" in body["checks"] and body["errors"] == []
    assert "Nurse Licensure Compact" in str(body["report"])
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["achievement"]["name"] = "Surgeon"
    bad = client.post("/credentials/verify", json={"verifiableCredential": tampered})
    assert bad.status_code == 400 and any(e.startswith("proof:") for e in bad.json()["errors"])


def test_issue_revoke_through_the_vc_api(client: TestClient, demo_platform: Any) -> None:
    token = token_for(
        demo_platform, "trainer@demo.openler.org", "piedmont-hospital", "issuer_staff"
    )
    headers = {"Authorization": f"Bearer {token}"}
    issued = client.post("/credentials/issue", json={"credential": CREDENTIAL}, headers=headers)
    assert issued.status_code == 201, issued.json()
    vc = issued.json()["verifiableCredential"]
    assert vc["issuer"]["id"] == "did:web:127.0.0.1%3A8000:orgs:piedmont-hospital"
    assert vc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert client.post("/credentials/verify", json={"verifiableCredential": vc}).status_code == 200
    revoked = client.post(
        "/credentials/status",
        json={
            "credentialId": vc["id"],
            "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "revoked"}],
        },
        headers=headers,
    )
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    after = client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert after.status_code == 400 and "Revoked by Piedmont Regional Hospital" in str(
        after.json()["errors"]
    )


def test_issuing_as_another_organization_is_refused(client: TestClient, demo_platform: Any) -> None:
    token = token_for(
        demo_platform, "trainer@demo.openler.org", "piedmont-hospital", "issuer_staff"
    )
    forged = {**CREDENTIAL, "issuer": {"id": "did:web:127.0.0.1%3A8000:orgs:ohio-nursing"}}
    response = client.post(
        "/credentials/issue",
        json={"credential": forged},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


# The access-control matrix: route, method, body, and who may use it.
def _status_body(platform: Any) -> dict[str, Any]:
    with platform.db.session() as s:
        row = s.query(IssuedCredential).filter(IssuedCredential.state == "active").first()
        return {
            "credentialId": row.id,
            "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "suspended"}],
        }


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (None, 401),
        ("maria", 403),
        ("hr", 403),
        ("trainer", 201),
        ("olivia", 201),
        ("renee", 403),
    ],
)
def test_issue_matrix(
    client: TestClient, demo_platform: Any, who: str | None, expected: int
) -> None:
    if who is not None:
        login(client, f"{who}@demo.openler.org")
    before = recorded_state(demo_platform)
    response = client.post("/credentials/issue", json={"credential": CREDENTIAL})
    assert response.status_code == expected, response.json()
    after = recorded_state(demo_platform)
    if expected == 201:
        assert after["credentials"] == before["credentials"] + 1
        assert response.json()["verifiableCredential"]["proof"]
    else:
        assert after == before, changes(before, after)


@pytest.mark.parametrize(
    ("who", "expected"),
    [(None, 401), ("maria", 403), ("hr", 403), ("trainer", 403), ("olivia", 200)],
)
def test_status_matrix(
    client: TestClient, demo_platform: Any, who: str | None, expected: int
) -> None:
    """Only the issuing organization's staff change a credential's status (Maria's RN
    license is Ohio's: the hospital trainer may not touch it)."""
    with demo_platform.db.session() as s:
        ohio = s.query(Organization).filter_by(slug="ohio-nursing").one()
        row = s.query(IssuedCredential).filter_by(organization_id=ohio.id, state="active").first()
        body = {
            "credentialId": row.id,
            "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "suspended"}],
        }
    if who is not None:
        login(client, f"{who}@demo.openler.org")
    before = recorded_state(demo_platform)
    assert client.post("/credentials/status", json=body).status_code == expected
    after = recorded_state(demo_platform)
    if expected == 200:
        assert (row.id, "suspended") in after["credential states"]
    else:
        assert after == before, changes(before, after)


@pytest.mark.parametrize(
    ("who", "expected"),
    [(None, 401), ("maria", 200), ("james", 404), ("olivia", 200), ("trainer", 404), ("hr", 404)],
)
def test_credential_read_matrix(
    client: TestClient, demo_platform: Any, who: str | None, expected: int
) -> None:
    """A learner reads their own credential; the issuer's staff read it; nobody else learns it exists."""
    with demo_platform.db.session() as s:
        ohio = s.query(Organization).filter_by(slug="ohio-nursing").one()
        maria = s.query(Person).filter_by(email="maria@demo.openler.org").one()
        row = (
            s.query(IssuedCredential).filter_by(organization_id=ohio.id, person_id=maria.id).first()
        )
    if who is not None:
        login(client, f"{who}@demo.openler.org")
    assert client.get(f"/api/credentials/{row.id}").status_code == expected


def test_wallet_is_personal(client: TestClient, demo_platform: Any) -> None:
    login(client, "james@demo.openler.org")
    names = [c["document"]["name"] for c in client.get("/api/me/credentials").json()["credentials"]]
    assert names == ["Welding Technology Certificate"]
    token = token_for(demo_platform, "olivia@demo.openler.org", "ohio-nursing", "issuer_admin")
    client.cookies.clear()
    denied = client.get("/api/me/credentials", headers={"Authorization": f"Bearer {token}"})
    assert denied.status_code == 403


def test_errors_are_json_with_codes(client: TestClient) -> None:
    missing = client.get("/orgs/nowhere/did.json")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    invalid = client.post("/credentials/verify", json={"nothing": 1})
    assert invalid.status_code == 422 and invalid.json()["code"] == "invalid_request"
    huge = client.post(
        "/credentials/verify",
        content=b"{" + b" " * 2_000_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert huge.status_code == 413 and huge.json()["code"] == "too_large"
    bogus = client.post(
        "/credentials/issue",
        json={"credential": CREDENTIAL},
        headers={"Authorization": "Bearer olr_nope"},
    )
    assert bogus.status_code == 401 and "Traceback" not in bogus.text


def test_unmigrated_database_is_refused(tmp_path: Any) -> None:
    from openler.settings import Settings
    from openler.store import MigrationRequired
    from openler.web import create_app

    with pytest.raises(MigrationRequired, match="run `openler db upgrade`"):
        create_app(Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}", data_dir=tmp_path))


TRUST_ENTRY = {
    "issuer": "did:web:nursing.virginia.example",
    "name": "Virginia Board of Nursing",
    "jurisdiction": "US-VA",
    "authorized": [{"achievementType": ["License"], "occupation": ["29-1141.00"]}],
}


@pytest.mark.parametrize(
    ("who", "expected"),
    [(None, 401), ("maria", 403), ("olivia", 403), ("hr", 403), ("renee", 201), ("admin", 403)],
)
def test_trust_registry_matrix(
    client: TestClient, demo_platform: Any, who: str | None, expected: int
) -> None:
    if who is not None:
        login(client, f"{who}@demo.openler.org")
    before = recorded_state(demo_platform)
    assert client.post("/api/trust/entries", json=TRUST_ENTRY).status_code == expected
    after = recorded_state(demo_platform)
    if expected == 201:
        assert after["trust_entries"] == before["trust_entries"] + 1
        assert TRUST_ENTRY["issuer"] in {did for did, _ in after["trust entries"]}
    else:
        assert after == before, changes(before, after)


def test_registry_admin_suspends_an_issuer_and_verification_follows(
    client: TestClient, demo_platform: Any
) -> None:
    credential = maria_credential(demo_platform)
    assert (
        client.post("/credentials/verify", json={"verifiableCredential": credential}).status_code
        == 200
    )
    login(client, "renee@demo.openler.org")
    ohio = "did:web:127.0.0.1%3A8000:orgs:ohio-nursing"
    response = client.post(
        "/api/trust/entries/state",
        params={"issuer": ohio},
        json={"state": "suspended", "reason": "audit pending"},
    )
    assert response.status_code == 200, response.json()
    after = client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert after.status_code == 400
    assert "is suspended in the trust registry since" in str(after.json()["errors"])
    with demo_platform.db.session() as s:
        from openler.services import audit as audit_service
        from openler.store.models import AuditEvent

        assert s.query(AuditEvent).filter_by(action="trust.suspended", subject=ohio).count() == 1
        assert audit_service.verify_chain(s).ok


def test_signed_snapshot_verifies_offline(client: TestClient, demo_platform: Any) -> None:
    from openler.vc.verify import Resolvers, load_trust_snapshot

    snapshot = client.get("/trust").json()
    authority = "did:web:127.0.0.1%3A8000:orgs:nc-ler"
    did_doc = client.get("/orgs/nc-ler/did.json").json()
    registry = load_trust_snapshot(
        snapshot,
        at=demo_platform.now(),
        resolvers=Resolvers(lambda url: did_doc),
        authority=authority,
    )
    assert "did:web:127.0.0.1%3A8000:orgs:ohio-nursing" in registry.entries
    assert registry.recognitions and registry.recognitions[0].name == "the Nurse Licensure Compact"


@pytest.mark.parametrize(
    ("who", "expected"),
    [(None, 401), ("maria", 403), ("trainer", 403), ("olivia", 201), ("renee", 403)],
)
def test_key_rotation_matrix(
    client: TestClient, demo_platform: Any, who: str | None, expected: int
) -> None:
    if who is not None:
        login(client, f"{who}@demo.openler.org")
    before = recorded_state(demo_platform)
    response = client.post("/api/orgs/ohio-nursing/keys")
    assert response.status_code == expected
    after = recorded_state(demo_platform)
    if expected == 201:
        assert after["issuer_keys"] == before["issuer_keys"] + 1
    else:
        assert after == before, changes(before, after)
    if expected == 201:
        body = response.json()
        assert body["state"] == "active" and body["verificationMethod"].endswith("#key-2")
        assert "secret" not in str(body).lower()


def test_compromised_key_revocation_through_the_api(client: TestClient, demo_platform: Any) -> None:
    credential = maria_credential(demo_platform)
    login(client, "olivia@demo.openler.org")
    assert client.post("/api/orgs/ohio-nursing/keys").status_code == 201
    with demo_platform.db.session() as s:
        from openler.store.models import IssuerKey

        first = s.query(IssuerKey).filter(IssuerKey.method_id.endswith("ohio-nursing#key-1")).one()
        first_id = first.id
    assert client.post(f"/api/keys/{first_id}/revoke").json()["state"] == "revoked"
    result = client.post("/credentials/verify", json={"verifiableCredential": credential}).json()
    assert any("was revoked on" in e for e in result["errors"])
    client.cookies.clear()
    login(client, "trainer@demo.openler.org")
    assert client.post(f"/api/keys/{first_id}/revoke").status_code == 403


NEW_ORG = {
    "slug": "vc-test-issuer",
    "name": "Test Suite Issuer",
    "kind": "issuer",
    "didMethod": "key",
}


@pytest.mark.parametrize(
    ("who", "expected"),
    [(None, 401), ("maria", 403), ("olivia", 403), ("renee", 403), ("admin", 201)],
)
def test_create_organization_matrix(
    client: TestClient, demo_platform: Any, who: str | None, expected: int
) -> None:
    if who is not None:
        login(client, f"{who}@demo.openler.org")
    before = recorded_state(demo_platform)
    assert client.post("/api/orgs", json=NEW_ORG).status_code == expected
    after = recorded_state(demo_platform)
    if expected == 201:
        assert after["organizations"] == before["organizations"] + 1
        assert after["issuer_keys"] == before["issuer_keys"] + 1
    else:
        assert after == before, changes(before, after)


def test_did_key_issuer_for_interoperability_suites(client: TestClient, demo_platform: Any) -> None:
    login(client, "admin@demo.openler.org")
    created = client.post("/api/orgs", json=NEW_ORG).json()
    assert created["did"].startswith("did:key:z6Mk")
    client.cookies.clear()
    with demo_platform.db.session() as s:
        org = s.query(Organization).filter_by(slug="vc-test-issuer").one()
        staff = s.query(Person).filter_by(email="trainer@demo.openler.org").one()
        accounts.add_member(
            s, demo_platform, person=staff, organization=org, role="issuer_admin", actor=SETUP
        )
    token = token_for(demo_platform, "trainer@demo.openler.org", "vc-test-issuer", "issuer_admin")
    plain = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:subject"},
    }
    issued = client.post(
        "/credentials/issue",
        json={"credential": plain},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert issued.status_code == 201, issued.json()
    vc = issued.json()["verifiableCredential"]
    assert vc["issuer"] == created["did"]
    assert vc["proof"]["verificationMethod"].startswith(created["did"] + "#z6Mk")
    result = client.post("/credentials/verify", json={"verifiableCredential": vc}).json()
    assert (
        "proof" in result["checks"]
        and "status" in result["checks"]
        and "issuer" in result["checks"]
    )
    assert client.get("/orgs/vc-test-issuer/did.json").status_code == 404


def test_batch_issue_job_through_the_api(client: TestClient, demo_platform: Any) -> None:
    import time

    login(client, "olivia@demo.openler.org")
    body = {
        "organization": "ohio-nursing",
        "achievement": "registered-nurse",
        "recipients": ["james@demo.openler.org", "nobody at demo.openler.org"],
    }
    submitted = client.post("/api/jobs/batch-issue", json=body)
    assert submitted.status_code == 202, submitted.json()
    job_id = submitted.json()["job"]
    if not demo_platform.settings.database_url.startswith("sqlite"):
        from openler.services import jobs as jobs_service

        jobs_service.run_job(demo_platform, job_id)  # what an `openler worker` does
    for _ in range(100):
        state = client.get(f"/api/jobs/{job_id}").json()
        if state["state"] not in ("queued", "running"):
            break
        time.sleep(0.05)
    # done: the run finished; its result counts the row that was not issued
    assert state["state"] == "done" and state["result"]["issued"] == 1
    assert state["result"]["failed"] == 1
    assert state["rows"][1]["message"] == "'nobody at demo.openler.org' is not an email address"
    client.cookies.clear()
    login(client, "trainer@demo.openler.org")  # another organization's staff
    assert client.get(f"/api/jobs/{job_id}").status_code == 404
    assert client.post("/api/jobs/batch-issue", json=body).status_code == 403


@pytest.mark.parametrize(
    ("who", "expected"), [(None, 401), ("maria", 403), ("olivia", 403), ("hr", 201)]
)
def test_presentation_request_matrix(
    client: TestClient, demo_platform: Any, who: str | None, expected: int
) -> None:
    if who is not None:
        login(client, f"{who}@demo.openler.org")
    before = recorded_state(demo_platform)
    response = client.post(
        "/api/requests", json={"organization": "piedmont-hospital", "query": {"type": "License"}}
    )
    assert response.status_code == expected
    after = recorded_state(demo_platform)
    if expected == 201:
        assert after["presentation_requests"] == before["presentation_requests"] + 1
    else:
        assert after == before, changes(before, after)
    if expected == 201:
        body = response.json()
        assert body["domain"].endswith("/orgs/piedmont-hospital") and len(body["challenge"]) > 20


def test_answering_a_request_twice_is_refused(client: TestClient, demo_platform: Any) -> None:
    from openler.vc import Multikey, build_presentation, sign_presentation

    login(client, "hr@demo.openler.org")
    req = client.post("/api/requests", json={"organization": "piedmont-hospital"}).json()
    client.cookies.clear()
    key = Multikey.from_seed(bytes([9]) * 32)
    vp = sign_presentation(
        build_presentation([], holder=key.controller),
        key,
        challenge=req["challenge"],
        domain=req["domain"],
        created=demo_platform.now(),
    )
    first = client.post(
        f"/api/requests/{req['challenge']}/answer", json={"verifiablePresentation": vp}
    )
    assert first.status_code == 200, first.json()
    again = client.post(
        f"/api/requests/{req['challenge']}/answer", json={"verifiablePresentation": vp}
    )
    assert again.status_code == 409 and again.json()["code"] == "conflict"
