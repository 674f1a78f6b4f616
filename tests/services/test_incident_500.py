"""Five hundred simulated responders check in at one incident by OpenID4VP — qualifying
nurses and medics, revoked and expired licences, credentials no role accepts, responders
who qualify for both roles and responders who check in again — and the roster's counts and
rows stay exactly what each responder showed."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from openler.services import jobs
from openler.services.issuers import issuing, orgs
from openler.services.verifiers import incident_rechecks, incidents
from openler.store.models import AuditEvent, IncidentCheckin, IncidentVerdict, IssuedCredential
from tests.conftest import SETUP
from tests.services.incident_world import Held, check_in, holder, issue_to, open_incident

RESPONDERS = 500
#: what responder n shows, by n % 10
KINDS = {
    0: "nurse",
    1: "nurse",
    2: "nurse",
    3: "nurse",
    4: "medic",
    5: "revoked nurse",
    6: "expired nurse",
    7: "cook",
    8: "nurse and medic",
    9: "cook, then nurse",
}


def expected(n: int) -> tuple[set[str], set[str | None]]:
    """The roles responder ``n`` is verified for, and those they are refused for."""
    kind = KINDS[n % 10]
    if kind in ("nurse", "cook, then nurse"):
        return {"r1"}, set()
    if kind == "medic":
        return {"r2"}, set()
    if kind == "nurse and medic":
        return {"r1", "r2"}, set()
    if kind in ("revoked nurse", "expired nurse"):
        return set(), {"r1"}
    return set(), {None}


def test_five_hundred_responders_and_the_roster_stays_exact(platform: Any) -> None:
    opened = open_incident(platform)
    started = time.perf_counter()
    documents: dict[int, list[dict[str, Any]]] = {}
    first: dict[int, list[dict[str, Any]]] = {}
    past = replace(platform, clock=lambda: platform.now() - timedelta(days=4 * 365))
    deferred: set[str] = set()
    with platform.db.session() as s:
        for n in range(RESPONDERS):
            key, kind = holder(n + 1000), KINDS[n % 10]
            licence = {"licenseNumber": f"RN.{n:06d}"}
            if kind in ("nurse", "revoked nurse", "nurse and medic", "cook, then nurse"):
                row = issue_to(s, platform, "registered-nurse", key, n, **licence)
                documents[n] = [row.document]
                if kind == "revoked nurse":
                    issuing.set_status(
                        s,
                        platform,
                        SETUP,
                        row.id,
                        action="revoke",
                        reason="Surrendered",
                        deferred=deferred,
                    )
            if kind == "expired nurse":
                documents[n] = [issue_to(s, past, "registered-nurse", key, n, **licence).document]
            if kind in ("medic", "nurse and medic"):
                documents.setdefault(n, []).append(issue_to(s, platform, "68w", key, n).document)
            if kind in ("cook", "cook, then nurse"):
                cook = issue_to(s, platform, "servsafe-food-handler", key, n).document
                (first if kind == "cook, then nurse" else documents)[n] = [cook]
        issuing.publish_lists(s, platform, orgs.organization_by_slug(s, "ohio-nursing"), deferred)
    issued = time.perf_counter()

    statuses = {}
    for n in range(RESPONDERS):
        key = holder(n + 1000)
        if n in first:  # first with a credential no role accepts, then with their licence
            assert check_in(platform, opened.token, first[n], key).status == 400
        statuses[n] = check_in(platform, opened.token, documents[n], key).status
        if n % 50 == 0:  # and some check in twice with the same
            assert check_in(platform, opened.token, documents[n], key).status == statuses[n]
    checked = time.perf_counter()

    for n, status in statuses.items():
        assert status == (200 if expected(n)[0] else 400), (n, KINDS[n % 10])
    with platform.db.session() as s:
        roster = incidents.roster(s, opened.verifier, opened.incident_id)
        assert roster.responders == RESPONDERS
        counts = {(c.role.key if c.role else None): (c.verified, c.refused) for c in roster.counts}
        tally: dict[str | None, list[int]] = {"r1": [0, 0], "r2": [0, 0], None: [0, 0]}
        for n in range(RESPONDERS):
            good, bad = expected(n)
            for verified_for in good:
                tally[verified_for][0] += 1
            for refused in bad:
                tally[refused][1] += 1
        assert counts == {k: tuple(v) for k, v in tally.items()}
        assert counts == {"r1": (300, 100), "r2": (100, 0), None: (0, 50)}

        # every row is the responder's, once, with exactly what they showed
        rows = {r.name: r for r in s.execute(select(IncidentCheckin)).scalars()}
        assert len(rows) == RESPONDERS
        verdicts: dict[str, list[IncidentVerdict]] = {}
        for verdict in s.execute(select(IncidentVerdict)).scalars():
            verdicts.setdefault(verdict.checkin_id, []).append(verdict)
        for n in range(RESPONDERS):
            kind = KINDS[n % 10]
            name = f"RN.{n:06d}" if "nurse" in kind else holder(n + 1000).controller
            row = rows[name]
            good, bad = expected(n)
            shown = verdicts[row.id]
            assert {v.role for v in shown if v.verified} == good, (n, kind)
            assert {v.role for v in shown if not v.verified} == bad, (n, kind)
            assert row.verified == bool(good)
            times = 2 if kind == "cook, then nurse" or n % 50 == 0 else 1
            assert row.times == times, (n, kind)
            reasons = {str(v.reason) for v in shown if v.reason}
            if kind == "revoked nurse":
                assert any("revoked on %(day)s by %(issuer)s: %(said)s" in r for r in reasons)
            if kind == "expired nurse":
                assert any("expired on %(day)s" in r for r in reasons)
        listed = {row.checkin.id for rows_ in roster.verified.values() for row in rows_}
        assert len(listed) == 350 and len(roster.refused) == 150
        assert (
            s.execute(
                select(func.count()).where(AuditEvent.action == "incident.checkin")
            ).scalar_one()
            == RESPONDERS + 50 + RESPONDERS // 50
        )
    # the figures the closing note quotes (pytest -s)
    print(
        f"\n{RESPONDERS} responders: {sum(map(len, documents.values())) + len(first)} "
        f"credentials issued in "
        f"{issued - started:.1f} s; {RESPONDERS + 50 + RESPONDERS // 50} check-ins in "
        f"{checked - issued:.1f} s ({(checked - issued) / (RESPONDERS + 60) * 1000:.0f} ms each)"
    )

    # the Ohio board revokes the licence of every tenth nurse after check-in; everyone is
    # checked again by a job: exactly those fifty turn refused, with the board's reason
    with platform.db.session() as s:
        revoked = [
            row.id
            for row in s.execute(select(IssuedCredential)).scalars()
            if row.document["credentialSubject"].get("licenseNumber", "").endswith("0")
            and row.state == "active"
        ]
        for credential_id in revoked:
            issuing.set_status(
                s,
                platform,
                SETUP,
                credential_id,
                action="revoke",
                reason="Audit",
                deferred=deferred,
            )
        issuing.publish_lists(s, platform, orgs.organization_by_slug(s, "ohio-nursing"), deferred)
    assert len(revoked) == 50
    queue = Held()
    an_hour_on = replace(platform, clock=lambda: platform.now() + timedelta(hours=1))
    before = time.perf_counter()
    ran = incident_rechecks.start(an_hour_on, queue, opened.verifier, opened.incident_id)
    assert ran is not None and ran.job is not None and ran.total == RESPONDERS
    assert jobs.run_job(an_hour_on, ran.job) == "done"
    rechecked = time.perf_counter() - before
    with platform.db.session() as s:
        roster = incidents.roster(s, opened.verifier, opened.incident_id)
        counts = {(c.role.key if c.role else None): (c.verified, c.refused) for c in roster.counts}
        assert counts == {"r1": (250, 150), "r2": (100, 0), None: (0, 50)}
        pass_ = incident_rechecks.last_pass(roster.incident)
        assert pass_ is not None and (pass_.checked, pass_.changed) == (RESPONDERS, 50)
        turned = [
            r for r in roster.refused if any("revoked on" in str(v.reason) for v in r.verdicts)
        ]
        assert {r.checkin.name for r in turned} >= {f"RN.{n:06d}" for n in range(0, 500, 10)}
    print(
        f"{RESPONDERS} responders checked again in {rechecked:.1f} s "
        f"({rechecked / RESPONDERS * 1000:.0f} ms each), 50 turned refused"
    )
