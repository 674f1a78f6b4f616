"""The achievement pages: list, new, edit into versions, repeatable rows without JavaScript,
problems shown at their fields, retiring after a confirmation, the issuer's downloads, and
who sees what (both ways)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from openler.vc import extract_svg
from tests.services.test_achievements import SVG
from tests.web.conftest import changes, csrf_of, recorded_state
from tests.web.test_api import maria_credential
from tests.web.test_members import HTML, as_

PAGES = "/issuer/ohio-nursing/achievements"
FORM = {
    "slug": "lpn",
    "name": "Licensed Practical Nurse",
    "description": "Licensed to practise as an LPN in Ohio.",
    "criteria": "An approved program and the NCLEX-PN.",
    "achievement_type": "License",
    "valid_days": "730",
    "alignment_rows": "1",
    "alignment-1-targetName": "Licensed Practical Nurses",
    "alignment-1-targetUrl": "https://www.onetonline.org/link/summary/29-2061.00",
    "alignment-1-targetType": "ext:ONET",
    "alignment-1-targetCode": "29-2061.00",
    "resultDescription_rows": "1",
    "step": "save",
}


def post_form(client: TestClient, path: str, fields: dict[str, str], **files: Any) -> Any:
    token = csrf_of(client.get(path).text)
    return client.post(path, data={**fields, "csrf_token": token}, files=files or None)


def test_an_administrator_creates_and_edits_an_achievement(client: TestClient) -> None:
    as_(client, "olivia")
    home = client.get("/issuer/ohio-nursing")
    assert f'href="{PAGES}"' in home.text
    listing = client.get(PAGES)
    assert "Registered Nurse" in listing.text and f'href="{PAGES}/new"' in listing.text
    image = {"image": ("badge.svg", SVG, "image/svg+xml")}
    created = post_form(client, f"{PAGES}/new", FORM, **image)
    assert created.status_code == 200, created.text  # followed the redirect
    assert "created as version 1" in created.text and "Licensed Practical Nurses" in created.text
    assert 'src="/orgs/ohio-nursing/achievements/lpn/image"' in created.text

    edit = client.get(f"{PAGES}/lpn/edit")
    assert 'value="Licensed Practical Nurses"' in edit.text  # the row, filled in
    assert 'name="alignment-2-targetName"' in edit.text  # and a blank one after it
    fields = {
        **{k: v for k, v in FORM.items() if k != "slug"},
        "description": "Licensed to practise as an LPN in the State of Ohio.",
        "alignment_rows": "2",
    }
    saved = post_form(client, f"{PAGES}/lpn/edit", fields)
    assert "Saved as version 2" in saved.text
    assert "Version 2" in saved.text and "Version 1" in saved.text
    assert "in the State of Ohio" in saved.text and "The first version." in saved.text
    again = post_form(client, f"{PAGES}/lpn/edit", fields)
    assert "Nothing changed" in again.text
    assert ">2</td>" in client.get(PAGES).text  # its version in the list


def test_add_another_row_keeps_what_was_typed(client: TestClient, demo_platform: Any) -> None:
    as_(client, "olivia")
    before = recorded_state(demo_platform)
    more = post_form(client, f"{PAGES}/new", {**FORM, "step": "more-alignment"})
    assert more.status_code == 200
    assert 'name="alignment-2-targetName"' in more.text
    assert 'name="alignment-3-targetName"' not in more.text
    assert 'value="Licensed Practical Nurses"' in more.text and 'value="lpn"' in more.text
    more_results = post_form(client, f"{PAGES}/new", {**FORM, "step": "more-result"})
    assert 'name="resultDescription-2-name"' in more_results.text
    assert changes(before, recorded_state(demo_platform)) == {}  # nothing saved


def test_problems_are_shown_at_their_fields(client: TestClient, demo_platform: Any) -> None:
    as_(client, "olivia")
    before = recorded_state(demo_platform)
    bad = {
        **FORM,
        "name": "",
        "valid_days": "two years",
        "alignment-1-targetUrl": "onetonline",
        "resultDescription_rows": "1",
        "resultDescription-1-name": "Score",
        "resultDescription-1-resultType": "Mark",
    }
    refused = post_form(client, f"{PAGES}/new", bad, image=("x.gif", b"GIF89a", "image/gif"))
    assert refused.status_code == 400
    summary = re.findall(r'<li><a href="#([^"]+)">', refused.text)
    assert summary == [  # in the order of the form
        "name",
        "valid_days",
        "image",
        "alignment-1-targetUrl",
        "resultDescription-1-resultType",
    ]
    assert 'id="alignment-1-targetUrl-error"' in refused.text
    assert 'aria-describedby="alignment-1-targetUrl-error" aria-invalid="true"' in refused.text
    assert "choose the file again" in refused.text and 'value="onetonline"' in refused.text
    taken = post_form(client, f"{PAGES}/new", {**FORM, "slug": "registered-nurse"})
    assert taken.status_code == 409 and "already has an achievement" in taken.text
    assert changes(before, recorded_state(demo_platform)) == {}


def test_retiring_asks_first_and_leaves_the_issue_form(
    client: TestClient, demo_platform: Any
) -> None:
    as_(client, "olivia")
    detail = client.get(f"{PAGES}/registered-nurse")
    before = recorded_state(demo_platform)
    asked = client.post(
        f"{PAGES}/registered-nurse/retire",
        data={"csrf_token": csrf_of(detail.text), "action": "retire"},
    )
    assert asked.status_code == 200 and "Retire Registered Nurse?" in asked.text
    assert "Credentials already issued stay valid" in asked.text
    assert changes(before, recorded_state(demo_platform)) == {}
    done = client.post(
        f"{PAGES}/registered-nurse/retire",
        data={"csrf_token": csrf_of(asked.text), "action": "retire", "confirm": "yes"},
    )
    assert "nothing more is issued of it" in done.text and "Offer it again" in done.text
    assert 'value="registered-nurse"' not in client.get("/issuer/ohio-nursing").text
    assert "Retired" in client.get(PAGES).text
    assert client.get(f"{PAGES}/registered-nurse/edit", headers=HTML).status_code == 409
    back = client.post(
        f"{PAGES}/registered-nurse/retire",
        data={"csrf_token": csrf_of(done.text), "action": "unretire", "confirm": "yes"},
    )
    assert "offered again" in back.text
    assert 'value="registered-nurse"' in client.get("/issuer/ohio-nursing").text


def test_the_issuer_downloads_json_and_the_baked_badge(
    client: TestClient, demo_platform: Any
) -> None:
    as_(client, "olivia")
    fields = {
        "name": "Registered Nurse",
        "description": "Licensed to practise as a Registered Nurse in the State of Ohio.",
        "criteria": "Approved nursing program, NCLEX-RN, Ohio Revised Code 4723.",
        "step": "save",
    }
    post_form(
        client, f"{PAGES}/registered-nurse/edit", fields, image=("b.svg", SVG, "image/svg+xml")
    )
    credential_id = quote(maria_credential(demo_platform)["id"], safe="")
    page = client.get(f"/issuer/ohio-nursing/credentials/{credential_id}")
    assert "Download the badge (SVG)" in page.text
    badge = client.get(f"/issuer/ohio-nursing/download/{credential_id}?format=badge")
    assert badge.headers["content-type"].startswith("image/svg+xml")
    assert '"Registered Nurse"' in extract_svg(badge.content)
    plain = client.get(f"/issuer/ohio-nursing/download/{credential_id}")
    assert plain.json()["id"] == maria_credential(demo_platform)["id"]
    as_(client, "trainer")  # staff of another organization
    assert (
        client.get(f"/issuer/ohio-nursing/download/{credential_id}", headers=HTML).status_code
        in (403, 404)
    )  # fmt: skip


@pytest.mark.parametrize(
    ("who", "slug", "read", "write"),
    [
        ("olivia", "ohio-nursing", 200, 200),
        ("trainer", "piedmont-hospital", 200, 403),  # staff read, do not change
        ("trainer", "ohio-nursing", 403, 403),  # staff of another organization
        ("maria", "ohio-nursing", 403, 403),  # a learner
    ],
)
def test_who_sees_the_pages(
    client: TestClient, demo_platform: Any, who: str, slug: str, read: int, write: int
) -> None:
    as_(client, who)
    existing = "registered-nurse" if slug == "ohio-nursing" else "iv-therapy"
    pages = f"/issuer/{slug}/achievements"
    assert client.get(pages, headers=HTML).status_code == read
    detail = client.get(f"{pages}/{existing}", headers=HTML)
    assert detail.status_code == read
    assert ("/edit" in detail.text) == (write == 200)
    assert client.get(f"{pages}/new", headers=HTML).status_code == write
    assert client.get(f"{pages}/{existing}/edit", headers=HTML).status_code == write
    before = recorded_state(demo_platform)
    token = csrf_of(client.get("/home").text)
    retire = client.post(
        f"{pages}/{existing}/retire",
        data={"csrf_token": token, "action": "retire", "confirm": "yes"},
        headers=HTML,
    )
    assert retire.status_code == write
    if write != 200:
        assert changes(before, recorded_state(demo_platform)) == {}
