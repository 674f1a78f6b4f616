"""Presentation requests in the browser's pages: a verifier asks, the person answers from
the wallet with consent, the verifier sees the answer verified again whenever opened."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.services.issuers import issuing
from openler.store.models import AuditEvent, Person
from tests.conftest import SETUP
from tests.web.conftest import csrf_of, login

HTML = {"Accept": "text/html"}


def as_(client: TestClient, who: str) -> str:
    client.cookies.clear()
    login(client, f"{who}@demo.openler.org")
    return csrf_of(client.get("/home").text)


def license_id(platform: Any, email: str = "maria@demo.openler.org") -> str:
    with platform.db.session() as s:
        person = s.execute(select(Person).where(Person.email == email)).scalar_one()
        return next(
            c.id
            for c in issuing.credentials_of(s, person.id)
            if c.document["name"] == "Registered Nurse"
        )


def create_request(client: TestClient) -> tuple[str, str]:
    token = as_(client, "hr")
    created = client.post(
        "/verifier/piedmont-hospital/requests",
        data={"csrf_token": token, "reason": "Your RN license, for the ICU post", "hours": "2"},
        follow_redirects=False,
    )
    assert created.status_code == 303
    detail = client.get(created.headers["location"]).text
    link = re.search(
        r'id="link" type="text" readonly value="http://127.0.0.1:8000(/requests/[^"]+)"', detail
    )
    assert link is not None and "Your RN license, for the ICU post" in detail
    return created.headers["location"], link.group(1)


def test_ask_answer_and_see_the_answer_checked_again(
    client: TestClient, demo_platform: Any
) -> None:
    detail_path, link = create_request(client)
    rn = license_id(demo_platform)
    token = as_(client, "maria")
    form = client.get(link)
    assert "Piedmont Regional Hospital asks for credentials" in form.text
    assert "Your RN license, for the ICU post" in form.text
    no_consent = client.post(link, data={"csrf_token": token, "credentials": [rn]})
    assert no_consent.status_code == 400 and "Tick the consent box" in no_consent.text
    assert re.search(rf'value="{rn}" checked', no_consent.text)  # the choice is kept
    nothing = client.post(link, data={"csrf_token": token, "consent": "yes"})
    assert nothing.status_code == 400 and "Choose at least one credential" in nothing.text
    sent = client.post(link, data={"csrf_token": token, "credentials": [rn], "consent": "yes"})
    assert sent.status_code == 200
    assert "received your credentials, verified" in sent.text
    again = client.get(link, headers=HTML)
    assert again.status_code == 409 and "already answered" in again.text

    as_(client, "hr")
    seen = client.get(detail_path).text
    assert "Every credential verified." in seen and "Registered Nurse" in seen
    # who answered, as recorded with their consent, then the answer in words before checks
    main = seen.split("<main", 1)[1]
    assert re.search(
        r'Answered by Maria Alvarez \(<span class="nowrap">maria@demo\.openler\.org</span>\) '
        r"on \d{4}-\d\d-\d\d",
        main,
    )
    said = re.search(
        r"Maria Alvarez holds Registered Nurse, a licence from Ohio Board of Nursing, active "
        r"and valid until \d{4}-\d\d-\d\d\.",
        main,
    )
    assert said is not None and said.start() < main.index('<details class="checks">')
    assert "recognised in North Carolina" in main and "did:" not in main[: said.end()]
    listed = client.get("/verifier/piedmont-hospital").text
    assert 'by Maria Alvarez (<span class="nowrap">maria@demo.openler.org</span>) on ' in listed
    with demo_platform.db.session() as s:
        issuing.set_status(s, demo_platform, SETUP, rn, action="suspend", reason="Under review")
    later = client.get(detail_path).text
    assert "Not everything verified" in later and "Suspended by Ohio Board of Nursing" in later
    assert re.search(r"Suspended on \d{4}-\d\d-\d\d by Ohio Board of Nursing: Under review", later)
    assert "Do not rely on it." in later
    with demo_platform.db.session() as s:
        actions = {e.action for e in s.execute(select(AuditEvent)).scalars()}
    assert {"request.create", "consent.grant", "request.answer", "request.view"} <= actions


def test_what_the_verifier_asks_is_checked(client: TestClient) -> None:
    token = as_(client, "hr")
    empty = client.post(
        "/verifier/piedmont-hospital/requests",
        data={"csrf_token": token, "reason": " ", "hours": "2"},
    )
    assert empty.status_code == 400 and "Say what you ask for" in empty.text
    long = client.post(
        "/verifier/piedmont-hospital/requests",
        data={"csrf_token": token, "reason": "RN license", "hours": "99"},
    )
    assert long.status_code == 400 and 'value="RN license"' in long.text


@pytest.mark.parametrize(("who", "expected"), [("hr", 200), ("maria", 403), ("olivia", 403)])
def test_verifier_pages_are_for_the_organizations_verifiers(
    client: TestClient, who: str, expected: int
) -> None:
    as_(client, who)
    assert client.get("/verifier/piedmont-hospital", headers=HTML).status_code == expected


def test_only_the_requesting_verifiers_see_the_answer(
    client: TestClient, demo_platform: Any
) -> None:
    detail_path, link = create_request(client)
    request_id = detail_path.rsplit("/", 1)[1]
    token = as_(client, "maria")
    client.post(
        link,
        data={"csrf_token": token, "credentials": [license_id(demo_platform)], "consent": "yes"},
    )
    for who in ("maria", "olivia", "renee"):
        as_(client, who)
        assert client.get(f"/api/requests/{request_id}").status_code == 403
        assert client.get(detail_path, headers=HTML).status_code == 403
    as_(client, "hr")
    answer = client.get(f"/api/requests/{request_id}").json()
    assert answer["state"] == "answered" and answer["verification"]["verified"] is True
    assert answer["verifiablePresentation"]["verifiableCredential"][0]["name"] == "Registered Nurse"


def test_a_learner_cannot_present_someone_elses_credential(
    client: TestClient, demo_platform: Any
) -> None:
    _detail, link = create_request(client)
    token = as_(client, "james")
    stolen = client.post(
        link,
        data={"csrf_token": token, "credentials": [license_id(demo_platform)], "consent": "yes"},
    )
    assert stolen.status_code == 400 and "not yours" in stolen.text


def test_an_unknown_link_is_explained(client: TestClient) -> None:
    as_(client, "maria")
    response = client.get("/requests/not-a-challenge", headers=HTML)
    assert response.status_code == 404 and "does not exist" in response.text
