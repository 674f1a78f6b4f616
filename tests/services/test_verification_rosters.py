"""Verification rosters on the demo world: a ZIP of every kind of credential file and a
list of share links, each item's verdict with its reasons; a roster stopped half way
resumed without judging or opening anything twice; hostile uploads refused with nothing
stored; who may submit and see a roster, both ways; the CSV of every verdict."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import zipfile
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from openler.services import jobs
from openler.services.errors import Forbidden, NotFound, UsageError
from openler.services.holders import sharing
from openler.services.issuers import issuing, job_reports, lifecycle, orgs
from openler.services.people import accounts
from openler.services.people.accounts import Principal
from openler.services.verifiers import rosters
from openler.services.verifiers import verdicts as judged
from openler.services.verifiers.credential_state import CredentialState
from openler.services.verifiers.roster_files import RosterLimits
from openler.services.verifiers.verdicts import Judge, Verdict
from openler.services.wording import filled
from openler.store.models import (
    AuditEvent,
    IssuedCredential,
    Job,
    JobInput,
    Member,
    Person,
    RosterVerdict,
    Share,
    ShareView,
)
from openler.vc import (
    Multikey,
    VerificationReport,
    bake_png,
    build_presentation,
    encode_jwt_credential,
    sign_credential,
    sign_presentation,
)
from openler.vc.baking import blank_png
from tests.conftest import NOW, SETUP, load_demo
from tests.services.issuing_world import who

SAM = "hr@demo.openler.org"  # Piedmont Regional Hospital's verifier
BASE = "http://127.0.0.1:8000"


class Held:
    """A queue that keeps the job for the test to run (as a worker would)."""

    def __init__(self) -> None:
        self.submitted: list[str] = []

    def submit(self, job_id: str) -> None:
        self.submitted.append(job_id)


@pytest.fixture
def world(platform: Any) -> Any:
    with platform.db.session() as s:
        load_demo(s, platform)
    return platform


def principal(platform: Any, email: str) -> Principal:
    with platform.db.session() as s:
        return who(s, email)


def held_by(session: Session, email: str, achievement_slug: str) -> list[IssuedCredential]:
    """The demo credentials of one achievement issued to ``email``, oldest first."""
    person = session.execute(select(Person).where(Person.email == email)).scalar_one()
    return [
        row
        for row in session.execute(
            select(IssuedCredential)
            .where(IssuedCredential.person_id == person.id)
            .order_by(IssuedCredential.issued_at)
        ).scalars()
        if row.document["id"] and achievement_slug in json.dumps(row.document)
    ]


def a_zip(*entries: tuple[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def submitted(platform: Any, content: bytes, *, by: str = SAM, name: str = "roster.zip") -> str:
    return rosters.submit(
        platform,
        Held(),
        principal(platform, by),
        organization_slug="piedmont-hospital",
        content=content,
        filename=name,
    )


def verdicts(platform: Any, job_id: str) -> list[RosterVerdict]:
    with platform.db.session() as s:
        return list(
            s.execute(
                select(RosterVerdict)
                .where(RosterVerdict.job_id == job_id)
                .order_by(RosterVerdict.row)
            ).scalars()
        )


def test_a_zip_of_credential_files_gets_a_verdict_each(
    world: Any,
    signed_license: dict[str, Any],
    license_template: dict[str, Any],
    issuer_key: Multikey,
    holder_key: Multikey,
) -> None:
    with world.db.session() as s:
        renewed = held_by(s, "dana@demo.openler.org", "food")[0]
        lifecycle.renew(s, world, SETUP, renewed.id, days=365)
        renewed_doc, renewed_on = renewed.document, renewed.state_changed_at
        maria_rn = held_by(s, "maria@demo.openler.org", "registered-nurse")[0].document
        kevin_rn = held_by(s, "kevin@demo.openler.org", "registered-nurse")[0].document
        fema = held_by(s, "maria@demo.openler.org", "is-100")
        iv = held_by(s, "maria@demo.openler.org", "iv-therapy")[0].document
        james = held_by(s, "james@demo.openler.org", "welding")[0]
        issuing.set_status(
            s, world, SETUP, james.id, action="revoke", reason="Withdrawn after an audit"
        )
        james_doc = james.document
    expired = next(c.document for c in fema if c.valid_until and c.valid_until < NOW)
    forged = copy.deepcopy(maria_rn)
    forged["credentialSubject"]["licenseNumber"] = "RN.999999"
    forged["credentialSubject"]["name"] = "Maria Alvarez"
    unsigned = {k: v for k, v in signed_license.items() if k != "proof"}
    impostor_jwt = encode_jwt_credential(unsigned, issuer_key, at=NOW)
    # signed by a key of another site, which the platform does not fetch: not checked
    elsewhere = "did:web:elsewhere.example"
    unchecked = {
        **copy.deepcopy(license_template),
        "issuer": {"id": elsewhere, "type": ["Profile"]},
    }
    unchecked = sign_credential(
        unchecked, issuer_key.with_controller(elsewhere, f"{elsewhere}#key-1"), created=NOW
    )
    presentation = sign_presentation(
        build_presentation([maria_rn, kevin_rn], holder=holder_key.controller),
        holder_key,
        challenge=None,
        created=NOW,
    )
    content = a_zip(
        ("maria/rn.json", json.dumps(maria_rn)),
        ("kevin/rn.json", json.dumps(kevin_rn)),
        ("maria/fema-2024.json", json.dumps(expired)),
        ("james/welding.json", json.dumps(james_doc)),
        ("forged/rn.json", json.dumps(forged)),
        ("maria/iv-badge.png", bake_png(blank_png(2, 2), json.dumps(iv))),
        ("impostor.json", json.dumps(signed_license)),
        ("impostor.jwt", impostor_jwt),
        ("both.json", json.dumps(presentation)),
        ("renewed.json", json.dumps(renewed_doc)),
        ("elsewhere.json", json.dumps(unchecked)),
        ("notes.txt", "call the board on Monday"),
        ("other.json", '{"hello": "world"}'),
        ("copy-of-maria.json", json.dumps(maria_rn)),
    )
    job_id = submitted(world, content)
    assert jobs.run_job(world, job_id) == "done"
    found = {v.source: v for v in verdicts(world, job_id)}
    said = {source: (v.outcome, v.verified) for source, v in found.items()}
    assert said == {
        "maria/rn.json": ("active", True),
        "kevin/rn.json": ("suspended", False),
        "maria/fema-2024.json": ("expired", False),
        "james/welding.json": ("revoked", False),
        "forged/rn.json": ("forged", False),
        "maria/iv-badge.png": ("active", True),
        "impostor.json": ("issuer-not-trusted", False),
        "impostor.jwt": ("issuer-not-trusted", False),
        "both.json": ("suspended", False),
        "renewed.json": ("replaced", True),  # it verifies; a newer one replaces it
        "elsewhere.json": ("unverified", False),
        "notes.txt": ("not-credential", False),
        "other.json": ("not-credential", False),
        "copy-of-maria.json": ("duplicate", False),
    }
    rn = found["maria/rn.json"]
    assert (rn.credential, rn.issuer, rn.issuer_claimed, rn.state) == (
        "Registered Nurse",
        "Ohio Board of Nursing",
        False,
        "active",
    )
    assert rn.valid_until and rn.detail is None
    assert rn.reason == f"active, valid until {rn.valid_until}" and rn.valid_until
    assert rn.credential_id == maria_rn["id"]
    assert found["james/welding.json"].reason == (
        "revoked on 2026-11-24 by Capital Area Community College: Withdrawn after an audit"
    )
    assert found["kevin/rn.json"].reason.startswith("suspended on ")
    assert "by Ohio Board of Nursing: " in found["kevin/rn.json"].reason
    assert found["maria/fema-2024.json"].reason.startswith("expired on ")
    # a forgery: the issuer it names only said, what it says of its holder no fact
    faked = found["forged/rn.json"]
    assert faked.reason.startswith("forged or altered: its signature does not match")
    assert (faked.issuer, faked.issuer_claimed) == ("Ohio Board of Nursing", True)
    assert (faked.holder, faked.licence_number, faked.valid_until) == (None, None, None)
    assert faked.detail is not None
    assert "it says licence number: RN.999999" in faked.detail  # what the forgery claims
    assert "it says holder: Maria Alvarez" in faked.detail
    assert "signature does not match" in faked.detail and "did:" in faked.detail
    # signed by its own key, which no registry here knows: only "said to be" the board
    impostor = found["impostor.json"]
    assert (impostor.issuer, impostor.issuer_claimed) == ("Ohio Board of Nursing", True)
    assert impostor.reason == "its issuer is not trusted here for it"
    assert impostor.detail is not None and issuer_key.controller in impostor.detail
    assert impostor.licence_number == signed_license["credentialSubject"]["licenseNumber"]
    unverified = found["elsewhere.json"]
    assert unverified.reason == "does not verify: the key that signed it could not be found"
    assert (unverified.issuer, unverified.issuer_claimed) == (None, True)
    assert unverified.detail is not None and "could not be resolved" in unverified.detail
    replaced = found["renewed.json"]
    assert replaced.reason == (
        f"replaced: renewed on {renewed_on:%Y-%m-%d}; ask the holder for the newer one"
    )
    assert replaced.detail is not None and "urn:uuid:" in replaced.detail
    # every reason in words: the identifiers are in the detail only
    assert not [v.reason for v in found.values() if re.search(r"\b(did|urn):", v.reason)]
    both = found["both.json"]
    assert both.credential == "Registered Nurse"
    # each credential's verdict, the worst first
    assert both.reason == (
        f"1 of 2 credentials verified and active — Registered Nurse: "
        f"{found['kevin/rn.json'].reason}; Registered Nurse: {rn.reason}"
    )
    assert found["notes.txt"].reason.startswith("not a credential: input is not JSON")
    assert found["copy-of-maria.json"].reason == (
        "the same file as item 1 (maria/rn.json): see its verdict"
    )
    with world.db.session() as s:
        job = s.get(Job, job_id)
        assert job is not None and job.done == job.total == 14
        assert job.result == {
            "active": 2,
            "suspended": 2,
            "expired": 1,
            "revoked": 1,
            "replaced": 1,
            "unverified": 1,
            "forged": 1,
            "issuer-not-trusted": 2,
            "not-credential": 2,
            "duplicate": 1,
        }
        # the uploaded files are not kept once judged
        assert s.execute(select(func.count()).select_from(JobInput)).scalar_one() == 0
        submit_event = s.execute(
            select(AuditEvent).where(AuditEvent.action == "verification_roster.submit")
        ).scalar_one()
        assert submit_event.subject == f"job:{job_id}"
        words = "; ".join(filled(w) for w in rosters.count_words(rosters.outcome_counts(s, job_id)))
    assert words == (
        "2 of 14 verified and active; 1 revoked; 2 suspended; 1 expired; 1 replaced by a newer "
        "credential; 2 from issuers not trusted here; 1 forged or altered; 1 could not be "
        "verified; 2 not credentials; 1 repeats an earlier item"
    )


def _share(
    session: Session,
    platform: Any,
    email: str,
    achievement: str = "registered-nurse",
    **options: Any,
) -> sharing.CreatedShare:
    maria = who(session, email)
    rn = held_by(session, email, achievement)[0]
    return sharing.create_share(
        session,
        platform,
        maria,
        credential_ids=[rn.id],
        audience="Piedmont Regional Hospital",
        purpose="ICU nurse position",
        **options,
    )


def test_a_list_of_share_links_is_opened_here_and_nowhere_else(world: Any) -> None:
    with world.db.session() as s:
        good = _share(s, world, "maria@demo.openler.org").token
        limited = _share(s, world, "maria@demo.openler.org", max_views=1)
        once, once_id = limited.token, limited.share.id
        gone = _share(s, world, "maria@demo.openler.org")
        withdrawn = gone.token
        sharing.revoke_share(s, world, who(s, "maria@demo.openler.org"), gone.share.id)
        iv = _share(s, world, "maria@demo.openler.org", "iv-therapy").token
        shared_iv = held_by(s, "maria@demo.openler.org", "iv-therapy")[0].id
        issuing.set_status(s, world, SETUP, shared_iv, action="suspend", reason="Audit of hours")
    lines = [
        ["Licensee", "Link", "Licence"],
        ["Maria Alvarez", f"{BASE}/s/{good}", "RN.1"],
        ["Maria Alvarez", f"{BASE}/s/{once}?utm=mail", "RN.1"],
        ["Maria Alvarez", f"{BASE}/s/{withdrawn}", "RN.1"],
        ["Maria Alvarez", f"{BASE}/s/{iv}", "IV-7"],
        ["Nobody", f"{BASE}/s/no-such-share", ""],
        ["Elsewhere", "https://wallet.example/s/abc", ""],
        ["Not a share", f"{BASE}/record", ""],
        ['=HYPERLINK("https://evil.example")', "", ""],
    ]
    out = io.StringIO()
    csv.writer(out).writerows(lines)
    job_id = submitted(world, out.getvalue().encode(), name="links.csv")
    assert jobs.run_job(world, job_id) == "done"
    found = [(v.source, v.reference, v.outcome, v.holder) for v in verdicts(world, job_id)]
    assert found == [
        ("line 2", "Maria Alvarez · RN.1", "active", "Maria Alvarez"),
        ("line 3", "Maria Alvarez · RN.1", "active", "Maria Alvarez"),
        ("line 4", "Maria Alvarez · RN.1", "link-refused", None),
        ("line 5", "Maria Alvarez · IV-7", "suspended", "Maria Alvarez"),
        ("line 6", "Nobody", "link-refused", None),
        ("line 7", "Elsewhere", "link-refused", None),
        ("line 8", "Not a share", "not-credential", None),
        ("line 9", '=HYPERLINK("https://evil.example")', "not-credential", None),
    ]
    reasons = [v.reason for v in verdicts(world, job_id)]
    assert reasons[2] == "the learner withdrew this share: ask them for a new link"
    assert reasons[3] == "suspended on 2026-11-24 by Piedmont Regional Hospital: Audit of hours"
    assert reasons[4] == "the share link does not exist (mistyped, or never made)"
    assert reasons[5].startswith("a link to another site is not opened")
    assert reasons[6] == "a link to this platform that is not a share link (/s/…)"
    with world.db.session() as s:
        # the openings are in the learners' access logs, under the verifier's organization
        views = s.execute(select(ShareView)).scalars().all()
        assert len(views) == 3
        assert {v.viewer_organization for v in views} == {"Piedmont Regional Hospital"}
        used = s.get(Share, once_id)
        assert used is not None and sharing.views_of(s, used) == 1
    # every verdict is in the CSV file: the board's own columns as it uploaded them, under
    # their own headers, then the verdict's; what a spreadsheet would run neutralised
    rows = list(csv.reader("".join(rosters.verdict_lines(world, job_id)).splitlines()))
    assert rows[0] == ["Licensee", "Link", "Licence", *rosters.CSV_COLUMNS]
    assert [r[:3] for r in rows[1:]] == [
        [
            '\'=HYPERLINK("https://evil.example")' if line[0].startswith("=") else line[0],
            *line[1:],
        ]
        for line in lines[1:]
    ]
    assert [r[3] for r in rows[1:]] == [str(n) for n in range(1, 9)]
    assert rows[1][4:11] == [
        "line 2",
        "active",
        "yes",
        "Maria Alvarez",
        "Registered Nurse",
        "",
        "Ohio Board of Nursing",
    ]
    assert rows[1][-2:] == [reasons[0], ""]  # the reason, and no technical detail to add


def test_a_share_of_several_credentials_says_each_ones_verdict(world: Any) -> None:
    """A share link holding three credentials, one revoked and one suspended since: the
    worst verdict, and every credential's in its reason, the worst first."""
    with world.db.session() as s:
        maria = who(s, "maria@demo.openler.org")
        rn = held_by(s, "maria@demo.openler.org", "registered-nurse")[0]
        iv = held_by(s, "maria@demo.openler.org", "iv-therapy")[0]
        fema = next(
            c
            for c in held_by(s, "maria@demo.openler.org", "is-100")
            if c.valid_until is not None and c.valid_until > NOW
        )
        token = sharing.create_share(
            s,
            world,
            maria,
            credential_ids=[rn.id, iv.id, fema.id],
            audience="Piedmont Regional Hospital",
            purpose="ICU nurse position",
        ).token
        issuing.set_status(s, world, SETUP, iv.id, action="suspend", reason="Audit of hours")
        issuing.set_status(s, world, SETUP, fema.id, action="revoke", reason="Course withdrawn")
        names = {c.id: c.document["name"] for c in (rn, iv, fema)}
    job_id = submitted(world, f"{BASE}/s/{token}\n".encode(), name="links.csv")
    assert jobs.run_job(world, job_id) == "done"
    [verdict] = verdicts(world, job_id)
    assert (verdict.outcome, verdict.verified, verdict.holder) == (
        "revoked",
        False,
        "Maria Alvarez",
    )
    assert verdict.reason == (
        "1 of 3 credentials verified and active — "
        f"{names[fema.id]}: revoked on 2026-11-24 by FEMA Emergency Management Institute: Course "
        f"withdrawn; {names[iv.id]}: suspended on 2026-11-24 by Piedmont Regional Hospital: "
        f"Audit of hours; {names[rn.id]}: active, valid until 2028-11-23"
    )
    assert verdict.credential == ", ".join(names[c] for c in (fema.id, iv.id, rn.id))


def test_a_roster_stopped_half_way_resumes_without_judging_anything_twice(world: Any) -> None:
    with world.db.session() as s:
        tokens = [_share(s, world, "maria@demo.openler.org").token for _ in range(5)]
        rn = held_by(s, "maria@demo.openler.org", "registered-nurse")[0].document
    links = "\n".join(f"{BASE}/s/{t},RN.{n}" for n, t in enumerate(tokens)) + "\n"
    job_id = submitted(world, links.encode(), name="links.csv")
    # a first run that stops after a chunk of 2 (a worker killed): what it did is kept
    assert rosters.verify_chunk(world, job_id, 2) is True
    with world.db.session() as s:
        job = s.get(Job, job_id)
        assert job is not None and (job.done, job.total) == (2, 5)
        assert s.execute(select(func.count()).select_from(ShareView)).scalar_one() == 2
    assert rosters.verify_roster(world, job_id, chunk=2) == {"active": 5}
    assert rosters.verify_roster(world, job_id, chunk=2) == {"active": 5}  # nothing left
    assert [v.row for v in verdicts(world, job_id)] == [1, 2, 3, 4, 5]
    # a list without a line of headers: its columns numbered in the CSV file
    rows = list(csv.reader("".join(rosters.verdict_lines(world, job_id)).splitlines()))
    assert rows[0][:4] == ["column 1", "column 2", "item", "source"]
    assert rows[5][:5] == [f"{BASE}/s/{tokens[4]}", "RN.4", "5", "line 5", "active"]
    with world.db.session() as s:
        assert s.execute(select(func.count()).select_from(ShareView)).scalar_one() == 5
        assert s.execute(select(func.count()).select_from(JobInput)).scalar_one() == 0
    # and through the job runner, the same
    second = submitted(world, a_zip(("rn.json", json.dumps(rn))))
    assert rosters.verify_chunk(world, second, 1) is True
    assert jobs.run_job(world, second) == "done"
    assert [(v.row, v.outcome) for v in verdicts(world, second)] == [(1, "active")]


def test_a_hostile_upload_is_refused_with_nothing_stored(world: Any) -> None:
    bomb = a_zip(*((f"{n}.json", "0" * 999) for n in range(10)))
    limits = RosterLimits(entry_bytes=1000, expanded_bytes=5000)
    with pytest.raises(UsageError, match="the ZIP expands to more than"):
        rosters.submit(
            world,
            Held(),
            principal(world, SAM),
            organization_slug="piedmont-hospital",
            content=bomb,
            filename="bomb.zip",
            limits=limits,
        )
    with pytest.raises(UsageError, match="is a single document, not a roster"):
        submitted(world, b'{"@context": ["https://www.w3.org/ns/credentials/v2"]}')
    with world.db.session() as s:
        assert s.execute(select(func.count()).select_from(Job)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(JobInput)).scalar_one() == 0


def _add_member(platform: Any, email: str, slug: str, role: str) -> None:
    with platform.db.session() as s:
        person = s.execute(select(Person).where(Person.email == email)).scalar_one()
        accounts.add_member(
            s,
            platform,
            person=person,
            organization=orgs.organization_by_slug(s, slug),
            role=role,
            actor=SETUP,
        )


def test_only_the_organizations_verifiers_submit_and_see_a_roster(world: Any) -> None:
    content = a_zip(("note.txt", "not a credential"))
    for email in ("trainer@demo.openler.org", "maria@demo.openler.org"):
        with pytest.raises(Forbidden, match="verifier role"):
            submitted(world, content, by=email)
    job_id = submitted(world, content)
    assert submitted(world, content, by="admin@demo.openler.org")
    jobs.run_job(world, job_id)
    _add_member(world, "olivia@demo.openler.org", "ohio-nursing", "verifier")
    with world.db.session() as s:
        piedmont = orgs.organization_by_slug(s, "piedmont-hospital")
        ohio = orgs.organization_by_slug(s, "ohio-nursing")
        sam, admin = who(s, SAM), who(s, "admin@demo.openler.org")
        assert rosters.roster_view(s, sam, piedmont, job_id).counts == {"not-credential": 1}
        assert rosters.roster_view(s, admin, piedmont, job_id).total == 1
        assert job_id in [v.id for v in rosters.rosters_of(s, sam, piedmont)]
        page = rosters.verdict_page(s, sam, piedmont, job_id, show="not-credential")
        assert page.matching == 1 and page.rows[0].source == "note.txt"
        # another organization's verifier, through either organization: there is no such roster
        olivia = who(s, "olivia@demo.openler.org")
        for organization in (piedmont, ohio):
            with pytest.raises(NotFound):
                rosters.roster_view(s, olivia, organization, job_id)
            with pytest.raises(NotFound):
                rosters.verdict_page(s, olivia, organization, job_id)
        with pytest.raises(Forbidden):
            rosters.rosters_of(s, olivia, piedmont)
        assert rosters.rosters_of(s, olivia, ohio) == []
        # nor for the organization's issuer staff on its issuing pages
        tom = who(s, "trainer@demo.openler.org")
        with pytest.raises(NotFound):
            rosters.roster_view(s, tom, piedmont, job_id)
        with pytest.raises(NotFound):
            job_reports.job_view(s, tom, piedmont, job_id)
        assert job_id not in [j.id for j in job_reports.organization_jobs(s, tom, piedmont)]
        with pytest.raises(NotFound):
            jobs.job_state(world, job_id, tom)
    with pytest.raises(NotFound):
        rosters.check_access(
            world, principal(world, "olivia@demo.openler.org"), "piedmont-hospital", job_id
        )
    rosters.check_access(world, principal(world, SAM), "piedmont-hospital", job_id)


def test_a_verifier_who_lost_the_role_has_their_roster_stopped(world: Any) -> None:
    job_id = submitted(world, a_zip(("note.txt", "x")))
    with world.db.session() as s:
        sam = s.execute(select(Person).where(Person.email == SAM)).scalar_one()
        s.execute(delete(Member).where(Member.person_id == sam.id))
    assert jobs.run_job(world, job_id) == "failed"
    with world.db.session() as s:
        job = s.get(Job, job_id)
        assert job is not None and job.error == "this needs the verifier role in that organization"
        assert job.done == 0
    assert verdicts(world, job_id) == []


def test_a_bug_met_on_one_item_is_its_verdict_and_what_it_wrote_is_undone(
    world: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A fault in openler (or a library) on one item does not stop the roster: the item's
    verdict says it could not be checked, the log keeps the traceback, and what the item
    wrote before the fault (a share link's opening) is rolled back."""

    with world.db.session() as s:
        share_id = _share(s, world, "maria@demo.openler.org").share.id

    class Broken(Judge):
        def link(self, link: str) -> Verdict:
            self.session.add(ShareView(share_id=share_id, viewed_at=NOW, verified=True))
            self.session.flush()  # written, then undone with the item's savepoint
            raise RuntimeError("a fault")

        def file(self, data: bytes, source: str) -> Verdict:
            raise KeyError(source)

    with world.db.session() as s:
        judge = Broken(s, world, principal(world, SAM))
        link = rosters._judged(judge, s, {"source": "line 2", "link": f"{BASE}/s/x"}, None)
        file = rosters._judged(judge, s, {"source": "a.json"}, b"{}")
        assert s.execute(select(func.count()).select_from(ShareView)).scalar_one() == 0
    for verdict, kind in ((link, "RuntimeError"), (file, "KeyError")):
        assert verdict.outcome == "error" and not verdict.verified
        assert verdict.reason == f"openler could not check it ({kind}): report this, please"
    assert "checking line 2 failed" in caplog.text and "RuntimeError: a fault" in caplog.text


@pytest.mark.parametrize(
    ("state", "said"),
    [
        (
            CredentialState(
                "revoked",
                "Revoked by did:key:z6MkAbc (status list of 2026-11-24, fetched just now)",
            ),
            "revoked by its issuer",
        ),
        (
            CredentialState("issuer-not-trusted", "issuer did:web:x.example is not in the trust"),
            "its issuer is not trusted here for it",
        ),
        (CredentialState("suspended", "Suspended by Ohio Board of Nursing"), None),
    ],
)
def test_a_reason_naming_an_identifier_is_said_in_words(
    state: CredentialState, said: str | None
) -> None:
    """A state's reason that names a DID or a URN (a status list's from elsewhere, the
    registry's of an issuer it does not know) is said in words, the reason itself kept as
    the detail; one in words already is kept as it is."""
    report = VerificationReport(input="-", kind="credential")
    reason, detail = judged._reason(state, Verdict("", False, ""), report, None)
    if said is None:
        assert (reason, detail) == (state.reason, None)
    else:
        assert (reason, detail) == (said, state.reason)
