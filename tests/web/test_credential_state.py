"""A credential's state is one fact computed as of now, shown the same on the wallet, the
pickers, the issuer's pages and the API: never "active" for an expired credential or one
whose issuer the registry suspended."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.services.holders.record import credential_name
from openler.services.issuers import issuing
from openler.services.issuers.orgs import org_did
from openler.services.office import registry
from openler.services.people.accounts import principal_for
from openler.services.verifiers.credential_state import (
    CredentialState,
    check_state,
    credential_state,
)
from openler.store.models import IssuedCredential, Organization, Person
from tests.conftest import SETUP
from tests.web.conftest import csrf_of, login

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def maria_rows(platform: Any) -> dict[str, IssuedCredential]:
    """Maria's credentials by a short name: rn, iv, is100, is100-expired."""
    with platform.db.session() as s:
        maria = s.execute(
            select(Person).where(Person.email == "maria@demo.openler.org")
        ).scalar_one()
        rows = issuing.credentials_of(s, maria.id)
        found: dict[str, IssuedCredential] = {}
        for row in rows:
            name = row.document["name"]
            if name == "Registered Nurse":
                found["rn"] = row
            elif "IV" in name:
                found["iv"] = row
            elif row.valid_until is not None and row.valid_until.replace(tzinfo=UTC) < datetime.now(
                UTC
            ):
                found["is100-expired"] = row
            else:
                found["is100"] = row
        s.expunge_all()
        return found


def shown_state(text: str) -> str:
    """The state a view shows: its label, or the label a reason opens with when the view
    says the reason alone ("Expired on 2025-11-24" is "expired")."""
    return text.split(" on 20", 1)[0].split(":", 1)[0].lower()


def states_on_every_view(client: TestClient, row: IssuedCredential) -> dict[str, str]:
    """The label each view shows for ``row`` (Maria signed in)."""
    record = client.get("/record").text
    card = record.split(f'href="/record/issued:{quote(row.id, safe="")}"', 1)[1].split("</li>", 1)[
        0
    ]
    facts = client.get(f"/wallet/{row.id}").text.split('<dl class="facts">', 1)[1]
    status = facts.split("<dt>Status</dt><dd>", 1)[1].split("</dd>", 1)[0]
    picker = client.get("/shares").text
    # offered: a checkbox whose label ends with its state; not offered: listed with the
    # state that stops it (or, as history of an entry, not listed at all)
    label = re.search(
        rf'value="{re.escape(row.id)}"[^>]*>\s*<label[^>]*>.*?class="state-active">([^<]+)<',
        picker,
    ) or re.search(
        rf"<li>{re.escape(credential_name(row.document))} <span[^>]*>[^<]*</span>: "
        r'you hold it, but it cannot be shared: <strong class="state-[^"]+">([^<]+)<',
        picker,
    )
    api = client.get("/api/me/credentials").json()["credentials"]
    api_state = next(c for c in api if c["id"] == row.id)
    return {
        "record": shown_state(re.search(r'class="state-[^"]+">([^<]+)<', card).group(1)),  # type: ignore[union-attr]
        "facts": shown_state(re.search(r'class="state-[^"]+">([^<]+)<', status).group(1)),  # type: ignore[union-attr]
        "picker": shown_state(label.group(1)) if label else "(not offered)",
        "api": api_state["label"] if "label" in api_state else api_state["state"].replace("-", " "),
    }


def test_an_expired_credential_is_expired_everywhere(
    client: TestClient, demo_platform: Any
) -> None:
    rows = maria_rows(demo_platform)
    login(client, "maria@demo.openler.org")
    seen = states_on_every_view(client, rows["is100-expired"])
    # the expired course is the renewed entry's history: never offered to share
    assert seen == {
        "record": "expired",
        "facts": "expired",
        "picker": "(not offered)",
        "api": "expired",
    }
    assert states_on_every_view(client, rows["is100"]) == dict.fromkeys(seen, "active")
    api = client.get("/api/me/credentials").json()["credentials"]
    expired = next(c for c in api if c["id"] == rows["is100-expired"].id)
    assert expired["issuerStatus"] == "active" and expired["stateReason"].startswith("expired on")


def test_a_credential_whose_issuer_the_registry_suspended_is_not_trusted_everywhere(
    client: TestClient, demo_platform: Any
) -> None:
    rows = maria_rows(demo_platform)
    with demo_platform.db.session() as s:
        renee = s.execute(
            select(Person).where(Person.email == "renee@demo.openler.org")
        ).scalar_one()
        ohio = s.execute(
            select(Organization).where(Organization.slug == "ohio-nursing")
        ).scalar_one()
        registry.set_state(
            s,
            demo_platform,
            principal_for(s, renee),
            org_did(demo_platform, ohio),
            state="suspended",
            reason="audit pending",
        )
    login(client, "maria@demo.openler.org")
    seen = states_on_every_view(client, rows["rn"])
    assert set(seen.values()) == {"issuer not trusted"}, seen
    facts = client.get(f"/wallet/{rows['rn'].id}").text
    assert "suspended in the trust registry" in facts and "audit pending" in facts
    # the other issuers' credentials are untouched
    assert set(states_on_every_view(client, rows["iv"]).values()) == {"active"}


def test_the_issuer_sees_the_same_state_on_its_pages(
    client: TestClient, demo_platform: Any
) -> None:
    login(client, "olivia@demo.openler.org")
    dashboard = client.get("/issuer/ohio-nursing").text
    kevin = dashboard.split("Kevin Nguyen", 1)[1].split("</tr>", 1)[0]
    assert ">suspended<" in kevin
    with demo_platform.db.session() as s:
        kevin_row = s.execute(
            select(IssuedCredential)
            .where(IssuedCredential.recipient.like("did:%"))
            .join(Person, Person.id == IssuedCredential.person_id)
            .where(Person.email == "kevin@demo.openler.org")
        ).scalar_one()
        credential_id = kevin_row.id
    detail = client.get(f"/issuer/ohio-nursing/credentials/{credential_id}").text
    # the state said once: the issuer's reason opens with it
    assert re.search(
        r'<dt>Status</dt><dd><strong class="state-suspended">Suspended on 20\d\d-\d\d-\d\d '
        r"by Ohio Board of Nursing: Pending a Board investigation",
        detail,
    )
    assert "suspended —" not in detail
    assert client.get(f"/api/credentials/{credential_id}").json()["state"] == "suspended"


def test_a_replaced_credential_says_so(client: TestClient, demo_platform: Any) -> None:
    rows = maria_rows(demo_platform)
    with demo_platform.db.session() as s:
        new = issuing.reissue(s, demo_platform, SETUP, rows["iv"].id)
        new_id = new.id
    with demo_platform.db.session() as s:
        old = s.get(IssuedCredential, rows["iv"].id)
        assert old is not None
        state, _report = check_state(s, demo_platform, old)
    assert state == CredentialState(
        "replaced", f"re-issued on {demo_platform.now():%Y-%m-%d} as {new_id}"
    )
    login(client, "trainer@demo.openler.org")
    listing = client.get("/issuer/piedmont-hospital").text
    assert ">replaced<" in listing


def test_the_order_of_the_facts() -> None:
    """The issuer's own acts first, then the clock, then the verification."""

    def row(**fields: Any) -> IssuedCredential:
        defaults: dict[str, Any] = {"id": "urn:x", "state": "active", "document": {}}
        return IssuedCredential(**(defaults | fields))

    later = NOW + timedelta(days=1)
    earlier = NOW - timedelta(days=1)
    assert credential_state(row(), None, at=NOW).code == "active"
    assert credential_state(row(valid_until=earlier), None, at=NOW).code == "expired"
    assert credential_state(row(valid_until=later), None, at=NOW).code == "active"
    future = {"validFrom": "2026-06-02T00:00:00Z"}
    assert credential_state(row(document=future), None, at=NOW) == CredentialState(
        "not-yet-valid", "valid from 2026-06-02"
    )
    suspended_and_expired = row(state="suspended", valid_until=earlier, state_changed_at=earlier)
    assert credential_state(suspended_and_expired, None, at=NOW) == CredentialState(
        "suspended", "suspended on 2026-05-31 by the issuer"
    )
    issuer = {"issuer": {"id": "did:web:x", "name": "Ohio Board of Nursing"}}
    revoked = row(
        state="revoked", state_changed_at=earlier, state_reason="surrendered", document=issuer
    )
    assert credential_state(revoked, None, at=NOW) == CredentialState(
        "revoked", "revoked on 2026-05-31 by Ohio Board of Nursing: surrendered"
    )
    assert credential_state(row(state="revoked"), None, at=NOW).code == "revoked"
    replaced = row(state="revoked", replaced_by="urn:y")
    assert str(credential_state(replaced, None, at=NOW)) == "replaced (re-issued as urn:y)"
    assert CredentialState("issuer-not-trusted").label == "issuer not trusted"
    assert not CredentialState("expired").usable and CredentialState("active").usable


def test_the_picker_for_a_request_uses_the_same_labels(
    client: TestClient, demo_platform: Any
) -> None:
    rows = maria_rows(demo_platform)
    login(client, "hr@demo.openler.org")
    token = csrf_of(client.get("/home").text)
    created = client.post(
        "/verifier/piedmont-hospital/requests",
        data={"csrf_token": token, "reason": "Your certificates", "hours": "2"},
        follow_redirects=False,
    )
    detail = client.get(created.headers["location"]).text
    link = re.search(r'readonly value="http://127.0.0.1:8000(/requests/[^"]+)"', detail)
    assert link is not None
    client.cookies.clear()
    login(client, "maria@demo.openler.org")
    form = client.get(link.group(1)).text
    for key, offered in (("is100-expired", False), ("is100", True), ("rn", True)):
        checkbox = re.search(rf'name="credentials" value="{re.escape(rows[key].id)}"', form)
        assert bool(checkbox) is offered, key
