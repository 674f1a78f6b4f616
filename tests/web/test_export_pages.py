"""The export pages and account deletion on the web: each person downloads only their own
record (Maria's and James's exports hold their own credentials only; nobody signed out gets
any); the printed résumé's QR codes appear only after consent and each opens a verification
of one credential; deleting an account asks for the email, ends every session at once, and
lets the same email start again with nothing."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from openler.services import demo
from openler.store.models import AuditEvent, Person, SessionRow, Share
from tests.web.conftest import csrf_of, login

HTML = {"Accept": "text/html"}
MARIA = "maria@demo.openler.org"


def as_(client: TestClient, email: str) -> str:
    client.cookies.clear()
    login(client, email)
    return csrf_of(client.get("/record/export").text)


def shares(platform: Any) -> int:
    with platform.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Share)) or 0)


@pytest.mark.parametrize(
    ("email", "mine", "not_mine"),
    [
        (MARIA, "Registered Nurse", "Combat Medic"),
        ("luis@demo.openler.org", "Combat Medic", "Registered Nurse"),
    ],
)
def test_each_person_downloads_their_own_record(
    client: TestClient, email: str, mine: str, not_mine: str
) -> None:
    as_(client, email)
    page = client.get("/record/export")
    assert page.status_code == 200 and "Export your record" in page.text
    for path in ("/record/export/json", "/record/export/ler-rs"):
        got = client.get(path)
        assert got.status_code == 200, got.text[:300]
        assert got.headers["content-disposition"].startswith("attachment;")
        assert got.headers["cache-control"] == "no-store"
        text = json.dumps(got.json())
        assert mine in text and not_mine not in text
    assert client.get("/record/resume").status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/record/export"),
        ("get", "/record/export/json"),
        ("get", "/record/export/ler-rs"),
        ("get", "/record/resume"),
        ("post", "/record/resume"),
        ("post", "/record/export/pdf"),
        ("get", "/account/delete"),
        ("post", "/account/delete"),
    ],
)
def test_nobody_signed_out_gets_anything(
    client: TestClient, demo_platform: Any, method: str, path: str
) -> None:
    response = getattr(client, method)(path, headers=HTML, follow_redirects=False)
    assert response.status_code in (303, 401, 403), response.status_code
    assert "Maria" not in response.text
    with demo_platform.db.session() as s:
        exported = s.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "record.export")
        )
    assert exported == 0 and shares(demo_platform) == 0


def test_printed_links_need_consent_and_each_opens_one_credential(
    client: TestClient, demo_platform: Any
) -> None:
    token = as_(client, MARIA)
    plain = client.post("/record/resume", data={"csrf_token": token})
    assert plain.status_code == 200 and "Maria Alvarez" in plain.text
    assert "/s/" not in plain.text and shares(demo_platform) == 0
    printed = client.post("/record/resume", data={"csrf_token": token, "links": "yes"})
    assert printed.status_code == 200
    assert printed.headers["cache-control"] == "no-store"
    links = re.findall(r'class="resume-qr" href="http://127\.0\.0\.1:8000(/s/[^"]+)"', printed.text)
    assert links and len(links) == shares(demo_platform)
    assert printed.text.count('alt="QR code: verify ') == len(links)
    again = client.get("/record/resume")  # Reload shows the same codes and makes none
    assert again.text.count('alt="QR code: verify ') == len(links)
    assert len(links) == shares(demo_platform) and links[0] in again.text
    assert "/s/" not in str(printed.url)  # no share token in an address
    client.cookies.clear()  # whoever holds the paper is no one signed in
    opened = client.get(links[0])
    assert opened.status_code == 200 and "Every credential verified." in opened.text
    pdf = client.post("/record/export/pdf", data={"csrf_token": as_(client, MARIA)})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"


def test_a_forged_form_makes_no_links(client: TestClient, demo_platform: Any) -> None:
    as_(client, MARIA)
    response = client.post("/record/resume", data={"csrf_token": "forged", "links": "yes"})
    assert response.status_code == 403 and shares(demo_platform) == 0


def _delete(client: TestClient, token: str, email: str) -> Any:
    asked = client.post("/account/delete", data={"csrf_token": token}, headers=HTML)
    assert asked.status_code == 200 and "Type your email address to confirm" in asked.text
    return client.post(
        "/account/delete",
        data={"csrf_token": csrf_of(asked.text), "confirm": "yes", "email": email},
        headers=HTML,
        follow_redirects=False,
    )


def test_deleting_asks_for_the_email_and_ends_every_session(
    client: TestClient, demo_platform: Any
) -> None:
    other = TestClient(client.app, base_url="http://127.0.0.1:8000")
    login(other, MARIA)  # a second browser, signed in too
    assert other.get("/record/export", headers=HTML).status_code == 200
    token = as_(client, MARIA)
    page = client.get("/account/delete")
    assert "What is kept, and why" in page.text and "Issuers keep the credentials" in page.text
    wrong = _delete(client, token, "james@demo.openler.org")
    assert wrong.status_code == 400 and "Type your email address exactly" in wrong.text
    assert 'value="james@demo.openler.org"' in wrong.text  # what was typed is kept
    with demo_platform.db.session() as s:
        assert s.scalar(select(Person).where(Person.email == MARIA)) is not None
    done = _delete(client, token, MARIA)
    assert done.status_code == 303 and done.headers["location"] == "/account/deleted"
    assert client.get("/account/deleted").status_code == 200
    assert other.get("/record/export", headers=HTML, follow_redirects=False).status_code == 303
    with demo_platform.db.session() as s:
        assert s.scalar(select(Person).where(Person.email == MARIA)) is None
        assert s.scalar(select(func.count()).select_from(SessionRow)) == 0
    assert login(client, MARIA).status_code != 303  # the password opens nothing now


def test_an_organizations_only_administrator_is_told_what_to_do_first(
    client: TestClient, demo_platform: Any
) -> None:
    token = as_(client, "olivia@demo.openler.org")
    page = client.get("/account/delete")
    assert "only administrator of Ohio Board of Nursing" in page.text
    assert "Delete my account…" not in page.text
    refused = client.post(
        "/account/delete",
        data={"csrf_token": token, "confirm": "yes", "email": "olivia@demo.openler.org"},
        headers=HTML,
    )
    assert refused.status_code == 409 and "Make someone else an administrator" in refused.text
    with demo_platform.db.session() as s:
        assert s.scalar(select(Person).where(Person.email == "olivia@demo.openler.org"))


def test_the_demo_password_is_what_signs_in(client: TestClient) -> None:
    """The sign-in used above works (so the refusal after deletion means something)."""
    assert login(client, MARIA, demo.DEMO_PASSWORD).status_code == 303
