"""The learner's and the issuer's pages: each works for its role and refuses everyone else,
forms keep what was typed when they refuse it, and every change is checked through."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import quote, unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.services.issuers import issuing
from openler.store.models import IssuedCredential, Person
from tests.web.conftest import csrf_of, login

HTML = {"Accept": "text/html"}


def credential_id(platform: Any, email: str, name: str) -> str:
    with platform.db.session() as s:
        person = s.execute(select(Person).where(Person.email == email)).scalar_one()
        return next(
            c.id for c in issuing.credentials_of(s, person.id) if c.document["name"] == name
        )


def signed_in(client: TestClient, who: str) -> str:
    login(client, f"{who}@demo.openler.org")
    return csrf_of(client.get("/home").text)


# --- the learner ------------------------------------------------------------------------


def test_a_learner_sees_her_credential_checked_now_and_downloads_it(
    client: TestClient, demo_platform: Any
) -> None:
    rn = credential_id(demo_platform, "maria@demo.openler.org", "Registered Nurse")
    signed_in(client, "maria")
    assert f'href="/record/issued:{quote(rn, safe="")}"' in client.get("/record").text
    detail = client.get(f"/wallet/{rn}")
    assert detail.status_code == 200
    assert "Checked just now" in detail.text and "Verified: License" in detail.text
    assert "Ohio Board of Nursing" in detail.text
    download = client.get(f"/download/{rn}")
    assert download.headers["content-type"].startswith("application/vc")
    assert 'filename="registered-nurse.json"' in download.headers["content-disposition"]
    assert download.json()["id"] == rn


def test_a_learner_never_sees_another_learners_credential(
    client: TestClient, demo_platform: Any
) -> None:
    rn = credential_id(demo_platform, "maria@demo.openler.org", "Registered Nurse")
    assert client.get(f"/wallet/{rn}", follow_redirects=False).headers["location"] == "/login"
    signed_in(client, "james")
    for path in (f"/wallet/{rn}", f"/download/{rn}"):
        response = client.get(path, headers=HTML)
        assert response.status_code == 404 and "Not found" in response.text
        assert "Registered Nurse" not in response.text
    signed_in(client, "olivia")  # the issuer's staff use the issuer pages, not the wallet
    assert client.get(f"/wallet/{rn}", headers=HTML).status_code == 404


def test_sharing_from_the_page_end_to_end(client: TestClient, demo_platform: Any) -> None:
    rn = credential_id(demo_platform, "maria@demo.openler.org", "Registered Nurse")
    token = signed_in(client, "maria")
    form = client.get(f"/shares?credential={rn}").text
    assert re.search(rf'value="{rn}" checked', form)
    fields = {
        "csrf_token": token,
        "credentials": [rn],
        "audience": "Piedmont Regional Hospital HR",
        "purpose": "Job application",
        "days": "14",
    }
    refused = client.post("/shares", data=fields)  # no consent ticked
    assert refused.status_code == 400 and "Tick the consent box" in refused.text
    assert 'value="Piedmont Regional Hospital HR"' in refused.text  # nothing typed is lost
    assert 'value="14"' in refused.text
    none_chosen = client.post("/shares", data={**fields, "credentials": [], "consent": "yes"})
    assert none_chosen.status_code == 400 and "Choose at least one credential" in none_chosen.text

    created = client.post("/shares", data={**fields, "consent": "yes"}, follow_redirects=False)
    assert created.status_code == 303
    page = client.get("/shares").text
    link = re.search(
        r'id="link" type="text" readonly value="http://127.0.0.1:8000(/s/[^"]+)"', page
    )
    assert link is not None
    assert "Your new share link" not in client.get("/shares").text  # shown once
    client.cookies.clear()
    opened = client.get(link.group(1))
    assert opened.status_code == 200 and "Every credential verified" in opened.text

    token = signed_in(client, "maria")
    listing = client.get("/shares").text
    assert "opened 1 time" in listing and "Job application" in listing
    share_id = re.search(r'action="/shares/([0-9a-f]+)/withdraw"', listing)
    assert share_id is not None
    asked = client.post(f"/shares/{share_id.group(1)}/withdraw", data={"csrf_token": token})
    assert asked.status_code == 200
    assert "Withdraw the share with Piedmont Regional Hospital HR?" in asked.text
    client.cookies.clear()
    assert client.get(link.group(1)).status_code == 200  # asking changed nothing
    token = signed_in(client, "maria")
    withdrawn = client.post(
        f"/shares/{share_id.group(1)}/withdraw", data={"csrf_token": token, "confirm": "yes"}
    )
    assert withdrawn.status_code == 200 and "withdrawn" in withdrawn.text
    client.cookies.clear()
    assert client.get(link.group(1)).status_code == 410


def test_forms_without_the_csrf_token_are_refused(client: TestClient, demo_platform: Any) -> None:
    rn = credential_id(demo_platform, "maria@demo.openler.org", "Registered Nurse")
    signed_in(client, "maria")
    response = client.post(
        "/shares",
        data={"credentials": [rn], "audience": "x", "purpose": "y", "consent": "yes"},
        headers=HTML,
    )
    # the message starts with a capital in its text (no CSS rule changes what it quotes)
    assert response.status_code == 403 and "The form expired" in response.text


# --- the issuer -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [("trainer", 200), ("olivia", 403), ("maria", 403), ("hr", 403), ("renee", 403)],
)
def test_issuer_pages_matrix(client: TestClient, who: str, expected: int) -> None:
    signed_in(client, who)
    for path in ("/issuer/piedmont-hospital", "/issuer/piedmont-hospital/batch"):
        assert client.get(path, headers=HTML).status_code == expected, path


def test_issuer_pages_send_strangers_to_sign_in(client: TestClient) -> None:
    response = client.get("/issuer/piedmont-hospital", follow_redirects=False)
    assert response.headers["location"] == "/login"
    signed_in(client, "trainer")
    unknown = client.get("/issuer/nowhere", headers=HTML)
    assert unknown.status_code == 404 and "No organization" in unknown.text


def test_issue_find_suspend_reinstate_revoke(client: TestClient, demo_platform: Any) -> None:
    token = signed_in(client, "trainer")
    dashboard = client.get("/issuer/piedmont-hospital").text
    assert "IV Therapy" in dashboard and "Maria Alvarez" in dashboard
    nobody = client.post(
        "/issuer/piedmont-hospital/issue",
        data={"csrf_token": token, "achievement": "iv-therapy", "name": "Nobody Named"},
    )
    assert (
        nobody.status_code == 400
        and "a recipient needs an email address or an identifier" in nobody.text
    )
    assert 'value="Nobody Named"' in nobody.text

    issued = client.post(
        "/issuer/piedmont-hospital/issue",
        data={"csrf_token": token, "achievement": "iv-therapy", "email": "James@demo.openler.org"},
        follow_redirects=False,
    )
    assert issued.status_code == 303
    detail_path = issued.headers["location"].split("?")[0]
    detail = client.get(issued.headers["location"]).text
    assert "Issued and signed just now" in detail and "James Carter" in detail
    new_id = unquote(detail_path.split("/credentials/", 1)[1])

    found = client.get("/issuer/piedmont-hospital?q=james").text
    assert "James Carter" in found and "Maria Alvarez" not in found
    assert "Nothing matches" in client.get("/issuer/piedmont-hospital?q=zzz").text
    by_name = client.get("/issuer/piedmont-hospital?q=IV%20therapy").text  # the achievement's
    assert "James Carter" in by_name

    def act(action: str, **extra: str) -> Any:
        return client.post(
            detail_path.replace("/credentials/", "/status/"),
            data={"csrf_token": token, "action": action, **extra},
            headers=HTML,
        )

    def state_of_new() -> str:
        with demo_platform.db.session() as s:
            found = s.get(IssuedCredential, new_id)
            assert found is not None
            return str(found.state)

    asked = act("suspend")
    assert asked.status_code == 200 and "Suspend IV Therapy" in asked.text
    assert "You can reinstate it later" in asked.text and state_of_new() == "active"
    assert "now suspended" in act("suspend", confirm="yes", reason="Under review").text
    assert "Reinstate" in act("reinstate").text and state_of_new() == "suspended"
    assert "now reinstated" in act("reinstate", confirm="yes").text
    unconfirmed = act("revoke")
    assert unconfirmed.status_code == 200 and "Revocation is final" in unconfirmed.text
    assert state_of_new() == "active"
    assert "now revoked" in act("revoke", confirm="yes", reason="Issued in error").text
    with demo_platform.db.session() as s:
        row = s.get(IssuedCredential, new_id)
        assert row is not None and row.state == "revoked"
        document = row.document
    result = client.post("/credentials/verify", json={"verifiableCredential": document}).json()
    assert not result["verified"] and "Revoked" in str(result["errors"])


def test_a_platform_admin_sees_what_they_issued_for_an_organization(
    client: TestClient, demo_platform: Any
) -> None:
    token = signed_in(client, "admin")
    issued = client.post(
        "/issuer/piedmont-hospital/issue",
        data={"csrf_token": token, "achievement": "iv-therapy", "email": "james@demo.openler.org"},
        follow_redirects=False,
    )
    assert issued.status_code == 303
    detail = client.get(issued.headers["location"], headers=HTML)
    assert detail.status_code == 200, detail.text
    assert "Issued and signed just now" in detail.text and "James Carter" in detail.text
    # denied: a verifier of the same organization is not its issuing staff
    signed_in(client, "hr")
    hidden = client.get(issued.headers["location"], headers=HTML)
    assert hidden.status_code in (403, 404) and "James Carter" not in hidden.text


def test_another_organizations_credential_is_not_shown(
    client: TestClient, demo_platform: Any
) -> None:
    rn = credential_id(demo_platform, "maria@demo.openler.org", "Registered Nurse")
    signed_in(client, "trainer")
    response = client.get(f"/issuer/piedmont-hospital/credentials/{rn}", headers=HTML)
    assert response.status_code == 404
    assert client.get(f"/issuer/ohio-nursing/credentials/{rn}", headers=HTML).status_code == 404


def _wait_for_job(client: TestClient, platform: Any, path: str) -> str:
    if not platform.settings.database_url.startswith("sqlite"):
        from openler.services import jobs

        jobs.run_job(platform, path.rsplit("/", 1)[1])  # what `openler worker` does
    for _ in range(100):
        text = client.get(path).text
        if "The job is" not in text:
            return text
        time.sleep(0.05)
    raise AssertionError("the batch did not finish")


def test_a_batch_from_pasted_emails_and_a_csv_file(client: TestClient, demo_platform: Any) -> None:
    token = signed_in(client, "trainer")
    bad = client.post(
        "/issuer/piedmont-hospital/batch",
        data={
            "csrf_token": token,
            "achievement": "iv-therapy",
            "recipients": "james@x\nnot-an-email",
        },
    )
    assert bad.status_code == 400 and "not email addresses: not-an-email" in bad.text
    assert "james@x\nnot-an-email" in bad.text  # what was pasted is still there

    started = client.post(
        "/issuer/piedmont-hospital/batch",
        data={
            "csrf_token": token,
            "achievement": "iv-therapy",
            "recipients": "james@demo.openler.org\nnobody@demo.openler.org",
        },
        files={
            "file": (
                "people.csv",
                b"name,email\nDana,dana@demo.openler.org\nJames,JAMES@demo.openler.org\n",
                "text/csv",
            )
        },
        follow_redirects=False,
    )
    assert started.status_code == 303
    result = _wait_for_job(client, demo_platform, started.headers["location"])
    assert "Done: 3 issued" in result  # nobody@ has no account: issued to the address
    assert result.count(">issued</a>") == 3

    signed_in(client, "olivia")  # another organization's admin
    assert client.get(started.headers["location"], headers=HTML).status_code == 404


def test_keys_page_rotate_revoke_and_reissue(client: TestClient, demo_platform: Any) -> None:
    token = signed_in(client, "olivia")
    page = client.get("/issuer/ohio-nursing/keys")
    assert page.status_code == 200 and "key-1" in page.text and "Signed 2 credentials" in page.text
    assert "To revoke the active key, rotate first" in page.text
    asked = client.post("/issuer/ohio-nursing/keys/rotate", data={"csrf_token": token})
    assert "Make a new signing key for Ohio Board of Nursing?" in asked.text
    assert "key-2" not in client.get("/issuer/ohio-nursing/keys").text
    rotated = client.post(
        "/issuer/ohio-nursing/keys/rotate", data={"csrf_token": token, "confirm": "yes"}
    )
    assert "A new key signs from now on" in rotated.text and "key-2" in rotated.text
    key_id = re.search(r'name="key" value="([^"]+)"', rotated.text)
    assert key_id is not None
    unconfirmed = client.post(
        "/issuer/ohio-nursing/keys/revoke",
        data={"csrf_token": token, "key": key_id.group(1)},
        headers=HTML,
    )
    assert unconfirmed.status_code == 200 and "Revoke this signing key?" in unconfirmed.text
    assert "signed 2 credentials" in unconfirmed.text
    assert 'class="state-revoked"' not in client.get("/issuer/ohio-nursing/keys").text
    revoked = client.post(
        "/issuer/ohio-nursing/keys/revoke",
        data={"csrf_token": token, "key": key_id.group(1), "confirm": "yes"},
    )
    assert "everything it signed now fails verification" in revoked.text
    assert "Re-issue its 2 credentials with the current key" in revoked.text
    asked = client.post(
        "/issuer/ohio-nursing/keys/reissue", data={"csrf_token": token, "key": key_id.group(1)}
    )
    assert asked.status_code == 200 and "Re-issue 2 credentials?" in asked.text
    started = client.post(
        "/issuer/ohio-nursing/keys/reissue",
        data={"csrf_token": token, "key": key_id.group(1), "confirm": "yes"},
        follow_redirects=False,
    )
    assert started.status_code == 303
    result = _wait_for_job(client, demo_platform, started.headers["location"])
    assert "Done: 2 re-issued." in result and result.count(">re-issued</a>") == 2
    assert "Re-issue its" not in client.get("/issuer/ohio-nursing/keys").text


@pytest.mark.parametrize("who", ["trainer", "maria", "renee"])
def test_keys_page_is_for_the_organizations_admins(client: TestClient, who: str) -> None:
    signed_in(client, who)
    assert client.get("/issuer/ohio-nursing/keys", headers=HTML).status_code == 403
