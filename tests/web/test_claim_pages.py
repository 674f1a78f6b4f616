"""The pages of recipients without accounts: issuing to an address from the issuer's form,
the claim link (create an account, or claim while signed in), the mailbox, sign-up through
a link, sending a claim link again, and never a silent duplicate — each allowed for whom it
is for and refused (with nothing changed) for everyone else."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from openler.services.issuers import claims
from openler.store.models import Claim, IssuedCredential, OutboxMessage, Person
from openler.web import create_app
from openler.web.edge import redact
from tests.oidc_idp import FakeProvider
from tests.services.test_outbox import Inbox, smtp  # noqa: F401 - a fixture used by name
from tests.web.conftest import changes, csrf_of, login, recorded_state
from tests.web.test_oidc import (  # noqa: F401 - fixtures used by name
    app_client,
    fresh_idp,
    idp,
    through_provider,
)

HTML = {"Accept": "text/html"}
PASSWORD = "a long enough password"


def another(client: TestClient) -> TestClient:
    """A second browser on the same app (its own cookies)."""
    return TestClient(client.app, base_url="http://127.0.0.1:8000", raise_server_exceptions=False)


def signed_in(client: TestClient, who: str) -> str:
    login(client, f"{who}@demo.openler.org")
    return csrf_of(client.get("/home").text)


def form_token(html: str) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def issue_to_stranger(client: TestClient, email: str = "pat@example.org", **extra: str) -> str:
    """Trainer issues IV Therapy to ``email`` from the form; the credential id."""
    token = signed_in(client, "trainer")
    issued = client.post(
        "/issuer/piedmont-hospital/issue",
        data={"csrf_token": token, "achievement": "iv-therapy", "email": email, **extra},
        follow_redirects=False,
    )
    assert issued.status_code == 303, issued.text
    assert issued.headers["location"].endswith("?done=claim-sent")
    return unquote(issued.headers["location"].split("/credentials/", 1)[1].split("?")[0])


def link_in_mailbox(platform: Any, to: str) -> str:
    """The live claim link sent to ``to``, as a path (the mail is the only place the token
    is; the database keeps its digest)."""
    with platform.db.session() as s:
        bodies = s.execute(select(OutboxMessage.body).where(OutboxMessage.to_address == to))
        paths = [p for body in bodies.scalars() for p in re.findall(r"(/claim/[\w-]+)", body)]
        live = {
            c.token_hash
            for c in s.execute(select(Claim)).scalars()
            if c.claimed_at is None and c.expires_at > platform.now()
        }
    (path,) = [p for p in paths if claims.token_digest(p.rsplit("/", 1)[1]) in live]
    return str(path)


def test_issuing_to_an_address_without_an_account_sends_a_claim_link(
    client: TestClient, demo_platform: Any
) -> None:
    credential_id = issue_to_stranger(client, "Pat@Example.org", name="Pat Doe")
    detail = client.get(
        f"/issuer/piedmont-hospital/credentials/{quote(credential_id)}?done=claim-sent"
    )
    assert "A claim link was sent to pat@example.org" in detail.text
    assert "not claimed yet" in detail.text and "Pat Doe" in detail.text
    assert "Pat Doe" in client.get("/issuer/piedmont-hospital").text
    # the trainer's own mailbox has none of Pat's mail; the platform administrator's has it
    assert "pat@example.org" not in client.get("/mailbox").text
    admin = another(client)
    signed_in(admin, "admin")
    mailbox = admin.get("/mailbox").text
    assert "Piedmont Regional Hospital has issued you IV Therapy" in mailbox
    path = link_in_mailbox(demo_platform, "pat@example.org")
    assert f'href="http://127.0.0.1:8000{path}"' in mailbox and "data:image/svg+xml" in mailbox


def test_a_recipient_creates_an_account_from_the_link_and_finds_it_in_the_wallet(
    client: TestClient, demo_platform: Any
) -> None:
    old_id = issue_to_stranger(client, name="Pat Doe")
    path = link_in_mailbox(demo_platform, "pat@example.org")
    pat = another(client)
    offered = pat.get(path)
    assert offered.status_code == 200
    text = offered.text
    assert "Piedmont Regional Hospital has issued you IV Therapy" in text
    assert "Pat Doe" in text and "pat@example.org" in text and "data:image/svg+xml" in text
    token = form_token(text)
    # refused: a form without its token (another site's), and a weak password
    forged = pat.post(f"{path}/account", data={"name": "Pat", "password": PASSWORD}, headers=HTML)
    assert forged.status_code == 403
    weak = pat.post(
        f"{path}/account",
        data={"name": "Pat Doe", "password": "short", "form_token": token},
        headers=HTML,
    )
    assert weak.status_code == 400 and "12 characters" in weak.text
    with demo_platform.db.session() as s:
        assert s.execute(select(Person).where(Person.email == "pat@example.org")).scalar() is None
    created = pat.post(
        f"{path}/account",
        data={"name": "Pat Doe", "password": PASSWORD, "form_token": form_token(weak.text)},
        follow_redirects=False,
    )
    assert created.status_code == 303 and created.headers["location"].startswith("/wallet/")
    wallet = pat.get(created.headers["location"])
    assert wallet.status_code == 200 and "IV Therapy" in wallet.text
    assert "IV Therapy" in pat.get("/home").text
    with demo_platform.db.session() as s:
        old = s.get(IssuedCredential, old_id)
        person = s.execute(select(Person).where(Person.email == "pat@example.org")).scalar_one()
        assert old is not None and old.state == "revoked" and old.replaced_by
        new = s.get(IssuedCredential, old.replaced_by)
        assert new is not None and new.person_id == person.id
        assert new.document["credentialSubject"]["id"] == person.did
    # the trainer's page says it was claimed and points to the replacement
    page = client.get(f"/issuer/piedmont-hospital/credentials/{quote(old_id)}").text
    assert "Claimed on" in page and "Send the claim link again" not in page
    # the link works once: again it is a humane page, and a claim through it is refused
    again = another(client).get(path, headers=HTML)
    assert again.status_code == 410 and "already used" in again.text and "Sign in" in again.text
    james = another(client)
    james_csrf = signed_in(james, "james")
    before = recorded_state(demo_platform)
    refused = james.post(path, data={"csrf_token": james_csrf}, headers=HTML)
    assert refused.status_code == 409 and "already used" in refused.text
    assert changes(before, recorded_state(demo_platform)) == {}


def test_only_the_account_with_the_address_claims_while_signed_in(
    client: TestClient, demo_platform: Any
) -> None:
    old_id = issue_to_stranger(client, "pat@example.org")
    path = link_in_mailbox(demo_platform, "pat@example.org")
    # someone else, signed in, is told whose link it is and cannot claim it
    james = another(client)
    james_csrf = signed_in(james, "james")
    shown = james.get(path).text
    assert "but this link was sent to pat@example.org" in shown
    assert "Add it to my wallet" not in shown
    before = recorded_state(demo_platform)
    refused = james.post(path, data={"csrf_token": james_csrf}, headers=HTML)
    assert refused.status_code == 403
    assert changes(before, recorded_state(demo_platform)) == {}
    # Pat makes an account through /signup first, then claims while signed in
    pat = another(client)
    signup_page = pat.get("/signup").text
    asked = pat.post(
        "/signup", data={"email": "pat@example.org", "form_token": form_token(signup_page)}
    )
    assert "We sent a link to pat@example.org" in asked.text
    with demo_platform.db.session() as s:
        body = s.execute(
            select(OutboxMessage.body).where(OutboxMessage.kind == "signup")
        ).scalar_one()
    account_path = re.findall(r"(/signup/\S+)", body)[0]
    form = pat.get(account_path).text
    made = pat.post(
        account_path,
        data={"name": "Pat Doe", "password": PASSWORD, "form_token": form_token(form)},
        follow_redirects=False,
    )
    assert made.status_code == 303 and made.headers["location"] == "/home"
    page = pat.get(path).text
    assert "Add it to my wallet" in page
    csrf = csrf_of(page)
    # refused: the session's CSRF token missing (a form posted from another site)
    assert pat.post(path, data={"claim": "yes"}, headers=HTML).status_code == 403
    claimed = pat.post(path, data={"csrf_token": csrf}, follow_redirects=False)
    assert claimed.status_code == 303 and claimed.headers["location"].startswith("/wallet/")
    with demo_platform.db.session() as s:
        old = s.get(IssuedCredential, old_id)
        assert old is not None and old.replaced_by is not None


def test_an_unknown_or_expired_link_shows_a_way_on(client: TestClient, demo_platform: Any) -> None:
    unknown = client.get("/claim/not-a-real-token", headers=HTML)
    assert unknown.status_code == 404 and "not known here" in unknown.text
    assert 'href="/login"' in unknown.text
    assert redact("/claim/abc123?x=1") == "/claim/[redacted]?x=1"
    assert redact("/signup/abc.123.def") == "/signup/[redacted]"


def test_single_issue_asks_before_a_duplicate(client: TestClient, demo_platform: Any) -> None:
    token = signed_in(client, "trainer")
    data = {"csrf_token": token, "achievement": "iv-therapy", "email": "maria@demo.openler.org"}

    def count() -> int:
        with demo_platform.db.session() as s:
            return int(s.scalar(select(func.count()).select_from(IssuedCredential)) or 0)

    before = count()
    asked = client.post("/issuer/piedmont-hospital/issue", data=data)
    assert asked.status_code == 200
    assert (
        "Maria Alvarez already holds IV Therapy and Infusion Safety, issued 2026-11-24"
        in asked.text
    )
    assert "Issue another anyway" in asked.text and "Cancel" in asked.text
    assert count() == before
    again = client.post(
        "/issuer/piedmont-hospital/issue", data={**data, "confirm": "yes"}, follow_redirects=False
    )
    assert again.status_code == 303 and again.headers["location"].endswith("?done=issued")
    assert count() == before + 1


def test_sending_the_claim_link_again_ends_the_old_one(
    client: TestClient, demo_platform: Any
) -> None:
    credential_id = issue_to_stranger(client)
    first = link_in_mailbox(demo_platform, "pat@example.org")
    token = csrf_of(client.get("/home").text)
    action = f"/issuer/piedmont-hospital/claim-link/{quote(credential_id)}"
    asked = client.post(action, data={"csrf_token": token})
    assert asked.status_code == 200 and "stops working" in asked.text
    assert link_in_mailbox(demo_platform, "pat@example.org") == first
    # refused: another organization's staff, and this credential under another organization
    olivia = another(client)
    olivia_csrf = signed_in(olivia, "olivia")
    before = recorded_state(demo_platform)
    denied = olivia.post(action, data={"csrf_token": olivia_csrf, "confirm": "yes"}, headers=HTML)
    assert denied.status_code == 404  # not told it exists
    elsewhere = client.post(
        f"/issuer/ohio-nursing/claim-link/{quote(credential_id)}",
        data={"csrf_token": token, "confirm": "yes"},
        headers=HTML,
    )
    assert elsewhere.status_code == 404
    assert changes(before, recorded_state(demo_platform)) == {}
    sent = client.post(action, data={"csrf_token": token, "confirm": "yes"}, follow_redirects=False)
    assert sent.headers["location"].endswith("?done=claim-resent")
    second = link_in_mailbox(demo_platform, "pat@example.org")
    assert second != first
    old = another(client).get(first, headers=HTML)
    assert old.status_code == 410 and "send the claim link again" in old.text
    assert another(client).get(second).status_code == 200


def test_signup_is_reachable_from_sign_in_and_refuses_forged_forms(
    client: TestClient, demo_platform: Any
) -> None:
    assert 'href="/signup"' in client.get("/login").text
    forged = client.post("/signup", data={"email": "x@example.org"}, headers=HTML)
    assert forged.status_code == 403
    bad = client.get("/signup/nonsense.123.abc", headers=HTML)
    assert bad.status_code == 404 and "Ask for a new link" in bad.text
    with demo_platform.db.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    # the mailbox is for signed-in people
    assert another(client).get("/mailbox", follow_redirects=False).headers["location"] == "/login"


def test_a_recipient_claims_through_the_identity_provider(
    demo_platform: Any,
    fresh_idp: FakeProvider,  # noqa: F811
) -> None:
    """The provider confirms the address, creates the account (when the deployment lets it)
    and sends the browser back to the link, where the new account claims it."""
    issuer = app_client(demo_platform, fresh_idp)
    issue_to_stranger(issuer, "pat@example.org")
    path = link_in_mailbox(demo_platform, "pat@example.org")
    # without account creation at the provider, the link does not offer it
    assert "Sign in with Test ID" not in app_client(demo_platform, fresh_idp).get(path).text
    fresh_idp.user = {
        "sub": "idp-pat",
        "email": "pat@example.org",
        "email_verified": True,
        "name": "Pat Doe",
    }
    pat = app_client(demo_platform, fresh_idp, oidc_create_learners=True)
    assert "Sign in with Test ID" in pat.get(path).text  # and it remembers where to return
    back = through_provider(pat)
    assert back.status_code == 303 and back.headers["location"] == path
    page = pat.get(path).text
    assert "Add it to my wallet" in page
    claimed = pat.post(path, data={"csrf_token": csrf_of(page)}, follow_redirects=False)
    assert claimed.status_code == 303 and claimed.headers["location"].startswith("/wallet/")
    assert "IV Therapy" in pat.get("/home").text


def test_with_a_mail_server_the_claim_link_is_delivered_after_the_page_answers(
    demo_platform: Any,
    smtp: tuple[Inbox, int],  # noqa: F811
) -> None:
    inbox, port = smtp
    demo_platform.settings = demo_platform.settings.model_copy(
        update={"smtp_url": SecretStr(f"smtp://127.0.0.1:{port}")}
    )
    client = TestClient(
        create_app(demo_platform.settings, platform=demo_platform),
        base_url="http://127.0.0.1:8000",
        raise_server_exceptions=False,
    )
    issue_to_stranger(client, "pat@example.org")
    ((recipients, content),) = inbox.received
    assert recipients == ["pat@example.org"] and b"/claim/" in content
    with demo_platform.db.session() as s:
        message = s.execute(select(OutboxMessage)).scalar_one()
        assert message.sent_at is not None and "/claim/[sent by email]" in message.body
    admin = another(client)
    signed_in(admin, "admin")
    assert 'href="/mailbox"' in admin.get("/home").text
    assert "sent 2026-11-24" in admin.get("/mailbox").text


def test_a_revoked_credentials_page_says_its_claim_link_no_longer_works(
    client: TestClient, demo_platform: Any
) -> None:
    credential_id = issue_to_stranger(client, "rev@example.org")
    page_path = f"/issuer/piedmont-hospital/credentials/{quote(credential_id)}"
    assert "The link works until" in client.get(page_path).text
    token = csrf_of(client.get("/home").text)
    revoked = client.post(
        f"/issuer/piedmont-hospital/status/{quote(credential_id)}",
        data={
            "csrf_token": token,
            "action": "revoke",
            "confirm": "yes",
            "reason": "Issued by error",
        },
        follow_redirects=False,
    )
    assert revoked.status_code == 303, revoked.text
    page = re.sub(r"\s+", " ", client.get(page_path).text)
    assert "The link works until" not in page
    assert "The credential was revoked, so the link no longer works" in page
    with demo_platform.db.session() as s:  # and the claim mail is never sent
        assert not s.execute(
            select(OutboxMessage).where(OutboxMessage.to_address == "rev@example.org")
        ).all()
