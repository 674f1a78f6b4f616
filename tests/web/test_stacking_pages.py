"""Stacking, transcript and endorsement pages and API: allowed for the organization's
admins (or staff), refused to everyone else, and what each one shows."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.store.models import IssuedCredential, PendingStack
from tests.services.issuing_world import add_courses
from tests.web.conftest import changes, csrf_of, login, recorded_state

OLIVIA = "olivia@demo.openler.org"
BOARD = "/issuer/ohio-nursing"


@pytest.fixture
def courses(demo_platform: Any) -> dict[str, str]:
    with demo_platform.db.session() as session:
        found = add_courses(session, demo_platform)
        return {slug: a.data["id"] for slug, a in found.items()}


def post_form(client: TestClient, page: str, action: str, data: dict[str, Any]) -> Any:
    token = csrf_of(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token}, follow_redirects=False)


def confirmed(client: TestClient, page: str, action: str, data: dict[str, Any]) -> Any:
    """Post ``data``, check the confirmation page asks first, then confirm."""
    sent = post_form(client, page, action, data)
    # the form is answered with a redirect to the question (Back and Reload are safe)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/confirm?c=")
    asked = client.get(sent.headers["location"])
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.text, asked.text
    token = csrf_of(asked.text)
    return client.post(
        action, data={**data, "confirm": "yes", "csrf_token": token}, follow_redirects=False
    )


def issue(client: TestClient, achievement: str, email: str) -> str:
    done = post_form(client, BOARD, f"{BOARD}/issue", {"achievement": achievement, "email": email})
    assert done.status_code == 303, done.text
    return str(done.headers["location"])


def credentials_of(platform: Any, slug: str) -> list[IssuedCredential]:
    with platform.db.session() as session:
        return list(
            session.execute(
                select(IssuedCredential).where(
                    IssuedCredential.document["name"].as_string() == slug
                )
            ).scalars()
        )


@pytest.mark.parametrize("email", ["trainer@demo.openler.org", "james@demo.openler.org"])
def test_outsiders_cannot_see_or_set_rules(
    client: TestClient, demo_platform: Any, courses: Any, email: str
) -> None:
    login(client, email)
    page = f"{BOARD}/achievements/practical-nurse/stacking"
    assert client.get(page).status_code == 403
    assert client.get(f"{BOARD}/stacking").status_code == 403
    before = recorded_state(demo_platform)
    token = csrf_of(client.get("/home").text)
    refused = client.post(
        page, data={"requires": ["fundamentals"], "mode": "all", "csrf_token": token}
    )
    assert refused.status_code == 403
    api = client.put(
        "/api/orgs/ohio-nursing/achievements/practical-nurse/stacking",
        json={"all": ["fundamentals"]},
    )
    assert api.status_code == 403
    assert changes(before, recorded_state(demo_platform)) == {}


def test_a_rule_set_in_the_page_issues_the_stacked_credential(
    client: TestClient, demo_platform: Any, courses: Any
) -> None:
    login(client, OLIVIA)
    page = f"{BOARD}/achievements/practical-nurse/stacking"
    form = client.get(page)
    assert form.status_code == 200 and "Nursing Fundamentals" in form.text
    bad = post_form(client, page, page, {"mode": "all"})
    assert bad.status_code == 400 and "tick at least one achievement" in bad.text
    saved = post_form(
        client, page, page, {"requires": ["fundamentals", "pharmacology"], "mode": "all"}
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("done=saved")
    overview = client.get(f"{BOARD}/stacking")
    assert "all of: Nursing Fundamentals, Pharmacology I" in overview.text  # names, not slugs

    issue(client, "fundamentals", "james@demo.openler.org")
    assert credentials_of(demo_platform, "Practical Nurse Program") == []
    issue(client, "pharmacology", "james@demo.openler.org")
    [stacked] = credentials_of(demo_platform, "Practical Nurse Program")
    assert stacked.recipient_email == "james@demo.openler.org"
    assert client.get("/api/orgs/ohio-nursing/achievements/practical-nurse/stacking").json()[
        "requires"
    ] == {"all": ["fundamentals", "pharmacology"], "approval": False}


def test_approval_in_the_page(client: TestClient, demo_platform: Any, courses: Any) -> None:
    login(client, OLIVIA)
    api = client.put(
        "/api/orgs/ohio-nursing/achievements/practical-nurse/stacking",
        json={"count": 1, "of": ["fundamentals", "practicum"], "approval": True},
    )
    assert api.status_code == 200, api.text
    issue(client, "fundamentals", "dana@demo.openler.org")
    overview = client.get(f"{BOARD}/stacking")
    assert "Waiting for approval" in overview.text and "Dana Brooks" in overview.text
    with demo_platform.db.session() as session:
        pending = session.execute(select(PendingStack)).scalar_one()
    action = f"{BOARD}/stacking/waiting/{pending.id}"
    done = confirmed(client, f"{BOARD}/stacking", action, {"action": "approve"})
    assert done.status_code == 303 and done.headers["location"].endswith("done=approved")
    [stacked] = credentials_of(demo_platform, "Practical Nurse Program")
    assert stacked.recipient_key == "email:dana@demo.openler.org"
    again = post_form(client, f"{BOARD}/stacking", action, {"action": "approve"})
    assert again.status_code == 409
    assert client.get("/api/orgs/ohio-nursing/stacking/waiting").json() == {"waiting": []}

    # the API: decline one, refuse an unclear rule, remove the rule
    issue(client, "practicum", "james@demo.openler.org")
    [waiting] = client.get("/api/orgs/ohio-nursing/stacking/waiting").json()["waiting"]
    assert waiting["recipient"] == "James Carter (james@demo.openler.org)"
    declined = client.post(
        f"/api/orgs/ohio-nursing/stacking/waiting/{waiting['id']}",
        json={"decision": "decline", "reason": "placement not finished"},
    )
    assert declined.json() == {"state": "declined"}
    rule_url = "/api/orgs/ohio-nursing/achievements/practical-nurse/stacking"
    unclear = client.put(rule_url, json={"count": 5, "of": ["fundamentals"]})
    assert unclear.status_code == 400 and "count must be a whole number" in unclear.text
    assert client.delete(rule_url).json() == {"achievement": "practical-nurse", "requires": None}


def test_a_transcript_from_the_credential_page(
    client: TestClient, demo_platform: Any, courses: Any
) -> None:
    login(client, OLIVIA)
    first = issue(client, "fundamentals", "james@demo.openler.org")
    issue(client, "practicum", "james@demo.openler.org")
    credential_page = client.get(first).text
    link = re.search(
        r'href="(/issuer/ohio-nursing/transcripts/new\?credential=[^"]+)"', credential_page
    )
    assert link is not None and "Issue a transcript (CLR)" in credential_page
    form_page = link.group(1).replace("&amp;", "&")
    form = client.get(form_page)
    assert form.status_code == 200 and "Clinical Practicum" in form.text
    credential_id = first.split("/credentials/")[1].split("?")[0]
    chosen = re.findall(r'name="credentials" value="([^"]+)"', form.text)
    assert len(chosen) == 2
    done = confirmed(
        client,
        form_page,
        f"{BOARD}/transcripts",
        {
            "credential": credential_id.replace("%3A", ":"),
            "credentials": chosen,
            "source1": courses["fundamentals"],
            "kind1": "precedes",
            "target1": courses["practicum"],
        },
    )
    assert done.status_code == 303, done.text
    shown = client.get(done.headers["location"])
    assert "Issued and signed just now" in shown.text and "ClrCredential" in shown.text
    [record] = credentials_of(demo_platform, "Ohio Board of Nursing transcript of James Carter")
    assert record.kind == "ClrCredential"
    assert record.document["credentialSubject"]["association"] == [
        {
            "type": "Association",
            "associationType": "precedes",
            "sourceId": courses["fundamentals"],
            "targetId": courses["practicum"],
        }
    ]
    # the API, with a chosen subset
    api = client.post(
        "/api/orgs/ohio-nursing/transcripts",
        json={
            "credentialId": record.document["credentialSubject"]["verifiableCredential"][0]["id"],
            "include": [chosen[0]],
        },
    )
    assert api.status_code == 201 and api.json()["verifiableCredential"]["partial"] is True


def test_outsiders_cannot_issue_transcripts(
    client: TestClient, demo_platform: Any, courses: Any
) -> None:
    login(client, OLIVIA)
    first = issue(client, "fundamentals", "james@demo.openler.org")
    credential_id = first.split("/credentials/")[1].split("?")[0]
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/home").text)})
    login(client, "trainer@demo.openler.org")
    before = recorded_state(demo_platform)
    assert client.get(f"{BOARD}/transcripts/new?credential={credential_id}").status_code == 403
    refused = client.post(
        "/api/orgs/ohio-nursing/transcripts",
        json={"credentialId": credential_id.replace("%3A", ":")},
    )
    assert refused.status_code == 403
    assert changes(before, recorded_state(demo_platform)) == {}


def test_an_endorsement_shows_where_the_achievement_appears(
    client: TestClient, demo_platform: Any
) -> None:
    iv = "http://127.0.0.1:8000/orgs/piedmont-hospital/achievements/iv-therapy"
    login(client, "trainer@demo.openler.org")  # Piedmont staff: not Ohio's
    before = recorded_state(demo_platform)
    assert client.get(f"{BOARD}/endorsements").status_code == 403
    assert (
        client.post(
            "/api/orgs/ohio-nursing/endorsements", json={"targetId": iv, "comment": "x"}
        ).status_code
        == 403
    )
    assert changes(before, recorded_state(demo_platform)) == {}
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/home").text)})

    login(client, OLIVIA)
    page = client.get(f"{BOARD}/endorsements")
    assert (
        page.status_code == 200
        and "IV Therapy and Infusion Safety (Piedmont Regional Hospital)" in page.text
    )
    done = confirmed(
        client,
        f"{BOARD}/endorsements",
        f"{BOARD}/endorsements",
        {"target": iv, "comment": "Meets the board's continuing-education standard."},
    )
    assert done.status_code == 303, done.text
    listed = client.get("/api/endorsements", params={"target": iv}).json()["endorsements"]
    assert [(e["endorser"], e["verified"]) for e in listed] == [("Ohio Board of Nursing", True)]
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/home").text)})

    login(client, "maria@demo.openler.org")
    [iv_credential] = credentials_of(demo_platform, "IV Therapy and Infusion Safety")
    wallet = client.get(f"/wallet/{quote(iv_credential.id)}")
    assert "Endorsed by <strong>Ohio Board of Nursing</strong>" in wallet.text
    assert "(verified ✓)" in wallet.text
    assert "Meets the board&#39;s continuing-education standard." in wallet.text
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/home").text)})

    login(client, "hr@demo.openler.org")
    import json

    result = post_form(client, "/home", "/verify", {"document": json.dumps(iv_credential.document)})
    assert "Endorsed by <strong>Ohio Board of Nursing</strong>" in result.text
    tampered = {**iv_credential.document, "name": "Something else"}
    result = post_form(client, "/home", "/verify", {"document": json.dumps(tampered)})
    assert "Not verified" in result.text and "Endorsed by" not in result.text
