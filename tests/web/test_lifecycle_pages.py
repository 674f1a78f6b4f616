"""The lifecycle in pages and the API: a status change asks for the reason verifiers then
read; renewal; the bulk extension (form, preview, confirmation, job, report); the trust
registry banner; home counts by the rows' own states; names, not DIDs. Access both ways."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.services import jobs
from openler.services.holders import sharing
from openler.services.issuers import issuing, orgs
from openler.services.office import registry
from openler.services.people import accounts
from openler.store.models import AuditEvent, IssuedCredential, Person
from tests.web.conftest import changes, csrf_of, login, recorded_state


def maria_licence(platform: Any) -> IssuedCredential:
    with platform.db.session() as s:
        found: IssuedCredential = s.execute(
            select(IssuedCredential)
            .join(Person, Person.id == IssuedCredential.person_id)
            .where(
                Person.email == "maria@demo.openler.org",
                IssuedCredential.replaced_by.is_(None),
                IssuedCredential.document["name"].as_string() == "Registered Nurse",
            )
        ).scalar_one()
        return found


def page_token(client: TestClient, path: str = "/home") -> str:
    return csrf_of(client.get(path).text)


def test_revoking_asks_for_the_reason_the_verifier_then_reads(
    client: TestClient, demo_platform: Any
) -> None:
    row = maria_licence(demo_platform)
    login(client, "olivia@demo.openler.org")
    token = page_token(client, f"/issuer/ohio-nursing/credentials/{quote(row.id)}")
    path = f"/issuer/ohio-nursing/status/{quote(row.id)}"
    asked = client.post(path, data={"csrf_token": token, "action": "revoke"})
    assert asked.status_code == 200
    assert re.search(r'<label for="ask-reason">Reason</label>', asked.text)
    assert '<textarea id="ask-reason" name="reason" rows="3" required' in asked.text
    # confirming without a reason changes nothing and asks again
    before = recorded_state(demo_platform)
    blank = client.post(path, data={"csrf_token": token, "action": "revoke", "confirm": "yes"})
    assert blank.status_code == 400 and "Say why you revoke it" in blank.text
    assert not changes(before, recorded_state(demo_platform))
    done = client.post(
        path,
        data={
            "csrf_token": token,
            "action": "revoke",
            "confirm": "yes",
            "reason": "Licence surrendered",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    detail = client.get(done.headers["location"]).text
    assert "Licence surrendered" in detail
    # a verifier pasting the credential reads the issuer's reason beside the failed check
    login(client, "hr@demo.openler.org")
    import json

    verified = client.post(
        "/verify",
        data={"csrf_token": page_token(client), "document": json.dumps(row.document)},
    )
    day = demo_platform.now().strftime("%Y-%m-%d")
    assert (
        f"Registered Nurse: Revoked on {day} by Ohio Board of Nursing: Licence surrendered."
        in verified.text
    )
    # the VC API reports the reason back too
    with demo_platform.db.session() as s:
        assert s.get(IssuedCredential, row.id).state_reason == "Licence surrendered"


def test_outsiders_cannot_change_a_status_or_renew(client: TestClient, demo_platform: Any) -> None:
    row = maria_licence(demo_platform)
    for email in ("trainer@demo.openler.org", "maria@demo.openler.org"):
        login(client, email)
        token = page_token(client)
        before = recorded_state(demo_platform)
        for path, data in (
            (f"/issuer/ohio-nursing/status/{quote(row.id)}", {"action": "revoke", "reason": "x"}),
            (f"/issuer/ohio-nursing/renew/{quote(row.id)}", {"days": "30"}),
        ):
            refused = client.post(path, data={"csrf_token": token, "confirm": "yes", **data})
            assert refused.status_code in (403, 404), (email, path)
        assert not changes(before, recorded_state(demo_platform))


def test_renewing_from_the_credential_page(client: TestClient, demo_platform: Any) -> None:
    row = maria_licence(demo_platform)
    login(client, "olivia@demo.openler.org")
    page = client.get(f"/issuer/ohio-nursing/credentials/{quote(row.id)}").text
    assert 'id="renew-days"' in page and 'value="730"' in page
    token = csrf_of(page)
    path = f"/issuer/ohio-nursing/renew/{quote(row.id)}"
    asked = client.post(path, data={"csrf_token": token, "days": "365"})
    assert "Renew Registered Nurse of Maria Alvarez?" in asked.text
    bad = client.post(path, data={"csrf_token": token, "days": "soon", "confirm": "yes"})
    assert bad.status_code == 400
    done = client.post(
        path, data={"csrf_token": token, "days": "365", "confirm": "yes"}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?done=renewed")
    with demo_platform.db.session() as s:
        old = s.get(IssuedCredential, row.id)
        assert old is not None and old.replaced_by is not None
        new = s.get(IssuedCredential, old.replaced_by)
        assert new is not None
        assert new.valid_until == demo_platform.now() + timedelta(days=365)
    shown = client.get(done.headers["location"]).text
    assert "Renewed just now" in shown and "Replaces" in shown


def wait_for(client: TestClient, platform: Any, job_id: str) -> dict[str, Any]:
    if not platform.settings.database_url.startswith("sqlite"):
        jobs.run_job(platform, job_id)  # what an `openler worker` does
    for _ in range(400):
        state: dict[str, Any] = client.get(f"/api/extensions/{job_id}").json()
        if state["state"] not in ("queued", "running"):
            return state
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {state}")


def test_extending_an_achievement_from_the_pages(client: TestClient, demo_platform: Any) -> None:
    login(client, "olivia@demo.openler.org")
    form = client.get("/issuer/ohio-nursing/extend")
    assert form.status_code == 200 and "Extend validity" in form.text
    preview = client.get(
        "/issuer/ohio-nursing/extend", params={"achievement": "registered-nurse", "days": "90"}
    )
    # Maria's licence only: Kevin's is suspended
    assert "1 credential would be extended" in preview.text
    token = csrf_of(preview.text)
    fields = {"csrf_token": token, "achievement": "registered-nurse", "days": "90"}
    asked = client.post("/issuer/ohio-nursing/extend", data=fields)
    assert "Extend 1 credential by 90 days?" in asked.text
    started = client.post(
        "/issuer/ohio-nursing/extend", data={**fields, "confirm": "yes"}, follow_redirects=False
    )
    assert started.status_code == 303
    job_id = started.headers["location"].rsplit("/", 1)[1]
    state = wait_for(client, demo_platform, job_id)
    assert (state["state"], state["total"], state["done"], state["extended"]) == ("done", 1, 1, 1)
    page = client.get(started.headers["location"]).text
    assert "Done: 1 extended." in page and "Maria Alvarez" in page
    report = client.get(f"/issuer/ohio-nursing/extend/{job_id}/report.csv")
    assert report.headers["content-type"].startswith("text/csv")
    lines = report.text.strip().splitlines()
    assert lines[0] == "row,outcome,recipient,credential,replacement,message"
    assert lines[1].startswith("1,extended,Maria Alvarez,")
    # nothing ending before tomorrow: the page says so and no job starts
    tomorrow = (demo_platform.now() + timedelta(days=1)).date().isoformat()
    again = client.post(
        "/issuer/ohio-nursing/extend",
        data={**fields, "expiring_before": tomorrow, "confirm": "yes"},
    )
    assert again.status_code == 400 and "nothing to extend" in again.text


def test_extension_pages_refuse_outsiders(client: TestClient, demo_platform: Any) -> None:
    login(client, "olivia@demo.openler.org")
    started = client.post(
        "/api/orgs/ohio-nursing/extensions", json={"days": 30, "achievement": "registered-nurse"}
    )
    assert started.status_code == 202
    job_id = started.json()["job"]
    wait_for(client, demo_platform, job_id)
    for email in ("trainer@demo.openler.org", "maria@demo.openler.org"):
        login(client, email)
        assert client.get("/issuer/ohio-nursing/extend").status_code == 403
        assert client.get(f"/issuer/ohio-nursing/extend/{job_id}").status_code == 403
        assert client.get(f"/issuer/ohio-nursing/extend/{job_id}/report.csv").status_code == 403
        assert client.get(f"/api/extensions/{job_id}").status_code == 403
        before = recorded_state(demo_platform)
        refused = client.post(
            "/issuer/ohio-nursing/extend",
            data={"csrf_token": page_token(client), "days": "30", "confirm": "yes"},
        )
        assert refused.status_code == 403
        assert (
            client.post("/api/orgs/ohio-nursing/extensions", json={"days": 30}).status_code == 403
        )
        assert not changes(before, recorded_state(demo_platform))
    # another organization's address does not show Ohio's job
    login(client, "olivia@demo.openler.org")
    assert client.get(f"/issuer/piedmont-hospital/extend/{job_id}").status_code in (403, 404)


def test_the_api_renews_previews_and_takes_a_reason(client: TestClient, demo_platform: Any) -> None:
    row = maria_licence(demo_platform)
    login(client, "olivia@demo.openler.org")
    preview = client.post("/api/orgs/ohio-nursing/extensions/preview", json={"days": 30})
    assert preview.status_code == 200 and preview.json()["count"] == 1
    renewed = client.post("/api/credentials/renew", json={"credentialId": row.id, "days": 10})
    assert renewed.status_code == 201
    new_id = renewed.json()["verifiableCredential"]["id"]
    status = client.post(
        "/credentials/status",
        json={
            "credentialId": new_id,
            "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "suspended"}],
            "reason": "Under review",
        },
    )
    assert status.json() == {"credentialId": new_id, "state": "suspended", "reason": "Under review"}
    login(client, "trainer@demo.openler.org")
    assert client.post("/api/credentials/renew", json={"credentialId": new_id}).status_code == 403
    assert (
        client.post("/api/orgs/ohio-nursing/extensions/preview", json={"days": 30}).status_code
        == 403
    )


def test_the_registry_banner_and_the_home_counts(client: TestClient, demo_platform: Any) -> None:
    with demo_platform.db.session() as s:
        renee = accounts.principal_for(
            s,
            s.execute(select(Person).where(Person.email == "renee@demo.openler.org")).scalar_one(),
        )
        ohio = orgs.organization_by_slug(s, "ohio-nursing")
        did = orgs.org_did(demo_platform, ohio)
    login(client, "olivia@demo.openler.org")
    assert "Not trusted by verifiers here" not in client.get("/issuer/ohio-nursing").text
    with demo_platform.db.session() as s:
        registry.set_state(s, demo_platform, renee, did, state="suspended", reason="Audit")
    page = client.get("/issuer/ohio-nursing").text
    assert "Not trusted by verifiers here" in page and "The registry says: Audit." in page
    home = client.get("/home").text
    assert "has suspended this organization" in home
    # counts by the rows' own states; recipients by name, never by DID
    assert "2 current credentials</strong> (1 active, 0 expired, 1 suspended, 0 revoked)" in home
    assert "replaced by a newer one" not in home  # nothing was replaced
    recent = home.split("Recently issued", 1)[1].split("</table>", 1)[0]
    assert "Maria Alvarez" in recent and "Kevin Nguyen" in recent and "did:key" not in recent


def test_a_share_link_shows_the_renewed_credential(client: TestClient, demo_platform: Any) -> None:
    row = maria_licence(demo_platform)
    with demo_platform.db.session() as s:
        maria = accounts.principal_for(s, s.get(Person, row.person_id))
        created = sharing.create_share(
            s, demo_platform, maria, credential_ids=[row.id], audience="Employer", purpose="a job"
        )
    login(client, "olivia@demo.openler.org")
    token = page_token(client, f"/issuer/ohio-nursing/credentials/{quote(row.id)}")
    client.post(
        f"/issuer/ohio-nursing/renew/{quote(row.id)}",
        data={"csrf_token": token, "days": "365", "confirm": "yes"},
    )
    client.cookies.clear()
    shown = client.get(f"/s/{created.token}").text
    assert "Updated since it was shared" in shown
    assert "Every credential verified." in shown
    with demo_platform.db.session() as s:
        old = s.get(IssuedCredential, row.id)
        assert old is not None and issuing.how_replaced(old) == "renewed"
        viewed = s.execute(select(AuditEvent).where(AuditEvent.action == "share.view")).scalar_one()
        assert viewed.data["presented_anew"] == [old.replaced_by]
