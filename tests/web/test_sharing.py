"""Story 1 on the platform: Maria shares her credentials with an NC employer; the employer's
view is verified live; after Ohio suspends the license the same link shows it suspended;
withdrawn and expired shares stop working; every view is audited."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.services.holders import sharing
from openler.services.issuers import issuing
from openler.store.models import AuditEvent, Consent, Person, Share
from tests.conftest import SETUP
from tests.web.conftest import login


def marias_credentials(platform: Any) -> dict[str, str]:
    with platform.db.session() as s:
        maria = s.query(Person).filter_by(email="maria@demo.openler.org").one()
        rows = issuing.credentials_of(s, maria.id)
        return {
            r.document["name"]: r.id
            for r in rows
            if r.valid_until is None or r.valid_until > platform.now()
        }


def share(client: TestClient, platform: Any, days: int = 30) -> dict[str, Any]:
    login(client, "maria@demo.openler.org")
    ids = marias_credentials(platform)
    body = {
        "credentials": [ids["Registered Nurse"], ids["IV Therapy and Infusion Safety"]],
        "audience": "Piedmont Regional Hospital",
        "purpose": "RN position",
        "days": days,
    }
    response = client.post("/api/me/shares", json=body)
    assert response.status_code == 201, response.json()
    client.cookies.clear()
    created: dict[str, Any] = response.json()
    return created


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


def test_share_is_verified_live_and_follows_suspension(
    client: TestClient, demo_platform: Any
) -> None:
    created = share(client, demo_platform)
    page = client.get(path_of(created["link"]))
    assert page.status_code == 200
    assert "Every credential verified." in page.text and "Registered Nurse" in page.text
    with demo_platform.db.session() as s:
        license_id = marias_credentials(demo_platform)["Registered Nurse"]
        issuing.set_status(s, demo_platform, SETUP, license_id, action="suspend")
    again = client.get(path_of(created["link"]))
    assert "Suspended by Ohio Board of Nursing" in again.text
    with demo_platform.db.session() as s:
        views = s.query(AuditEvent).filter_by(action="share.view").count()
        assert views == 2
        assert s.query(AuditEvent).filter_by(action="consent.grant").count() == 1


def test_withdrawn_and_expired_shares_stop(client: TestClient, demo_platform: Any) -> None:
    created = share(client, demo_platform, days=1)
    login(client, "maria@demo.openler.org")
    assert client.post(f"/api/me/shares/{created['id']}/revoke").status_code == 200
    client.cookies.clear()
    gone = client.get(path_of(created["link"]))
    assert gone.status_code == 410 and "withdrew this share" in gone.text
    assert client.get("/s/not-a-real-token").status_code == 404


def test_expiry(client: TestClient, demo_platform: Any) -> None:
    from dataclasses import replace

    created = share(client, demo_platform, days=1)
    later = replace(demo_platform, clock=lambda: demo_platform.now() + timedelta(days=2))
    client.app.state.platform = later  # type: ignore[attr-defined]
    expired = client.get(path_of(created["link"]))
    assert expired.status_code == 410 and "expired" in expired.text


def test_nobody_shares_someone_elses_credentials(client: TestClient, demo_platform: Any) -> None:
    ids = marias_credentials(demo_platform)

    def recorded() -> tuple[int, int, int]:
        with demo_platform.db.session() as s:
            return (
                s.query(Share).count(),
                s.query(Consent).count(),
                s.query(AuditEvent).filter(AuditEvent.action.like("share%")).count(),
            )

    before = recorded()
    login(client, "james@demo.openler.org")
    body = {"credentials": [ids["Registered Nurse"]], "audience": "x", "purpose": "y"}
    assert client.post("/api/me/shares", json=body).status_code == 404
    client.cookies.clear()
    assert client.post("/api/me/shares", json=body).status_code == 401
    # denied: no share, no consent, nothing audited as shared
    assert recorded() == before
    # and the same request by Maria herself does create one (the check is not vacuous)
    login(client, "maria@demo.openler.org")
    assert client.post("/api/me/shares", json=body).status_code == 201
    assert recorded()[:2] == (before[0] + 1, before[1] + 1)


def test_the_link_answers_in_one_sentence_per_credential_before_the_checks(
    client: TestClient, demo_platform: Any
) -> None:
    """The employer reads who holds what, from whom, and whether it counts, by name; the
    technical checks come after, collapsed."""
    created = share(client, demo_platform)
    text = client.get(path_of(created["link"])).text
    main = text.split("<main", 1)[1]
    rn = re.search(
        r'<section class="answer answer-good"[^>]*>\s*<h2 [^>]*>Maria Alvarez holds Registered '
        r"Nurse, a licence from Ohio Board of Nursing, active and valid until "
        r"\d{4}-\d\d-\d\d\.</h2>",
        main,
    )
    assert rn is not None, main[:2000]
    assert "Maria Alvarez holds IV Therapy and Infusion Safety, " in main
    # its standing where the link was opened (this platform's state: North Carolina), how
    # the holder is bound, and what the employer may rely on
    assert re.search(r"Active — valid until \d{4}-\d\d-\d\d, recognised in North Carolina", main)
    assert "Maria Alvarez signed what they shared with the key the credential was issued" in main
    assert "You may rely on it: Ohio Board of Nursing issued it" in main
    assert "<dt>Aligned to</dt>" in main and "Registered Nurses" in main
    checks = main.index('<details class="checks">')
    assert rn.start() < checks
    assert "did:" not in main[:checks]  # names, not identifiers
    assert "Every credential verified." in main[checks:]
    with demo_platform.db.session() as s:
        license_id = marias_credentials(demo_platform)["Registered Nurse"]
        issuing.set_status(s, demo_platform, SETUP, license_id, action="suspend")
    again = client.get(path_of(created["link"])).text
    assert re.search(
        r'<section class="answer answer-bad"[^>]*>\s*<h2 [^>]*>Maria Alvarez holds Registered '
        r"Nurse, a licence from Ohio Board of Nursing, but it is suspended\.</h2>",
        again,
    )
    assert re.search(r"Suspended on \d{4}-\d\d-\d\d by Ohio Board of Nursing", again)
    assert "Do not rely on it." in again


def test_reading_a_share_again_in_the_same_browser_is_not_another_opening(
    client: TestClient, demo_platform: Any
) -> None:
    """A reload, or switching the page's language, shows the page again without using up a
    link that may be opened once; another browser is still refused."""
    login(client, "maria@demo.openler.org")
    ids = marias_credentials(demo_platform)
    created = client.post(
        "/api/me/shares",
        json={
            "credentials": [ids["Registered Nurse"]],
            "audience": "Piedmont Regional Hospital",
            "purpose": "RN position",
            "days": 30,
            "maxViews": 1,
        },
    ).json()
    client.cookies.clear()
    path = path_of(created["link"])
    first = client.get(path)
    assert first.status_code == 200 and "openler_share_seen" in first.headers["set-cookie"]
    for language in ("en", "es"):
        again = client.get(path, headers={"Accept-Language": language})
        assert again.status_code == 200, again.text
    with demo_platform.db.session() as s:
        share_row = s.execute(select(Share).where(Share.id == created["id"])).scalar_one()
        assert sharing.views_of(s, share_row) == 1  # one opening in Maria's access log
    client.cookies.clear()
    assert client.get(path).status_code == 410  # another browser: the link was opened once
    client.cookies.set("openler_share_seen", str(uuid.uuid4()), path="/s/")
    forged = client.get(path)
    assert forged.status_code == 410  # a made-up opening is no opening
