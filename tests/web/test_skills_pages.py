"""The skills profile page and its JSON: the owner sees theirs, with the chart's figures and
the same figures in a table; anyone else sees only their own, or is sent to sign in."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.store.models import Person, ReceivedCredential, SelfReported
from tests.web.conftest import login
from tests.web.test_api import token_for

HTML = {"Accept": "text/html"}


def add_self_reported(platform: Any, email: str, title: str, kind: str = "skill") -> None:
    with platform.db.session() as s:
        person = s.execute(select(Person).where(Person.email == email)).scalar_one()
        s.add(SelfReported(person_id=person.id, kind=kind, title=title))


def chart_data(html: str) -> dict[str, Any]:
    found = re.search(
        r'<script type="application/json" id="skills-chart-data">(.*?)</script>', html, re.S
    )
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def table_rows(html: str) -> list[tuple[str, int]]:
    body = html.split('id="skills-table"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'<th scope="row">([^<]+).*?<td data-label="Credentials">(\d+)</td>', body, re.S
    )
    return [(name.strip(), int(count)) for name, count in rows]


def test_maria_reads_her_skills_with_the_chart_and_its_table(
    client: TestClient, demo_platform: Any
) -> None:
    add_self_reported(demo_platform, "maria@demo.openler.org", "Conversational Spanish")
    add_self_reported(demo_platform, "maria@demo.openler.org", "Night nurse", kind="job")
    login(client, "maria@demo.openler.org")
    page = client.get("/record/skills")
    assert page.status_code == 200
    html = page.text
    assert "Your credentials show 6 skills and 1 occupation." in html
    # the chart's figures and the table's are the same, strongest first
    data = chart_data(html)
    rows = table_rows(html)
    assert list(zip(data["labels"], data["counts"], strict=True)) == rows
    assert rows[0] == ("infection control", 2)
    assert 'role="img" aria-label="Bar chart of your skills' in html
    assert '<script src="/static/chartjs/chart.umd.js" defer></script>' in html
    # each skill links to the credentials behind it, by their record address
    assert re.search(r'href="/record/issued%3A[^"]+">Registered Nurse</a>', html)
    # the occupation, with its O*NET page
    assert "Registered Nurses" in html
    assert 'href="https://www.onetonline.org/link/summary/29-1141.00"' in html
    # what she wrote herself, apart and labelled
    mine = html.split('id="self-reported"', 1)[1]
    assert "Self-reported (not verified)" in mine and "Conversational Spanish" in mine
    assert "Night nurse" not in html
    assert "Conversational Spanish" not in html.split('id="self-reported"', 1)[0]


def test_the_vendored_chart_library_is_served(client: TestClient) -> None:
    script = client.get("/static/chartjs/chart.umd.js")
    assert script.status_code == 200 and "Chart.js v4." in script.text[:200]
    assert client.get("/static/skills-chart.js").status_code == 200


def test_a_suspended_licence_is_no_longer_evidence(client: TestClient) -> None:
    login(client, "kevin@demo.openler.org")
    html = client.get("/record/skills").text
    assert "None of your current credentials names a skill or an occupation yet." in html
    assert 'id="skills-chart"' not in html and "chart.umd.js" not in html
    lapsed = html.split('id="lapsed"', 1)[1]
    assert "Registered Nurses" in lapsed and "suspended" in lapsed
    assert "Pending a Board investigation" in lapsed  # the issuer's reason, as everywhere


def test_anonymous_is_sent_to_sign_in(client: TestClient) -> None:
    page = client.get("/record/skills", headers=HTML, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login"
    assert client.get("/api/me/skills").status_code == 401


def test_another_learner_sees_only_their_own(client: TestClient, demo_platform: Any) -> None:
    add_self_reported(demo_platform, "maria@demo.openler.org", "Maria's secret skill")
    login(client, "james@demo.openler.org")
    html = client.get("/record/skills").text
    assert "Welders, Cutters, Solderers, and Brazers" in html
    assert "infection control" not in html and "Maria's secret skill" not in html
    assert "Registered Nurse" not in html
    mine = client.get("/api/me/skills").json()
    assert "Maria" not in json.dumps(mine) and "infection control" not in json.dumps(mine)
    assert [o["code"] for o in mine["occupations"]] == ["51-4121.00"]


def test_the_api_gives_the_same_profile(client: TestClient, demo_platform: Any) -> None:
    add_self_reported(demo_platform, "maria@demo.openler.org", "Conversational Spanish")
    login(client, "maria@demo.openler.org")
    body = client.get("/api/me/skills").json()
    assert body["summary"] == "Your credentials show 6 skills and 1 occupation."
    infection = body["skills"][0]
    assert (infection["name"], infection["count"], infection["kind"]) == (
        "infection control",
        2,
        "skill",
    )
    assert sorted(c["name"] for c in infection["credentials"]) == [
        "IV Therapy and Infusion Safety",
        "Registered Nurse",
    ]
    assert all(c["state"] == "active" for c in infection["credentials"])
    assert all(c["page"].startswith("/record/issued%3A") for c in infection["credentials"])
    (nurse,) = body["occupations"]
    assert nurse["url"] == "https://www.onetonline.org/link/summary/29-1141.00"
    assert body["selfReported"] == [
        {
            "id": body["selfReported"][0]["id"],
            "title": "Conversational Spanish",
            "description": None,
            "verified": False,
        }
    ]


def test_an_organization_token_reads_no_ones_skills(client: TestClient, demo_platform: Any) -> None:
    secret = token_for(demo_platform, "olivia@demo.openler.org", "ohio-nursing", "issuer_admin")
    answer = client.get("/api/me/skills", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 403
    assert "skills" not in answer.json()


def test_what_a_credential_from_elsewhere_says_is_shown_as_text(
    client: TestClient, demo_platform: Any
) -> None:
    hostile = {
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "credentialSubject": {
            "achievement": {
                "name": "A badge",
                "alignment": [
                    {"targetName": "<script>alert(1)</script>", "targetUrl": "javascript:alert(1)"}
                ],
            }
        },
    }
    with demo_platform.db.session() as s:
        maria = s.execute(
            select(Person).where(Person.email == "maria@demo.openler.org")
        ).scalar_one()
        s.add(
            ReceivedCredential(
                person_id=maria.id,
                issuer="did:example:elsewhere",
                issuer_name="Elsewhere",
                credential_issuer="https://elsewhere.example",
                format="ldp_vc",
                name="A badge",
                document=hostile,
                source="import",
                verified=False,
                verification_note="the signature does not match",
            )
        )
    login(client, "maria@demo.openler.org")
    html = client.get("/record/skills").text
    lapsed = html.split('id="lapsed"', 1)[1]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in lapsed and "<script>alert" not in html
    assert "javascript:" not in html
    assert "does not verify" in lapsed  # never counted, never shown as verified


def test_maria_reads_the_skills_her_occupation_requires(
    client: TestClient, demo_platform: Any
) -> None:
    """The profile the navigator and employers read: her nursing licence names Registered
    Nurses, whose required skills are listed apart from those a credential names itself."""
    login(client, "maria@demo.openler.org")
    page = client.get("/record/skills", headers={"Accept": "text/html"})
    assert page.status_code == 200
    implied = page.text.split('id="implied-list"')[1].split("</ul>")[0]
    assert "through Registered Nurses (Registered Nurse)" in implied
    skills = page.text.split('id="skills-table"')[1].split("</table>")[0]
    assert all(
        f'<th scope="row">{label}<' not in skills
        for label in re.findall(r"<li>([^<]+?) <span", implied)
    )
