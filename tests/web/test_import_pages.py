"""The import page and API: a learner uploads or pastes, sees a row per credential on a page
of its own (reloading imports nothing twice); nobody else reads it or imports for them."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient

from openler.services.holders import record
from openler.store.models import AuditEvent, ImportRun, Person, ReceivedCredential
from openler.vc import bake_png, encode_jwt_credential
from openler.vc.baking import blank_png
from tests.conftest import NOW
from tests.web.conftest import csrf_of, login
from tests.web.test_api import maria_credential, token_for

MARIA = "maria@demo.openler.org"


def held_by(platform: Any, email: str) -> list[ReceivedCredential]:
    with platform.db.session() as s:
        person = s.query(Person).filter_by(email=email).one()
        return record.held_rows(s, person.id)


def upload(client: TestClient, files: list[tuple[str, bytes, str]], text: str = "") -> Any:
    token = csrf_of(client.get("/record/import").text)
    return client.post(
        "/record/import",
        data={"csrf_token": token, "text": text},
        files=[("files", f) for f in files],
        follow_redirects=False,
    )


def test_maria_uploads_a_badge_and_pastes_a_jwt(
    client: TestClient,
    demo_platform: Any,
    signed_license: dict[str, Any],
    issuer_key: Any,
) -> None:
    login(client, MARIA)
    form = client.get("/record/import")
    assert form.status_code == 200 and 'type="file"' in form.text and "<textarea" in form.text
    png = bake_png(blank_png(), json.dumps(signed_license))
    unsigned = {k: v for k, v in signed_license.items() if k != "proof"} | {"id": "urn:uuid:j-1"}
    token = encode_jwt_credential(unsigned, issuer_key, at=NOW)
    answer = upload(client, [("licence.png", png, "image/png")], text=token)
    assert answer.status_code == 303
    where = answer.headers["location"]
    assert re.fullmatch(r"/record/import/[0-9a-f-]{36}", where)
    shown = client.get(where)
    assert shown.status_code == 200
    assert shown.text.count("Added, verified") == 2
    assert "licence.png" in shown.text and "pasted text" in shown.text
    rows = held_by(demo_platform, MARIA)
    assert {f'href="/record/held%3A{r.id}"' in shown.text for r in rows} == {True}
    # reloading the result imports nothing; bringing them again is "already in your record"
    assert client.get(where).text == shown.text
    assert len(held_by(demo_platform, MARIA)) == 2
    again = client.get(upload(client, [("licence.png", png, "image/png")]).headers["location"])
    assert "Already in your record" in again.text
    assert len(held_by(demo_platform, MARIA)) == 2


def test_a_credential_issued_here_links_to_its_entry(
    client: TestClient, demo_platform: Any
) -> None:
    login(client, MARIA)
    mine = maria_credential(demo_platform)
    answer = upload(client, [("mine.json", json.dumps(mine).encode(), "application/json")])
    shown = client.get(answer.headers["location"]).text
    assert "Already in your record" in shown and "issued to you here" in shown
    assert "/record/issued%3A" in shown


def test_pasted_text_that_is_not_a_credential_is_shown_again(
    client: TestClient, demo_platform: Any
) -> None:
    login(client, MARIA)
    answer = upload(client, [], text='{"name": "my résumé & CV"}')
    assert answer.status_code == 400
    assert "Nothing could be imported" in answer.text
    assert "my résumé &amp; CV" in answer.text  # what was typed, kept (and escaped)
    assert "not a credential" in answer.text
    nothing = upload(client, [])
    assert nothing.status_code == 400 and "Choose one or more files" in nothing.text
    assert held_by(demo_platform, MARIA) == []


def test_a_file_that_does_not_verify_is_marked(
    client: TestClient, demo_platform: Any, signed_license: dict[str, Any]
) -> None:
    login(client, MARIA)
    forged = json.loads(json.dumps(signed_license))
    forged["credentialSubject"]["achievement"]["name"] = "Chief Surgeon"
    answer = upload(client, [("f.json", json.dumps(forged).encode(), "application/json")])
    shown = client.get(answer.headers["location"]).text
    assert "Added, but it does not verify" in shown and "the signature does not match" in shown
    assert "Added, verified" not in shown


def test_only_the_owner_sees_an_import(
    client: TestClient, demo_platform: Any, signed_license: dict[str, Any]
) -> None:
    assert client.get("/record/import", follow_redirects=False).status_code in (302, 303, 307)
    login(client, MARIA)
    where = upload(
        client, [("l.json", json.dumps(signed_license).encode(), "application/json")]
    ).headers["location"]
    client.cookies.clear()
    assert client.get(where, follow_redirects=False).status_code in (302, 303, 307)
    login(client, "james@demo.openler.org")
    denied = client.get(where)
    assert denied.status_code == 404 and "Registered Nurse" not in denied.text
    login(client, "olivia@demo.openler.org")  # Ohio's issuer staff
    assert client.get(where).status_code == 404


def test_the_api_imports_a_raw_file_for_its_owner_only(
    client: TestClient, demo_platform: Any, signed_license: dict[str, Any]
) -> None:
    body = json.dumps(signed_license).encode()
    headers = {"content-type": "application/json"}
    assert client.post("/api/me/imports", content=body, headers=headers).status_code == 401
    token = token_for(demo_platform, "olivia@demo.openler.org", "ohio-nursing", "issuer_admin")
    denied = client.post(
        "/api/me/imports",
        content=body,
        headers={**headers, "Authorization": f"Bearer {token}"},
    )
    assert denied.status_code == 403
    with demo_platform.db.session() as s:
        assert s.query(ImportRun).count() == 0
        assert s.query(AuditEvent).filter_by(action="wallet.import").count() == 0
    login(client, MARIA)
    answer = client.post("/api/me/imports?filename=licence.json", content=body, headers=headers)
    assert answer.status_code == 200
    report = answer.json()
    assert report["ok"] is True
    [row] = report["rows"]
    assert (row["outcome"], row["source"], row["name"]) == (
        "kept",
        "licence.json",
        "Registered Nurse",
    )
    png = bake_png(blank_png(), json.dumps(signed_license))
    again = client.post("/api/me/imports", content=png, headers={"content-type": "image/png"})
    assert [r["outcome"] for r in again.json()["rows"]] == ["already-held"]
    junk = client.post(
        "/api/me/imports", content=b"\x00junk", headers={"content-type": "image/png"}
    )
    assert junk.json()["ok"] is False and junk.json()["rows"][0]["outcome"] == "refused"
    # James reads none of it: his own import of the same file is his own copy
    login(client, "james@demo.openler.org")
    his = client.post("/api/me/imports", content=body, headers=headers).json()
    assert his["rows"][0]["outcome"] == "kept" and his["rows"][0]["ref"] != row["ref"]
    assert len(held_by(demo_platform, MARIA)) == 1
