"""The roster page checks everyone again: the commander's button (a form with the CSRF
token), a large roster as a job whose progress the page shows, the page's own request once
a re-check is due; only the incident's organization's verifiers may. And a check-in link's
``request_uri`` answers at most so many fetches a minute from one address."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from openler.services import jobs
from openler.services.issuers import issuing
from openler.services.people.accounts import Principal
from openler.services.verifiers import incident_rechecks, rate_limit
from openler.store.models import AuditEvent, PresentationRequest
from tests.conftest import NOW, SETUP
from tests.services.incident_world import Held, nurses_check_in, ohio_verifier
from tests.web.conftest import csrf_of
from tests.web.test_incident_pages import as_, checkin_token, open_incident

HTML = {"Accept": "text/html"}


def audited(platform: Any, action: str) -> int:
    with platform.db.session() as s:
        return int(s.execute(select(func.count()).where(AuditEvent.action == action)).scalar_one())


def test_the_commander_checks_everyone_again(client: TestClient, demo_platform: Any) -> None:
    path = open_incident(client, demo_platform)
    page = client.get(path).text
    token = checkin_token(page)
    assert "Nobody has been checked again yet" in page
    assert "once a row is 10 minutes old" in page
    ids = nurses_check_in(demo_platform, token, range(1, 3))
    with demo_platform.db.session() as s:
        issuing.set_status(
            s, demo_platform, SETUP, ids[1], action="revoke", reason="Licence surrendered"
        )
    text = client.get(path).text
    assert "RN</strong>: 2 verified, 0 refused" in text  # as each showed at check-in
    csrf = csrf_of(text)

    # the form needs its token: without it nothing is checked
    forged = client.post(f"{path}/recheck", data={"automatic": ""}, headers=HTML)
    assert forged.status_code == 403 and audited(demo_platform, "incident.recheck_start") == 0

    demo_platform.clock = lambda: NOW + timedelta(minutes=20)
    done = client.post(f"{path}/recheck", data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"{path}#recheck"
    text = client.get(path).text
    assert "RN</strong>: 1 verified, 1 refused" in text
    assert "revoked on 2026-11-24 by Ohio Board of Nursing: Licence surrendered" in text
    assert "Everyone was last checked again at 12:20:00 UTC, asked by Sam Patel." in text
    assert "2 responders checked, 1 changed between verified and refused." in text
    assert "checked in 12:00:00 UTC" in text and "checked again 12:20:00 UTC" in text
    state = client.get(f"{path}/roster.json").json()
    assert state["counts"][0] == {"role": "RN", "verified": 1, "refused": 1}
    assert state["recheck"] == {
        "due": False,
        "running": False,
        "checked": 2,
        "total": 2,
        "last": "2026-11-24T12:20:00+00:00",
    }
    assert [audited(demo_platform, a) for a in ("incident.recheck_start", "incident.recheck")] == [
        1,
        1,
    ]

    # closed: the roster stays as it was
    client.post(f"{path}/close", data={"csrf_token": csrf, "confirm": "yes"})
    closed = client.post(f"{path}/recheck", data={"csrf_token": csrf}, headers=HTML)
    assert closed.status_code == 409 and "has closed" in closed.text
    assert 'id="recheck-form"' not in client.get(path).text


def test_only_its_verifiers_may_check_everyone_again(
    client: TestClient, demo_platform: Any
) -> None:
    path = open_incident(client, demo_platform)
    incident_id = path.rsplit("/", 1)[1]
    nurses_check_in(demo_platform, checkin_token(client.get(path).text), range(1, 2))
    with demo_platform.db.session() as s:
        omar = ohio_verifier(s, demo_platform).email
    for email in (omar, "maria@demo.openler.org"):
        csrf = as_(client, email)
        for address in (
            f"{path}/recheck",
            f"/verifier/ohio-nursing/incidents/{incident_id}/recheck",
        ):
            for automatic in ("", "yes"):
                refused = client.post(
                    address, data={"csrf_token": csrf, "automatic": automatic}, headers=HTML
                )
                assert refused.status_code == 404, (email, address, automatic)
    assert audited(demo_platform, "incident.recheck_start") == 0
    csrf = as_(client, "hr@demo.openler.org")
    assert client.post(f"{path}/recheck", data={"csrf_token": csrf}).status_code == 200
    assert audited(demo_platform, "incident.recheck_start") == 1


def test_a_large_roster_is_checked_by_a_job_the_page_follows(
    client: TestClient, demo_platform: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(incident_rechecks, "INLINE_MAX", 1)
    queue = Held()
    client.app.state.jobs = queue  # type: ignore[attr-defined]
    path = open_incident(client, demo_platform)
    ids = nurses_check_in(demo_platform, checkin_token(client.get(path).text), range(1, 4))
    with demo_platform.db.session() as s:
        issuing.set_status(s, demo_platform, SETUP, ids[2], action="suspend", reason="Review")
    csrf = csrf_of(client.get(path).text)
    started = client.post(f"{path}/recheck", data={"csrf_token": csrf}, follow_redirects=False)
    assert started.status_code == 303 and len(queue.submitted) == 1
    text = client.get(path).text
    assert "Checking everyone again: 0 of 3 responders done" in text
    assert '<progress id="recheck-bar" max="3" value="0">' in text
    assert 'id="recheck-form"' not in text  # one at a time
    version = client.get(f"{path}/roster.json").json()["version"]
    state = client.get(f"{path}/roster.json").json()["recheck"]
    assert (state["running"], state["checked"], state["total"]) == (True, 0, 3)
    # pressed again meanwhile (another tab): no second job
    client.post(f"{path}/recheck", data={"csrf_token": csrf})
    assert len(queue.submitted) == 1

    assert jobs.run_job(demo_platform, queue.submitted[0]) == "done"  # what a worker does
    after = client.get(f"{path}/roster.json").json()
    assert after["version"] != version and after["recheck"]["running"] is False
    assert after["counts"][0] == {"role": "RN", "verified": 2, "refused": 1}
    text = client.get(path).text
    assert "suspended on 2026-11-24 by Ohio Board of Nursing: Review" in text
    assert "3 responders checked, 1 changed between verified and refused." in text
    assert 'id="recheck-form"' in text


def test_the_page_asks_by_itself_only_when_due(client: TestClient, demo_platform: Any) -> None:
    path = open_incident(client, demo_platform)
    nurses_check_in(demo_platform, checkin_token(client.get(path).text), range(1, 3))
    csrf = csrf_of(client.get(path).text)
    assert client.get(f"{path}/roster.json").json()["recheck"]["due"] is False
    early = client.post(f"{path}/recheck", data={"csrf_token": csrf, "automatic": "yes"})
    assert early.json() == {"started": False, "state": None}
    demo_platform.clock = lambda: NOW + timedelta(minutes=10)
    assert client.get(f"{path}/roster.json").json()["recheck"]["due"] is True
    ran = client.post(f"{path}/recheck", data={"csrf_token": csrf, "automatic": "yes"})
    assert ran.json() == {"started": True, "state": "done"}
    assert client.get(f"{path}/roster.json").json()["recheck"]["due"] is False
    again = client.post(f"{path}/recheck", data={"csrf_token": csrf, "automatic": "yes"})
    assert again.json()["started"] is False
    assert "by this page while Sam Patel had it open" in client.get(path).text
    assert audited(demo_platform, "incident.recheck_start") == 1


def test_check_in_requests_are_limited_per_address(client: TestClient, demo_platform: Any) -> None:
    demo_platform.settings = demo_platform.settings.model_copy(
        update={"checkin_requests_per_minute": 3}
    )
    path = open_incident(client, demo_platform)
    token = checkin_token(client.get(path).text)
    client.cookies.clear()

    def requests_made() -> int:
        with demo_platform.db.session() as s:
            return int(
                s.execute(select(func.count()).select_from(PresentationRequest)).scalar_one()
            )

    for _ in range(3):
        fetched = client.get(f"/checkin/{token}/request")
        assert fetched.status_code == 200
        assert fetched.headers["content-type"] == "application/oauth-authz-req+jwt"
    made, events = requests_made(), audited(demo_platform, "request.create")
    limited = client.get(f"/checkin/{token}/request")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "20"
    assert limited.headers["cache-control"] == "no-store"
    assert limited.json()["error"] == "temporarily_unavailable"
    assert "scan the code again in 20 seconds" in limited.json()["error_description"]
    assert (requests_made(), audited(demo_platform, "request.create")) == (made, events)
    # a made-up link from the same address is limited too (no database work for it)
    assert client.get("/checkin/not-a-token/request").status_code == 429
    # another address has its own allowance; the limited one gets a token back in time
    elsewhere = TestClient(client.app, base_url="http://127.0.0.1:8000", client=("203.0.113.9", 1))
    assert elsewhere.get(f"/checkin/{token}/request").status_code == 200
    demo_platform.clock = lambda: NOW + timedelta(seconds=20)
    assert client.get(f"/checkin/{token}/request").status_code == 200
    assert client.get(f"/checkin/{token}/request").status_code == 429
    # the verify page's allowance is a bucket of its own
    rate_limit.take(demo_platform, Principal.system("verify page"), "203.0.113.9")
    assert elsewhere.get(f"/checkin/{token}/request").status_code == 200
