"""Incident check-in: opening and closing an incident, who may see it, responders checking
in by OpenID4VP and from their wallet here, and the roster's verdicts and counts."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from openler.services.errors import Conflict, Forbidden, NotFound, UsageError
from openler.services.issuers import issuing, orgs
from openler.services.verifiers import incident_checkins, incidents
from openler.services.verifiers.incidents import RoleInput
from openler.services.wording import filled
from openler.store.models import AuditEvent, IncidentCheckin, PresentationRequest
from tests.conftest import SETUP
from tests.services.incident_world import (
    VERIFIER,
    check_in,
    holder,
    issue_to,
    open_incident,
    principal,
    scan,
)


def verdicts(platform: Any, incident_id: str, verifier: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Each responder's verdicts: (role name, verified, credential, reason in English)."""
    with platform.db.session() as s:
        roster = incidents.roster(s, verifier, incident_id)
        names = {r.key: r.name for r in roster.roles}
        found: dict[str, list[tuple[Any, ...]]] = {}
        seen = {row.checkin.id: row for rows in roster.verified.values() for row in rows}
        seen.update({row.checkin.id: row for row in roster.refused})
        for row in seen.values():
            found[row.checkin.name or row.checkin.responder] = sorted(
                (
                    names.get(v.role or "", "-"),
                    v.verified,
                    v.credential,
                    filled(v.reason) if v.reason else None,
                )
                for v in row.verdicts
            )
        return found


def counts(platform: Any, incident_id: str, verifier: Any) -> list[tuple[str, int, int]]:
    with platform.db.session() as s:
        roster = incidents.roster(s, verifier, incident_id)
        return [(c.role.name if c.role else "-", c.verified, c.refused) for c in roster.counts]


def test_opening_checks_the_roles_and_is_audited(platform: Any) -> None:
    opened = open_incident(platform)
    with platform.db.session() as s:
        incident = incidents.incident_of(s, opened.verifier, opened.incident_id)
        assert [r.name for r in incidents.roles_of(incident)] == ["RN", "Medic"]
        rn = incidents.roles_of(incident)[0]
        assert rn.achievement_types == ("License",) and rn.jurisdictions == ("US-NC",)
        assert [i.name for i in rn.issuers] == ["Ohio Board of Nursing"]
        event = s.execute(
            select(AuditEvent).where(AuditEvent.action == "incident.open")
        ).scalar_one()
        assert event.subject == f"incident:{incident.id}"
        assert event.actor == opened.verifier.label
        bad = [
            ([RoleInput("", "License")], "give each role a name"),
            ([RoleInput("RN", "Licence")], "not an Open Badges 3.0 achievement type"),
            ([RoleInput("RN", "License", jurisdictions="North Carolina")], "ISO 3166"),
            ([RoleInput("RN", issuers=("did:web:nobody.example",))], "not in the trust registry"),
            ([RoleInput("RN")], "say which credentials qualify"),
            ([RoleInput("RN", "License"), RoleInput("rn", "License")], "two roles are called"),
            ([RoleInput()], "add at least one role"),
        ]
        for typed, message in bad:
            with pytest.raises(UsageError, match=message):
                incidents.open_incident(
                    s,
                    platform,
                    opened.verifier,
                    organization_slug="piedmont-hospital",
                    name="Drill",
                    roles=typed,
                )


def test_only_the_organizations_verifiers_see_it(platform: Any) -> None:
    opened = open_incident(platform)
    with platform.db.session() as s:
        maria = principal(s, "maria@demo.openler.org")
        olivia = principal(s, "olivia@demo.openler.org")  # Ohio's issuer admin
        piedmont = orgs.organization_by_slug(s, "piedmont-hospital")
        ohio = orgs.organization_by_slug(s, "ohio-nursing")
        assert incidents.incident_of(s, opened.verifier, opened.incident_id).name
        assert incidents.roster(s, opened.verifier, opened.incident_id).responders == 0
        for outsider in (maria, olivia):
            with pytest.raises(NotFound):
                incidents.incident_of(s, outsider, opened.incident_id)
            with pytest.raises(NotFound):
                incidents.roster(s, outsider, opened.incident_id)
            with pytest.raises(NotFound):
                incidents.close_incident(s, platform, outsider, opened.incident_id)
            with pytest.raises(Forbidden):
                incidents.incidents_of(s, outsider, piedmont)
            with pytest.raises(Forbidden):
                incidents.open_incident(
                    s,
                    platform,
                    outsider,
                    organization_slug="piedmont-hospital",
                    name="x",
                    roles=[RoleInput("RN", "License")],
                )
        # Ohio's verifiers, were there any, would see Ohio's incidents only
        assert [i.id for i in incidents.incidents_of(s, opened.verifier, piedmont)] == [
            opened.incident_id
        ]
        with pytest.raises(Forbidden):
            incidents.incidents_of(s, opened.verifier, ohio)


def test_responders_check_in_and_the_roster_says_why(platform: Any) -> None:
    opened = open_incident(platform)
    keys = {n: holder(n) for n in range(1, 8)}
    with platform.db.session() as s:
        rn = issue_to(s, platform, "registered-nurse", keys[1], 1, licenseNumber="RN.1")
        medic = issue_to(s, platform, "68w", keys[2], 2)
        revoked = issue_to(s, platform, "registered-nurse", keys[3], 3, licenseNumber="RN.3")
        issuing.set_status(
            s, platform, SETUP, revoked.id, action="revoke", reason="Licence surrendered"
        )
        cook = issue_to(s, platform, "servsafe-food-handler", keys[4], 4)
        past = replace(platform, clock=lambda: platform.now() - timedelta(days=4 * 365))
        expired = issue_to(s, past, "registered-nurse", keys[5], 5, licenseNumber="RN.5")
        docs = {
            1: rn.document,
            2: medic.document,
            3: revoked.document,
            4: cook.document,
            5: expired.document,
        }
    for n, document in docs.items():
        outcome = check_in(platform, opened.token, [document], keys[n])
        assert outcome.status == (200 if n in (1, 2) else 400), (n, outcome.body)
    # someone else's licence, presented by another wallet: refused, never checked in as them
    stolen = check_in(platform, opened.token, [docs[1]], keys[6])
    assert stolen.status == 400 and "not signed by the wallet" in stolen.body["error_description"]

    found = verdicts(platform, opened.incident_id, opened.verifier)
    assert found["RN.1"] == [("RN", True, "Registered Nurse", None)]
    assert found[keys[2].controller] == [("Medic", True, "Combat Medic Specialist (68W)", None)]
    assert found["RN.3"][0][:3] == ("RN", False, "Registered Nurse")
    assert found["RN.3"][0][3].startswith("revoked on 2026-11-24 by Ohio Board of Nursing")
    assert found["RN.3"][0][3].endswith("Licence surrendered")
    assert found[keys[4].controller] == [
        ("-", False, "Food Handler Certificate", "not a credential any role accepts")
    ]
    assert found["RN.5"][0][3].startswith("expired on ")
    (unproven,) = [name for name in found if name.startswith("unproven:")]
    (stolen_verdict,) = found[unproven]  # a row of its own: RN.1 stays verified
    assert stolen_verdict[:3] == ("RN", False, "Registered Nurse")
    assert "not signed by the wallet that holds these credentials" in stolen_verdict[3]
    assert counts(platform, opened.incident_id, opened.verifier) == [
        ("RN", 1, 3),
        ("Medic", 1, 0),
        ("-", 0, 1),
    ]
    with platform.db.session() as s:
        rows = s.execute(select(IncidentCheckin)).scalars().all()
        assert len(rows) == 6  # five responders and the answer that proved nobody
        assert sum(r.verified for r in rows) == 2
        events = s.execute(
            select(func.count()).where(AuditEvent.action == "incident.checkin")
        ).scalar_one()
        assert events == 6


def test_checking_in_again_updates_the_row(platform: Any) -> None:
    opened = open_incident(platform)
    key = holder(9)
    with platform.db.session() as s:
        old = issue_to(s, platform, "registered-nurse", key, 9, licenseNumber="RN.9")
        issuing.set_status(s, platform, SETUP, old.id, action="suspend", reason="Audit")
        old_doc = old.document
    assert check_in(platform, opened.token, [old_doc], key).status == 400
    assert counts(platform, opened.incident_id, opened.verifier)[0] == ("RN", 0, 1)
    with platform.db.session() as s:
        issuing.set_status(s, platform, SETUP, old.id, action="reinstate")
    assert check_in(platform, opened.token, [old_doc], key).status == 200
    assert counts(platform, opened.incident_id, opened.verifier)[0] == ("RN", 1, 0)
    with platform.db.session() as s:
        (row,) = s.execute(select(IncidentCheckin)).scalars().all()
        assert (row.times, row.verified, row.name) == (2, True, "RN.9")


def test_a_closed_incident_takes_no_check_in(platform: Any) -> None:
    opened = open_incident(platform)
    key = holder(11)
    with platform.db.session() as s:
        document = issue_to(s, platform, "registered-nurse", key, 11).document
    claims = scan(platform, opened.token)  # a wallet scanned before it closed
    with platform.db.session() as s:
        incidents.close_incident(s, platform, opened.verifier, opened.incident_id)
        with pytest.raises(Conflict, match="already closed"):
            incidents.close_incident(s, platform, opened.verifier, opened.incident_id)
        with pytest.raises(Conflict, match="has closed"):
            incidents.wallet_request(s, platform, opened.token)
    from tests.services.incident_world import answer

    outcome = answer(platform, claims, [document], key)
    assert outcome.status == 400 and "has closed" in outcome.body["error_description"]
    with platform.db.session() as s:
        assert s.execute(select(func.count()).select_from(IncidentCheckin)).scalar_one() == 0
        assert (
            s.execute(
                select(func.count()).where(AuditEvent.action == "incident.close")
            ).scalar_one()
            == 1
        )


def test_each_scan_is_its_own_request_and_not_in_the_request_list(platform: Any) -> None:
    opened = open_incident(platform)
    first, second = scan(platform, opened.token), scan(platform, opened.token)
    assert first["nonce"] != second["nonce"] and first["state"] != second["state"]
    assert first["dcql_query"]["credentials"][0]["claims"][0]["values"] == [
        "License",
        "Certification",
    ]
    with platform.db.session() as s:
        assert s.execute(select(func.count()).select_from(PresentationRequest)).scalar_one() == 2
        from openler.services.verifiers import requests

        piedmont = orgs.organization_by_slug(s, "piedmont-hospital")
        assert requests.requests_of(s, opened.verifier, piedmont) == []
    with platform.db.session() as s, pytest.raises(NotFound):
        incidents.wallet_request(s, platform, "not-a-token")


def test_checking_in_from_the_wallet_here(platform: Any) -> None:
    opened = open_incident(platform)
    with platform.db.session() as s:
        maria = principal(s, "maria@demo.openler.org")
        kevin = principal(s, "kevin@demo.openler.org")
        incident = incidents.incident_of(s, opened.verifier, opened.incident_id)
        offered = incident_checkins.checkin_candidates(s, platform, maria, incident)
        fits = {c.name: c.offered for c in offered if c.fits}
        assert fits == {"Registered Nurse": True}  # her FEMA course and badge fit no role
        licence = next(c.value for c in offered if c.name == "Registered Nurse")
        checked = incident_checkins.check_in_from_wallet(
            s, platform, maria, opened.token, credential_ids=[licence]
        )
        assert [r.name for r in checked.verified_roles] == ["RN"]
        assert checked.checkin.name == "Maria Alvarez" and checked.checkin.via == "openler"
        consent = s.execute(
            select(AuditEvent).where(AuditEvent.action == "consent.grant")
        ).scalar_one()
        assert consent.subject == f"incident:{incident.id}"
        # Kevin's licence is suspended: it is listed with why, and cannot be sent
        his = incident_checkins.checkin_candidates(s, platform, kevin, incident)
        suspended = next(c for c in his if c.name == "Registered Nurse")
        assert not suspended.offered and "suspended" in (suspended.why_not or "")
        with pytest.raises(UsageError, match="cannot be sent"):
            incident_checkins.check_in_from_wallet(
                s, platform, kevin, opened.token, credential_ids=[suspended.value]
            )
        with pytest.raises(NotFound):  # someone else's credential does not exist for him
            incident_checkins.check_in_from_wallet(
                s, platform, kevin, opened.token, credential_ids=[licence]
            )
        with pytest.raises(Forbidden):
            incident_checkins.check_in_from_wallet(
                s, platform, SETUP, opened.token, credential_ids=[licence]
            )
    assert counts(platform, opened.incident_id, opened.verifier)[0] == ("RN", 1, 0)


def test_the_version_changes_with_each_check_in(platform: Any) -> None:
    opened = open_incident(platform)
    key = holder(12)
    with platform.db.session() as s:
        document = issue_to(s, platform, "registered-nurse", key, 12).document
        incident = incidents.incident_of(s, opened.verifier, opened.incident_id)
        before = incidents.version_of(s, incident)
    check_in(platform, opened.token, [document], key)
    with platform.db.session() as s:
        incident = incidents.incident_of(s, opened.verifier, opened.incident_id)
        once = incidents.version_of(s, incident)
    check_in(platform, opened.token, [document], key)
    with platform.db.session() as s:
        incident = incidents.incident_of(s, opened.verifier, opened.incident_id)
        assert len({before, once, incidents.version_of(s, incident)}) == 3
    assert VERIFIER
