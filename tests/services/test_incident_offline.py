"""Check-in keeps working when an issuer elsewhere cannot be reached: its DID document and
status lists come from the last copy verification relied on, the check-in says how old it
was, and a copy never makes a credential pass that would fail (an altered copy fails, an
issuer never reached fails, an issuer outside the registry gets nothing kept)."""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select

from openler.services import jobs
from openler.services.files.documents import online_fetcher
from openler.services.verifiers import (
    fetched_copies,
    incident_checkins,
    incident_rechecks,
    incidents,
)
from openler.services.verifiers.fetched_copies import FetchedCopies
from openler.services.verifiers.incidents import RoleInput
from openler.services.wording import filled
from openler.store.models import FetchedCopy, TrustEntryRow
from openler.vc import (
    Bitstring,
    Multikey,
    Scope,
    TrustEntry,
    add_proof,
    build_presentation,
    sign_credential,
    sign_presentation,
    status_entry,
    status_list_credential,
)
from tests.conftest import SETUP, load_demo
from tests.services.incident_world import principal

HOST = "board.example"
DID = f"did:web:{HOST}"
LIST = f"https://{HOST}/status/1"


@dataclass
class Board:
    """A board of nursing on a server of its own (did:web), which can go down."""

    key: Multikey = field(
        default_factory=lambda: Multikey.from_seed(b"board" + bytes(27)).with_controller(
            DID, f"{DID}#key-1"
        )
    )
    bits: Bitstring = field(default_factory=Bitstring.empty)
    up: bool = True
    requests: list[str] = field(default_factory=list)
    list_document: dict[str, Any] = field(default_factory=dict)

    def publish(self, at: Any) -> None:
        unsigned = status_list_credential(
            list_url=LIST,
            issuer=DID,
            purpose="revocation",
            bits=self.bits,
            valid_from=at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        self.list_document = add_proof(unsigned, self.key, created=at)

    def did_document(self) -> dict[str, Any]:
        method = {
            "id": self.key.id,
            "type": "Multikey",
            "controller": DID,
            "publicKeyMultibase": self.key.public_key_multibase,
        }
        return {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": DID,
            "verificationMethod": [method],
            "assertionMethod": [self.key.id],
            "authentication": [self.key.id],
        }

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url.path))
        if not self.up:
            raise httpx.ConnectError("connection refused", request=request)
        if request.url.path == "/.well-known/did.json":
            return httpx.Response(200, json=self.did_document())
        if request.url.path == "/status/1":
            return httpx.Response(200, json=self.list_document)
        return httpx.Response(404)

    def fetcher(self) -> Any:
        return online_fetcher(
            transport=httpx.MockTransport(self.handler),
            resolve=lambda host, port: ["93.184.216.34"],
        )

    def licence(self, template: dict[str, Any], holder: str, index: int) -> dict[str, Any]:
        document = copy.deepcopy(template)
        document["id"] = f"urn:uuid:{secrets.token_hex(16)}"
        document["issuer"] = {"id": DID, "type": ["Profile"], "name": "Florida Board of Nursing"}
        document["credentialSubject"]["id"] = holder
        document["credentialStatus"] = [
            status_entry(list_url=LIST, index=index, purpose="revocation")
        ]
        return sign_credential(document, self.key)


def world(platform: Any) -> tuple[str, Any]:
    """The demo, the Florida board in the trust registry, and an incident whose RN role
    takes any board's RN licence."""
    with platform.db.session() as s:
        load_demo(s, platform)
        entry = TrustEntry(
            issuer=DID,
            name="Florida Board of Nursing",
            jurisdiction="US-FL",
            authorized=(Scope(("License",)),),
            registered_by="North Carolina LER Office",
        )
        s.add(TrustEntryRow(issuer=DID, data=entry.to_json()))
        verifier = principal(s, "hr@demo.openler.org")
        incident = incidents.open_incident(
            s,
            platform,
            verifier,
            organization_slug="piedmont-hospital",
            name="Hurricane shelter",
            roles=[RoleInput("RN", "License", "Registered Nurse")],
        )
        s.flush()
        return incident.id, verifier


def present(
    platform: Any, incident_id: str, document: dict[str, Any], holder: Multikey, board: Board
) -> Any:
    """One responder's check-in, issuers' documents fetched through ``board``'s network."""
    with platform.db.session() as s:
        incident = incidents.incident_of(s, SETUP, incident_id)
        challenge, domain = secrets.token_urlsafe(16), "https://incident.example"
        presentation = sign_presentation(
            build_presentation([document], holder=holder.controller),
            holder,
            challenge=challenge,
            domain=domain,
            created=platform.now(),
        )
        documents = FetchedCopies(s, platform, remote=board.fetcher())
        checked = incident_checkins.check_in(
            s,
            platform,
            incident,
            [presentation],
            challenge=challenge,
            domain=domain,
            via="oid4vp",
            documents=documents,
        )
        reasons = [filled(w) for j in checked.judged if (w := j.reason) is not None]
        return checked.verified, reasons, checked.checkin.stale


def scene(
    platform: Any, license_template: dict[str, Any]
) -> tuple[str, Board, Multikey, dict[str, Any]]:
    """The incident, the Florida board up with its list published, and a nurse's licence
    from it (index 7 of the list)."""
    incident_id, _verifier = world(platform)
    board = Board()
    board.publish(platform.now())
    nurse = Multikey.from_seed(b"nurse" + bytes(27))
    return incident_id, board, nurse, board.licence(license_template, nurse.controller, 7)


def later(platform: Any, hours: float) -> Any:
    return replace(platform, clock=lambda: platform.now() + timedelta(hours=hours))


def test_an_unreachable_issuer_is_checked_from_the_last_copy(
    platform: Any, license_template: dict[str, Any]
) -> None:
    incident_id, board, nurse, licence = scene(platform, license_template)

    verified, reasons, stale = present(platform, incident_id, licence, nurse, board)
    assert (verified, reasons, stale) == (True, [], [])
    with platform.db.session() as s:
        kept = {c.url: c.kind for c in s.execute(select(FetchedCopy)).scalars()}
    assert kept == {f"https://{HOST}/.well-known/did.json": "did", LIST: "status-list"}

    asked = len(board.requests)  # within its lifetime the copy is used without asking
    assert present(later(platform, 0.05), incident_id, licence, nurse, board)[0]
    assert len(board.requests) == asked

    board.up = False
    two_hours = later(platform, 2)
    verified, reasons, stale = present(two_hours, incident_id, licence, nurse, board)
    assert verified and reasons == []
    assert {s["url"] for s in stale} == {f"https://{HOST}/.well-known/did.json", LIST}
    assert all("connection refused" in s["error"] for s in stale)
    assert all(s["fetchedAt"] == "2026-11-24T12:00:00Z" for s in stale)
    with two_hours.db.session() as s:
        roster = incidents.roster(s, SETUP, incident_id)
        assert (roster.stale, roster.oldest_copy) == (1, platform.now())
        row = roster.verified["r1"][0]
        assert {c.url for c in row.stale} == {f"https://{HOST}/.well-known/did.json", LIST}

    # the board revokes while it cannot be reached: the copy does not know yet (the page
    # says how old it is); once the board answers again, the licence is refused
    board.bits.set(7, 1)
    board.publish(two_hours.now())
    assert present(later(platform, 3), incident_id, licence, nurse, board)[0]
    board.up = True
    verified, reasons, stale = present(later(platform, 4), incident_id, licence, nurse, board)
    assert not verified and stale == []
    assert reasons[0].startswith("Revoked by Florida Board of Nursing")


def test_a_copy_never_makes_a_credential_pass(
    platform: Any, license_template: dict[str, Any]
) -> None:
    incident_id, board, nurse, licence = scene(platform, license_template)
    assert present(platform, incident_id, licence, nurse, board)[0]

    # someone alters the kept list: the copy no longer verifies, so the status cannot be
    # checked and the licence is refused
    with platform.db.session() as s:
        kept = s.get(FetchedCopy, LIST)
        assert kept is not None
        altered = copy.deepcopy(kept.document)
        bits = Bitstring.empty()
        bits.set(9, 1)
        altered["credentialSubject"]["encodedList"] = bits.encode()
        kept.document = altered
    board.up = False
    verified, reasons, _stale = present(later(platform, 1), incident_id, licence, nurse, board)
    assert not verified
    assert "the status list credential does not verify" in reasons[0]

    # an issuer never reached before: nothing to fall back on, the check fails closed
    other = Board(key=Multikey.from_seed(b"other" + bytes(27)).with_controller(DID, f"{DID}#k2"))
    other.up = False
    with platform.db.session() as s:
        s.execute(delete(FetchedCopy))
    verified, reasons, _stale = present(
        platform, incident_id, other.licence(license_template, nurse.controller, 3), nurse, other
    )
    assert not verified and "connection refused" in reasons[0]


def test_nothing_is_kept_of_an_issuer_outside_the_registry(
    platform: Any, license_template: dict[str, Any]
) -> None:
    incident_id, board, nurse, licence = scene(platform, license_template)
    with platform.db.session() as s:
        s.execute(delete(TrustEntryRow).where(TrustEntryRow.issuer == DID))
    verified, reasons, _stale = present(platform, incident_id, licence, nurse, board)
    assert not verified and "not trusted here" in reasons[0]
    with platform.db.session() as s:
        assert s.execute(select(func.count()).select_from(FetchedCopy)).scalar_one() == 0


def test_the_copies_are_bounded(
    platform: Any, license_template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    incident_id, board, nurse, licence = scene(platform, license_template)
    monkeypatch.setattr(fetched_copies, "MAX_COPIES", 1)
    assert present(platform, incident_id, licence, nurse, board)[0]
    with platform.db.session() as s:
        (kept,) = s.execute(select(FetchedCopy)).scalars().all()
        assert kept.url == LIST  # the newest stays (kept after the DID document)


def test_checking_everyone_again_relies_on_the_copies_and_asks_once(
    platform: Any, license_template: dict[str, Any]
) -> None:
    incident_id, board, nurse, licence = scene(platform, license_template)
    second = Multikey.from_seed(b"second nurse" + bytes(20))
    other = board.licence(license_template, second.controller, 8)
    assert present(platform, incident_id, licence, nurse, board)[0]
    assert present(platform, incident_id, other, second, board)[0]
    with platform.db.session() as s:
        verifier = principal(s, "hr@demo.openler.org")

    def recheck(at: Any) -> Any:
        ended = incident_rechecks.start(
            at, jobs.InProcessQueue(at), verifier, incident_id, remote=board.fetcher()
        )
        assert ended is not None and ended.state == "done"
        return ended

    board.up = False
    asked = len(board.requests)
    ended = recheck(later(platform, 2))
    assert (ended.checked, ended.changed, ended.stale) == (2, 0, 2)
    assert len(board.requests) - asked == 2  # its DID document and its list, once each
    with later(platform, 2).db.session() as s:
        roster = incidents.roster(s, verifier, incident_id)
        assert roster.stale == 2 and roster.oldest_copy == platform.now()
        rows = roster.verified["r1"]
        assert [r.stale_age for r in rows] == ["2 h", "2 h"]
        assert all(r.stale_hosts == [HOST] for r in rows)

    # the board revoked the first licence while it could not be reached; once it answers,
    # the next re-check refuses it
    board.bits.set(7, 1)
    board.publish(later(platform, 2).now())
    board.up = True
    ended = recheck(later(platform, 3))
    assert (ended.changed, ended.stale) == (1, 0)
    with later(platform, 3).db.session() as s:
        roster = incidents.roster(s, verifier, incident_id)
        (refused,) = roster.refused
        assert filled(refused.verdicts[0].reason).startswith(  # type: ignore[arg-type]
            "Revoked by Florida Board of Nursing"
        )
        assert roster.stale == 0 and [c.verified for c in roster.counts][:1] == [1]
