"""Attack pass (issue 14): a coach reads only the people who granted them, while the grant
stands and they hold the role; nobody grants on another's behalf, to themselves or to a
non-coach; every change is confirmed and needs the session's token."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from openler.services.errors import Forbidden
from openler.services.issuers import orgs
from openler.services.people import members
from openler.services.people.accounts import Principal, principal_for
from openler.services.skills import coaching
from openler.store.models import AuditEvent, CoachGrant, Person
from tests.web.conftest import csrf_of, login

HTML = {"Accept": "text/html"}
CARMEN, LUIS, MARIA = (
    "carmen@demo.openler.org",
    "luis@demo.openler.org",
    "maria@demo.openler.org",
)


def pid(platform: Any, email: str) -> str:
    with platform.db.session() as s:
        return str(s.execute(select(Person.id).where(Person.email == email)).scalar_one())


def grants(platform: Any) -> list[tuple[str, str, bool]]:
    with platform.db.session() as s:
        return sorted(
            (g.person_id, g.coach_id, g.withdrawn_at is None)
            for g in s.execute(select(CoachGrant)).scalars()
        )


def viewed(platform: Any) -> int:
    with platform.db.session() as s:
        return int(
            s.execute(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "coach.viewed")
            ).scalar_one()
        )


def coach_pages(person_id: str) -> list[str]:
    quoted = quote(person_id)
    return [
        f"/coach/people/{quoted}",
        f"/coach/people/{quoted}?occupation=29-2042.00",
        f"/coach/people/{quoted}?q=nurse",
        f"/coach/people/{quoted}/military",
        f"/coach/people/{quoted}/military?service=Army&code=68W",
    ]


def test_carmen_reads_luis_and_nobody_else(client: TestClient, demo_platform: Any) -> None:
    luis, maria = pid(demo_platform, LUIS), pid(demo_platform, MARIA)
    login(client, CARMEN)
    for path in coach_pages(luis):
        assert client.get(path, headers=HTML).status_code == 200, path
    seen = viewed(demo_platform)
    assert seen == len(coach_pages(luis))
    for other in (maria, pid(demo_platform, CARMEN), "x", luis.upper(), f" {luis}", f"{maria}/"):
        for path in coach_pages(other):
            answer = client.get(path, headers=HTML)
            assert answer.status_code in (403, 404), (path, answer.status_code)
            assert "Maria Alvarez" not in answer.text
    assert viewed(demo_platform) == seen
    listed = client.get("/coach", headers=HTML).text
    assert "Luis" in listed and "Maria Alvarez" not in listed


def test_a_removed_role_ends_access(client: TestClient, demo_platform: Any) -> None:
    luis, carmen = pid(demo_platform, LUIS), pid(demo_platform, CARMEN)
    with demo_platform.db.session() as s:
        center = orgs.organization_by_slug(s, "ncworks")
        members.remove_role(
            s,
            demo_platform,
            Principal.system("test"),
            center,
            person_id=carmen,
            role=coaching.ROLE,
        )
        # she is made a navigator of another organization: the grant was made in NCWorks
        members.grant_role(
            s,
            demo_platform,
            Principal.system("test"),
            orgs.organization_by_slug(s, "capital-cc"),
            email=CARMEN,
            role=coaching.ROLE,
        )
    login(client, CARMEN)
    for path in coach_pages(luis):
        assert client.get(path, headers=HTML).status_code == 403, path
    assert "Luis" not in client.get("/coach", headers=HTML).text


def test_a_withdrawn_then_regranted_coach(client: TestClient, demo_platform: Any) -> None:
    luis = pid(demo_platform, LUIS)
    resident = TestClient(
        client.app, base_url="http://127.0.0.1:8000", raise_server_exceptions=False
    )
    login(resident, LUIS)
    page = resident.get("/record/career/coaches", headers=HTML)
    token = csrf_of(page.text)
    with demo_platform.db.session() as s:
        grant_id = s.execute(select(CoachGrant.id)).scalar_one()
    asked = resident.post(
        f"/record/career/coaches/{grant_id}/withdraw", data={"csrf_token": token}, headers=HTML
    )
    assert asked.status_code == 200 and grants(demo_platform)[0][2] is True  # confirmation only
    done = resident.post(
        f"/record/career/coaches/{grant_id}/withdraw",
        data={"csrf_token": token, "confirm": "yes"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and grants(demo_platform)[0][2] is False
    login(client, CARMEN)
    assert client.get(coach_pages(luis)[0], headers=HTML).status_code == 403
    # withdrawing again, or someone else's id: no such access
    again = resident.post(
        f"/record/career/coaches/{grant_id}/withdraw",
        data={"csrf_token": token, "confirm": "yes"},
        headers=HTML,
    )
    assert again.status_code == 404
    regranted = resident.post(
        "/record/career/coaches",
        data={"csrf_token": token, "email": " CARMEN@demo.openler.org ", "consent": "yes"},
        follow_redirects=False,
    )
    assert regranted.status_code == 303
    assert client.get(coach_pages(luis)[0], headers=HTML).status_code == 200


def test_nobody_withdraws_or_grants_for_someone_else(
    client: TestClient, demo_platform: Any
) -> None:
    luis = pid(demo_platform, LUIS)
    before = grants(demo_platform)
    with demo_platform.db.session() as s:
        grant_id = s.execute(select(CoachGrant.id)).scalar_one()
    for email in (MARIA, CARMEN, "olivia@demo.openler.org"):
        other = TestClient(
            client.app, base_url="http://127.0.0.1:8000", raise_server_exceptions=False
        )
        login(other, email)
        token = csrf_of(other.get("/home", headers=HTML).text)
        answer = other.post(
            f"/record/career/coaches/{grant_id}/withdraw",
            data={"csrf_token": token, "confirm": "yes"},
            headers=HTML,
        )
        assert answer.status_code in (403, 404), (email, answer.status_code)
    assert grants(demo_platform) == before
    with demo_platform.db.session() as s:
        carmen = principal_for(s, s.get(Person, pid(demo_platform, CARMEN)))
        maria = principal_for(s, s.get(Person, pid(demo_platform, MARIA)))
        for principal in (carmen, maria):
            with pytest.raises(Forbidden):
                coaching.grant(s, demo_platform, principal, CARMEN, person_id=luis)
    assert grants(demo_platform) == before


@pytest.mark.parametrize(
    ("email", "who"),
    [
        (CARMEN, "the coach granting herself"),
        ("olivia@demo.openler.org", "a resident granting a non-coach"),
        ("nobody@example.org", "an unknown address"),
        ("carmen@demo.openler.org%", "a wildcard"),
    ],
)
def test_grants_that_must_not_be_made(
    client: TestClient, demo_platform: Any, email: str, who: str
) -> None:
    before = grants(demo_platform)
    login(client, CARMEN if who.startswith("the coach") else MARIA)
    token = csrf_of(client.get("/record/career/coaches", headers=HTML).text)
    answer = client.post(
        "/record/career/coaches",
        data={"csrf_token": token, "email": email, "consent": "yes"},
        headers=HTML,
    )
    assert answer.status_code in (400, 404), (who, answer.status_code)
    assert grants(demo_platform) == before


def test_grant_and_withdraw_need_the_token_and_consent(
    client: TestClient, demo_platform: Any
) -> None:
    before = grants(demo_platform)
    login(client, MARIA)
    token = csrf_of(client.get("/record/career/coaches", headers=HTML).text)
    no_consent = client.post(
        "/record/career/coaches", data={"csrf_token": token, "email": CARMEN}, headers=HTML
    )
    assert no_consent.status_code == 400
    for headers in (
        HTML,
        {**HTML, "Origin": "https://evil.example"},
        {**HTML, "Sec-Fetch-Site": "cross-site"},
    ):
        forged = client.post(
            "/record/career/coaches",
            data={"email": CARMEN, "consent": "yes"},
            headers=headers,
        )
        assert forged.status_code == 403
        on = client.post(
            "/record/skills/discoverable",
            data={"choice": "on", "confirm": "yes"},
            headers=headers,
        )
        off = client.post("/record/skills/discoverable", data={"choice": "off"}, headers=headers)
        assert (on.status_code, off.status_code) == (403, 403)
    assert grants(demo_platform) == before
    luis = TestClient(client.app, base_url="http://127.0.0.1:8000", raise_server_exceptions=False)
    login(luis, LUIS)
    with demo_platform.db.session() as s:
        grant_id = s.execute(select(CoachGrant.id)).scalar_one()
    forged = luis.post(
        f"/record/career/coaches/{grant_id}/withdraw",
        data={"confirm": "yes"},
        headers={**HTML, "Origin": "https://evil.example"},
    )
    assert forged.status_code == 403 and grants(demo_platform) == before


def test_the_coach_sees_no_email_did_or_credential_document(
    client: TestClient, demo_platform: Any
) -> None:
    luis = pid(demo_platform, LUIS)
    with demo_platform.db.session() as s:
        person = s.get(Person, luis)
        secrets = [person.email, person.did or "did:never"]
    login(client, CARMEN)
    for path in coach_pages(luis):
        text = client.get(path, headers=HTML).text
        for secret in secrets:
            assert secret not in text, (path, secret)
        assert "/record/held" not in text and "proofValue" not in text
