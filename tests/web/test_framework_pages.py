"""The registry office's frameworks pages: the frameworks here, an upload imported with what
it did and the rows it skipped, items searched and paged, an item with its relations; only
the registry office (and the operator) sees them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import csrf_of, login

HTML = {"Accept": "text/html"}
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
CROSSWALK = (
    b"Service,MOC,Title,Status,O*NET-SOC Code\n"
    b"Coast Guard,HS,Health Services Technician,Active,29-2042.00\n"
    b"Coast Guard,,Nothing,Active,29-2042.00\n"
)


@pytest.mark.parametrize(
    ("who", "expected"), [("renee", 200), ("admin", 200), ("olivia", 403), ("maria", 403)]
)
def test_frameworks_pages_are_for_the_registry_office(
    client: TestClient, who: str, expected: int
) -> None:
    login(client, f"{who}@demo.openler.org")
    for path in (
        "/registry/frameworks",
        "/registry/frameworks/demo",
        "/registry/frameworks/demo/item?id=29-2042.00",
    ):
        assert client.get(path, headers=HTML).status_code == expected, path


def test_anyone_signed_out_is_sent_to_sign_in(client: TestClient) -> None:
    answer = client.get("/registry/frameworks", headers=HTML, follow_redirects=False)
    assert answer.status_code in (302, 303) and "/login" in answer.headers["location"]


def test_the_office_uploads_browses_and_reads_an_item(client: TestClient) -> None:
    login(client, "renee@demo.openler.org")
    home = client.get("/home", headers=HTML)
    assert 'href="/registry/frameworks"' in home.text
    listed = client.get("/registry/frameworks", headers=HTML)
    assert "2 frameworks are here." in listed.text
    assert "openler demo: skills and occupations of the stories" in listed.text
    done = client.post(
        "/registry/frameworks/import",
        data={"csrf_token": csrf_of(listed.text), "kind": "military", "framework_id": "uscg"},
        files={"files": ("uscg.csv", CROSSWALK, "text/csv")},
        headers=HTML,
    )
    assert done.status_code == 200
    assert "now holds 1 items: 1 added, 0 updated." in done.text
    assert "uscg.csv, line 3: no service or military code: skipped" in done.text
    wrong = client.post(
        "/registry/frameworks/import",
        data={"csrf_token": csrf_of(listed.text), "kind": "case"},
        files={"files": ("notes.txt", b"not json", "text/plain")},
        headers=HTML,
    )
    assert wrong.status_code == 400 and "notes.txt, line 1: not JSON" in wrong.text
    found = client.get("/registry/frameworks/demo?q=nurs&kind=occupation", headers=HTML)
    assert "Registered Nurses" in found.text and "Welders" not in found.text
    paged = client.get("/registry/frameworks/demo?page=2", headers=HTML)  # 147 items
    assert "Page 2 of 3" in paged.text and 'rel="prev"' in paged.text
    emt = client.get("/registry/frameworks/demo/item?id=29-2042.00", headers=HTML)
    assert "Emergency Medical Technicians" in emt.text
    assert re.search(r"provide first aid</a>.*?1\.00", emt.text, re.S)
    assert "Paramedics" in emt.text  # related
    assert "Combat Medic Specialist" in emt.text and "Health Services Technician" in emt.text
    medic = client.get("/registry/frameworks/military/item?id=army:68W", headers=HTML)
    assert "Licensed Practical and Licensed Vocational Nurses" in medic.text
    missing = client.get("/registry/frameworks/demo/item?id=nothing", headers=HTML)
    assert missing.status_code == 404


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data (ESCO's skills) is absent")
def test_esco_skills_import_through_the_page(client: TestClient) -> None:
    login(client, "renee@demo.openler.org")
    listed = client.get("/registry/frameworks", headers=HTML)
    done = client.post(
        "/registry/frameworks/import",
        data={"csrf_token": csrf_of(listed.text), "kind": "esco"},
        files={"files": ("skills_en.csv", (SHARED_DATA / "esco" / "skills_en.csv").read_bytes())},
        headers=HTML,
    )
    assert done.status_code == 200, done.text[:500]
    assert "now holds 13412 items: 13412 added, 0 updated." in done.text


def test_uploads_may_be_as_large_as_rosters(demo_platform: Any) -> None:
    from openler.web.app import ROSTER_UPLOADS

    assert ROSTER_UPLOADS.fullmatch("/registry/frameworks/import")
