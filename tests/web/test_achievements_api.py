"""The achievements API: create, edit into versions, retire, images, the public definition and
image at an achievement's id, refusals field by field, and who may call what (both ways)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from openler.vc import extract_png
from tests.services.test_achievements import LPN, SVG, png
from tests.web.conftest import changes, recorded_state
from tests.web.test_api import maria_credential, token_for
from tests.web.test_members import as_
from tests.web.test_tokens import bearer

BASE = "/api/orgs/ohio-nursing/achievements"
PNG = {"Content-Type": "image/png"}
SVG_TYPE = {"Content-Type": "image/svg+xml"}
NEW = {"slug": "lpn", "validDays": 730, "achievement": LPN}


def test_an_administrator_creates_edits_and_retires_an_achievement(client: TestClient) -> None:
    as_(client, "olivia")
    created = client.post(BASE, json=NEW)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["slug"], body["version"], body["validDays"], body["issued"]) == ("lpn", 1, 730, 0)
    assert body["achievement"]["id"] == "http://127.0.0.1:8000/orgs/ohio-nursing/achievements/lpn"

    edited = client.put(
        f"{BASE}/lpn",
        json={"validDays": 365, "achievement": {**LPN, "tag": ["nursing"]}},
    )
    assert edited.status_code == 200 and edited.json()["version"] == 2
    assert edited.json()["changes"] == [
        {"field": "tag", "before": "—", "after": "nursing"},
        {"field": "valid_days", "before": "730", "after": "365"},
    ]
    same = client.put(
        f"{BASE}/lpn", json={"validDays": 365, "achievement": {**LPN, "tag": ["nursing"]}}
    )
    assert same.json()["version"] == 2 and same.json()["changes"] == []

    versions = client.get(f"{BASE}/lpn/versions").json()["versions"]
    assert [(v["version"], v["createdBy"]) for v in versions] == [
        (2, "Olivia Chen"),
        (1, "Olivia Chen"),
    ]
    assert versions[1]["achievement"]["version"] == "1" and versions[1]["validDays"] == 730

    retired = client.post(f"{BASE}/lpn/retire")
    assert retired.status_code == 200 and retired.json()["retired"]
    assert client.post(f"{BASE}/lpn/retire").status_code == 409
    listed = {a["slug"]: a for a in client.get(BASE).json()["achievements"]}
    assert listed["lpn"]["retired"] and listed["registered-nurse"]["issued"] >= 1
    assert client.post(f"{BASE}/lpn/unretire").json()["retired"] is None


def test_a_refused_definition_names_each_field(client: TestClient, demo_platform: Any) -> None:
    as_(client, "olivia")
    before = recorded_state(demo_platform)
    bad = {
        **LPN,
        "achievementType": "Licence",
        "alignment": [{"targetName": "RN", "targetUrl": "onetonline.org"}],
    }
    response = client.post(BASE, json={"slug": "lpn", "achievement": bad})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_achievement"
    assert [p["field"] for p in body["problems"]] == ["achievementType", "alignment.1.targetUrl"]
    assert "Alignment 1, web address: give its web address" in body["message"]
    assert changes(before, recorded_state(demo_platform)) == {}


def test_an_image_is_served_at_the_achievements_public_address(client: TestClient) -> None:
    as_(client, "olivia")
    client.post(BASE, json=NEW)
    put = client.put(f"{BASE}/lpn/image", content=png(), headers=PNG)
    assert put.status_code == 200 and put.json()["version"] == 2
    image_id = put.json()["achievement"]["image"]["id"]
    client.cookies.clear()  # public: anyone may fetch what every credential names
    served = client.get(image_id.removeprefix("http://127.0.0.1:8000"))
    assert served.status_code == 200 and served.content == png()
    assert served.headers["content-type"] == "image/png"
    assert "sandbox" in served.headers["content-security-policy"]
    definition = client.get("/orgs/ohio-nursing/achievements/lpn")
    assert definition.json()["image"]["id"] == image_id
    demo = client.get("/orgs/ohio-nursing/achievements/registered-nurse/image")
    assert demo.status_code == 200 and demo.headers["content-type"] == "image/svg+xml"
    assert client.get("/orgs/ohio-nursing/achievements/nothing").status_code == 404

    as_(client, "olivia")
    refused = client.put(
        f"{BASE}/lpn/image",
        content=b"<svg xmlns='http://www.w3.org/2000/svg' onload='x()'><g/></svg>",
        headers=SVG_TYPE,
    )
    assert refused.status_code == 400 and "event attribute" in refused.json()["message"]
    assert (
        client.put(f"{BASE}/lpn/image", content=SVG, headers=SVG_TYPE).json()["imageType"]
        == "image/svg+xml"
    )
    removed = client.delete(f"{BASE}/lpn/image").json()
    assert removed["version"] == 4 and "image" not in removed["achievement"]
    client.cookies.clear()
    assert client.get("/orgs/ohio-nursing/achievements/lpn/image").status_code == 404


def test_a_holder_downloads_a_baked_badge(client: TestClient, demo_platform: Any) -> None:
    as_(client, "olivia")
    put = client.put(f"{BASE}/registered-nurse/image", content=png(), headers=PNG)
    assert put.status_code == 200
    as_(client, "maria")
    credential_id = quote(maria_credential(demo_platform)["id"], safe="")
    page = client.get(f"/wallet/{credential_id}")
    assert "Download the badge (PNG)" in page.text
    badge = client.get(f"/download/{credential_id}?format=badge")
    assert badge.status_code == 200 and badge.headers["content-type"] == "image/png"
    assert "attachment" in badge.headers["content-disposition"]
    assert '"credentialSubject"' in extract_png(badge.content)
    as_(client, "james")  # someone else's credential
    assert client.get(f"/download/{credential_id}?format=badge").status_code == 404


@pytest.mark.parametrize(
    ("who", "slug", "read", "write"),
    [
        ("olivia", "ohio-nursing", 200, 201),
        ("admin", "piedmont-hospital", 200, 201),
        ("trainer", "piedmont-hospital", 200, 403),  # staff read, do not change
        ("trainer", "ohio-nursing", 403, 403),  # staff of another organization
        ("olivia", "piedmont-hospital", 403, 403),  # an administrator elsewhere
        ("maria", "ohio-nursing", 403, 403),  # a learner
        (None, "ohio-nursing", 401, 401),
    ],
)
def test_who_may_read_and_change_achievements(
    client: TestClient, demo_platform: Any, who: str | None, slug: str, read: int, write: int
) -> None:
    as_(client, who)
    base = f"/api/orgs/{slug}/achievements"
    assert client.get(base).status_code == read
    existing = "registered-nurse" if slug == "ohio-nursing" else "iv-therapy"
    assert client.get(f"{base}/{existing}/versions").status_code == read
    before = recorded_state(demo_platform)
    assert client.post(base, json=NEW).status_code == write
    assert client.post(f"{base}/{existing}/retire").status_code == (200 if write == 201 else write)
    if write != 201:
        assert changes(before, recorded_state(demo_platform)) == {}


def test_tokens_act_with_their_role(client: TestClient, demo_platform: Any) -> None:
    staff = token_for(
        demo_platform, "trainer@demo.openler.org", "piedmont-hospital", "issuer_staff"
    )
    client.cookies.clear()
    base = "/api/orgs/piedmont-hospital/achievements"
    assert client.get(base, headers=bearer(staff)).status_code == 200
    assert client.get(f"{base}/iv-therapy", headers=bearer(staff)).json()["version"] == 1
    assert client.post(base, json=NEW, headers=bearer(staff)).status_code == 403
    admin = token_for(demo_platform, "olivia@demo.openler.org", "ohio-nursing", "issuer_admin")
    assert client.post(BASE, json=NEW, headers=bearer(admin)).status_code == 201
    assert client.get(base, headers=bearer(admin)).status_code == 403  # another organization
