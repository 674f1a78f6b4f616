"""Trust registry integrity: nothing is overwritten silently (a second registration of a DID
is refused; an edit shows the old and the new and is confirmed), entries and recognition
rules can be removed (confirmed), everything is checked (DIDs, ISO 3166 codes, O*NET-SOC
codes) and audited, and only registry administrators change anything."""

from __future__ import annotations

import re
from typing import Any

import pycountry
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from openler.services import audit
from openler.services.errors import UsageError
from openler.services.office.registry_input import (
    check_achievement_type,
    check_did,
    check_jurisdiction,
    check_occupation,
)
from openler.store.models import AuditEvent, RecognitionRow, TrustEntryRow
from tests.web.conftest import csrf_of, login
from tests.web.test_registry_pages import maria_license, verified

HTML = {"Accept": "text/html"}
ARMY = "did:web:127.0.0.1%3A8000:orgs:us-army"
OHIO = "did:web:127.0.0.1%3A8000:orgs:ohio-nursing"
VIRGINIA = {
    "issuer": "did:web:nursing.virginia.example",
    "name": "Virginia Board of Nursing",
    "jurisdiction": "US-VA",
    "authorized": [{"achievementType": ["License"], "occupation": ["29-1141.00"]}],
}


def registry_state(platform: Any) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
    """Every entry, every rule and the number of audit events: "nothing changed" compares
    all three."""
    with platform.db.session() as s:
        entries = {r.issuer: r.data for r in s.execute(select(TrustEntryRow)).scalars()}
        rules = sorted((r.data for r in s.execute(select(RecognitionRow)).scalars()), key=str)
        events = s.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    return entries, rules, events


def audited(platform: Any, action: str) -> list[AuditEvent]:
    with platform.db.session() as s:
        events = list(s.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())
        assert audit.verify_chain(s).ok
        s.expunge_all()
        return events


# --- never overwritten silently -----------------------------------------------------------


def test_registering_an_existing_did_is_refused_and_changes_nothing(
    client: TestClient, demo_platform: Any
) -> None:
    login(client, "renee@demo.openler.org")
    before = registry_state(demo_platform)
    widened = {"issuer": ARMY, "name": "U.S. Army", "jurisdiction": "US", "authorized": [{}]}
    response = client.post("/api/trust/entries", json=widened)
    assert response.status_code == 409
    message = response.json()["message"]
    assert "already registered as U.S. Army (US)" in message
    assert "PUT /api/trust/entries?issuer=" in message and "nothing was changed" in message
    assert registry_state(demo_platform) == before
    army = before[0][ARMY]
    assert army["authorized"] == [{"achievementType": ["Certification"]}]  # not "any"


def test_the_page_refuses_an_existing_did_and_keeps_what_was_typed(
    client: TestClient, demo_platform: Any
) -> None:
    login(client, "renee@demo.openler.org")
    token = csrf_of(client.get("/registry").text)
    before = registry_state(demo_platform)
    page = client.post(
        "/registry/entries",
        data={"csrf_token": token, "issuer": ARMY, "name": "Army", "jurisdiction": "US"},
        headers=HTML,
    )
    assert page.status_code == 409 and "already registered as U.S. Army" in page.text
    assert f'value="{ARMY}"' in page.text
    assert registry_state(demo_platform) == before


# --- checked input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"issuer": "hello"}, "must be a DID"),
        ({"issuer": "did:Web:x.example"}, "must be a DID"),
        ({"issuer": "did:web:"}, "must be a DID"),
        ({"issuer": "did:web:a b"}, "must be a DID"),
        ({"issuer": "http://board.example"}, "must be a DID"),
        ({"jurisdiction": "North Carolina"}, "must be an ISO 3166 code"),
        ({"jurisdiction": "US-ZZ"}, "United States has no subdivision US-ZZ"),
        ({"jurisdiction": "ZZ"}, "must be an ISO 3166 code"),
        ({"authorized": [{"occupation": ["29-1141"]}]}, "O*NET-SOC code"),
        ({"authorized": [{"achievementType": ["Lisence"]}]}, "not an Open Badges 3.0"),
        ({"name": "!!"}, "must contain letters or digits"),
        ({"name": ""}, "give the issuer's name"),
        ({"authorized": []}, "say what the issuer may issue"),
    ],
)
def test_bad_entries_are_refused_with_a_reason(
    client: TestClient, demo_platform: Any, change: dict[str, Any], expected: str
) -> None:
    login(client, "renee@demo.openler.org")
    before = registry_state(demo_platform)
    response = client.post("/api/trust/entries", json={**VIRGINIA, **change})
    assert response.status_code == 400, response.text
    assert expected in response.json()["message"]
    assert registry_state(demo_platform) == before


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"name": "zz recognises !!", "jurisdiction": "zz", "recognizes": ["!!"]}, "ISO 3166"),
        ({"name": "x", "jurisdiction": "US-NC", "recognizes": ["!!"]}, "ISO 3166"),
        ({"name": "x", "jurisdiction": "US-NC", "recognizes": []}, "at least one"),
        ({"name": "self", "jurisdiction": "US-NC", "recognizes": ["US-NC"]}, "itself"),
        ({"name": "!!", "jurisdiction": "US-NC", "recognizes": ["US-VA"]}, "letters or digits"),
    ],
)
def test_bad_recognition_rules_are_refused(
    client: TestClient, demo_platform: Any, rule: dict[str, Any], expected: str
) -> None:
    login(client, "renee@demo.openler.org")
    before = registry_state(demo_platform)
    response = client.post("/api/trust/recognitions", json=rule)
    assert response.status_code == 400 and expected in response.json()["message"]
    assert registry_state(demo_platform) == before


def test_a_rule_twice_is_refused(client: TestClient, demo_platform: Any) -> None:
    login(client, "renee@demo.openler.org")
    rule = {"name": "Virginia reciprocity", "jurisdiction": "US-NC", "recognizes": ["US-VA"]}
    assert client.post("/api/trust/recognitions", json=rule).status_code == 201
    before = registry_state(demo_platform)
    again = client.post("/api/trust/recognitions", json=rule)
    assert again.status_code == 409 and "already in force" in again.json()["message"]
    assert registry_state(demo_platform) == before


# --- edits, removals: allowed and audited, denied and unchanged -----------------------------

ROLES_DENIED = ["maria", "olivia", "hr", "admin"]


def test_an_edit_answers_old_and_new_and_is_audited(client: TestClient, demo_platform: Any) -> None:
    login(client, "renee@demo.openler.org")
    response = client.put(
        "/api/trust/entries",
        params={"issuer": ARMY},
        json={"name": "U.S. Army", "jurisdiction": "US", "authorized": [{}]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["old"]["authorized"] == [{"achievementType": ["Certification"]}]
    assert body["new"]["authorized"] == [{}] and body["new"]["state"] == "active"
    (event,) = audited(demo_platform, "trust.edit")
    assert event.subject == ARMY and event.data == body
    unchanged = client.put(
        "/api/trust/entries",
        params={"issuer": ARMY},
        json={"name": "U.S. Army", "jurisdiction": "US", "authorized": [{}]},
    )
    assert unchanged.status_code == 400 and "changes nothing" in unchanged.json()["message"]
    moved = client.put(
        "/api/trust/entries", params={"issuer": ARMY}, json={**VIRGINIA, "issuer": OHIO}
    )
    assert moved.status_code == 400 and "keeps the issuer's DID" in moved.json()["message"]
    missing = client.put("/api/trust/entries", params={"issuer": "did:web:no.example"}, json={})
    assert missing.status_code == 404


@pytest.mark.parametrize("who", ROLES_DENIED)
def test_only_registry_admins_edit_or_remove(
    client: TestClient, demo_platform: Any, who: str
) -> None:
    login(client, f"{who}@demo.openler.org")
    before = registry_state(demo_platform)
    edit = client.put(
        "/api/trust/entries",
        params={"issuer": ARMY},
        json={"name": "U.S. Army", "jurisdiction": "US", "authorized": [{}]},
    )
    remove = client.delete("/api/trust/entries", params={"issuer": OHIO})
    rule_id = client.get("/api/trust/recognitions").json()["recognitions"][0]["id"]
    unrecognize = client.delete(f"/api/trust/recognitions/{rule_id}")
    assert [edit.status_code, remove.status_code, unrecognize.status_code] == [403, 403, 403]
    assert registry_state(demo_platform) == before


def test_removing_an_issuer_stops_trust_at_once(client: TestClient, demo_platform: Any) -> None:
    document = maria_license(demo_platform)
    assert verified(client, document)
    login(client, "renee@demo.openler.org")
    response = client.delete("/api/trust/entries", params={"issuer": OHIO})
    assert response.status_code == 200 and response.json()["removed"]["issuer"] == OHIO
    assert OHIO not in registry_state(demo_platform)[0]
    assert not verified(client, document)
    (event,) = audited(demo_platform, "trust.remove")
    assert event.subject == OHIO and event.data["name"] == "Ohio Board of Nursing"
    assert client.delete("/api/trust/entries", params={"issuer": OHIO}).status_code == 404


def test_removing_a_recognition_rule_stops_recognition_at_once(
    client: TestClient, demo_platform: Any
) -> None:
    document = maria_license(demo_platform)
    assert verified(client, document)  # Ohio's license, verified in US-NC under the compact
    login(client, "renee@demo.openler.org")
    rules = client.get("/api/trust/recognitions").json()["recognitions"]
    compact = next(r for r in rules if r["name"] == "the Nurse Licensure Compact")
    response = client.delete(f"/api/trust/recognitions/{compact['id']}")
    assert response.status_code == 200
    assert not verified(client, document)
    (event,) = audited(demo_platform, "trust.unrecognize")
    assert event.data["name"] == "the Nurse Licensure Compact"
    assert client.delete(f"/api/trust/recognitions/{compact['id']}").status_code == 404


# --- the pages: every change confirmed first ------------------------------------------------


def test_an_edit_on_the_page_shows_old_and_new_before_it_is_made(
    client: TestClient, demo_platform: Any
) -> None:
    login(client, "renee@demo.openler.org")
    listing = client.get("/registry").text
    assert (
        f'href="/registry/entries/edit?issuer={ARMY.replace("%", "%25").replace(":", "%3A")}"'
        in listing
    )
    form = client.get("/registry/entries/edit", params={"issuer": ARMY}).text
    assert 'value="Certification"' in form
    token = csrf_of(form)
    fields = {
        "csrf_token": token,
        "issuer": ARMY,
        "name": "U.S. Army",
        "jurisdiction": "US",
        "types": "",
        "occupations": "",
    }
    before = registry_state(demo_platform)
    review = client.post("/registry/entries/edit", data=fields)
    assert review.status_code == 200 and "Change the entry of U.S. Army?" in review.text
    row = re.search(
        r"May issue</th><td[^>]*><del>([^<]+)</del></td><td[^>]*><ins>([^<]+)<", review.text
    )
    assert row is not None and row.groups() == ("Certification", "any credential")
    assert registry_state(demo_platform) == before
    done = client.post("/registry/entries/edit", data={**fields, "confirm": "yes"})
    assert "entry was changed; verifiers see it at once" in done.text
    assert registry_state(demo_platform)[0][ARMY]["authorized"] == [{}]
    bad = client.post("/registry/entries/edit", data={**fields, "jurisdiction": "Army land"})
    assert bad.status_code == 400 and "ISO 3166" in bad.text and 'value="Army land"' in bad.text


def test_removing_on_the_page_is_confirmed_first(client: TestClient, demo_platform: Any) -> None:
    login(client, "renee@demo.openler.org")
    token = csrf_of(client.get("/registry").text)
    before = registry_state(demo_platform)
    asked = client.post("/registry/entries/remove", data={"csrf_token": token, "issuer": OHIO})
    assert (
        asked.status_code == 200 and "Remove Ohio Board of Nursing from the registry?" in asked.text
    )
    assert registry_state(demo_platform) == before
    done = client.post(
        "/registry/entries/remove", data={"csrf_token": token, "issuer": OHIO, "confirm": "yes"}
    )
    assert "removed from the registry" in done.text
    assert OHIO not in registry_state(demo_platform)[0]

    rule = re.search(r'name="rule" value="([^"]+)"', client.get("/registry").text)
    assert rule is not None
    before = registry_state(demo_platform)
    asked = client.post(
        "/registry/recognitions/remove", data={"csrf_token": token, "rule": rule.group(1)}
    )
    assert "Remove the rule" in asked.text and registry_state(demo_platform) == before
    client.post(
        "/registry/recognitions/remove",
        data={"csrf_token": token, "rule": rule.group(1), "confirm": "yes"},
    )
    assert len(registry_state(demo_platform)[1]) == len(before[1]) - 1


def test_the_pages_refuse_everyone_but_registry_admins(
    client: TestClient, demo_platform: Any
) -> None:
    for who in ROLES_DENIED:
        client.cookies.clear()
        login(client, f"{who}@demo.openler.org")
        token = csrf_of(client.get("/home").text)
        before = registry_state(demo_platform)
        for path, data in (
            ("/registry/entries/remove", {"issuer": OHIO, "confirm": "yes"}),
            (
                "/registry/state",
                {"issuer": OHIO, "state": "withdrawn", "reason": "x", "confirm": "yes"},
            ),
            (
                "/registry/entries/edit",
                {
                    "issuer": ARMY,
                    "name": "A",
                    "jurisdiction": "US",
                    "types": "",
                    "occupations": "",
                    "confirm": "yes",
                },
            ),
        ):
            response = client.post(path, data={"csrf_token": token, **data}, headers=HTML)
            assert response.status_code == 403, (who, path)
        assert registry_state(demo_platform) == before


# --- the rules themselves ----------------------------------------------------------------------

_IDCHAR = st.one_of(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_"),
    st.builds(lambda h: f"%{h:02X}", st.integers(0, 255)),
)
_IDCHARS = st.lists(_IDCHAR, min_size=1, max_size=12).map("".join)


@given(
    st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8),
    st.lists(st.lists(_IDCHAR, max_size=6).map("".join), max_size=3),
    _IDCHARS,
)
def test_every_did_the_abnf_allows_is_accepted(method: str, segments: list[str], last: str) -> None:
    """DID Core §3.1: did = "did:" method-name ":" method-specific-id, method-specific-id =
    *( *idchar ":" ) 1*idchar."""
    did = f"did:{method}:" + "".join(f"{s}:" for s in segments) + last
    assert check_did(did) == did


@given(st.text(max_size=40))
def test_what_is_accepted_as_an_issuer_is_a_did_or_https(text: str) -> None:
    try:
        accepted = check_did(text)
    except UsageError:
        return
    assert accepted.startswith(("did:", "https://"))
    assert not any(c.isspace() for c in accepted)


def test_every_iso_3166_2_subdivision_and_country_is_a_jurisdiction() -> None:
    for subdivision in pycountry.subdivisions:
        assert check_jurisdiction(subdivision.code) == subdivision.code
    for country in pycountry.countries:
        assert check_jurisdiction(country.alpha_2) == country.alpha_2
    assert check_jurisdiction(" us-nc ") == "US-NC"
    for territory in ("US-PR", "US-GU", "US-VI", "US-AS", "US-MP", "US-DC"):
        assert check_jurisdiction(territory) == territory


@given(st.text(max_size=12))
def test_occupations_are_onet_soc_codes(text: str) -> None:
    try:
        code = check_occupation(text)
    except UsageError:
        return
    assert re.fullmatch(r"\d{2}-\d{4}\.\d{2}", code)


def test_achievement_types_are_open_badges_or_extensions() -> None:
    assert check_achievement_type("License") == "License"
    assert check_achievement_type("ext:StateLicense") == "ext:StateLicense"
    with pytest.raises(UsageError):
        check_achievement_type("license")
