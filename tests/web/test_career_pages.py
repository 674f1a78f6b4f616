"""The career pages over the demo and the navigator's test framework: Luis's navigator answers
first in words, its chart and table carry the same figures, the credentials that close the gap
are in order with their issuers; military translation; granting, listing and withdrawing a
career navigator (confirmed); the coach's list and read-only view, and 403 for anyone without
a grant (another coach, an issuer admin, a verifier, the person's grant withdrawn)."""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.services.issuers import orgs
from openler.services.people import accounts
from openler.store.models import AuditEvent, Person
from tests.services.navigation_world import EMT, save_world
from tests.web.conftest import csrf_of, login

HTML = {"Accept": "text/html"}
CARMEN = "carmen@demo.openler.org"
LUIS = "luis@demo.openler.org"


@pytest.fixture
def world(demo_platform: Any) -> Any:
    with demo_platform.db.session() as s:
        save_world(s, demo_platform)
    return demo_platform


def person_id(platform: Any, email: str) -> str:
    with platform.db.session() as s:
        return str(s.execute(select(Person.id).where(Person.email == email)).scalar_one())


def audited(platform: Any, action: str) -> int:
    with platform.db.session() as s:
        return len(s.execute(select(AuditEvent).where(AuditEvent.action == action)).all())


def chart_of(html: str) -> dict[str, Any]:
    found = re.search(r'id="career-chart-data">(.*?)</script>', html, re.S)
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_luis_reads_his_navigator(client: TestClient, world: Any) -> None:
    login(client, LUIS)
    home = client.get("/home").text
    assert 'href="/record/career"' in home and 'href="/record/career/military"' in home
    assert 'href="/record/career"' in client.get("/record/skills").text
    found = client.get("/record/career", params={"q": "test emergency"})
    assert found.status_code == 200
    assert f'href="/record/career?occupation={quote(EMT)}"' in found.text
    page = client.get("/record/career", params={"occupation": EMT})
    assert page.status_code == 200
    words = text_of(page.text)
    first = words.index("Test Emergency Medical Technicians: you have 2 of the 7 skills it needs.")
    assert (
        first
        < words.index("The gap: 5 skills missing")
        < words.index("Credentials that close the gap, in order")
        < words.index("Related occupations")
    )
    assert "Weighed by importance, that is 31% of what it needs." in words
    chart = chart_of(page.text)
    rows = re.findall(
        r'<tr class="(missing|held)"><th scope="row">([^<]+)</th>',
        page.text.split('id="gap-table"')[1],
    )
    assert [html.unescape(label) for _, label in rows] == chart["labels"]
    assert [kind == "held" for kind, _ in rows] == [h > 0 for h in chart["held"]]
    assert chart["missing"][:3] == [100, 100, 100] and chart["held"][-1] == 100
    closing = text_of(page.text.split('id="closing-list">')[1].split("</ol>")[0])
    assert closing.startswith("Emergency Medical Technician (EMT-Basic) Certificate Offered by")
    assert "Capital Area Community College" in closing
    assert "Verifiers here trust its credentials." in closing
    assert "Closes 3 missing skills (67% of the gap)" in closing
    assert "No credential offered here covers: apply wound dressings." in words
    assert '<script src="/static/career-chart.js" defer></script>' in page.text


def test_a_bad_occupation_says_what_to_do(client: TestClient, world: Any) -> None:
    login(client, LUIS)
    page = client.get("/record/career", params={"occupation": "00-0000.00"}, headers=HTML)
    assert page.status_code == 404
    assert "No occupation 00-0000.00 is known here." in page.text
    assert 'id="q"' in page.text  # the search is there to try again
    none = client.get("/record/career", params={"q": "zzzz"})
    assert "No occupation here has “zzzz” in its title." in none.text


def test_luis_translates_army_99w(client: TestClient, world: Any) -> None:
    login(client, LUIS)
    page = client.get("/record/career/military")
    assert page.status_code == 200 and '<option value="Army"' in page.text
    page = client.get("/record/career/military", params={"service": "Army", "code": "99w"})
    assert page.status_code == 200
    words = text_of(page.text)
    assert "Army 99W, Test Combat Medic, translates to 2 civilian occupations" in words
    assert words.index("Test Emergency Medical Technicians: you have 2") < words.index(
        "Test Registered Nurses: you have 1"
    )
    assert "Your credentials already show: provide first aid" in words
    assert "Emergency Medical Technician (EMT-Basic) Certificate" in words
    bad = client.get("/record/career/military", params={"service": "Navy", "code": "99W"})
    assert bad.status_code == 404 and "No Navy occupation 99W is known here." in bad.text


def test_granting_and_withdrawing_a_coach(client: TestClient, world: Any) -> None:
    login(client, LUIS)
    page = client.get("/record/career/coaches")
    assert "1 career navigator can see your skills and career navigator." in text_of(page.text)
    assert "Carmen Diaz" in page.text and "NCWorks Career Center" in page.text
    token = csrf_of(page.text)
    refused = client.post(
        "/record/career/coaches", data={"csrf_token": token, "email": "olivia@demo.openler.org"}
    )
    assert refused.status_code == 400 and "Tick the box" in refused.text
    unknown = client.post(
        "/record/career/coaches",
        data={"csrf_token": token, "email": "olivia@demo.openler.org", "consent": "yes"},
    )
    assert unknown.status_code == 404
    assert "No career navigator here has the email olivia@demo.openler.org" in unknown.text
    grant_id = re.search(r'action="/record/career/coaches/([^/"]+)/withdraw"', page.text)
    assert grant_id is not None
    asked = client.post(
        f"/record/career/coaches/{grant_id.group(1)}/withdraw",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "Withdraw Carmen Diaz" in asked.text
    assert audited(world, "coach.withdrawn") == 0  # asked, not done
    done = client.post(
        f"/record/career/coaches/{grant_id.group(1)}/withdraw",
        data={"csrf_token": token, "confirm": "yes"},
    )
    assert done.status_code == 200 and "Access withdrawn" in done.text
    assert "No career navigator can see your skills" in done.text
    assert "Access you withdrew" in done.text
    assert audited(world, "coach.withdrawn") == 1
    again = client.post(
        "/record/career/coaches",
        data={"csrf_token": token, "email": CARMEN, "consent": "yes"},
    )
    assert "Access granted." in again.text and audited(world, "coach.granted") == 2


def test_carmen_reads_luis_navigator_read_only(client: TestClient, world: Any) -> None:
    luis = person_id(world, LUIS)
    login(client, CARMEN)
    home = client.get("/home").text
    assert 'href="/coach"' in home
    listed = client.get("/coach")
    assert listed.status_code == 200
    assert "1 person granted you access" in text_of(listed.text)
    assert f'href="/coach/people/{luis}"' in listed.text
    before = audited(world, "coach.viewed")
    page = client.get(f"/coach/people/{luis}", params={"occupation": EMT})
    assert page.status_code == 200
    words = text_of(page.text)
    assert "Luis Ortega's career navigator" in words
    assert (
        "Test Emergency Medical Technicians: Luis Ortega has 2 of the 7 skills it needs." in words
    )
    # read-only: no form posts anything but the page frame's (sign out, language)
    assert re.findall(r'<form method="post" action="([^"]+)"', page.text) == [
        "/logout",
        "/language",
    ]
    military = client.get(
        f"/coach/people/{luis}/military", params={"service": "Army", "code": "99W"}
    )
    assert military.status_code == 200 and "Luis Ortega has 2 of the 7" in text_of(military.text)
    read = text_of(military.text)  # the coach reads about Luis, never "your credentials"
    assert "what Luis Ortega's credentials already show" in read
    assert "your credentials" not in read.lower()
    profile = client.get(f"/coach/people/{luis}")
    assert "provide first aid" in profile.text
    assert audited(world, "coach.viewed") == before + 3


def another_coach(platform: Any) -> None:
    with platform.db.session() as s:
        system = accounts.Principal.system("test")
        pat = accounts.create_person(
            s,
            platform,
            name="Pat Other",
            email="pat@example.org",
            password="pat-password-1",
            actor=system,
        )
        accounts.add_member(
            s,
            platform,
            person=pat,
            organization=orgs.organization_by_slug(s, "ncworks"),
            role="career_navigator",
            actor=system,
        )


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("pat@example.org", "pat-password-1"),
        ("olivia@demo.openler.org", None),
        ("hr@demo.openler.org", None),
    ],
)
def test_no_grant_no_view(client: TestClient, world: Any, email: str, password: str | None) -> None:
    another_coach(world)
    luis = person_id(world, LUIS)
    if password:
        login(client, email, password)
    else:
        login(client, email)
    for address in (
        f"/coach/people/{luis}",
        f"/coach/people/{luis}?occupation={EMT}",
        f"/coach/people/{luis}/military?service=Army&code=99W",
    ):
        assert client.get(address, headers=HTML).status_code == 403
    listed = client.get("/coach", headers=HTML)
    if email == "pat@example.org":
        assert listed.status_code == 200 and "No one has granted you access yet." in listed.text
    else:
        assert listed.status_code == 403
    assert audited(world, "coach.viewed") == 0


def test_a_withdrawn_grant_refuses_carmen(client: TestClient, world: Any) -> None:
    from openler.services.skills import coaching

    luis = person_id(world, LUIS)
    with world.db.session() as s:
        principal = accounts.principal_for(s, s.get(Person, luis))
        (found,) = coaching.grants_of(s, principal)
        coaching.withdraw(s, world, principal, found.id)
    login(client, CARMEN)
    assert client.get(f"/coach/people/{luis}", headers=HTML).status_code == 403
    assert "No one has granted you access yet." in client.get("/coach").text


def test_the_people_page_grants_the_career_navigator_role(client: TestClient, world: Any) -> None:
    login(client, "olivia@demo.openler.org")
    page = client.get("/manage/ohio-nursing")
    assert '<option value="career_navigator">career navigator</option>' in page.text


def test_what_luis_only_says_he_has_is_shown_but_not_counted(
    client: TestClient, world: Any
) -> None:
    from openler.store.models import SelfReported

    with world.db.session() as s:
        s.add(SelfReported(person_id=person_id(world, LUIS), kind="skill", title="Resuscitation"))
    login(client, LUIS)
    text = text_of(client.get(f"/record/career?occupation={EMT}", headers=HTML).text)
    assert "you have 2 of the 7 skills it needs" in text  # as before: his word is not counted
    assert "resuscitation essential (100) Missing You say you have it: not verified" in text
    assert text.count("You say you have it") == 1
