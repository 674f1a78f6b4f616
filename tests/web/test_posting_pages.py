"""The employer's postings and candidates pages, and the learner's discoverability switch:
the hospital's HR makes a posting, asks for a skill found by searching, closes it after a
confirmation, and reads the ranking in plain words; a learner and another organization's
staff are refused; a person who did not opt in is never listed."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.services.people.accounts import Principal
from openler.services.skills import frameworks
from openler.skills import Framework, Item
from openler.store.models import JobPosting
from tests.web.conftest import csrf_of, login

HTML = {"Accept": "text/html"}
HOSPITAL = "/employer/piedmont-hospital/postings"


def ed_posting(platform: Any) -> str:
    with platform.db.session() as s:
        return str(
            s.execute(
                select(JobPosting.id).where(JobPosting.title.like("Registered Nurse%"))
            ).scalar_one()
        )


def test_hr_reads_the_candidates_in_plain_words(client: TestClient, demo_platform: Any) -> None:
    login(client, "hr@demo.openler.org")
    home = client.get("/verifier/piedmont-hospital", headers=HTML)
    assert HOSPITAL in home.text
    listed = client.get(HOSPITAL, headers=HTML)
    assert listed.status_code == 200 and "Registered Nurse — Emergency Department" in listed.text
    page = client.get(f"{HOSPITAL}/{ed_posting(demo_platform)}/candidates", headers=HTML)
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text)
    assert (
        "Maria Alvarez meets 5 of 6 required skills and 2 of 3 preferred." in text
        and "Registered Nurse from Ohio Board of Nursing proves Registered Nurses, plan nursing "
        "care and infection control."
        in text
        and "Not shown: provide first aid and provide pre-hospital emergency care of trauma."
        in text
    )
    assert "Luis Ortega" not in text and "Dana Brooks" not in text  # they never opted in
    chart = re.search(r'id="candidates-chart-data">(.*?)</script>', page.text, re.S)
    assert chart is not None
    figures = json.loads(chart.group(1))
    assert figures["labels"] == ["Maria Alvarez"]
    assert figures["required"][0] + figures["preferred"][0] > 50


def test_a_posting_is_made_given_a_skill_and_closed_after_confirming(
    client: TestClient, demo_platform: Any
) -> None:
    with demo_platform.db.session() as s:
        frameworks.save(
            s,
            demo_platform,
            Principal.system("test"),
            Framework(
                "esco",
                "esco",
                "ESCO",
                items=(Item("http://data.europa.eu/esco/skill/x", "skill", "triage patients"),),
            ),
        )
    login(client, "hr@demo.openler.org")
    token = csrf_of(client.get(HOSPITAL, headers=HTML).text)
    bad = client.post(HOSPITAL, data={"csrf_token": token, "title": " "}, headers=HTML)
    assert bad.status_code == 400 and "give the posting a title" in bad.text.lower()
    made = client.post(
        HOSPITAL,
        data={"csrf_token": token, "title": "Triage nurse", "occupation": "29-1141.00"},
        follow_redirects=False,
    )
    assert made.status_code == 303
    here = made.headers["location"]
    found = client.get(here, params={"q": "triage", "framework": "esco"}, headers=HTML)
    competency = re.search(r'name="competency" value="([^"]+)"', found.text)
    assert competency is not None
    added = client.post(
        f"{here}/requirements",
        data={
            "csrf_token": token,
            "competency": competency.group(1),
            "importance": "preferred",
            "weight": "2",
        },
    )
    assert added.status_code == 200 and "triage patients" in added.text
    assert "1 preferred skill" in added.text
    asked = client.post(f"{here}/close", data={"csrf_token": token}, headers=HTML)
    assert asked.status_code == 200 and "Close this posting?" in asked.text
    with demo_platform.db.session() as s:
        assert s.get(JobPosting, here.rsplit("/", 1)[1]).status == "open"
    closed = client.post(
        f"{here}/close", data={"csrf_token": token, "confirm": "yes"}, follow_redirects=False
    )
    assert closed.status_code == 303
    with demo_platform.db.session() as s:
        assert s.get(JobPosting, here.rsplit("/", 1)[1]).status == "closed"


@pytest.mark.parametrize("email", ["maria@demo.openler.org", "olivia@demo.openler.org"])
def test_a_learner_and_another_organizations_staff_are_refused(
    client: TestClient, demo_platform: Any, email: str
) -> None:
    login(client, email)
    posting = ed_posting(demo_platform)
    for path in (HOSPITAL, f"{HOSPITAL}/{posting}", f"{HOSPITAL}/{posting}/candidates"):
        assert client.get(path, headers=HTML).status_code == 403


def test_the_learner_turns_discoverability_off_and_on(
    client: TestClient, demo_platform: Any
) -> None:
    login(client, "maria@demo.openler.org")
    page = client.get("/record/skills", headers=HTML)
    assert "Employers can find you." in page.text
    token = csrf_of(page.text)
    client.post("/record/skills/discoverable", data={"csrf_token": token, "choice": "off"})
    assert "Employers cannot find you." in client.get("/record/skills", headers=HTML).text
    asked = client.post(
        "/record/skills/discoverable", data={"csrf_token": token, "choice": "on"}, headers=HTML
    )
    assert "Let employers find you?" in asked.text  # turning it on is confirmed first
    assert "Employers cannot find you." in client.get("/record/skills", headers=HTML).text
    client.post(
        "/record/skills/discoverable",
        data={"csrf_token": token, "choice": "on", "confirm": "yes"},
    )
    assert "Employers can find you." in client.get("/record/skills", headers=HTML).text
