"""Cross-site request forgery, checked for every route at once: a change signed in by the
session cookie is refused unless it proves it came from this site, whichever route it is,
including routes added after this test was written (it walks ``app.routes``)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from openler.web.csrf import REFUSED
from openler.web.deps import optional_principal
from tests.web.conftest import changes, csrf_of, login, recorded_state
from tests.web.test_api import token_for

SAFE = {"GET", "HEAD", "OPTIONS"}
#: changes nobody signs in for: the sign-in form (its own CSRF cookie), the VC API's
#: verification, answering a presentation request (its challenge is the capability),
#: creating an account (a form token matched with its own cookie, like sign-in's), a
#: wallet's steps in a VC API exchange (the exchange URL's secret is the capability), and
#: a wallet's OpenID4VCI requests (the pre-authorized or authorization code, the access
#: token and the proof are the capabilities; a nonce grants nothing by itself)
PUBLIC = {
    ("POST", "/login"),
    ("POST", "/signup"),
    ("POST", "/signup/{token}"),
    ("POST", "/credentials/verify"),
    ("POST", "/presentations/verify"),
    ("POST", "/api/requests/{challenge}/answer"),
    ("POST", "/exchanges/{secret}"),
    ("POST", "/orgs/{slug}/oid4vci/token"),
    ("POST", "/orgs/{slug}/oid4vci/nonce"),
    ("POST", "/orgs/{slug}/oid4vci/credential"),
    ("POST", "/oid4vp/response"),  # wallets post OpenID4VP responses without a session
}
ELSEWHERE = {"Origin": "https://elsewhere.example", "Sec-Fetch-Site": "cross-site"}


def _takes_principal(dependant: Dependant) -> bool:
    return any(d.call is optional_principal or _takes_principal(d) for d in dependant.dependencies)


def _routes(routes: list[Any]) -> list[APIRoute]:
    """The endpoints, through the routers FastAPI keeps whole (the app includes them
    without a prefix)."""
    found = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found += _routes(route.original_router.routes)
    return found


def _changes(client: TestClient) -> list[tuple[str, str, bool]]:
    """Every (method, path, takes a principal) the app answers that is not GET/HEAD."""
    found = []
    for route in _routes(client.app.routes):  # type: ignore[attr-defined]
        if isinstance(route, APIRoute):
            for method in sorted((route.methods or set()) - SAFE):
                found.append((method, route.path, _takes_principal(route.dependant)))
    return found


def _concrete(path: str) -> str:
    """A path the app resolves: a real organization, any other parameter a placeholder."""
    return re.sub(r"\{[^}]+\}", "x", path.replace("{slug}", "ohio-nursing"))


def test_every_change_without_a_principal_is_known_to_be_public(client: TestClient) -> None:
    """A new route that changes something and resolves no principal must be added to
    PUBLIC on purpose (and then cannot read the session cookie by the back door)."""
    unsigned = {(m, p) for m, p, takes in _changes(client) if not takes}
    assert unsigned == PUBLIC


def test_every_cookie_signed_change_refuses_a_forged_request(
    client: TestClient, demo_platform: Any
) -> None:
    routes = [(m, p) for m, p, takes in _changes(client) if takes]
    assert len(routes) > 30  # the walk found the page forms and the API
    login(client, "admin@demo.openler.org")
    real = csrf_of(client.get("/home").text)
    before = recorded_state(demo_platform)
    forgeries: dict[str, dict[str, Any]] = {
        "a form without the token": {"data": {"confirm": "yes"}},
        "a form with a wrong token": {"data": {"confirm": "yes", "csrf_token": real[::-1]}},
        "a multipart form without the token": {"files": {"file": ("a.csv", b"a@b.org")}},
        "text/plain": {"content": b"{}", "headers": {"Content-Type": "text/plain"}},
        "a body with no type": {"content": b"{}"},
        "JSON from another site": {"json": {}, "headers": ELSEWHERE},
        "no body, from another site's page": {"headers": {"Origin": "https://elsewhere.example"}},
    }
    accepted = []
    for method, path in routes:
        for name, forged in forgeries.items():
            response = client.request(method, _concrete(path), **forged)
            if response.status_code != 403 or response.json()["message"] != REFUSED:
                accepted.append(f"{method} {path}, {name}: {response.status_code}")
    assert not accepted
    after = recorded_state(demo_platform)
    assert after == before, changes(before, after)
    assert client.get("/home", follow_redirects=False).status_code == 200  # not signed out


def test_the_token_or_the_same_origin_lets_a_change_through(
    client: TestClient, demo_platform: Any
) -> None:
    login(client, "olivia@demo.openler.org")
    real = csrf_of(client.get("/home").text)
    keys = recorded_state(demo_platform)["issuer_keys"]
    # the token in its header, even when the browser says the page was elsewhere
    with_token = {"X-CSRF-Token": real, **ELSEWHERE}
    assert client.post("/api/orgs/ohio-nursing/keys", headers=with_token).status_code == 201
    # JSON or no body from a script on this site
    same_site = {"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"}
    assert client.post("/api/orgs/ohio-nursing/keys", headers=same_site).status_code == 201
    assert recorded_state(demo_platform)["issuer_keys"] == keys + 2


def test_bearer_tokens_are_not_asked_for_a_csrf_token(
    client: TestClient, demo_platform: Any
) -> None:
    """A browser never adds an Authorization header by itself, so a bearer token proves
    the caller chose to send it, wherever the request comes from."""
    token = token_for(demo_platform, "olivia@demo.openler.org", "ohio-nursing", "issuer_admin")
    before = recorded_state(demo_platform)["issuer_keys"]
    response = client.post(
        "/api/orgs/ohio-nursing/keys",
        headers={"Authorization": f"Bearer {token}", **ELSEWHERE},
    )
    assert response.status_code == 201
    assert recorded_state(demo_platform)["issuer_keys"] == before + 1
