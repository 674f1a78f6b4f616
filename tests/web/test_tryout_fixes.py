"""What a new user's tryout of the issuer workspace found (issue 10), fixed: the verifier
reads the issuer's own words first; a confirmation asked for by a form is a page of its
own (Back and Reload send nothing again); the issuing page says what needs attention and
counts current credentials apart from replaced copies; endorsements are named as such;
renewal is offered only for an achievement's credential; rules name achievements."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.services.issuers import achievements, bulk, endorsements, issuing, lifecycle, orgs
from openler.services.people import accounts
from openler.store.models import IssuedCredential, Job, JobRow, Person
from tests.web.conftest import changes, csrf_of, login, recorded_state

BOARD = "/issuer/ohio-nursing"
HTML = {"accept": "text/html"}


def principal(platform: Any, email: str) -> Any:
    with platform.db.session() as s:
        person = s.execute(select(Person).where(Person.email == email)).scalar_one()
        return accounts.principal_for(s, person)


def licence_of(platform: Any, email: str) -> IssuedCredential:
    with platform.db.session() as s:
        found: IssuedCredential = s.execute(
            select(IssuedCredential)
            .join(Person, Person.id == IssuedCredential.person_id)
            .where(
                Person.email == email,
                IssuedCredential.replaced_by.is_(None),
                IssuedCredential.document["name"].as_string() == "Registered Nurse",
            )
        ).scalar_one()
        return found


def verified_page(client: TestClient, document: dict[str, Any]) -> str:
    login(client, "hr@demo.openler.org")
    token = csrf_of(client.get("/home").text)
    answer = client.post("/verify", data={"csrf_token": token, "document": json.dumps(document)})
    assert answer.status_code == 200
    return answer.text.split("<main", 1)[1]


# --- the verifier reads the issuer's words first ----------------------------------------


def test_a_revocation_reason_comes_first_once_punctuated_and_not_green(
    client: TestClient, demo_platform: Any
) -> None:
    row = licence_of(demo_platform, "maria@demo.openler.org")
    olivia = principal(demo_platform, "olivia@demo.openler.org")
    with demo_platform.db.session() as s:
        issuing.set_status(
            s, demo_platform, olivia, row.id, action="revoke", reason="Licence surrendered."
        )
    main = verified_page(client, row.document)
    day = demo_platform.now().strftime("%Y-%m-%d")
    note = f"Registered Nurse: Revoked on {day} by Ohio Board of Nursing: Licence surrendered."
    assert note in main and note + "." not in main  # the reason's own full stop, once
    # the plain answer before the technical line and the checks
    assert main.index(note) < main.index("Technical result:") < main.index("<caption>Checks")
    assert 'class="notice notice-bad"' in main


def test_a_superseded_credential_reads_as_replaced_and_still_valid(
    client: TestClient, demo_platform: Any
) -> None:
    row = licence_of(demo_platform, "maria@demo.openler.org")
    olivia = principal(demo_platform, "olivia@demo.openler.org")
    with demo_platform.db.session() as s:
        lifecycle.renew(s, demo_platform, olivia, row.id, days=365)
    main = verified_page(client, row.document)
    day = demo_platform.now().strftime("%Y-%m-%d")
    until = row.valid_until.strftime("%Y-%m-%d") if row.valid_until else None
    assert until is not None
    assert (
        f"A newer Registered Nurse replaces this one (renewed on {day}); "
        f"this one is still valid until {until}."
    ) in main
    assert "Technical result: Verified" in main and "urn:uuid" not in main.split("<details")[0]
    assert 'class="notice notice-info"' in main and "notice-bad" not in main


# --- confirmations: a form's question is a page of its own --------------------------------


def ask_to_suspend(client: TestClient, row: IssuedCredential) -> Any:
    token = csrf_of(client.get(f"{BOARD}/credentials/{quote(row.id)}").text)
    return client.post(
        f"{BOARD}/status/{quote(row.id)}",
        data={"csrf_token": token, "action": "suspend"},
        follow_redirects=False,
    )


def test_the_question_is_a_page_that_back_and_reload_show_again(
    client: TestClient, demo_platform: Any
) -> None:
    row = licence_of(demo_platform, "maria@demo.openler.org")
    login(client, "olivia@demo.openler.org")
    before = recorded_state(demo_platform)
    sent = ask_to_suspend(client, row)
    assert sent.status_code == 303
    address = sent.headers["location"]
    assert address.startswith("/confirm?c=")
    for _reload in range(2):  # Reload and Back are GETs: the same page, nothing changed
        asked = client.get(address)
        assert asked.status_code == 200 and asked.headers["cache-control"] == "no-store"
        assert f'action="{BOARD}/status/{quote(row.id)}"' in asked.text
        assert 'name="action" value="suspend"' in asked.text
        assert 'name="confirm" value="yes"' in asked.text
    assert not changes(before, recorded_state(demo_platform))
    # the final POST is checked as before: the CSRF token, then everything else
    fields = {"action": "suspend", "confirm": "yes", "reason": "Under review"}
    refused = client.post(f"{BOARD}/status/{quote(row.id)}", data=fields, headers=HTML)
    assert refused.status_code == 403 and not changes(before, recorded_state(demo_platform))
    done = client.post(
        f"{BOARD}/status/{quote(row.id)}",
        data={**fields, "csrf_token": csrf_of(asked.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    with demo_platform.db.session() as s:
        assert s.get(IssuedCredential, row.id).state == "suspended"


def test_a_question_opens_only_in_the_session_that_asked_it(
    client: TestClient, demo_platform: Any
) -> None:
    row = licence_of(demo_platform, "maria@demo.openler.org")
    login(client, "olivia@demo.openler.org")
    address = ask_to_suspend(client, row).headers["location"]
    assert client.get(address).status_code == 200
    payload, signature = address.split("c=", 1)[1].split(".")
    altered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
    for forged in (f"/confirm?c={altered}.{signature}", f"/confirm?c={payload}.x", "/confirm"):
        refused = client.get(forged, headers=HTML)
        assert refused.status_code == 400 and 'name="confirm"' not in refused.text
    # signing in again (a new session) or as someone else: the address no longer opens
    for who in ("olivia@demo.openler.org", "hr@demo.openler.org"):
        login(client, who)
        refused = client.get(address, headers=HTML)
        assert refused.status_code == 400 and "no longer open" in refused.text
        assert 'name="confirm"' not in refused.text
    client.cookies.clear()
    assert client.get(address, follow_redirects=False).headers["location"] == "/login"


# --- the issuing page: what needs attention, and counts ---------------------------------


def test_the_issuing_page_says_what_needs_attention(client: TestClient, demo_platform: Any) -> None:
    olivia = principal(demo_platform, "olivia@demo.openler.org")
    login(client, "olivia@demo.openler.org")
    with demo_platform.db.session() as s:
        ohio = orgs.organization_by_slug(s, "ohio-nursing")
        soon = (
            s.execute(
                select(IssuedCredential).where(
                    IssuedCredential.organization_id == ohio.id,
                    IssuedCredential.state == "active",
                    IssuedCredential.replaced_by.is_(None),
                )
            )
            .scalars()
            .first()
        )
        assert soon is not None
        soon.valid_until = demo_platform.now() + timedelta(days=10)
        job = Job(
            kind=bulk.ROSTER_JOB,
            organization_id=ohio.id,
            state="done",
            payload={"organization": "ohio-nursing", "source": "november.csv"},
            result={"failed": 1},
            created_at=demo_platform.now(),
            finished_at=demo_platform.now(),
        )
        s.add(job)
        s.flush()
        s.add(JobRow(job_id=job.id, row=2, outcome="failed", recipient="kim.lee@"))
        job_id = job.id
        s.commit()
    page = client.get(BOARD).text
    attention = page.split('id="attention"', 1)[1].split("</section>", 1)[0]
    assert f'href="{BOARD}/jobs/{job_id}"' in attention and "1 row not issued" in attention
    assert "1 credential expires in the next 60 days" in attention
    # counts: current credentials first, replaced copies apart
    with demo_platform.db.session() as s:
        ohio = orgs.organization_by_slug(s, "ohio-nursing")
        summary = issuing.issued_summary(s, olivia, ohio, at=demo_platform.now())
    assert f"{summary.current} current credential" in attention
    # a credential whose rows were all issued leaves nothing to say about jobs
    with demo_platform.db.session() as s:
        for jr in s.execute(select(JobRow).where(JobRow.job_id == job_id)).scalars():
            jr.outcome = "issued"
        s.commit()
    assert (
        "not issued"
        not in client.get(BOARD).text.split('id="attention"', 1)[1].split("</section>", 1)[0]
    )


def test_home_counts_current_credentials_and_links_each_recent_one(
    client: TestClient, demo_platform: Any
) -> None:
    row = licence_of(demo_platform, "maria@demo.openler.org")
    olivia = principal(demo_platform, "olivia@demo.openler.org")
    with demo_platform.db.session() as s:
        new = lifecycle.renew(s, demo_platform, olivia, row.id, days=365)
        new_id = new.id
        ohio = orgs.organization_by_slug(s, "ohio-nursing")
        summary = issuing.issued_summary(s, olivia, ohio, at=demo_platform.now())
    assert summary.replaced == 1 and summary.current == summary.issued - 1
    login(client, "olivia@demo.openler.org")
    home = client.get("/home").text
    assert f"{summary.current} current credentials</strong>" in home
    assert "Also 1 earlier copy replaced by a newer one." in home
    assert f'href="{BOARD}/credentials/{quote(new_id)}"' in home


def test_an_endorsement_given_is_named_and_not_untrusted(
    client: TestClient, demo_platform: Any
) -> None:
    olivia = principal(demo_platform, "olivia@demo.openler.org")
    iv = "http://127.0.0.1:8000/orgs/piedmont-hospital/achievements/iv-therapy"
    with demo_platform.db.session() as s:
        ohio = orgs.organization_by_slug(s, "ohio-nursing")
        given = endorsements.endorse(
            s, demo_platform, olivia, ohio, target_id=iv, comment="Meets the standard."
        )
        given_id = given.id
    login(client, "olivia@demo.openler.org")
    for path in ("/home", BOARD):
        text = client.get(path).text
        listed = text.split(quote(given_id), 1)[1].split("</tr>", 1)[0]
        assert "Endorsement of IV Therapy and Infusion Safety (Piedmont Regional Hospital)" in (
            listed
        )
        assert "issuer not trusted" not in listed and "state-active" in listed
    assert "1 endorsement given" in client.get("/home").text
    # its own page offers no renewal
    page = client.get(f"{BOARD}/credentials/{quote(given_id)}").text
    assert 'id="renew-days"' not in page


def test_renewal_is_for_an_achievements_credential_only(
    client: TestClient, demo_platform: Any
) -> None:
    olivia = principal(demo_platform, "olivia@demo.openler.org")
    iv = "http://127.0.0.1:8000/orgs/piedmont-hospital/achievements/iv-therapy"
    with demo_platform.db.session() as s:
        ohio = orgs.organization_by_slug(s, "ohio-nursing")
        given = endorsements.endorse(s, demo_platform, olivia, ohio, target_id=iv, comment="Ok")
        given_id = given.id
    login(client, "olivia@demo.openler.org")
    licence = licence_of(demo_platform, "maria@demo.openler.org")
    assert 'id="renew-days"' in client.get(f"{BOARD}/credentials/{quote(licence.id)}").text
    before = recorded_state(demo_platform)
    token = csrf_of(client.get(BOARD).text)
    refused = client.post(
        f"{BOARD}/renew/{quote(given_id)}",
        data={"csrf_token": token, "days": "30", "confirm": "yes"},
        headers=HTML,
    )
    assert refused.status_code == 409 and "only an achievement" in refused.text.lower()
    assert not changes(before, recorded_state(demo_platform))


def test_stacking_rules_name_achievements(client: TestClient, demo_platform: Any) -> None:
    from openler.services.issuers import stacking

    olivia = principal(demo_platform, "olivia@demo.openler.org")
    with demo_platform.db.session() as s:
        ohio = orgs.organization_by_slug(s, "ohio-nursing")
        stacking.set_rule(
            s,
            demo_platform,
            olivia,
            ohio,
            achievements.achievement_by_slug(s, ohio, "registered-nurse"),
            stacking.Rule(of=("licensed-practical-nurse",), count=1),
        )
    login(client, "olivia@demo.openler.org")
    page = client.get(f"{BOARD}/stacking").text
    assert "all of: Licensed Practical Nurse" in page and "licensed-practical-nurse<" not in page


@pytest.mark.parametrize(("n", "words"), [(1, "1 already holds it"), (5, "5 already hold it")])
def test_outcome_words_agree_in_number(n: int, words: str) -> None:
    from openler.services.issuers.job_reports import outcome_words

    assert outcome_words({"already_holds": n}) == words
