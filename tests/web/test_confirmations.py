"""The confirmation pages are access decisions too: someone who may not act is refused at the
question as well as at the answer, and nothing changes either way."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from openler.store.models import (
    AuditEvent,
    IssuedCredential,
    IssuerKey,
    Member,
    Organization,
    Person,
    Share,
)
from tests.web.conftest import csrf_of, login
from tests.web.test_portal_pages import credential_id

HTML = {"Accept": "text/html"}


def world(platform: Any) -> tuple[Any, ...]:
    """Everything these actions could change: credential states, keys, shares, roles and
    the number of audit events (signing in, which these tests do, aside)."""
    with platform.db.session() as s:
        return (
            sorted((c.id, c.state) for c in s.execute(select(IssuedCredential)).scalars()),
            sorted((k.id, k.state) for k in s.execute(select(IssuerKey)).scalars()),
            sorted((x.id, x.revoked_at) for x in s.execute(select(Share)).scalars()),
            sorted((m.person_id, m.role) for m in s.execute(select(Member)).scalars()),
            s.execute(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action.not_like("login%"))
            ).scalar_one(),
        )


def as_(client: TestClient, who: str) -> str:
    client.cookies.clear()
    login(client, f"{who}@demo.openler.org")
    return csrf_of(client.get("/home").text)


def a_share_of_maria(client: TestClient, platform: Any) -> str:
    token = as_(client, "maria")
    rn = credential_id(platform, "maria@demo.openler.org", "Registered Nurse")
    client.post(
        "/shares",
        data={
            "csrf_token": token,
            "credentials": [rn],
            "audience": "Wake County EMS",
            "purpose": "Paramedic application",
            "days": "7",
            "consent": "yes",
        },
    )
    found = re.search(r'action="/shares/([0-9a-f]+)/withdraw"', client.get("/shares").text)
    assert found is not None
    return found.group(1)


def actions(platform: Any, share: str) -> list[tuple[str, dict[str, str]]]:
    rn = credential_id(platform, "maria@demo.openler.org", "Registered Nurse")
    with platform.db.session() as s:
        olivia = s.execute(
            select(Person).where(Person.email == "olivia@demo.openler.org")
        ).scalar_one()
        key = (
            s.execute(
                select(IssuerKey)
                .join(Organization, Organization.id == IssuerKey.organization_id)
                .where(Organization.slug == "ohio-nursing")
            )
            .scalars()
            .first()
        )
        assert key is not None
        key_id, olivia_id = key.id, olivia.id
    return [
        (f"/issuer/ohio-nursing/status/{rn}", {"action": "suspend"}),
        (f"/issuer/ohio-nursing/status/{rn}", {"action": "revoke"}),
        ("/issuer/ohio-nursing/keys/rotate", {}),
        ("/issuer/ohio-nursing/keys/revoke", {"key": key_id}),
        ("/issuer/ohio-nursing/keys/reissue", {"key": key_id}),
        ("/manage/ohio-nursing/remove", {"person": olivia_id, "role": "issuer_admin"}),
        (f"/shares/{share}/withdraw", {}),
    ]


@pytest.mark.parametrize("who", ["james", "trainer", "hr"])
@pytest.mark.parametrize("confirm", ["", "yes"])
def test_outsiders_are_refused_at_the_question_and_the_answer(
    client: TestClient, demo_platform: Any, who: str, confirm: str
) -> None:
    share = a_share_of_maria(client, demo_platform)
    before = world(demo_platform)
    token = as_(client, who)
    for path, data in actions(demo_platform, share):
        response = client.post(
            path, data={"csrf_token": token, "confirm": confirm, **data}, headers=HTML
        )
        assert response.status_code in (403, 404), (who, path, response.status_code)
        assert "<form" not in response.text.split("<main", 1)[1].split("</main>", 1)[0]
    assert world(demo_platform) == before


def test_the_question_changes_nothing_for_those_who_may_act(
    client: TestClient, demo_platform: Any
) -> None:
    share = a_share_of_maria(client, demo_platform)
    before = world(demo_platform)
    for path, data in actions(demo_platform, share):
        who = "maria" if path.startswith("/shares") else "olivia"
        token = as_(client, who)
        asked = client.post(path, data={"csrf_token": token, **data}, headers=HTML)
        assert asked.status_code == 200, (path, asked.text[:300])
        assert 'name="confirm" value="yes"' in asked.text and ">Cancel</a>" in asked.text
    assert world(demo_platform) == before
