"""Incident check-in in the pages: the commander opens an incident with roles (rows added
without JavaScript), reads the roster and its counts, a wallet app and a signed-in
responder check in at the link, check-in closes; another organization's verifier and
anyone else find no such incident."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.services.issuers import orgs
from openler.services.verifiers.verifying import local_fetcher
from openler.store.models import AuditEvent
from openler.vc import Resolver, build_presentation, read_request_object, sign_presentation
from tests.services.incident_world import holder, issue_to, ohio_verifier
from tests.web.conftest import csrf_of, login

HTML = {"Accept": "text/html"}


def as_(client: TestClient, email: str) -> str:
    client.cookies.clear()
    login(client, email)
    return csrf_of(client.get("/home").text)


def open_incident(client: TestClient, platform: Any) -> str:
    """Sam Patel opens one from the form; the roster page's address."""
    token = as_(client, "hr@demo.openler.org")
    form = client.get("/verifier/piedmont-hospital/incidents/new")
    assert form.status_code == 200 and "Open an incident" in form.text
    with platform.db.session() as s:
        ohio = orgs.org_did(platform, orgs.organization_by_slug(s, "ohio-nursing"))
        army = orgs.org_did(platform, orgs.organization_by_slug(s, "us-army"))
    assert f'value="{ohio}">Ohio Board of Nursing (Ohio)' in form.text
    rows = {
        "csrf_token": token,
        "name": "Surfside building collapse",
        "role_rows": "2",
        "role-1-name": "RN",
        "role-1-kind": "License",
        "role-1-names": "Registered Nurse",
        "role-1-issuers": ohio,
        "role-1-places": "us-nc",
        "role-2-name": "Medic",
        "role-2-kind": "Certification",
        "role-2-issuers": army,
    }
    more = client.post("/verifier/piedmont-hospital/incidents", data={**rows, "step": "more-role"})
    assert more.status_code == 200 and 'id="role-3-name"' in more.text
    assert 'value="Registered Nurse"' in more.text  # what was typed stays
    wrong = client.post(
        "/verifier/piedmont-hospital/incidents",
        data={**rows, "role-2-places": "Florida", "step": "open"},
    )
    assert wrong.status_code == 400 and "must be an ISO 3166 code" in wrong.text
    opened = client.post(
        "/verifier/piedmont-hospital/incidents",
        data={**rows, "step": "open"},
        follow_redirects=False,
    )
    assert opened.status_code == 303
    return str(opened.headers["location"])


def checkin_token(page: str) -> str:
    found = re.search(r'id="checkin-link" type="text" readonly value="[^"]*/checkin/([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_open_check_in_and_read_the_roster(client: TestClient, demo_platform: Any) -> None:
    path = open_incident(client, demo_platform)
    roster = client.get(path)
    assert roster.status_code == 200
    text = roster.text
    assert "<h1>Surfside building collapse</h1>" in text
    assert "RN</strong>: 0 verified, 0 refused" in text
    assert "QR code of the check-in page" in text and "QR code for wallet apps" in text
    token = checkin_token(text)
    state = client.get(f"{path}/roster.json").json()
    assert state["open"] and state["counts"][0] == {"role": "RN", "verified": 0, "refused": 0}

    # a wallet app scans: the request_uri makes a request of its own
    client.cookies.clear()
    page = client.get(f"/checkin/{token}")
    assert page.status_code == 200 and "Sign in to check in" in page.text
    wallet_link = re.search(r'href="(openid4vp://[^"]+)"', page.text)
    assert wallet_link is not None
    request_uri = parse_qs(urlsplit(wallet_link.group(1).replace("&amp;", "&")).query)[
        "request_uri"
    ][0]
    fetched = client.get(urlsplit(request_uri).path)
    assert fetched.headers["content-type"] == "application/oauth-authz-req+jwt"
    with demo_platform.db.session() as s:
        claims = read_request_object(
            fetched.text, resolver=Resolver(local_fetcher(s, demo_platform))
        ).claims
        key = holder(77)
        licence = issue_to(s, demo_platform, "registered-nurse", key, 77, licenseNumber="RN.77")
        document = licence.document
    presentation = sign_presentation(
        build_presentation([document], holder=key.controller),
        key,
        challenge=claims["nonce"],
        domain=claims["client_id"],
        created=demo_platform.now(),
    )
    answered = client.post(
        "/oid4vp/response",
        data={"state": claims["state"], "vp_token": json.dumps({"credential": [presentation]})},
    )
    assert answered.status_code == 200, answered.text

    # Maria checks in from her wallet here; Kevin's suspended licence cannot go
    csrf = as_(client, "maria@demo.openler.org")
    form = client.get(f"/checkin/{token}")
    assert "Your credentials for this incident" in form.text
    value = re.search(r'name="credentials" value="([^"]+)"', form.text)
    assert value is not None
    refused = client.post(
        f"/checkin/{token}", data={"csrf_token": csrf, "credentials": value.group(1)}
    )
    assert refused.status_code == 400 and "Tick the consent box" in refused.text
    done = client.post(
        f"/checkin/{token}",
        data={"csrf_token": csrf, "credentials": value.group(1), "consent": "yes"},
    )
    assert done.status_code == 200 and "You are checked in" in done.text
    assert "Verified as RN for Surfside building collapse." in done.text
    csrf = as_(client, "kevin@demo.openler.org")
    his = client.get(f"/checkin/{token}").text
    assert "You hold no credential that any role accepts now." in his
    assert "Pending a Board investigation" in his

    as_(client, "hr@demo.openler.org")
    text = client.get(path).text
    assert "RN</strong>: 2 verified, 0 refused" in text
    assert "Maria Alvarez" in text and "RN.77" in text
    assert "No row relied on a stored copy" in text
    state = client.get(f"{path}/roster.json").json()
    assert state["counts"][0] == {"role": "RN", "verified": 2, "refused": 0}


def test_close_asks_first_then_check_in_ends(client: TestClient, demo_platform: Any) -> None:
    path = open_incident(client, demo_platform)
    token = checkin_token(client.get(path).text)
    csrf = csrf_of(client.get(path).text)
    asked = client.post(f"{path}/close", data={"csrf_token": csrf}, follow_redirects=False)
    assert asked.status_code == 303 and asked.headers["location"].startswith("/confirm?c=")
    assert "Responders can no longer check in" in client.get(asked.headers["location"]).text
    closed = client.post(
        f"{path}/close", data={"csrf_token": csrf, "confirm": "yes"}, follow_redirects=False
    )
    assert closed.status_code == 303
    assert "Check-in closed on" in client.get(path).text
    assert client.get(f"{path}/roster.json").json()["open"] is False
    again = client.post(f"{path}/close", data={"csrf_token": csrf, "confirm": "yes"})
    assert again.status_code == 409
    client.cookies.clear()
    assert "has closed" in client.get(f"/checkin/{token}").text
    scan = client.get(f"/checkin/{token}/request")
    assert scan.status_code == 409 and scan.json()["error"] == "invalid_request_uri"
    assert client.get("/checkin/not-a-token", headers=HTML).status_code == 404
    assert client.get("/checkin/not-a-token/request").status_code == 404
    with demo_platform.db.session() as s:
        actions = [e.action for e in s.execute(select(AuditEvent)).scalars()]
        assert actions.count("incident.open") == 1 and actions.count("incident.close") == 1


def test_only_its_organizations_verifiers_see_it(client: TestClient, demo_platform: Any) -> None:
    path = open_incident(client, demo_platform)
    incident_id = path.rsplit("/", 1)[1]
    with demo_platform.db.session() as s:
        ohio_verifier(s, demo_platform)
    # the commander sees it
    assert client.get(path).status_code == 200
    assert client.get("/verifier/piedmont-hospital/incidents").status_code == 200
    for email in ("omar@ohio.example", "maria@demo.openler.org"):
        csrf = as_(client, email)
        for address in (
            path,
            f"{path}/roster.json",
            f"/verifier/ohio-nursing/incidents/{incident_id}",
        ):
            assert client.get(address, headers=HTML).status_code == 404, (email, address)
        closing = client.post(f"{path}/close", data={"csrf_token": csrf, "confirm": "yes"})
        assert closing.status_code == 404
        assert client.get("/verifier/piedmont-hospital/incidents", headers=HTML).status_code == 403
        opening = client.post(
            "/verifier/piedmont-hospital/incidents",
            data={
                "csrf_token": csrf,
                "name": "x",
                "role_rows": "1",
                "role-1-name": "RN",
                "role-1-kind": "License",
                "step": "open",
            },
        )
        assert opening.status_code == 403
    # Omar's own organization has no incident of that id either, and an empty list
    as_(client, "omar@ohio.example")
    own = client.get("/verifier/ohio-nursing/incidents")
    assert own.status_code == 200 and "No incidents yet." in own.text
