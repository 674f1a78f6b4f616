"""The roster pages: upload, map the columns, preview, dry run, issue as a job with its
progress and per-row results file, the past jobs; who may use them and who may not."""

from __future__ import annotations

import csv
import html
import io
import re
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.services import jobs
from openler.services.issuers import achievements, bulk, orgs
from openler.services.issuers.recipients import Award, Recipient
from openler.services.people import accounts
from openler.store.models import Achievement, IssuedCredential, Person
from tests.conftest import SETUP
from tests.web.conftest import csrf_of, login

HTML = {"Accept": "text/html"}
ROSTER = (
    "\ufeffE-mail;Full name;Licence no.;Expires\r\n"
    "newcomer@example.org;New Comer;RN.100;11/25/2028\r\n"
    "maria@;Maria;RN.101;\r\n"
    "zoe@example.org;Zoë;RN.102;2028-13-01\r\n"
    "maria@demo.openler.org;Maria Alvarez;RN.103;2028-11-25\r\n"
).encode()


def signed_in(client: TestClient, who: str) -> str:
    login(client, f"{who}@demo.openler.org")
    return csrf_of(client.get("/home").text)


def upload(
    client: TestClient, token: str, content: bytes = ROSTER, name: str = "nurses.csv"
) -> Any:
    return client.post(
        "/issuer/ohio-nursing/rosters",
        data={"csrf_token": token, "achievement": "registered-nurse"},
        files={"file": (name, content, "text/csv")},
        follow_redirects=False,
    )


def finished(client: TestClient, platform: Any, job_path: str) -> dict[str, Any]:
    job_id = job_path.split("?")[0].rsplit("/", 1)[1]
    if not platform.settings.database_url.startswith("sqlite"):
        jobs.run_job(platform, job_id)  # what `openler worker` does
    for _ in range(200):
        progress: dict[str, Any] = client.get(f"/issuer/ohio-nursing/jobs/{job_id}/progress").json()
        if progress["finished"]:
            return progress
        time.sleep(0.05)
    raise AssertionError("the job did not finish")


def test_a_roster_from_upload_to_results(client: TestClient, demo_platform: Any) -> None:
    token = signed_in(client, "olivia")
    form = client.get("/issuer/ohio-nursing/rosters")
    assert form.status_code == 200 and "Registered Nurse" in form.text
    uploaded = upload(client, token)
    assert uploaded.status_code == 303
    columns_path = uploaded.headers["location"]
    upload_id = columns_path.split("/")[-2]
    columns = client.get(columns_path)
    # headers named like the fields are chosen already
    assert re.search(
        r'name="map.email">\s*<option value="">[^<]*</option>\s*<option value="E-mail" selected',
        columns.text,
    )
    assert '<option value="Full name" selected>' in columns.text
    assert '<option value="Licence no." selected>' in columns.text
    refused = client.post(columns_path, data={"csrf_token": token, "map.name": "Full name"})
    assert refused.status_code == 400 and "email address or identifier" in refused.text
    chosen = client.post(
        columns_path,
        data={
            "csrf_token": token,
            "map.email": "E-mail",
            "map.name": "Full name",
            "map.licenseNumber": "Licence no.",
            "map.validUntil": "Expires",
            "map.identifierType": "identifier",
        },
        follow_redirects=False,
    )
    assert chosen.status_code == 303
    preview = client.get(chosen.headers["location"])
    text = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", preview.text)))
    # maria@demo.openler.org (row 4) already holds the demo's Registered Nurse licence
    assert "1 will be issued, 1 already holds it, 2 have problems." in text
    assert "row 4 (maria@demo.openler.org): already holds it (issued " in text
    assert ">Issue 1 credential</button>" in preview.text
    assert "row 2: 'maria@' is not an email address" in text
    assert "row 3: valid until '2028-13-01' is not a date" in text
    assert "until 2028-11-25" in text and "licence RN.100" in text

    dry = client.post(
        f"/issuer/ohio-nursing/rosters/{upload_id}/run",
        data={"csrf_token": token, "mode": "dry-run"},
        follow_redirects=False,
    )
    assert dry.status_code == 303 and f"?roster={upload_id}" in dry.headers["location"]
    progress = finished(client, demo_platform, dry.headers["location"])
    assert progress["counts"] == {"would_issue": 1, "already_holds": 1, "failed": 2}
    dry_page = client.get(dry.headers["location"])
    assert "Issue them now" in dry_page.text
    assert "1 would be issued, 1 already holds it, 2 not issued" in dry_page.text

    asked = client.post(
        f"/issuer/ohio-nursing/rosters/{upload_id}/run",
        data={"csrf_token": token, "mode": "issue"},
    )
    assert "Issue Registered Nurse to 1 recipient?" in asked.text
    assert "Not issued again: 1 row whose recipient already holds it." in asked.text
    with demo_platform.db.session() as s:
        assert s.scalar(
            select(Achievement.column_map).where(Achievement.slug == "registered-nurse")
        ) == {
            "email": "E-mail",
            "name": "Full name",
            "licenseNumber": "Licence no.",
            "validUntil": "Expires",
        }  # remembered by the dry run: a submission
        before = len(s.scalars(select(IssuedCredential)).all())
    issued = client.post(
        f"/issuer/ohio-nursing/rosters/{upload_id}/run",
        data={"csrf_token": token, "mode": "issue", "confirm": "yes"},
        follow_redirects=False,
    )
    assert issued.status_code == 303
    job_path = issued.headers["location"]
    progress = finished(client, demo_platform, job_path)
    # maria already holds the demo's Registered Nurse licence
    assert progress["counts"] == {"issued": 1, "already_holds": 1, "failed": 2}
    assert progress["words"] == "Done: 1 issued, 1 already holds it, 2 not issued."
    with demo_platform.db.session() as s:
        assert len(s.scalars(select(IssuedCredential)).all()) == before + 1
    page = client.get(job_path)
    assert 'role="status"' in page.text and "Done: 1 issued" in page.text
    assert "row 2 (maria@): &#39;maria@&#39; is not an email address" in page.text
    assert 'data-finished="true"' in page.text and "job-progress.js" not in page.text

    results = client.get(f"{job_path}/results.csv")
    assert results.headers["content-type"].startswith("text/csv")
    assert "attachment" in results.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(results.content.decode("utf-8-sig"))))
    assert rows[0] == ["row", "recipient", "outcome", "credential id", "message"]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("1", "newcomer@example.org", "issued"),
        ("2", "maria@", "failed"),
        ("3", "zoe@example.org", "failed"),
        ("4", "maria@demo.openler.org", "already_holds"),
    ]

    # the upload is gone once issued; the jobs list shows both runs
    assert client.get(f"/issuer/ohio-nursing/rosters/{upload_id}").status_code == 404
    listing = client.get("/issuer/ohio-nursing/jobs")
    assert listing.text.count("nurses.csv") == 2 and "Olivia Chen" in listing.text
    # and the next file's columns are prefilled from what was remembered
    token = csrf_of(listing.text)
    again = upload(client, token, b"Expires,E-mail\n2029-01-01,x@example.org\n")
    assert '<option value="Expires" selected>' in client.get(again.headers["location"]).text


def test_a_running_job_page_polls_and_offers_a_refresh(
    client: TestClient, demo_platform: Any
) -> None:
    """A job that has not run yet (no worker): its page has the bar, the script and the
    refresh link; the progress endpoint says where it is."""
    signed_in(client, "olivia")
    held: list[str] = []

    class Held:
        def submit(self, job_id: str) -> None:
            held.append(job_id)

    with demo_platform.db.session() as s:
        person = s.scalars(select(Person).where(Person.email == "olivia@demo.openler.org")).one()
        olivia = accounts.principal_for(s, person)
    job_id = bulk.submit_roster(
        demo_platform,
        Held(),
        olivia,
        organization_slug="ohio-nursing",
        achievement_slug="registered-nurse",
        awards=[Award(Recipient(email=f"n{i}@example.org"), row=i) for i in range(1, 4)],
    )
    page = client.get(f"/issuer/ohio-nursing/jobs/{job_id}")
    assert '<progress id="job-bar" max="3" value="0">' in page.text
    assert "The job is waiting to start: 0 of 3 rows done (0%)." in page.text
    assert '<script src="/static/job-progress.js" defer></script>' in page.text
    assert f'<a href="/issuer/ohio-nursing/jobs/{job_id}">Refresh</a>' in page.text
    progress = client.get(f"/issuer/ohio-nursing/jobs/{job_id}/progress").json()
    assert progress == {
        "state": "queued",
        "done": 0,
        "total": 3,
        "percent": 0,
        "finished": False,
        "counts": {},
        "words": "The job is waiting to start: 0 of 3 rows done (0%).",
    }
    assert client.get("/static/job-progress.js").status_code == 200


@pytest.mark.parametrize("who", ["trainer", "maria"])
def test_others_cannot_use_an_organizations_rosters(
    client: TestClient, demo_platform: Any, who: str
) -> None:
    token = signed_in(client, "olivia")
    upload_id = upload(client, token).headers["location"].split("/")[-2]
    client.post(
        f"/issuer/ohio-nursing/rosters/{upload_id}/columns",
        data={"csrf_token": token, "map.email": "E-mail"},
    )
    dry = client.post(
        f"/issuer/ohio-nursing/rosters/{upload_id}/run",
        data={"csrf_token": token, "mode": "dry-run"},
        follow_redirects=False,
    )
    job_id = dry.headers["location"].split("?")[0].rsplit("/", 1)[1]
    finished(client, demo_platform, dry.headers["location"])

    token = signed_in(client, who)  # another organization's issuer, or a learner
    for path in (
        "/issuer/ohio-nursing/rosters",
        f"/issuer/ohio-nursing/rosters/{upload_id}",
        f"/issuer/ohio-nursing/rosters/{upload_id}/columns",
        "/issuer/ohio-nursing/jobs",
    ):
        assert client.get(path, headers=HTML).status_code == 403, path
    for path in (
        f"/issuer/ohio-nursing/jobs/{job_id}",
        f"/issuer/ohio-nursing/jobs/{job_id}/progress",
        f"/issuer/ohio-nursing/jobs/{job_id}/results.csv",
    ):
        assert client.get(path, headers=HTML).status_code == 404, path
    assert upload(client, token).status_code == 403
    refused = client.post(
        f"/issuer/ohio-nursing/rosters/{upload_id}/run",
        data={"csrf_token": token, "mode": "issue", "confirm": "yes"},
        headers=HTML,
    )
    assert refused.status_code == 403
    if who == "trainer":  # through their own organization's pages either
        for path in (
            f"/issuer/piedmont-hospital/rosters/{upload_id}",
            f"/issuer/piedmont-hospital/jobs/{job_id}",
            f"/issuer/piedmont-hospital/jobs/{job_id}/results.csv",
        ):
            assert client.get(path, headers=HTML).status_code == 404, path
        assert "nurses.csv" not in client.get("/issuer/piedmont-hospital/jobs").text
    with demo_platform.db.session() as s:
        assert not s.scalars(
            select(IssuedCredential).where(
                IssuedCredential.recipient_email == "newcomer@example.org"
            )
        ).all()


def test_roster_forms_need_the_csrf_token(client: TestClient, demo_platform: Any) -> None:
    token = signed_in(client, "olivia")
    no_token = client.post(
        "/issuer/ohio-nursing/rosters",
        data={"achievement": "registered-nurse"},
        files={"file": ("nurses.csv", ROSTER, "text/csv")},
        headers=HTML,
    )
    assert no_token.status_code == 403
    upload_id = upload(client, token).headers["location"].split("/")[-2]
    for path, data in (
        (f"/issuer/ohio-nursing/rosters/{upload_id}/columns", {"map.email": "E-mail"}),
        (f"/issuer/ohio-nursing/rosters/{upload_id}/run", {"mode": "issue", "confirm": "yes"}),
    ):
        assert client.post(path, data=data, headers=HTML).status_code == 403, path
    with demo_platform.db.session() as s:
        assert (
            s.scalar(select(Achievement.column_map).where(Achievement.slug == "registered-nurse"))
            is None
        )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "choose a CSV or Excel (.xlsx) file"),
        ("email\nrené@x.org\n".encode("latin-1"), "save it as CSV UTF-8"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Excel .xls file"),
    ],
)
def test_an_unusable_file_is_said_on_the_form(
    client: TestClient, content: bytes, message: str
) -> None:
    token = signed_in(client, "olivia")
    response = upload(client, token, content)
    assert response.status_code == 400 and message in response.text
    assert 'role="alert"' in response.text


def test_an_xlsx_roster_is_uploaded(client: TestClient, demo_platform: Any) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["email", "name"])
    book.active.append(["xl@example.org", "Excel Person"])
    data = io.BytesIO()
    book.save(data)
    token = signed_in(client, "olivia")
    uploaded = upload(client, token, data.getvalue(), name="nurses.xlsx")
    assert uploaded.status_code == 303
    preview = client.get(
        uploaded.headers["location"].removesuffix("/columns"), follow_redirects=True
    )
    # not mapped yet: sent to the columns page, where email and name are chosen already
    assert '<option value="email" selected>' in preview.text


def test_achievement_results_are_columns(client: TestClient, demo_platform: Any) -> None:
    with demo_platform.db.session() as s:
        organization = orgs.organization_by_slug(s, "ohio-nursing")
        achievements.create_achievement(
            s,
            demo_platform,
            SETUP,
            organization,
            slug="cpr",
            data={
                "name": "CPR",
                "description": "CPR certified.",
                "criteria": {"narrative": "Practical test."},
                "resultDescription": [
                    {
                        "id": "urn:uuid:1f0c2a44-55a1-4b8e-9d0e-0d7d3b9b7a10",
                        "type": ["ResultDescription"],
                        "name": "Outcome",
                        "resultType": "Status",
                        "allowedValue": ["Passed", "Failed"],
                    }
                ],
            },
        )
    token = signed_in(client, "olivia")
    uploaded = client.post(
        "/issuer/ohio-nursing/rosters",
        data={"csrf_token": token, "achievement": "cpr"},
        files={"file": ("cpr.csv", b"email,outcome\na@example.org,passed\nb@example.org,maybe\n")},
        follow_redirects=False,
    )
    columns = client.get(uploaded.headers["location"])
    assert "Result: Outcome" in columns.text and '<option value="outcome" selected>' in columns.text
    client.post(
        uploaded.headers["location"],
        data={"csrf_token": token, "map.email": "email", "map.result:Outcome": "outcome"},
    )
    preview = client.get(uploaded.headers["location"].removesuffix("/columns"))
    assert (
        "row 2: &#39;maybe&#39; is not one of the values of Outcome (Passed, Failed)"
        in preview.text
    )
    assert "Passed" in preview.text
