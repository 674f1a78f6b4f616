"""Sign-in through an OpenID Connect provider: the happy path, account matching, and every
way an ID token or a response can be wrong (each refused with its own message)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from openler.services import audit
from openler.settings import Settings
from openler.store.models import AuditEvent, Identity, Person
from openler.web import create_app
from openler.web.render import RETURN_COOKIE
from tests.conftest import NOW
from tests.oidc_idp import FakeProvider, running_provider
from tests.web.test_portal_pages import credential_id

CALLBACK = "http://127.0.0.1:8000/login/oidc/callback"


@pytest.fixture(scope="module")
def idp() -> Iterator[FakeProvider]:
    with running_provider([CALLBACK]) as provider:
        provider.clock = NOW.timestamp
        yield provider


@pytest.fixture
def fresh_idp(idp: FakeProvider) -> Iterator[FakeProvider]:
    idp.tamper = {}
    idp.user = {
        "sub": "idp-maria",
        "email": "maria@demo.openler.org",
        "email_verified": True,
        "name": "Maria Alvarez",
    }
    yield idp
    idp.tamper = {}


def app_client(platform: Any, idp: FakeProvider, **extra: Any) -> TestClient:
    settings = platform.settings.model_copy(
        update={
            "oidc_issuer": idp.issuer,
            "oidc_client_id": idp.client_id,
            "oidc_client_secret": SecretStr(idp.client_secret),
            "oidc_name": "Test ID",
            **extra,
        }
    )
    app = create_app(settings, platform=platform)
    return TestClient(app, base_url="http://127.0.0.1:8000", raise_server_exceptions=False)


@pytest.fixture
def client(demo_platform: Any, fresh_idp: FakeProvider) -> TestClient:
    return app_client(demo_platform, fresh_idp)


def through_provider(client: TestClient, decision: str = "allow", **query: str) -> Any:
    """Click "Sign in with …", agree at the provider, and follow it back."""
    start = client.get("/login/oidc", follow_redirects=False)
    assert start.status_code == 303, start.text
    consent = httpx.get(start.headers["location"])
    assert consent.status_code == 200, consent.text
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', consent.text))
    back = httpx.post(
        urlsplit(start.headers["location"])._replace(query="").geturl(),
        data={**fields, "decision": decision},
        follow_redirects=False,
    )
    assert back.status_code == 303
    callback = urlsplit(back.headers["location"])
    params = {k: v[0] for k, v in parse_qs(callback.query).items()} | query
    return client.get(callback.path, params=params, follow_redirects=False)


def test_the_login_page_offers_the_provider_only_when_configured(
    client: TestClient, demo_platform: Any
) -> None:
    assert "Sign in with Test ID" in client.get("/login").text
    plain = TestClient(create_app(demo_platform.settings, platform=demo_platform))
    assert "Sign in with" not in plain.get("/login").text
    assert plain.get("/login/oidc", follow_redirects=False).status_code == 404


def test_the_authorization_request_uses_pkce_state_and_nonce(
    client: TestClient, fresh_idp: FakeProvider
) -> None:
    response = client.get("/login/oidc", follow_redirects=False)
    query = {k: v[0] for k, v in parse_qs(urlsplit(response.headers["location"]).query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == "openler"
    assert query["redirect_uri"] == CALLBACK
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert query["state"] and query["nonce"] and query["state"] != query["nonce"]
    assert set(query["scope"].split()) == {"openid", "email", "profile"}
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Path=/login/oidc" in cookie and "SameSite=lax" in cookie
    assert query["state"] in cookie and query["code_challenge"] not in cookie


def test_a_verified_email_signs_the_person_in_and_links_the_account(
    client: TestClient, demo_platform: Any
) -> None:
    response = through_provider(client)
    assert response.status_code == 303 and response.headers["location"] == "/home"
    home = client.get("/home")
    assert "Welcome, Maria Alvarez" in home.text
    assert "Registered Nurse" in home.text
    with demo_platform.db.session() as session:
        identity = session.execute(select(Identity)).scalar_one()
        maria = session.execute(
            select(Person).where(Person.email == "maria@demo.openler.org")
        ).scalar_one()
        assert identity.person_id == maria.id and identity.subject == "idp-maria"
        actions = [
            (e.action, e.data)
            for e in session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
        ]
        issuer = client.app.state.oidc.issuer  # type: ignore[attr-defined]
        assert ("identity.link", {"issuer": issuer, "subject": "idp-maria"}) in actions
        assert actions[-1] == ("login", {"method": "oidc", "issuer": issuer})
        assert audit.verify_chain(session).ok


def test_a_deep_link_the_identity_provider_sign_in_comes_back_too(
    demo_platform: Any, fresh_idp: FakeProvider
) -> None:
    client = app_client(demo_platform, fresh_idp)
    rn = credential_id(demo_platform, "maria@demo.openler.org", "Registered Nurse")
    assert client.get(f"/wallet/{rn}", follow_redirects=False).headers["location"] == "/login"
    back = through_provider(client)
    assert back.status_code == 303
    assert back.headers["location"] == f"/wallet/{quote(rn, safe='/:')}"
    assert "Checked just now" in client.get(back.headers["location"]).text


def test_a_deep_link_the_identity_provider_sign_in_ignores_a_planted_cookie(
    demo_platform: Any, fresh_idp: Any
) -> None:
    client = app_client(demo_platform, fresh_idp)
    client.cookies.set(RETURN_COOKIE, "//evil.example/", domain="127.0.0.1", path="/login")
    assert through_provider(client).headers["location"] == "/home"


def test_once_linked_the_subject_counts_not_the_email(
    client: TestClient, fresh_idp: FakeProvider
) -> None:
    through_provider(client)
    client.cookies.clear()
    fresh_idp.user = {**fresh_idp.user, "email": "someone.else@example.org"}
    response = through_provider(client)
    assert response.status_code == 303
    assert "Welcome, Maria Alvarez" in client.get("/home").text


def test_a_second_subject_for_a_linked_person_is_refused(
    client: TestClient, fresh_idp: FakeProvider
) -> None:
    through_provider(client)
    client.cookies.clear()
    fresh_idp.user = {**fresh_idp.user, "sub": "idp-impostor"}
    response = through_provider(client)
    assert response.status_code == 401
    assert "already linked to another account" in response.text
    assert client.get("/home", follow_redirects=False).headers["location"] == "/login"


def test_an_unverified_email_is_not_matched(client: TestClient, fresh_idp: FakeProvider) -> None:
    fresh_idp.user = {**fresh_idp.user, "email_verified": False}
    response = through_provider(client)
    assert response.status_code == 401
    assert "did not confirm an email address" in response.text


def test_an_unknown_person_needs_an_account_unless_learners_may_be_created(
    demo_platform: Any, fresh_idp: FakeProvider
) -> None:
    fresh_idp.user = {
        "sub": "idp-new",
        "email": "New.Person@Example.org",
        "email_verified": True,
        "name": "New Person",
    }
    refused = through_provider(app_client(demo_platform, fresh_idp))
    assert refused.status_code == 401
    assert "no account here uses new.person@example.org" in refused.text
    with demo_platform.db.session() as session:
        assert session.execute(select(Identity)).first() is None
        failed = session.execute(
            select(AuditEvent).where(AuditEvent.action == "login.failed")
        ).scalar_one()
        assert "no account here" in failed.data["reason"]

    open_client = app_client(demo_platform, fresh_idp, oidc_create_learners=True)
    assert through_provider(open_client).status_code == 303
    home = open_client.get("/home").text
    assert "Welcome, New Person" in home and "Your record is empty" in home
    with demo_platform.db.session() as session:
        person = session.execute(
            select(Person).where(Person.email == "new.person@example.org")
        ).scalar_one()
        assert person.password_hash is None  # no password: the provider is the way in


def test_the_person_can_decline_at_the_provider(client: TestClient) -> None:
    response = through_provider(client, decision="deny")
    assert response.status_code == 401
    assert "refused the sign-in: access_denied (the user said no)" in response.text


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ({"claims": {"aud": "another-client"}}, "issued for another client (aud)"),
        ({"claims": {"aud": ["openler", "other"]}}, "several audiences but not us as azp"),
        ({"claims": {"azp": "other"}}, "requested by another client (azp)"),
        (
            {"claims": {"iss": "https://evil.example"}},
            "was issued by &#39;https://evil.example&#39;",
        ),
        ({"claims": {"exp": int(NOW.timestamp()) - 3600}}, "the ID token has expired"),
        ({"claims": {"iat": int(NOW.timestamp()) + 3600}}, "issued in the future"),
        ({"claims": {"exp": None}}, "lacks exp or iat"),
        ({"claims": {"nonce": "replayed"}}, "nonce does not match"),
        ({"claims": {"sub": None}}, "has no subject"),
        ({"alg": "none"}, "signed with &#39;none&#39;"),
        ({"alg": "HS256"}, "signed with &#39;HS256&#39;"),
        ({"foreign_key": True}, "signature does not verify"),
        ({"kid": "unknown-kid"}, "does not publish"),
        ({"token_error": "server_error"}, "HTTP 400 for its token response: server_error"),
    ],
)
def test_a_bad_id_token_or_response_is_refused(
    client: TestClient, fresh_idp: FakeProvider, tamper: dict[str, Any], message: str
) -> None:
    fresh_idp.tamper = tamper
    response = through_provider(client)
    assert response.status_code in (401, 502)
    assert message in response.text, response.text
    assert client.get("/home", follow_redirects=False).headers["location"] == "/login"


def test_state_must_match_and_the_pending_cookie_must_exist(
    client: TestClient, fresh_idp: FakeProvider
) -> None:
    wrong_state = through_provider(client, state="forged")
    assert wrong_state.status_code == 401
    assert "does not belong to this browser" in wrong_state.text
    client.cookies.clear()
    no_cookie = client.get("/login/oidc/callback", params={"code": "x", "state": "y"})
    assert no_cookie.status_code == 401 and "start again" in no_cookie.text


def test_a_code_is_used_once(client: TestClient, fresh_idp: FakeProvider) -> None:
    start = client.get("/login/oidc", follow_redirects=False)
    consent = httpx.get(start.headers["location"])
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', consent.text))
    back = httpx.post(f"{fresh_idp.issuer}/authorize", data={**fields, "decision": "allow"})
    callback = urlsplit(back.headers["location"] if back.is_redirect else str(back.url))
    cookie = client.cookies.get("openler_oidc")
    first = client.get(callback.path + "?" + callback.query, follow_redirects=False)
    assert first.status_code == 303
    client.cookies.clear()
    client.cookies.set("openler_oidc", cookie or "", path="/login/oidc")
    again = client.get(callback.path + "?" + callback.query, follow_redirects=False)
    assert again.status_code == 502 and "invalid_grant" in again.text


def test_rotated_provider_keys_are_fetched_again(
    client: TestClient, fresh_idp: FakeProvider
) -> None:
    assert through_provider(client).status_code == 303
    fresh_idp.rotate_key()
    client.cookies.clear()
    assert through_provider(client).status_code == 303


def test_an_unreachable_or_misconfigured_provider_is_explained(demo_platform: Any) -> None:
    settings = demo_platform.settings.model_copy(
        update={"oidc_issuer": "http://127.0.0.1:9", "oidc_client_id": "openler"}
    )
    client = TestClient(create_app(settings, platform=demo_platform))
    response = client.get("/login/oidc", follow_redirects=False)
    assert response.status_code == 502
    assert "could not reach the identity provider for its discovery document" in response.text


def test_a_discovery_document_for_another_issuer_is_refused(
    client: TestClient, fresh_idp: FakeProvider
) -> None:
    fresh_idp.tamper = {"discovery_issuer": "https://other.example"}
    response = client.get("/login/oidc", follow_redirects=False)
    assert response.status_code == 502
    assert "names the issuer" in response.text


def test_settings_need_a_client_and_https_in_production() -> None:
    with pytest.raises(ValueError, match="OPENLER_OIDC_CLIENT_ID is required"):
        Settings(oidc_issuer="https://id.example")
    with pytest.raises(ValueError, match="must include openid"):
        Settings(oidc_issuer="https://id.example", oidc_client_id="c", oidc_scopes="email")
    with pytest.raises(ValueError, match="OPENLER_OIDC_ISSUER must be https"):
        Settings(
            environment="production",
            key_encryption_key=SecretStr("A" * 43 + "="),
            public_url="https://ler.example",
            oidc_issuer="http://id.example",
            oidc_client_id="c",
        )
    assert "s3cret" not in repr(
        Settings(
            oidc_issuer="https://id.example",
            oidc_client_id="c",
            oidc_client_secret=SecretStr("s3cret"),
        )
    )
