"""People never see raw JSON errors: a browser gets a page that says what went wrong and
offers a way on (back to the form, sign in, home); an API client still gets JSON."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from openler.web import create_app
from tests.web.conftest import csrf_of, login

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def signed_in(client: TestClient, who: str) -> str:
    login(client, f"{who}@demo.openler.org")
    return csrf_of(client.get("/home").text)


def ways_on(html: str) -> list[tuple[str, str]]:
    section = html.split('class="ways-on"', 1)[1].split("</ul>", 1)[0]
    return [(m[1], m[2]) for m in re.finditer(r'<a href="([^"]+)">([^<]+)</a>', section)]


def test_a_file_too_large_is_a_page_with_the_way_back_to_the_form(client: TestClient) -> None:
    token = signed_in(client, "trainer")
    big = b"email\n" + b"someone@example.org\n" * 60_000  # 1.2 MB, over the 1 MB limit
    response = client.post(
        "/issuer/piedmont-hospital/batch",
        data={"csrf_token": token, "achievement": "iv-therapy"},
        files={"file": ("people.csv", big, "text/csv")},
        headers=BROWSER,
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Too large to accept</h1>" in response.text
    assert "send a smaller file or split a batch into parts" in response.text
    assert ("/issuer/piedmont-hospital/batch", "Back to the form") in ways_on(response.text)
    assert ("/home", "Your home page") in ways_on(response.text)
    # an API client asking the same gets JSON
    api = client.post(
        "/issuer/piedmont-hospital/batch",
        data={"csrf_token": token},
        files={"file": ("people.csv", big, "text/csv")},
    )
    assert api.status_code == 413 and api.json()["code"] == "too_large"


def test_a_form_field_out_of_bounds_is_a_page_not_json(client: TestClient) -> None:
    token = signed_in(client, "maria")
    response = client.post(
        "/shares",
        data={"csrf_token": token, "audience": "x" * 301, "purpose": "y", "consent": "yes"},
        headers=BROWSER,
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Please check the form</h1>" in response.text
    assert "audience: string should have at most 300 characters" in response.text
    assert ("/shares", "Back to the form") in ways_on(response.text)
    assert '"loc"' not in response.text and "{" not in response.text.split("<main", 1)[1]


def test_a_sign_in_form_without_its_fields_is_a_page(client: TestClient) -> None:
    response = client.post("/login", data={}, headers=BROWSER)
    assert response.status_code == 422 and "Please check the form" in response.text
    assert "email: is missing" in response.text and "password: is missing" in response.text
    assert ("/login", "Back to the form") in ways_on(response.text)
    api = client.post("/login", data={})
    assert api.status_code == 422 and api.json()["code"] == "invalid_request"


def test_a_form_posted_to_an_address_without_a_page_offers_home(client: TestClient) -> None:
    signed_in(client, "trainer")
    response = client.post(
        "/issuer/piedmont-hospital/issue", data={"csrf_token": "stale"}, headers=BROWSER
    )
    assert response.status_code == 403 and "The form expired" in response.text
    assert [label for _href, label in ways_on(response.text)] == ["Your home page"]


def test_an_unexpected_error_is_a_page_with_a_reference(demo_platform: Any) -> None:
    app = create_app(demo_platform.settings, platform=demo_platform)

    @app.get("/broken-page")
    def broken() -> None:
        raise RuntimeError("a bug")

    client = TestClient(app, raise_server_exceptions=False)
    page = client.get("/broken-page", headers=BROWSER)
    assert page.status_code == 500 and "<h1>Something went wrong</h1>" in page.text
    assert re.search(r"this reference: [0-9a-f]{12}", page.text)
    assert "a bug" not in page.text and "Traceback" not in page.text
    assert ("/", "The start page") in ways_on(page.text)
    api = client.get("/broken-page")
    assert api.status_code == 500 and api.json()["code"] == "internal"
