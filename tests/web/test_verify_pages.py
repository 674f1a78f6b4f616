"""The public verify page: anyone, signed in or not, verifies a file (JSON, JWT, baked PNG or
SVG), pasted text or a share link of this site; the answer comes first; the result
downloads as JSON and PDF from the page's sealed copy; nothing is kept; use is limited per
client address, more generously for verifiers."""

from __future__ import annotations

import copy
import html
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given as drawn
from hypothesis import strategies as st

from openler.services.issuers import issuing, orgs
from openler.services.verifiers import sealed_results
from openler.store.models import AuditEvent, IssuedCredential
from openler.vc import Multikey, bake_png, bake_svg, encode_jwt_credential, sign_credential
from openler.vc.baking import blank_png
from tests.conftest import NOW, SETUP
from tests.hostile import as_bytes, fuzz_settings, hostile_inputs
from tests.services.test_exports import _pdf_text
from tests.web.conftest import changes, csrf_of, login, recorded_state
from tests.web.test_api import maria_credential
from tests.web.test_sharing import path_of

HTML = {"accept": "text/html"}
ACTIVE = "Registered Nurse, a licence from Ohio Board of Nursing: Active — valid until"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>'


def licence_jwt(platform: Any) -> str:
    """Maria's licence as VC-JOSE, signed with the Ohio board's own key."""
    document = {k: v for k, v in maria_credential(platform).items() if k != "proof"}
    with platform.db.session() as s:
        _row, key = orgs.signing_key(s, platform, orgs.organization_by_slug(s, "ohio-nursing"))
        return encode_jwt_credential(document, key, at=NOW)


def given(kind: str, platform: Any) -> dict[str, Any]:
    """The request that verifies Maria's licence as ``kind``."""
    text = json.dumps(maria_credential(platform))
    if kind == "json":
        return {"files": {"file": ("licence.json", text.encode(), "application/json")}}
    if kind == "jwt":
        return {"files": {"file": ("licence.jwt", licence_jwt(platform).encode(), "text/plain")}}
    if kind == "png":
        return {"files": {"file": ("badge.png", bake_png(blank_png(8, 8), text), "image/png")}}
    if kind == "svg":
        baked = bake_svg(SVG, text).encode()
        return {"files": {"file": ("badge.svg", baked, "image/svg+xml")}}
    if kind == "pasted-jwt":
        return {"data": {"document": licence_jwt(platform)}}
    return {"data": {"document": text}}


def main_of(response: Any) -> str:
    return html.unescape(response.text.split("<main", 1)[1])


def headline(page: str) -> str:
    found = re.search(r'<h2 id="answer-1" class="answer-said">(.*?)</h2>', page, re.S)
    assert found is not None, page
    return found.group(1)


def sealed_of(response: Any) -> str:
    found = re.search(r'name="result" value="([^"]+)"', response.text)
    assert found is not None
    return html.unescape(found.group(1))


def audited(platform: Any, action: str) -> int:
    with platform.db.session() as s:
        return int(s.query(AuditEvent).filter_by(action=action).count())


# --- open to everyone ------------------------------------------------------------------


def test_everyone_finds_the_page(client: TestClient, demo_platform: Any) -> None:
    assert 'href="/verify"' in client.get("/").text
    form = client.get("/verify")
    assert form.status_code == 200
    assert 'type="file"' in form.text and 'enctype="multipart/form-data"' in form.text
    assert 'data-scan-for="document"' in form.text and "counts as one opening" in form.text
    for email in ("maria@demo.openler.org", "hr@demo.openler.org"):
        login(client, email)
        assert 'href="/verify"' in client.get("/home").text
        client.cookies.clear()


@pytest.mark.parametrize(
    ("kind", "described"),
    [
        ("json", "the file licence.json, a credential in JSON"),
        ("jwt", "the file licence.jwt, a credential as a JWT"),
        ("png", "the file badge.png, a badge image (PNG) with a credential baked in"),
        ("svg", "the file badge.svg, a badge image (SVG) with a credential baked in"),
        ("pasted", "pasted text, a credential in JSON"),
        ("pasted-jwt", "pasted text, a credential as a JWT"),
    ],
)
def test_each_kind_of_input_is_answered_signed_out(
    client: TestClient, demo_platform: Any, kind: str, described: str
) -> None:
    before = recorded_state(demo_platform)
    answer = client.post("/verify", **given(kind, demo_platform))
    assert answer.status_code == 200, answer.text
    page = main_of(answer)
    assert headline(page).startswith(ACTIVE), headline(page)
    assert 'class="answer answer-good"' in page
    assert "You may rely on what it says: Ohio Board of Nursing issued it" in page
    assert "a file alone does not show who presents it" in page
    assert f"UTC: {described}." in page
    # the answer first, the checks after it, collapsed
    assert page.index(ACTIVE) < page.index('<details class="checks">') < page.index("<caption>")
    assert 'formaction="/verify/report.pdf"' in page
    # nothing was kept, nothing audited
    assert not changes(before, recorded_state(demo_platform))


def test_tampered_is_not_to_be_relied_on(client: TestClient, demo_platform: Any) -> None:
    document = maria_credential(demo_platform)
    document["credentialSubject"]["achievement"]["name"] = "Nurse Practitioner"
    page = main_of(client.post("/verify", data={"document": json.dumps(document)}))
    assert 'class="answer answer-bad"' in page
    assert "Does not verify: its signature does not match" in page
    assert "Do not rely on it." in page and "You may rely" not in page


def test_revoked_says_by_whom_and_why(client: TestClient, demo_platform: Any) -> None:
    document = maria_credential(demo_platform)
    with demo_platform.db.session() as s:
        issuing.set_status(
            s, demo_platform, SETUP, document["id"], action="revoke", reason="Licence surrendered"
        )
    page = main_of(client.post("/verify", data={"document": json.dumps(document)}))
    standing = re.search(r'class="answer-standing detail">(.*?)</dd>', page)
    assert standing is not None
    day = NOW.strftime("%Y-%m-%d")
    assert standing.group(1) == f"Revoked on {day} by Ohio Board of Nursing: Licence surrendered"
    assert "Do not rely on it." in page
    assert f"Registered Nurse: Revoked on {day} by Ohio Board of Nursing" in page  # the notes


def test_an_issuer_the_registry_does_not_know_is_only_said_to_be_one(
    client: TestClient, demo_platform: Any, license_template: dict[str, Any]
) -> None:
    """Signed by a stranger's key and calling itself the Ohio board: the headline says
    "said to be from"; with no name at all, its DID stays out of the headline."""
    stranger = Multikey.from_seed(bytes([99]) * 32)
    document = copy.deepcopy(license_template)
    document["issuer"]["id"] = stranger.controller
    signed = sign_credential(document, stranger, created=NOW)
    page = main_of(client.post("/verify", data={"document": json.dumps(signed)}))
    assert "said to be from Ohio Board of Nursing" in headline(page)
    assert "as the credential names itself: not in the trust registry" in page
    assert "Do not rely on it." in page
    document["issuer"] = stranger.controller
    signed = sign_credential(document, stranger, created=NOW)
    page = main_of(client.post("/verify", data={"document": json.dumps(signed)}))
    assert "from an issuer that gives no name" in headline(page)
    assert stranger.controller not in headline(page) and stranger.controller in page


@pytest.mark.parametrize(
    ("sent", "problem", "detail"),
    [
        ('{"name": "my CV"}', "This is not a credential: openler finds no credential in it.", None),
        ("hello", "This is not a credential: it is not a credential openler can read.", "not JSON"),
        ('{"a": ' * 100 + "1" + "}" * 100, "it is not a credential openler can read", "64 levels"),
        ('{"id": "a", "id": "b"}', "it is not a credential openler can read", "duplicate member"),
    ],
)
def test_what_is_not_a_credential_is_said_plainly(
    client: TestClient, demo_platform: Any, sent: str, problem: str, detail: str | None
) -> None:
    answer = client.post("/verify", data={"document": sent})
    assert answer.status_code == 200
    page = main_of(answer)
    assert 'class="answer-problem error" role="status">This is not a credential' in page
    assert problem in page
    assert "answer-good" not in page
    if detail is not None:
        assert "What openler read:" in page and detail in page


def test_a_png_that_carries_no_credential(client: TestClient, demo_platform: Any) -> None:
    files = {"file": ("photo.png", blank_png(4, 4), "image/png")}
    page = main_of(client.post("/verify", files=files))
    assert "This is not a credential" in page
    assert "the PNG has no baked Open Badges credential" in page


def test_too_much_is_refused_before_it_is_read(client: TestClient, demo_platform: Any) -> None:
    huge = b"{" + b" " * demo_platform.settings.max_request_bytes + b"}"
    refused = client.post(
        "/verify", files={"file": ("big.json", huge, "application/json")}, headers=HTML
    )
    assert refused.status_code == 413 and "larger than this site accepts" in refused.text


def test_nothing_or_two_things_at_once(client: TestClient, demo_platform: Any) -> None:
    empty = client.post("/verify", data={"document": "  "}, headers=HTML)
    assert empty.status_code == 400 and "Choose a file, paste a credential" in empty.text
    both = client.post(
        "/verify",
        data={"document": "x"},
        files={"file": ("a.json", b"{}", "application/json")},
        headers=HTML,
    )
    assert both.status_code == 400 and "one thing at a time" in both.text


# --- share links -------------------------------------------------------------------------


def make_share(client: TestClient, platform: Any, **extra: Any) -> str:
    from tests.web.test_sharing import marias_credentials

    login(client, "maria@demo.openler.org")
    ids = marias_credentials(platform)
    body = {
        "credentials": [ids["Registered Nurse"]],
        "audience": "Piedmont Regional Hospital",
        "purpose": "RN position",
        "days": 30,
        **extra,
    }
    created = client.post("/api/me/shares", json=body)
    assert created.status_code == 201, created.text
    client.cookies.clear()
    return str(created.json()["link"])


def test_a_share_link_opens_once_as_its_holder_allowed(
    client: TestClient, demo_platform: Any
) -> None:
    link = make_share(client, demo_platform, maxViews=1)
    views = audited(demo_platform, "share.view")
    opened = client.post("/verify", data={"document": f"  {link}\n"})
    assert opened.status_code == 200
    page = main_of(opened)
    assert headline(page).startswith("Maria Alvarez holds Registered Nurse")
    assert "Maria Alvarez signed what they shared with the key the credential was issued to" in page
    assert "shared by Maria Alvarez for RN position with Piedmont Regional Hospital" in page
    assert audited(demo_platform, "share.view") == views + 1  # one opening, logged
    assert link.rsplit("/", 1)[1] not in opened.text.split("<main", 1)[1]  # the token is not shown
    record = sealed_results.opened(demo_platform, sealed_of(opened))
    assert link.rsplit("/", 1)[1] not in json.dumps(record)
    # the holder allowed one opening: the second is refused, as the link itself refuses it
    again = client.post("/verify", data={"document": path_of(link)}, headers=HTML)
    assert again.status_code == 410 and "may be opened once" in again.text
    assert audited(demo_platform, "share.view") == views + 1


@pytest.mark.parametrize(
    "link",
    [
        "https://elsewhere.example/s/abcdefghijklmnopqrstuvwxyz",
        "http://169.254.169.254/latest/meta-data/",
        "openid4vp://?request_uri=https%3A%2F%2Fverifier.example%2Fr",
    ],
)
def test_links_elsewhere_are_not_followed(
    client: TestClient, demo_platform: Any, no_network: list[Any], link: str
) -> None:
    refused = client.post("/verify", data={"document": link}, headers=HTML)
    assert (
        refused.status_code == 400 and "openler opens only share links of this site" in refused.text
    )
    assert no_network == []
    assert html.escape(link) in refused.text  # shown again to correct


def test_an_unknown_share_link_of_this_site(client: TestClient, demo_platform: Any) -> None:
    refused = client.post(
        "/verify", data={"document": "http://127.0.0.1:8000/s/" + "x" * 30}, headers=HTML
    )
    assert refused.status_code == 404 and "This share link does not exist" in refused.text


# --- downloads ------------------------------------------------------------------------------


def test_the_result_downloads_as_json_and_pdf(client: TestClient, demo_platform: Any) -> None:
    answer = client.post("/verify", **given("png", demo_platform))
    result = sealed_of(answer)
    report = client.post("/verify/report.json", data={"result": result})
    assert report.status_code == 200
    assert report.headers["content-type"] == "application/json"
    assert "attachment" in report.headers["content-disposition"]
    body = report.json()
    assert body["verified"] is True and body["checkedAt"] == "2026-11-24T12:00:00Z"
    assert body["input"]["given"] == "file" and len(body["input"]["sha256"]) == 64
    assert body["answers"][0]["answer"].startswith(ACTIVE)
    assert body["answers"][0]["state"]["state"] == "active" and "said" not in body["answers"][0]
    assert [c["id"] for c in body["report"]["checks"]][:2] == ["parse", "context"]
    assert body["report"]["format"] == "png"
    pdf = client.post("/verify/report.pdf", data={"result": result})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    metadata = _pdf_text(pdf.content)
    for name, value in (("Title", "Verification report"), ("Author", "http://127.0.0.1:8000")):
        found = re.search(rf"/{name} (?:<([0-9A-Fa-f]+)>|\((.*?)\))", metadata)
        assert found is not None, name
        written = found.group(2) or bytes.fromhex(found.group(1)).decode("utf-16")
        assert written == value
    # the downloads do not verify again and keep nothing
    before = recorded_state(demo_platform)
    client.post("/verify/report.pdf", data={"result": result})
    assert not changes(before, recorded_state(demo_platform))


def test_an_altered_or_old_result_does_not_download(client: TestClient, demo_platform: Any) -> None:
    result = sealed_of(client.post("/verify", **given("json", demo_platform)))
    body, mac = result.split(".")
    record = sealed_results.opened(demo_platform, result)
    record["answers"][0]["answer"] = "Forged, and active"
    forged = sealed_results._seal(record, b"not the key" * 3)
    for altered in (forged, body + "." + mac[:-2] + "AA", "nonsense"):
        refused = client.post("/verify/report.pdf", data={"result": altered}, headers=HTML)
        assert refused.status_code == 400 and "it was altered or damaged" in refused.text
    demo_platform.clock = lambda: NOW + timedelta(hours=25)
    old = client.post("/verify/report.json", data={"result": result}, headers=HTML)
    assert old.status_code == 400 and "more than 24 hours old" in old.text


# --- rate limits, both ways ---------------------------------------------------------------


def test_anyone_is_limited_per_address_and_told_when_to_try_again(
    client: TestClient, demo_platform: Any
) -> None:
    allowed = demo_platform.settings.verify_page_per_minute
    sent: dict[str, Any] = {"data": {"document": json.dumps(maria_credential(demo_platform))}}
    for _ in range(allowed):
        assert client.post("/verify", **sent).status_code == 200
    limited = client.post("/verify", **sent, headers=HTML)
    assert limited.status_code == 429
    wait = 60 // allowed
    assert limited.headers["retry-after"] == str(wait)
    assert f"try again in {wait} seconds" in limited.text
    assert "People who sign in as verifiers may verify more often" in limited.text
    # a PDF report counts too; the JSON report does not
    assert client.post("/verify/report.pdf", data={"result": "x"}).status_code == 400
    # time gives the allowance back, a token at a time
    demo_platform.clock = lambda: NOW + timedelta(seconds=wait)
    assert client.post("/verify", **sent).status_code == 200
    assert client.post("/verify", **sent).status_code == 429


def test_verifiers_signed_in_may_verify_more(client: TestClient, demo_platform: Any) -> None:
    allowed = demo_platform.settings.verify_page_per_minute
    login(client, "hr@demo.openler.org")
    token = csrf_of(client.get("/verify").text)
    sent = {"document": json.dumps(maria_credential(demo_platform)), "csrf_token": token}
    for _ in range(allowed + 5):
        assert client.post("/verify", data=sent).status_code == 200
    # a learner signed in has what anyone has
    client.cookies.clear()
    login(client, "maria@demo.openler.org")
    token = csrf_of(client.get("/verify").text)
    sent["csrf_token"] = token
    statuses = [client.post("/verify", data=sent).status_code for _ in range(allowed + 1)]
    assert statuses == [200] * allowed + [429]


def test_a_signed_in_form_needs_its_token(client: TestClient, demo_platform: Any) -> None:
    login(client, "hr@demo.openler.org")
    document = json.dumps(maria_credential(demo_platform))
    assert client.post("/verify", data={"document": document}).status_code == 403


def test_a_verifier_reads_where_they_are(client: TestClient, demo_platform: Any) -> None:
    """The Piedmont hospital verifies in North Carolina: the Ohio licence is recognised there."""
    login(client, "hr@demo.openler.org")
    token = csrf_of(client.get("/verify").text)
    document = json.dumps(maria_credential(demo_platform))
    page = main_of(client.post("/verify", data={"document": document, "csrf_token": token}))
    assert "recognised in North Carolina" in headline(page)


def test_the_issued_row_is_what_states_it(client: TestClient, demo_platform: Any) -> None:
    """The answer reads the same state the issuer's pages show (a suspended row)."""
    document = maria_credential(demo_platform)
    with demo_platform.db.session() as s:
        issuing.set_status(s, demo_platform, SETUP, document["id"], action="suspend")
        assert s.get(IssuedCredential, document["id"]).state == "suspended"
    page = main_of(client.post("/verify", data={"document": json.dumps(document)}))
    assert "Suspended on" in page and "by Ohio Board of Nursing" in page
    assert 'class="answer answer-bad"' in page


# --- a verifier saves a result for their organization ---------------------------------------


def test_a_verifier_saves_a_result_and_finds_it_on_the_home_page(
    client: TestClient, demo_platform: Any
) -> None:
    login(client, "hr@demo.openler.org")
    token = csrf_of(client.get("/verify").text)
    shown = client.post("/verify", data={"csrf_token": token}, **given("png", demo_platform))
    assert "Save the result for Piedmont Regional Hospital" in shown.text
    result = sealed_of(shown)
    before = audited(demo_platform, "verification.save")
    saved = client.post(
        "/verify/save",
        data={"csrf_token": token, "result": result, "organization": "piedmont-hospital"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    where = saved.headers["location"]
    assert re.fullmatch(r"/verifier/piedmont-hospital/saved/[0-9a-f-]{36}", where)
    assert audited(demo_platform, "verification.save") == before + 1
    page = main_of(client.get(where))
    assert headline(page).startswith(ACTIVE)
    assert "Saved by Sam Patel for Piedmont Regional Hospital" in page
    assert "the file badge.png, a badge image (PNG)" in page
    home = main_of(client.get("/home"))
    assert "Saved verifications" in home and f'href="{where}"' in home
    report = client.get(where + "/report.json")
    assert report.status_code == 200 and report.json()["answers"][0]["answer"].startswith(ACTIVE)
    pdf = client.get(where + "/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert client.get(where + "/report.txt").status_code == 404


def test_only_the_organizations_verifiers_save_and_read(
    client: TestClient, demo_platform: Any
) -> None:
    result = sealed_of(client.post("/verify", **given("json", demo_platform)))
    fields = {"result": result, "organization": "piedmont-hospital"}
    # signed out: to the sign-in page, nothing saved
    anonymous = client.post("/verify/save", data=fields, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login"
    for email in ("maria@demo.openler.org", "olivia@demo.openler.org"):
        login(client, email)
        token = csrf_of(client.get("/verify").text)
        before = recorded_state(demo_platform)
        refused = client.post("/verify/save", data={**fields, "csrf_token": token}, headers=HTML)
        assert refused.status_code == 403, email
        assert not changes(before, recorded_state(demo_platform))
        client.cookies.clear()
    # a verifier cannot save what this platform did not verify, or for no organization
    login(client, "hr@demo.openler.org")
    token = csrf_of(client.get("/verify").text)
    forged = client.post(
        "/verify/save", data={**fields, "csrf_token": token, "result": "x.y"}, headers=HTML
    )
    assert forged.status_code == 400 and "altered or damaged" in forged.text
    elsewhere = {**fields, "csrf_token": token, "organization": "nowhere"}
    assert client.post("/verify/save", data=elsewhere, headers=HTML).status_code == 404
    where = client.post(
        "/verify/save", data={**fields, "csrf_token": token}, follow_redirects=False
    ).headers["location"]
    client.cookies.clear()
    # another organization's people do not read it
    for email in ("maria@demo.openler.org", "olivia@demo.openler.org"):
        login(client, email)
        for path in (where, where + "/report.json", where + "/report.pdf"):
            assert client.get(path, headers=HTML).status_code == 403, (email, path)
        client.cookies.clear()
    assert client.get(where, follow_redirects=False).headers["location"] == "/login"


# --- fuzz: whatever anyone sends, an answer, never a 500 ------------------------------------


@pytest.fixture
def open_client(demo_platform: Any) -> TestClient:
    """The app over a platform whose verify page lets one client verify without limit."""
    from dataclasses import replace

    from openler.web import create_app

    settings = demo_platform.settings.model_copy(update={"verify_page_per_minute": 1_000_000})
    world = replace(demo_platform, settings=settings, memo={})
    return TestClient(create_app(settings, platform=world), raise_server_exceptions=False)


@fuzz_settings(60)
@drawn(data=hostile_inputs(), as_file=st.booleans())
def test_the_page_never_answers_500(open_client: TestClient, data: Any, as_file: bool) -> None:
    body = as_bytes(data)
    if as_file:
        answer = open_client.post("/verify", files={"file": ("x", body, "application/json")})
    else:
        text = body.decode("utf-8", "replace")
        answer = open_client.post("/verify", data={"document": text})
    assert answer.status_code in (200, 400, 404, 410, 413, 422), answer.text
    if answer.status_code == 200:
        assert 'class="answer ' in answer.text or "answer-problem" in answer.text
