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


def _suggested_index(html: str, label: str) -> str:
    found = re.search(
        r'id="suggested-(\d+)" name="suggested" value="\d+">\s*<label for="suggested-\d+">'
        + re.escape(label),
        html,
    )
    assert found is not None, f"{label} was not suggested"
    return found.group(1)


def test_hr_pastes_the_postings_text_and_adds_suggested_skills(
    client: TestClient, demo_platform: Any
) -> None:
    login(client, "hr@demo.openler.org")
    posting = ed_posting(demo_platform)
    here = f"{HOSPITAL}/{posting}"
    token = csrf_of(client.get(here, headers=HTML).text)
    text = "You will take blood samples from patients and triage clients arriving at night."
    page = client.post(
        f"{here}/suggest",
        data={"csrf_token": token, "framework": "demo", "text": text},
        headers=HTML,
    )
    assert page.status_code == 200 and 'id="suggestions"' in page.text
    assert text in page.text  # the pasted text is kept in its box
    blood = _suggested_index(page.text, "take blood samples")
    triage = _suggested_index(page.text, "triage clients")
    added = client.post(
        f"{here}/suggested",
        data={
            "csrf_token": token,
            "framework": "demo",
            "text": text,
            "suggested": [blood, triage],
            f"identifier-{blood}": re.search(
                rf'name="identifier-{blood}" value="([^"]+)"', page.text
            ).group(1),  # type: ignore[union-attr]
            f"importance-{blood}": "required",
            f"weight-{blood}": "5",
            f"identifier-{triage}": re.search(
                rf'name="identifier-{triage}" value="([^"]+)"', page.text
            ).group(1),  # type: ignore[union-attr]
            f"importance-{triage}": "preferred",
            f"weight-{triage}": "2",
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert added.status_code == 303 and added.headers["location"].endswith("#requirements")
    with demo_platform.db.session() as s:
        asked = {
            r.label: (r.required, r.weight) for r in s.get_one(JobPosting, posting).requirements
        }
    assert asked["take blood samples"] == (True, 5.0)
    assert asked["triage clients"] == (False, 2.0)
    again = client.post(
        f"{here}/suggest",
        data={"csrf_token": token, "framework": "demo", "text": text},
        headers=HTML,
    )
    assert 'take blood samples</span> <span class="small">(asked for already)' in again.text


def test_suggesting_without_text_or_ticks_says_what_to_do(
    client: TestClient, demo_platform: Any
) -> None:
    login(client, "hr@demo.openler.org")
    token = csrf_of(client.get(HOSPITAL, headers=HTML).text)
    made = client.post(HOSPITAL, data={"csrf_token": token, "title": "Night porter"}, headers=HTML)
    here = str(made.url).split("#")[0]
    empty = client.post(
        f"{here}/suggest",
        data={"csrf_token": token, "framework": "demo", "text": " "},
        headers=HTML,
    )
    assert empty.status_code == 400
    assert "or give the posting a description, first" in empty.text.lower()
    nothing = client.post(
        f"{here}/suggested",
        data={"csrf_token": token, "framework": "demo", "text": "triage clients"},
        headers=HTML,
    )
    assert nothing.status_code == 400 and "tick the skills to add first" in nothing.text.lower()
    unknown = client.post(
        f"{here}/suggest",
        data={"csrf_token": token, "framework": "nowhere", "text": "triage"},
        headers=HTML,
    )
    assert unknown.status_code == 400 and "no framework" in unknown.text.lower()
