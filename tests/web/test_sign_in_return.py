"""Deep links: a page opened signed out (a credential, a request link) comes back after
sign-in, by password or through the identity provider; only same-site paths are followed."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from openler.web.render import RETURN_COOKIE, return_path
from tests.web.conftest import login
from tests.web.test_portal_pages import credential_id
from tests.web.test_request_pages import create_request

HTML = {"Accept": "text/html"}
BASE = "https://ler.example"

HOSTILE = [
    "//evil.example/x",
    "/\\evil.example/x",
    "/\\/evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "evil.example/x",
    "/home\r\nSet-Cookie: x=1",
    "/home\x00",
    "/home\t",
    "/ home",
    "/login",
    "/login/oidc/callback?code=x",
    "/logout",
    "/" + "a" * 2001,
    "",
]


def test_a_credential_page_opened_signed_out_comes_back_after_sign_in(
    client: TestClient, demo_platform: Any
) -> None:
    rn = credential_id(demo_platform, "maria@demo.openler.org", "Registered Nurse")
    opened = client.get(f"/wallet/{rn}", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/login"
    cookie = opened.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Path=/login" in cookie and "SameSite=lax" in cookie
    signed_in = login(client, "maria@demo.openler.org")
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == f"/wallet/{quote(rn, safe='/:')}"
    page = client.get(signed_in.headers["location"])
    assert page.status_code == 200 and "Checked just now" in page.text
    # used once: the next sign-in goes home
    client.cookies.clear()
    assert login(client, "maria@demo.openler.org").headers["location"] == "/home"


def test_a_request_link_opened_signed_out_comes_back_after_sign_in(
    client: TestClient,
) -> None:
    _detail, link = create_request(client)
    client.cookies.clear()
    assert client.get(link, follow_redirects=False).headers["location"] == "/login"
    back = login(client, "maria@demo.openler.org")
    assert back.headers["location"] == link
    assert "Piedmont Regional Hospital asks for credentials" in client.get(link).text


def test_a_query_string_comes_back_too(client: TestClient) -> None:
    client.get("/issuer/piedmont-hospital?q=dana", follow_redirects=False)
    back = login(client, "trainer@demo.openler.org")
    assert back.headers["location"] == "/issuer/piedmont-hospital?q=dana"


def test_a_form_posted_signed_out_is_not_replayed(client: TestClient) -> None:
    response = client.post(
        "/shares", data={"audience": "x", "purpose": "y"}, follow_redirects=False
    )
    assert response.headers["location"] == "/login"
    assert RETURN_COOKIE not in response.headers.get("set-cookie", "")
    assert login(client, "maria@demo.openler.org").headers["location"] == "/home"


@pytest.mark.parametrize("planted", HOSTILE)
def test_a_planted_return_cookie_never_leaves_the_site(client: TestClient, planted: str) -> None:
    client.cookies.set(RETURN_COOKIE, planted, domain="127.0.0.1", path="/login")
    assert login(client, "maria@demo.openler.org").headers["location"] == "/home"


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_return_paths_are_refused(hostile: str) -> None:
    assert return_path(hostile) is None


@given(st.text(max_size=60))
def test_an_accepted_return_path_stays_on_the_site(text: str) -> None:
    """Whatever is accepted resolves, against this site, to this site: the browser's own
    resolution of a relative reference (RFC 3986 §5.2) keeps scheme and host."""
    accepted = return_path(text)
    if accepted is None:
        return
    resolved = urlsplit(urljoin(BASE + "/here/", accepted))
    assert (resolved.scheme, resolved.netloc) == ("https", "ler.example")
    assert accepted.startswith("/") and not accepted.startswith("//")
    assert all("!" <= c <= "~" for c in accepted)


@given(st.sampled_from(["/", "/\\", "//", "/%09/"]), st.text(max_size=20))
def test_paths_that_browsers_read_as_another_host_are_refused(lead: str, rest: str) -> None:
    accepted = return_path(lead + rest)
    if lead in ("/\\", "//"):
        assert accepted is None
    if accepted is not None:
        assert urlsplit(urljoin(BASE, accepted)).netloc == "ler.example"
