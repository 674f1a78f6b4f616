"""Issuer staff are told before issuing an achievement whose credentials the trust
registry here would not accept (a tryout issued a new certification from a roster and
found out from the learners' wallets)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from openler.services.issuers import achievements, orgs, standing
from openler.services.people.accounts import Principal
from openler.store.models import IssuedCredential
from tests.web.conftest import csrf_of, login

HTML = {"Accept": "text/html"}
WOUND_CARE = {
    "name": "Wound Care Certification",
    "description": "Advanced wound assessment and care.",
    "criteria": {"narrative": "Passed the board's wound care examination."},
    "achievementType": "Certification",
}


def _add_wound_care(platform: Any) -> None:
    with platform.db.session() as s:
        ohio = orgs.organization_by_slug(s, "ohio-nursing")
        achievements.create_achievement(
            s, platform, Principal.system("test"), ohio, slug="wound-care", data=WOUND_CARE
        )


def _issued(platform: Any) -> int:
    with platform.db.session() as s:
        return int(s.execute(select(func.count()).select_from(IssuedCredential)).scalar_one())


def test_the_registry_decides_on_an_achievement_before_anything_is_issued(
    demo_platform: Any,
) -> None:
    _add_wound_care(demo_platform)
    with demo_platform.db.session() as s:
        ohio = orgs.organization_by_slug(s, "ohio-nursing")
        for slug, trusted in (
            ("registered-nurse", True),
            ("licensed-practical-nurse", True),
            ("wound-care", False),
        ):
            found = achievements.achievement_by_slug(s, ohio, slug)
            decision = standing.achievement_trust(s, demo_platform, ohio, found)
            assert decision is not None and decision.trusted is trusted, decision
        warning = standing.untrusted_warning(
            s, demo_platform, ohio, achievements.achievement_by_slug(s, ohio, "wound-care")
        )
        assert warning.startswith("Verifiers here would not trust Wound Care Certification")
        assert "Certification Certification" not in warning  # the name already says it


def test_the_achievement_page_and_a_single_issue_warn_first(
    client: TestClient, demo_platform: Any
) -> None:
    _add_wound_care(demo_platform)
    login(client, "olivia@demo.openler.org")
    page = client.get("/issuer/ohio-nursing/achievements/wound-care", headers=HTML)
    assert "Verifiers here would not trust Wound Care Certification" in page.text
    trusted = client.get("/issuer/ohio-nursing/achievements/registered-nurse", headers=HTML)
    assert "would not trust" not in trusted.text
    token = csrf_of(client.get("/issuer/ohio-nursing", headers=HTML).text)
    form = {"csrf_token": token, "achievement": "wound-care", "email": "newnurse@example.org"}
    before = _issued(demo_platform)
    asked = client.post("/issuer/ohio-nursing/issue", data=form, headers=HTML)
    assert asked.status_code == 200 and "Issue it anyway" in asked.text
    assert _issued(demo_platform) == before  # nothing issued until confirmed
    done = client.post(
        "/issuer/ohio-nursing/issue",
        data={**form, "untrusted_ok": "yes"},
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303 and _issued(demo_platform) == before + 1
    # a trusted achievement is issued at once, without the question
    plain = client.post(
        "/issuer/ohio-nursing/issue",
        data={**form, "achievement": "licensed-practical-nurse"},
        headers=HTML,
        follow_redirects=False,
    )
    assert plain.status_code == 303 and _issued(demo_platform) == before + 2


def test_a_roster_preview_warns_first(client: TestClient, demo_platform: Any) -> None:
    _add_wound_care(demo_platform)
    login(client, "olivia@demo.openler.org")
    token = csrf_of(client.get("/issuer/ohio-nursing/rosters", headers=HTML).text)
    uploaded = client.post(
        "/issuer/ohio-nursing/rosters",
        data={"csrf_token": token, "achievement": "wound-care"},
        files={"file": ("r.csv", b"email,name\nann@example.org,Ann\n", "text/csv")},
        headers=HTML,
    )
    assert uploaded.status_code == 200, uploaded.text
    preview = uploaded
    if "Preview:" not in preview.text:  # the columns step first when it asks
        action = re.search(r'action="(/issuer/ohio-nursing/rosters/[^"]+/columns)"', preview.text)
        assert action is not None
        preview = client.post(
            action.group(1),
            data={"csrf_token": token, "map.email": "email", "map.name": "name"},
            headers=HTML,
        )
    assert "Preview: Wound Care Certification" in preview.text
    assert "Verifiers here would not trust Wound Care Certification" in preview.text
