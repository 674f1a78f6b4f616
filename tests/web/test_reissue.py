"""Bulk re-issue: after a compromised key is revoked, an issuer admin re-issues what it
signed; the learner's wallet then holds credentials that verify again."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.services import jobs
from openler.services.errors import Conflict
from openler.services.issuers import issuing
from openler.store.models import (
    Achievement,
    AuditEvent,
    IssuedCredential,
    IssuerKey,
    Organization,
    Person,
)
from tests.conftest import SETUP
from tests.web.conftest import login


def wait_for(client: TestClient, platform: Any, job_id: str) -> dict[str, Any]:
    if not platform.settings.database_url.startswith("sqlite"):
        jobs.run_job(platform, job_id)  # what an `openler worker` does
    for _ in range(200):
        state: dict[str, Any] = client.get(f"/api/jobs/{job_id}").json()
        if state["state"] not in ("queued", "running"):
            return state
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {state}")


def ohio_rows(platform: Any) -> dict[str, tuple[str, str | None, str]]:
    """Ohio's credentials: id -> (state, replaced_by, recipient email)."""
    with platform.db.session() as s:
        ohio = s.execute(
            select(Organization).where(Organization.slug == "ohio-nursing")
        ).scalar_one()
        rows = s.execute(
            select(IssuedCredential).where(IssuedCredential.organization_id == ohio.id)
        ).scalars()
        return {r.id: (r.state, r.replaced_by, s.get(Person, r.person_id).email) for r in rows}


def test_reissue_after_a_compromised_key(client: TestClient, demo_platform: Any) -> None:
    login(client, "olivia@demo.openler.org")
    assert client.post("/api/orgs/ohio-nursing/keys").status_code == 201  # rotate
    with demo_platform.db.session() as s:
        first = s.query(IssuerKey).filter(IssuerKey.method_id.endswith("ohio-nursing#key-1")).one()
        first_id = first.id
    assert client.post(f"/api/keys/{first_id}/revoke").status_code == 200
    before = ohio_rows(demo_platform)
    assert len(before) == 2  # Maria's license (active) and Kevin's (suspended)

    submitted = client.post(
        "/api/jobs/bulk-reissue", json={"organization": "ohio-nursing", "key": first_id}
    )
    assert submitted.status_code == 202, submitted.json()
    state = wait_for(client, demo_platform, submitted.json()["job"])
    assert state["state"] == "done", state
    assert state["result"]["reissued"] == 2 and state["result"]["failed"] == 0

    after = ohio_rows(demo_platform)
    replacements = {row["credential"]: row["replacement"] for row in state["result"]["rows"]}
    for old_id, (_, _, email) in before.items():
        new_id = replacements[old_id]
        assert after[old_id][:2] == ("revoked", new_id)
        assert after[new_id][2] == email
    maria_new = next(v for v in after.values() if v[2] == "maria@demo.openler.org" and not v[1])
    assert maria_new[0] == "active"
    kevin_new = next(v for v in after.values() if v[2] == "kevin@demo.openler.org" and not v[1])
    assert kevin_new[0] == "suspended"  # a suspension carries over

    # Maria's wallet shows the replacement only, and it verifies with the new key
    client.cookies.clear()
    login(client, "maria@demo.openler.org")
    wallet = client.get("/api/me/credentials").json()["credentials"]
    licenses = [c for c in wallet if c["document"]["name"] == "Registered Nurse"]
    assert len(licenses) == 1 and licenses[0]["id"] in replacements.values()
    document = licenses[0]["document"]
    assert document["proof"]["verificationMethod"].endswith("#key-2")
    maria_old = next(i for i, v in before.items() if v[2] == "maria@demo.openler.org")
    assert document["validFrom"] == demo_platform_document(demo_platform, maria_old)["validFrom"]
    verified = client.post("/credentials/verify", json={"verifiableCredential": document})
    assert verified.status_code == 200, verified.json()

    # a second run of the same job re-issues nothing twice
    client.cookies.clear()
    login(client, "olivia@demo.openler.org")
    jobs.run_job(demo_platform, submitted.json()["job"])
    assert ohio_rows(demo_platform) == after
    with demo_platform.db.session() as s:
        events = s.execute(
            select(AuditEvent).where(AuditEvent.action == "credential.reissue")
        ).scalars()
        assert sorted(e.subject for e in events) == sorted(before)


def demo_platform_document(platform: Any, credential_id: str) -> dict[str, Any]:
    with platform.db.session() as s:
        row = s.get(IssuedCredential, credential_id)
        assert row is not None
        return dict(row.document)


def test_reissue_keeps_claims_and_validity_or_refreshes_the_achievement(
    demo_platform: Any,
) -> None:
    with demo_platform.db.session() as s:
        maria = s.execute(
            select(Person).where(Person.email == "maria@demo.openler.org")
        ).scalar_one()
        old = next(
            c
            for c in issuing.credentials_of(s, maria.id)
            if c.document["name"] == "Registered Nurse"
        )
        old_id, old_doc = old.id, dict(old.document)
        plain = issuing.reissue(s, demo_platform, SETUP, old_id)
        for name in ("validFrom", "validUntil", "credentialSubject", "issuer", "name"):
            assert plain.document.get(name) == old_doc.get(name), name
        assert plain.id != old_id and plain.document["proof"] != old_doc["proof"]
        assert plain.document["credentialStatus"] != old_doc["credentialStatus"]
        with pytest.raises(Conflict, match="already re-issued"):
            issuing.reissue(s, demo_platform, SETUP, old_id)

        achievement = s.get(Achievement, plain.achievement_id)
        assert achievement is not None
        achievement.data = {**achievement.data, "name": "Registered Nurse (RN)"}
        refreshed = issuing.reissue(s, demo_platform, SETUP, plain.id, refresh_achievement=True)
        assert refreshed.document["name"] == "Registered Nurse (RN)"
        assert refreshed.document["credentialSubject"]["achievement"]["name"] == (
            "Registered Nurse (RN)"
        )
        assert [
            c.id for c in issuing.credentials_of(s, maria.id) if "Nurse" in c.document["name"]
        ] == [refreshed.id]
        assert (
            len(issuing.credentials_of(s, maria.id, include_replaced=True))
            == len(issuing.credentials_of(s, maria.id)) + 2
        )


def test_a_revoked_credential_is_not_reissued(demo_platform: Any) -> None:
    with demo_platform.db.session() as s:
        row = s.execute(select(IssuedCredential)).scalars().first()
        assert row is not None
        issuing.set_status(s, demo_platform, SETUP, row.id, action="revoke")
        with pytest.raises(Conflict, match="revoked"):
            issuing.reissue(s, demo_platform, SETUP, row.id)


@pytest.mark.parametrize(
    ("who", "expected"),
    [(None, 401), ("maria", 403), ("trainer", 403), ("hr", 403), ("renee", 403), ("olivia", 202)],
)
def test_bulk_reissue_matrix(client: TestClient, who: str | None, expected: int) -> None:
    if who is not None:
        login(client, f"{who}@demo.openler.org")
    response = client.post("/api/jobs/bulk-reissue", json={"organization": "ohio-nursing"})
    assert response.status_code == expected, response.json()


def test_bulk_reissue_of_an_unknown_key_or_achievement(client: TestClient) -> None:
    login(client, "olivia@demo.openler.org")
    unknown_key = client.post(
        "/api/jobs/bulk-reissue", json={"organization": "ohio-nursing", "key": "nope"}
    )
    assert unknown_key.status_code == 404 and "no key nope" in unknown_key.json()["message"]
