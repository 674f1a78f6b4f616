"""Attack pass on the learner's record pages (issue 12): hostile text on every page that
shows it, hostile cookies and return addresses, another person's references, and what a
deleted account can still do."""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.store.models import ImportRun, Person, ReceivedCredential, SelfReported, Share
from tests.conftest import NOW
from tests.services.test_sharing_record import share
from tests.web.conftest import csrf_of, login

MARIA, JAMES = "maria@demo.openler.org", "james@demo.openler.org"
OLIVIA, SAM = "olivia@demo.openler.org", "hr@demo.openler.org"
HTML = {"Accept": "text/html"}
SCRIPT = '<script>alert("x")</script>'
HOSTILE_NAME = f"{SCRIPT}<img src=x onerror=alert(1)>\"'‮ 🩺 \x07" + "N" * 2000


def person_id(platform: Any, email: str) -> str:
    with platform.db.session() as s:
        return str(s.execute(select(Person.id).where(Person.email == email)).scalar_one())


def hostile_import(platform: Any, email: str) -> str:
    """An imported credential (verified when it came, so every part is shown) whose every
    text and link is hostile."""
    links = ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<b>x</b>", "//evil"]
    document = {
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:web:evil.example", "name": SCRIPT},
        "validFrom": "2025-01-10T00:00:00Z",
        "name": SCRIPT,
        "credentialSubject": {
            "achievement": {
                "name": HOSTILE_NAME,
                "description": SCRIPT,
                "achievementType": "Badge",
                "image": {"id": "https://127.0.0.1:8000//evil.example/pixel.png"},
                "criteria": {"id": links[0], "narrative": SCRIPT},
                "alignment": [
                    {"targetName": SCRIPT, "targetUrl": url, "targetType": "ceasn:Competency"}
                    for url in links
                ],
            },
            "evidence": [{"id": url, "name": SCRIPT, "description": SCRIPT} for url in links],
        },
        "evidence": [{"id": url, "name": SCRIPT, "description": SCRIPT} for url in links],
    }
    with platform.db.session() as s:
        row = ReceivedCredential(
            person_id=person_id(platform, email),
            issuer="did:web:evil.example",
            issuer_name=SCRIPT,
            credential_issuer="file",
            format="ldp_vc",
            name=HOSTILE_NAME[:300],
            document=document,
            jwt=None,
            received_at=NOW,
            source="import",
            verified=True,
            verification_note=f"Verified: signed by {SCRIPT}",
        )
        s.add(row)
        s.flush()
        return str(row.id)


def no_hostile_markup(text: str) -> None:
    assert "<script>alert" not in text
    assert "<img src=x" not in text
    assert not re.search(r'href="\s*(javascript|data|//)', text, re.IGNORECASE), re.findall(
        r'href="[^"]*"', text
    )
    assert not re.search(r'src="\s*//', text)


def test_hostile_text_and_links_are_escaped_everywhere(
    client: TestClient, demo_platform: Any
) -> None:
    held = hostile_import(demo_platform, MARIA)
    login(client, MARIA)
    token = csrf_of(client.get("/record").text)
    made = client.post(
        "/record/self/new",
        data={
            "csrf_token": token,
            "kind": "job",
            "title": HOSTILE_NAME[:200],
            "organization": SCRIPT,
            "description": f"{SCRIPT} javascript:alert(1) https://ok.example/x",
        },
        follow_redirects=False,
    )
    assert made.status_code in (200, 303), made.text[:500]
    for path in (
        "/record",
        f"/record/held:{held}",
        "/record/skills",
        "/record/resume",
        "/record/export",
        "/home",
        "/record/my-data",
    ):
        page = client.get(path, headers=HTML)
        assert page.status_code == 200, (path, page.text[:300])
        no_hostile_markup(page.text)
    for path in ("/record/export/json", "/record/export/ler-rs", "/api/me/skills"):
        assert client.get(path).status_code == 200, path
    pdf = client.post("/record/export/pdf", data={"csrf_token": token})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


@pytest.mark.parametrize(
    "back",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "/%2F%2Fevil.example",
        "javascript:alert(1)",
        "/record\r\nSet-Cookie: x=1",
        " /record",
        "http:/evil.example",
    ],
)
def test_a_hostile_return_address_after_choosing_a_language(client: TestClient, back: str) -> None:
    answer = client.post("/language", data={"language": "es", "next": back}, follow_redirects=False)
    assert answer.status_code in (303, 403)
    location = answer.headers.get("location", "/")
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert "evil" not in location.replace("%2F%2Fevil", "") or location.startswith("/%2F")
    assert "set-cookie: x" not in json.dumps(dict(answer.headers)).lower()


@pytest.mark.parametrize(
    "value",
    [
        base64.urlsafe_b64encode(b"[" * 5000).decode(),
        base64.urlsafe_b64encode(b'{"until":"2026-01-01","tokens":' + b"{" * 3000).decode(),
        "%%%not base64",
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        base64.urlsafe_b64encode(
            json.dumps({"until": "2026-01-01", "tokens": {"issued:x": "A" * 20}}).encode()
        ).decode(),
    ],
    ids=["deep-array", "deep-object", "not-base64", "not-utf8", "someone-elses-ref"],
)
def test_a_forged_printed_links_cookie_shows_the_plain_resume(
    client: TestClient, value: str
) -> None:
    login(client, MARIA)
    client.cookies.set("openler_printed", value, path="/record/resume")
    page = client.get("/record/resume")
    assert page.status_code == 200, page.text[:300]
    assert "Maria Alvarez" in page.text and "/s/AAAA" not in page.text


def maria_things(client: TestClient, platform: Any) -> dict[str, str]:
    """Maria's import report, share and self-reported entry, made through the pages."""
    login(client, MARIA)
    token = csrf_of(client.get("/record/import").text)
    client.post(
        "/record/import",
        data={"csrf_token": token, "text": '{"name": "my CV"}'},
        follow_redirects=False,
    )
    client.post(
        "/record/self/new",
        data={"csrf_token": token, "kind": "job", "title": "Night-shift charge nurse"},
    )
    client.cookies.clear()
    share(platform, names=["Registered Nurse"])
    with platform.db.session() as s:
        mine = person_id(platform, MARIA)
        runs = s.execute(select(ImportRun.id).where(ImportRun.person_id == mine)).scalars()
        shares = s.execute(select(Share.id).where(Share.person_id == mine)).scalars().all()
        entry = s.execute(select(SelfReported.id).where(SelfReported.person_id == mine))
        return {
            "run": str(next(iter(runs))),
            "share": str(shares[0]),
            "self": str(entry.scalars().first()),
        }


@pytest.mark.parametrize("who", [JAMES, OLIVIA, SAM, None])
def test_marias_references_in_every_spelling_reach_nobody_else(
    client: TestClient, demo_platform: Any, who: str | None
) -> None:
    things = maria_things(client, demo_platform)
    held = hostile_import(demo_platform, MARIA)
    if who is not None:
        login(client, who)
    paths = [
        f"/record/import/{things['run']}",
        f"/record/import/{things['run']}/",
        f"/record/import/{things['run'].upper()}",
        f"/record/held:{held}",
        f"/record/held%3A{held}",
        f"/record/held:{held}/",
        f"/record/held:{held}/download",
        f"/record/held:%20{held}",
        f"/record/held:{quote(held)}%00",
        f"/record/self/{things['self']}/edit",
        f"/api/me/self-reported/{things['self']}",
    ]
    paths += [f"/shares/{things['share']}", f"/shares/{things['share']}/"]
    for path in paths:
        for method in ("GET", "HEAD"):
            answer = client.request(method, path, headers=HTML, follow_redirects=False)
            assert answer.status_code in (303, 400, 401, 403, 404, 405, 307), (method, path)
            if answer.status_code in (303, 307):
                assert answer.headers["location"] in ("/login",) or not answer.headers[
                    "location"
                ].startswith("/record/held"), (path, answer.headers["location"])
            assert "Night-shift" not in answer.text and "evil.example" not in answer.text
            assert "my CV" not in answer.text


FORMS = [
    ("/record/self/new", {"kind": "job", "title": "Forged"}),
    ("/record/import", {"text": '{"name": "forged"}'}),
    ("/record/resume", {"links": "yes"}),
    ("/record/export/pdf", {}),
    ("/account/delete", {"confirm": MARIA}),
    ("/language", {"language": "es", "next": "/record"}),
]


@pytest.mark.parametrize(("path", "form"), FORMS, ids=[p for p, _ in FORMS])
def test_a_forged_form_changes_nothing(
    client: TestClient, demo_platform: Any, path: str, form: dict[str, str]
) -> None:
    """Maria signed in; a page elsewhere posts to her: without the session's token (or with
    another session's), nothing happens."""
    from tests.web.conftest import changes, recorded_state

    login(client, JAMES)
    james_token = csrf_of(client.get("/record").text)
    client.cookies.clear()
    login(client, MARIA)
    before = recorded_state(demo_platform)
    for headers, data in (
        ({"Origin": "https://evil.example"}, form),
        ({"Sec-Fetch-Site": "cross-site"}, form),
        ({"content-type": "application/x-www-form-urlencoded"}, form),  # as a browser posts
        ({}, form | {"csrf_token": james_token}),
    ):
        answer = client.post(path, data=data, headers=headers | HTML, follow_redirects=False)
        assert answer.status_code == 403, (path, headers, answer.status_code)
    assert changes(before, recorded_state(demo_platform)) == {}
    assert client.get("/record").status_code == 200  # still signed in, account still there


def test_the_api_refuses_a_page_elsewhere(client: TestClient, demo_platform: Any) -> None:
    from tests.web.conftest import changes, recorded_state

    login(client, MARIA)
    before = recorded_state(demo_platform)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {"content-type": content_type} if content_type else {}
        body = b'{"kind": "job", "title": "Forged"}'
        assert (
            client.post("/api/me/self-reported", content=body, headers=headers).status_code == 403
        )
        assert (
            client.post("/api/me/imports", content=b'{"name":"x"}', headers=headers).status_code
            == 403
        )
    evil = {"content-type": "application/json", "Origin": "https://evil.example"}
    assert client.post("/api/me/imports", content=b"{}", headers=evil).status_code == 403
    assert changes(before, recorded_state(demo_platform)) == {}
