"""The verification roster pages: the verifier's page links to them; an upload becomes a
job whose page follows its progress, then counts the verdicts in words, filters the table
by verdict without scripts (a query parameter) and pages through it; the CSV of every
verdict; a refused upload said on the form; who may use them and who may not."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import time
import zipfile
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from openler.services import jobs
from openler.services.people import accounts
from openler.services.verifiers import rosters
from openler.store.models import IssuedCredential, Member, Person
from tests.web.conftest import csrf_of, login

HTML = {"Accept": "text/html"}
ROSTERS = "/verifier/piedmont-hospital/rosters"


def signed_in(client: TestClient, email: str) -> str:
    login(client, email)
    return csrf_of(client.get("/home").text)


def text_of(page: str) -> str:
    words = re.sub(r"<[^>]+>", " ", page.replace("<wbr>", ""))  # a break opportunity: no space
    return html.unescape(re.sub(r"\s+", " ", words))


def roster_zip(platform: Any, copies: int = 1) -> bytes:
    """Every demo credential (``copies`` times, each copy a file of its own), a forgery and
    a file that is not a credential."""
    with platform.db.session() as s:
        documents = [r.document for r in s.execute(select(IssuedCredential)).scalars()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for copy in range(copies):
            for n, document in enumerate(documents):
                # each copy spaced its own way: the same credential, another file
                archive.writestr(f"{copy}/{n}.json", json.dumps(document, indent=copy))
        forged = json.loads(json.dumps(documents[0]))
        forged["validUntil"] = "2099-01-01T00:00:00Z"
        archive.writestr("forged.json", json.dumps(forged))
        archive.writestr("readme.txt", "the board's notes")
    return buffer.getvalue()


def upload(client: TestClient, token: str, content: bytes, name: str = "licences.zip") -> Any:
    return client.post(
        ROSTERS,
        data={"csrf_token": token},
        files={"file": (name, content, "application/zip")},
        follow_redirects=False,
    )


def held_roster(platform: Any, content: bytes) -> tuple[str, accounts.Principal]:
    """A list of links submitted by Piedmont's verifier, held for the test to run (or not)."""

    class Held:
        def submit(self, job_id: str) -> None:
            pass

    with platform.db.session() as s:
        person = s.scalars(select(Person).where(Person.email == "hr@demo.openler.org")).one()
        sam = accounts.principal_for(s, person)
    job_id = rosters.submit(
        platform,
        Held(),
        sam,
        organization_slug="piedmont-hospital",
        content=content,
        filename="links.csv",
    )
    return job_id, sam


def finished(client: TestClient, platform: Any, path: str) -> dict[str, Any]:
    if not platform.settings.database_url.startswith("sqlite"):
        jobs.run_job(platform, path.rsplit("/", 1)[1])  # what `openler worker` does
    for _ in range(400):
        progress: dict[str, Any] = client.get(f"{path}/progress").json()
        if progress["finished"]:
            return progress
        time.sleep(0.05)
    raise AssertionError("the roster did not finish")


def test_a_roster_from_upload_to_verdicts(client: TestClient, demo_platform: Any) -> None:
    token = signed_in(client, "hr@demo.openler.org")
    home = client.get("/verifier/piedmont-hospital")
    assert f'<a class="button secondary" href="{ROSTERS}">Check a roster</a>' in home.text
    form = client.get(ROSTERS)
    assert form.status_code == 200 and "No rosters yet." in form.text
    # the request limit, said in MB (the demo's upload limit is 50,000,000 bytes)
    assert "Up to 50,000 items; files up to 50 MB here." in text_of(form.text)
    sent = upload(client, token, roster_zip(demo_platform, copies=15))
    assert sent.status_code == 303
    path = sent.headers["location"]
    progress = finished(client, demo_platform, path)
    total = progress["total"]
    assert progress["done"] == total and progress["state"] == "done"
    assert progress["counts"]["forged"] == 1 and progress["counts"]["not-credential"] == 1
    active = progress["counts"]["active"]
    assert progress["words"].startswith(f"Done: {active} of {total:,} verified and active; ")
    assert progress["words"].endswith("; 1 forged or altered; 1 not a credential.")

    page = client.get(path)
    words = text_of(page.text)
    assert progress["words"] in words
    assert f"Items 1 to 100 of {total:,}" in words  # the first page of every item
    assert "Page 1 of 2" in words and f'href="{path}?show=all&amp;page=2#verdicts"' in page.text
    assert '<script src="/static/job-progress.js"' not in page.text  # finished: nothing to poll
    # the counts link to the table filtered by verdict, which works without scripts
    assert f'<a href="{path}?show=forged#verdicts"' in page.text
    forged = client.get(f"{path}?show=forged")
    shown = text_of(forged.text)
    assert "Items 1 to 1 of 1" in shown and "forged.json" in shown
    assert "forged or altered: its signature does not match" in shown
    # the issuer it names is only said: its signature did not verify
    forged_row = forged.text.split("<tbody>")[1].split("</tbody>")[0]
    assert re.search(r'<td data-label="Issuer">said to be from [^<]+</td>', forged_row)
    assert '<td data-label="Holder">—</td>' in forged_row  # what it says is no fact
    assert "did:" not in forged_row and "urn:" not in forged_row
    # a file's name breaks after its slashes and dots, not anywhere
    assert '<span class="id">forged.<wbr>json</span>' in forged.text
    assert '<option value="forged" selected>Forged or altered (1)</option>' in forged.text
    attention = text_of(client.get(f"{path}?show=attention").text)
    assert f"of {total - active}" in attention and "readme.txt" in attention
    assert f"Items 1 to 100 of {total:,}" in text_of(client.get(f"{path}?show=nonsense").text)
    second = text_of(client.get(f"{path}?page=2").text)
    assert f"Items 101 to {total} of {total}" in second

    download = client.get(f"{path}/verdicts.csv")
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(download.content.decode("utf-8-sig").splitlines()))
    assert rows[0] == list(rosters.CSV_COLUMNS) and len(rows) == total + 1  # a ZIP: no own
    assert sum(1 for r in rows[1:] if r[2] == "active" and r[3] == "yes") == active
    [forged_line] = [r for r in rows[1:] if r[2] == "forged"]
    assert forged_line[rows[0].index("issuer")].startswith("said to be from ")
    assert "did:" in forged_line[rows[0].index("technical detail")]

    listed = text_of(client.get(ROSTERS).text)
    assert "licences.zip" in listed and f"{active} of {total:,} verified and active" in listed


def test_a_waiting_roster_page_polls_and_offers_a_refresh(
    client: TestClient, demo_platform: Any
) -> None:
    signed_in(client, "hr@demo.openler.org")
    job_id, _sam = held_roster(
        demo_platform, b"https://elsewhere.example/s/1\nhttps://elsewhere.example/s/2\n"
    )
    page = client.get(f"{ROSTERS}/{job_id}")
    assert '<progress id="job-bar" max="2" value="0">' in page.text
    assert "The roster is waiting to start: 0 of 2 items done (0%)." in page.text
    # the words move with the bar; a hidden status announces them (each quarter)
    assert '<p id="job-words" class="">' in page.text
    assert '<p id="job-news" role="status" class="visually-hidden"></p>' in page.text
    assert 'data-unit="items"' in page.text
    assert f'<a href="{ROSTERS}/{job_id}">Refresh</a>' in page.text
    assert '<script src="/static/job-progress.js" defer></script>' in page.text
    assert client.get(f"{ROSTERS}/{job_id}/progress").json() == {
        "state": "queued",
        "done": 0,
        "total": 2,
        "percent": 0,
        "finished": False,
        "counts": {},
        "words": "The roster is waiting to start: 0 of 2 items done (0%).",
    }


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "the file is empty"),
        (b'{"@context": []}', "is a single document, not a roster"),
        (b"PK\x03\x04broken", "The ZIP file cannot be read"),
    ],
)
def test_a_refused_roster_is_said_on_the_form(
    client: TestClient, demo_platform: Any, content: bytes, said: str
) -> None:
    token = signed_in(client, "hr@demo.openler.org")
    refused = upload(client, token, content, name="x.json")
    assert refused.status_code == 400
    assert said.lower() in text_of(refused.text).lower()
    assert 'role="alert"' in refused.text


@pytest.mark.parametrize(
    "email", ["trainer@demo.openler.org", "maria@demo.openler.org", "olivia@demo.openler.org"]
)
def test_others_cannot_use_an_organizations_rosters(
    client: TestClient, demo_platform: Any, email: str
) -> None:
    token = signed_in(client, "hr@demo.openler.org")
    path = upload(client, token, roster_zip(demo_platform)).headers["location"]
    finished(client, demo_platform, path)
    token = signed_in(client, email)  # issuer staff here, a learner, another organization's
    for listing in (ROSTERS, "/verifier/piedmont-hospital"):
        assert client.get(listing, headers=HTML).status_code == 403, listing
    for page in (path, f"{path}/progress", f"{path}/verdicts.csv", f"{path}?show=forged"):
        assert client.get(page, headers=HTML).status_code == 404, page
    assert upload(client, token, roster_zip(demo_platform)).status_code == 403
    if email == "trainer@demo.openler.org":  # nor through the organization's issuing pages
        job_id = path.rsplit("/", 1)[1]
        assert client.get(f"/issuer/piedmont-hospital/jobs/{job_id}").status_code == 404
        assert "licences.zip" not in client.get("/issuer/piedmont-hospital/jobs").text


def test_the_upload_needs_the_sessions_token(client: TestClient, demo_platform: Any) -> None:
    signed_in(client, "hr@demo.openler.org")
    forged = client.post(
        ROSTERS,
        files={"file": ("links.csv", b"https://x.example/s/1\n", "text/csv")},
        headers={**HTML, "Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert forged.status_code == 403


def test_a_stopped_roster_says_why(client: TestClient, demo_platform: Any) -> None:
    job_id, sam = held_roster(demo_platform, b"https://elsewhere.example/s/1\n")
    with demo_platform.db.session() as s:  # Sam leaves the hospital before it runs
        s.execute(delete(Member).where(Member.person_id == sam.person_id))
    assert jobs.run_job(demo_platform, job_id) == "failed"
    signed_in(client, "admin@demo.openler.org")
    progress = client.get(f"{ROSTERS}/{job_id}/progress").json()
    assert progress["words"] == (
        "Stopped before the end: 0 of 1 verified and active; this needs the verifier role in "
        "that organization."
    )
    assert progress["words"] in text_of(client.get(f"{ROSTERS}/{job_id}").text)
