"""Rosters: tables read from CSV and XLSX files, column maps (suggested, checked and
remembered per achievement), row-level checks, uploads kept between the pages, and a
roster issued as a job with its per-row results."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from openler.services import jobs
from openler.services.errors import Forbidden, NotFound, UsageError
from openler.services.issuers import (
    achievements,
    issuing,
    job_reports,
    orgs,
    roster_uploads,
    rosters,
)
from openler.services.issuers.tables import TableError, open_table
from openler.services.people import accounts
from openler.store.models import Achievement, AuditEvent, IssuedCredential, Organization, Person
from tests.conftest import SETUP, load_demo

GRADED: dict[str, Any] = {
    "name": "Infection Control",
    "description": "Completed the infection control course.",
    "criteria": {"narrative": "Passed the course."},
    "achievementType": "Course",
    "resultDescription": [
        {
            "id": "urn:uuid:6a1c5e46-1f47-4f60-9a51-8c1b0e2f0a01",
            "type": ["ResultDescription"],
            "name": "Grade",
            "resultType": "LetterGrade",
            "allowedValue": ["A", "B", "C", "Pass"],
        },
        {
            "id": "urn:uuid:6a1c5e46-1f47-4f60-9a51-8c1b0e2f0a02",
            "type": ["ResultDescription"],
            "name": "Score",
            "resultType": "ScaledScore",
            "valueMin": "0",
            "valueMax": "100",
        },
    ],
}


def table_of(data: bytes) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    with open_table(io.BytesIO(data)) as table:
        return table.headers, list(table.rows)


def checked(text: str, achievement: dict[str, Any] | None = None) -> list[rosters.CheckedRow]:
    data = achievement or {}
    with open_table(io.BytesIO(text.encode())) as table:
        mapping = rosters.check_mapping(
            rosters.suggest_mapping(table.headers, data), table.headers, data
        )
        return list(rosters.check_rows(table, mapping, data))


# --- reading tables ---------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_csv_dialects(delimiter: str, bom: bytes, newline: str) -> None:
    text = newline.join(
        [
            delimiter.join(["Email", "Name", "Note"]),
            delimiter.join(["ana@example.org", '"Núñez, Ana"', '"two\nlines"']),
            "",
            delimiter.join(["bo@example.org", "Bo", ""]),
        ]
    )
    headers, rows = table_of(bom + text.encode())
    assert headers == ["Email", "Name", "Note"]
    assert rows == [
        (1, ["ana@example.org", "Núñez, Ana", "two\nlines"]),
        (3, ["bo@example.org", "Bo", ""]),  # the blank row is counted, not given
    ]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_header_cell_over_two_lines_does_not_hide_the_delimiter(delimiter: str) -> None:
    """The delimiter is read from the first record, which a quoted cell may carry over a
    line break (a spreadsheet's wrapped header)."""
    text = f'"Email\naddress"{delimiter}Name\r\nana@example.org{delimiter}Ana\r\n'
    headers, rows = table_of(text.encode())
    assert headers == ["Email address", "Name"]  # a header's line break is a space
    assert rows == [(1, ["ana@example.org", "Ana"])]


def test_utf16_with_a_byte_order_mark_is_read() -> None:
    """Excel's "Unicode text" export: UTF-16 with a BOM, tab-separated."""
    headers, rows = table_of("email\tname\r\nzoë@example.org\tZoë\r\n".encode("utf-16"))
    assert headers == ["email", "name"] and rows == [(1, ["zoë@example.org", "Zoë"])]


def test_text_that_is_not_utf8_is_refused_with_the_way_to_save_it() -> None:
    with pytest.raises(TableError, match=r"not UTF-8 text \(line 2 is not\); save it as CSV UTF-8"):
        table_of("email,name\nj@example.org,José\n".encode("cp1252"))


def test_invalid_utf8_after_the_first_64_kib_is_refused_while_reading() -> None:
    good = "email\n" + "a@example.org\n" * 6000
    data = good.encode() + "b@example.org,Renée\n".encode("latin-1")
    with pytest.raises(TableError, match="not UTF-8"):
        table_of(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"\n\n", "the file is empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old Excel .xls file"),
        (b"PK\x03\x04 not really a zip", "the workbook cannot be read"),
    ],
)
def test_files_that_are_not_tables(data: bytes, message: str) -> None:
    with pytest.raises(TableError, match=message):
        table_of(data)


def test_headers_are_trimmed_named_and_made_unique() -> None:
    headers, _ = table_of(b" Email ,,email,Score\n")
    assert headers == ["Email", "column 2", "email (2)", "Score"]


def test_an_xlsx_workbook_first_sheet_with_dates_and_numbers(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Email", "Name", "Licence number", "Valid until"])
    sheet.append(["ana@example.org", "Ana", 123456, datetime(2028, 11, 25)])
    sheet.append([None, None, None, None])
    sheet.append(["bo@example.org", "Bo", 42.5, "11/25/2028"])
    book.create_sheet("ignored").append(["other"])
    path = tmp_path / "roster.xlsx"
    book.save(path)
    with path.open("rb") as handle, open_table(handle) as table:
        assert table.kind == "xlsx"
        assert table.headers == ["Email", "Name", "Licence number", "Valid until"]
        rows = list(table.rows)
    assert rows == [
        (1, ["ana@example.org", "Ana", "123456", datetime(2028, 11, 25)]),
        (3, ["bo@example.org", "Bo", "42.5", "11/25/2028"]),
    ]
    with path.open("rb") as handle, open_table(handle) as table:
        mapping = rosters.suggest_mapping(table.headers, {})
        assert mapping["validUntil"] == "Valid until"
        awards = [c.award for c in rosters.check_rows(table, mapping, {})]
    end = datetime(2028, 11, 25, 23, 59, 59, tzinfo=UTC)
    assert [a.valid_until for a in awards if a] == [end, end]
    assert [a.subject for a in awards if a] == [
        {"licenseNumber": "123456"},
        {"licenseNumber": "42.5"},
    ]


cells = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(cells, min_size=0, max_size=6), min_size=1, max_size=8),
    delimiter=st.sampled_from([",", ";", "\t"]),
    header=st.lists(
        st.sampled_from(["email", "identifier", "name", "valid from", "Grade", "Score", "x"]),
        min_size=1,
        max_size=6,
    ),
)
def test_any_cell_text_gives_an_award_or_reasons(
    rows: list[list[str]], delimiter: str, header: list[str]
) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    try:
        with open_table(io.BytesIO(out.getvalue().encode())) as table:
            mapping = rosters.suggest_mapping(table.headers, GRADED)
            try:
                mapping = rosters.check_mapping(mapping, table.headers, GRADED)
            except UsageError:
                return  # no recipient column: refused before any row
            for row in rosters.check_rows(table, mapping, GRADED):
                assert (row.award is None) != (not row.problems)
                assert row.row >= 1
    except TableError:
        pass  # a file-level refusal is an answer too, never a crash


# --- column maps ------------------------------------------------------------------------


def test_headers_that_name_a_field_are_mapped_without_being_told() -> None:
    headers = ["E-Mail", "Full Name", "IDENTIFIER", "Valid_From", "grade", "Notes"]
    assert rosters.suggest_mapping(headers, GRADED) == {
        "email": "E-Mail",
        "identifier": "IDENTIFIER",
        "name": "Full Name",
        "validFrom": "Valid_From",
        "result:Grade": "grade",
    }


def test_the_remembered_map_is_offered_where_its_headers_are_in_the_file() -> None:
    remembered = {"email": "Work address", "name": "Gone column", "identifierType": "sourcedId"}
    mapping = rosters.suggest_mapping(
        ["Work address", "Name", "identifier"], GRADED, remembered=remembered
    )
    assert mapping == {
        "email": "Work address",
        "identifier": "identifier",
        "name": "Name",
        "identifierType": "sourcedId",
    }


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"name": "Name"}, "email address or identifier"),
        ({"email": "Nope"}, "no column 'Nope'"),
        ({"email": "Email", "name": "Email"}, "mapped to more than one field"),
        ({"email": "Email", "colour": "Name"}, "no field 'colour'"),
        ({"identifier": "Email", "identifierType": "licence"}, "not an identity type"),
    ],
)
def test_a_map_that_cannot_work_is_refused(mapping: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        rosters.check_mapping(mapping, ["Email", "Name"], GRADED)


def test_blank_choices_are_dropped_and_ext_types_accepted() -> None:
    chosen = rosters.check_mapping(
        {"email": "", "identifier": "Email", "name": " ", "identifierType": "ext:licence"},
        ["Email", "Name"],
        GRADED,
    )
    assert chosen == {"identifier": "Email", "identifierType": "ext:licence"}


# --- rows -------------------------------------------------------------------------------


def test_row_problems_are_named_and_good_rows_become_awards() -> None:
    rows = checked(
        "email,identifier,name,valid from,valid until,evidence,credits,grade,score\n"
        "maria@,,Maria,,,,,,\n"
        ",,Nobody,,,,,,\n"
        "ana@example.org,,Ana,2026-13-01,25/11/2026,ftp://x,-2,B+,101\n"
        "ANA@example.org,,Ana,,,,,,\n"
        "bo@example.org,RN-1,Bo,11/25/2026,2028-11-25,https://ex.org/e/1,3.5,pass,88\n"
        "bo@example.org,,Bo again,,,,,,\n"
        ",RN-2,,2027-01-01T09:30:00+02:00,2026-12-01,,,,\n",
        GRADED,
    )
    described = [r.describe() for r in rows if r.problems]
    assert described == [
        "row 1: 'maria@' is not an email address",
        "row 2: no email address or identifier",
        "row 3: valid from '2026-13-01' is not a date (write 2026-11-25 or 11/25/2026); "
        "valid until '25/11/2026' is not a date (write 2026-11-25 or 11/25/2026); "
        "'ftp://x' is not a web address (https://…); "
        "credits earned '-2' is not a number of 0 or more; "
        "'B+' is not one of the values of Grade (A, B, C, Pass); Score 101 is outside 0 to 100",
        "row 7: valid until is not after valid from",
    ]
    good = {r.row: r for r in rows if r.award}
    assert sorted(good) == [4, 5, 6]
    bo = good[5].award
    assert bo is not None
    assert bo.recipient.email == "bo@example.org" and bo.recipient.identifier == "RN-1"
    assert bo.valid_from == datetime(2026, 11, 25, tzinfo=UTC)
    assert bo.valid_until == datetime(2028, 11, 25, 23, 59, 59, tzinfo=UTC)
    assert bo.evidence_url == "https://ex.org/e/1"
    assert bo.subject == {"creditsEarned": 3.5}
    assert bo.results == [
        {
            "type": ["Result"],
            "value": "Pass",  # written "pass": the allowed value as the achievement spells it
            "resultDescription": GRADED["resultDescription"][0]["id"],
        },
        {
            "type": ["Result"],
            "value": "88",
            "resultDescription": GRADED["resultDescription"][1]["id"],
        },
    ]
    assert good[6].note == "the same recipient as row 5: it is issued once"
    assert good[4].note is None  # row 3 (ana@) was refused, so row 4 is her first


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25", datetime(2026, 11, 25, tzinfo=UTC)),
        ("11/25/2026", datetime(2026, 11, 25, tzinfo=UTC)),
        ("1/5/2026", datetime(2026, 1, 5, tzinfo=UTC)),
        ("2026-11-25T09:30:00Z", datetime(2026, 11, 25, 9, 30, tzinfo=UTC)),
        ("2026-11-25 09:30", datetime(2026, 11, 25, 9, 30, tzinfo=UTC)),
        ("2026-11-25T09:30:00+02:00", datetime(2026, 11, 25, 7, 30, tzinfo=UTC)),
        (date(2026, 11, 25), datetime(2026, 11, 25, tzinfo=UTC)),
    ],
)
def test_accepted_date_forms(text: Any, expected: datetime) -> None:
    assert rosters.parse_date(text) == expected


@pytest.mark.parametrize("text", ["25/11/2026", "2026-02-30", "11/25/26", "Nov 25 2026", "soon"])
def test_refused_date_forms(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - any ValueError: the row says why
        rosters.parse_date(text)


# --- submitting, remembering, uploads ---------------------------------------------------


def person(platform: Any, email: str) -> accounts.Principal:
    with platform.db.session() as s:
        found = s.execute(select(Person).where(Person.email == email)).scalar_one()
        return accounts.principal_for(s, found)


@pytest.fixture
def ohio(platform: Any) -> Any:
    """The demo world, with an achievement of the Ohio Board of Nursing that has results."""
    with platform.db.session() as s:
        load_demo(s, platform)
        organization = orgs.organization_by_slug(s, "ohio-nursing")
        achievements.create_achievement(
            s, platform, SETUP, organization, slug="infection-control", data=GRADED
        )
    return platform


ROSTER = (
    "Email;Name;Grade;Licence\r\n"
    "newcomer@example.org;New Comer;A;RN.1\r\n"
    "maria@;Maria;B;RN.2\r\n"
    "james@demo.openler.org;James;Z;RN.3\r\n"
    "dana@example.org;Dana;pass;\r\n"
)


def test_a_roster_is_issued_good_rows_and_all_and_never_twice(ohio: Any, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(ROSTER.encode())
    olivia = person(ohio, "olivia@demo.openler.org")
    mapping = {
        "email": "Email",
        "name": "Name",
        "result:Grade": "Grade",
        "licenseNumber": "Licence",
    }
    queue = jobs.InProcessQueue(ohio)

    def run(*, dry_run: bool = False) -> str:
        job_id = rosters.submit(
            ohio,
            queue,
            olivia,
            organization_slug="ohio-nursing",
            achievement_slug="infection-control",
            path=path,
            mapping=mapping,
            dry_run=dry_run,
            source="roster.csv",
        )
        queue.wait()
        return job_id

    dry = run(dry_run=True)
    with ohio.db.session() as s:
        organization = orgs.organization_by_slug(s, "ohio-nursing")
        view = job_reports.job_view(s, olivia, organization, dry)
        assert view.counts == {"would_issue": 2, "failed": 2} and view.dry_run
        assert view.source == "roster.csv" and view.achievement == "Infection Control"
        assert (
            s.scalar(select(Achievement.column_map).where(Achievement.slug == "infection-control"))
            == mapping
        )
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "achievement.column_map")
        ).all()
        assert len(events) == 1 and events[0].actor == olivia.label
        assert not s.scalars(select(IssuedCredential).where(IssuedCredential.job_id == dry)).all()

    issued = run()
    with ohio.db.session() as s:
        view = job_reports.job_view(s, olivia, organization, issued)
        assert view.counts == {"issued": 2, "failed": 2} and view.state == "done"
        assert view.done == view.total == 4
        failed = job_reports.job_rows(s, olivia, organization, issued, outcome="failed")
        assert [(r.row, r.recipient, r.message) for r in failed] == [
            (2, "maria@", "'maria@' is not an email address"),
            (3, "james@demo.openler.org", "'Z' is not one of the values of Grade (A, B, C, Pass)"),
        ]
        credential = s.scalars(
            select(IssuedCredential).where(
                IssuedCredential.job_id == issued, IssuedCredential.job_row == 1
            )
        ).one()
        subject = credential.document["credentialSubject"]
        assert subject["licenseNumber"] == "RN.1"
        assert subject["result"][0]["value"] == "A"
        # the same map again is not a change: no second audit event
        assert (
            len(
                s.scalars(
                    select(AuditEvent).where(AuditEvent.action == "achievement.column_map")
                ).all()
            )
            == 1
        )

    lines = list(csv.reader("".join(job_reports.result_lines(ohio, issued)).splitlines()))
    assert lines[0] == ["row", "recipient", "outcome", "credential id", "message"]
    assert [(r[0], r[2]) for r in lines[1:]] == [
        ("1", "issued"),
        ("2", "failed"),
        ("3", "failed"),
        ("4", "issued"),
    ]
    assert lines[1][3] == credential.id

    again = run()
    with ohio.db.session() as s:
        view = job_reports.job_view(s, olivia, organization, again)
        assert view.counts == {"already_holds": 2, "failed": 2}
        jobs_listed = job_reports.organization_jobs(s, olivia, organization)
        assert {j.id for j in jobs_listed} >= {dry, issued, again}
        assert jobs_listed[0].started_by == "Olivia Chen"


def test_others_may_not_submit_see_or_download_a_roster(ohio: Any, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(ROSTER.encode())
    olivia = person(ohio, "olivia@demo.openler.org")
    trainer = person(ohio, "trainer@demo.openler.org")  # staff of another organization
    learner = person(ohio, "maria@demo.openler.org")
    queue = jobs.InProcessQueue(ohio)
    for who in (trainer, learner):
        with pytest.raises(Forbidden):
            rosters.submit(
                ohio,
                queue,
                who,
                organization_slug="ohio-nursing",
                achievement_slug="infection-control",
                path=path,
                mapping={"email": "Email"},
            )
    with ohio.db.session() as s:
        assert (
            s.scalar(select(Achievement.column_map).where(Achievement.slug == "infection-control"))
            is None
        )
    job_id = rosters.submit(
        ohio,
        queue,
        olivia,
        organization_slug="ohio-nursing",
        achievement_slug="infection-control",
        path=path,
        mapping={"email": "Email"},
        dry_run=True,
    )
    queue.wait()
    with ohio.db.session() as s:
        ohio_org = orgs.organization_by_slug(s, "ohio-nursing")
        piedmont = orgs.organization_by_slug(s, "piedmont-hospital")
        for who in (trainer, learner):
            with pytest.raises(NotFound):
                job_reports.job_view(s, who, ohio_org, job_id)
            with pytest.raises(Forbidden):
                job_reports.organization_jobs(s, who, ohio_org)
        with pytest.raises(NotFound):  # through their own organization's pages either
            job_reports.job_view(s, trainer, piedmont, job_id)
        assert job_reports.job_view(s, olivia, ohio_org, job_id).counts["would_issue"] == 3
    with pytest.raises(NotFound):
        job_reports.check_access(ohio, trainer, "piedmont-hospital", job_id)
    job_reports.check_access(ohio, olivia, "ohio-nursing", job_id)


def test_the_result_file_does_not_hand_spreadsheets_formulas(ohio: Any, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(b'identifier,name\n=HYPERLINK("http://x"),X\n+1,Y\n')
    queue = jobs.InProcessQueue(ohio)
    job_id = rosters.submit(
        ohio,
        queue,
        person(ohio, "olivia@demo.openler.org"),
        organization_slug="ohio-nursing",
        achievement_slug="infection-control",
        path=path,
        mapping={"identifier": "identifier", "name": "name"},
        dry_run=True,
    )
    queue.wait()
    lines = list(csv.reader("".join(job_reports.result_lines(ohio, job_id)).splitlines()))
    assert [r[1] for r in lines[1:]] == ['\'=HYPERLINK("http://x")', "'+1"]


def test_a_file_without_rows_is_refused(ohio: Any, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(b"email,name\n\n")
    with pytest.raises(TableError, match="no rows"):
        rosters.submit(
            ohio,
            jobs.InProcessQueue(ohio),
            person(ohio, "olivia@demo.openler.org"),
            organization_slug="ohio-nursing",
            achievement_slug="infection-control",
            path=path,
            mapping={"email": "email"},
        )


def test_uploads_are_their_uploaders_alone_and_expire(ohio: Any) -> None:
    olivia = person(ohio, "olivia@demo.openler.org")
    upload = roster_uploads.store(
        ohio,
        olivia,
        "ohio-nursing",
        filename="../../etc/roster.csv",
        content=ROSTER.encode(),
        achievement_slug="infection-control",
    )
    assert upload.filename == "roster.csv" and upload.headers == [
        "Email",
        "Name",
        "Grade",
        "Licence",
    ]
    assert upload.path.parent == ohio.settings.data_dir / "rosters" / upload.organization_id
    loaded = roster_uploads.load(ohio, olivia, "ohio-nursing", upload.id)
    roster_uploads.choose(loaded, mapping={"email": "Email"})
    assert roster_uploads.load(ohio, olivia, "ohio-nursing", upload.id).mapping == {
        "email": "Email"
    }
    with pytest.raises(Forbidden):
        roster_uploads.load(
            ohio, person(ohio, "trainer@demo.openler.org"), "ohio-nursing", upload.id
        )
    for wrong in ("../" + upload.id, upload.id[:-1] + "A", "x" * 24):
        with pytest.raises(NotFound):
            roster_uploads.load(ohio, olivia, "ohio-nursing", wrong)
    with pytest.raises(TableError, match="not UTF-8"):
        roster_uploads.store(
            ohio,
            olivia,
            "ohio-nursing",
            filename="latin.csv",
            content="email\nrené@x.org\n".encode("latin-1"),
            achievement_slug="infection-control",
        )
    assert len(list(upload.path.parent.iterdir())) == 2  # the refused file was not kept
    later = ohio.now() + roster_uploads.KEEP + timedelta(minutes=1)
    ohio.clock = lambda: later
    with pytest.raises(NotFound):
        roster_uploads.load(ohio, olivia, "ohio-nursing", upload.id)
    assert roster_uploads.sweep(ohio) == 1
    assert not upload.path.exists()


# --- the preview's counts are what a roster job issues ----------------------------------

REPEATS = (
    "email,name\n"
    "newcomer@example.org,New Comer\n"  # 1: issued
    "bob.stone@example.org,Bob Stone\n"  # 2: issued
    "maria@demo.openler.org,Maria Alvarez\n"  # 3: already holds Registered Nurse
    "not-an-address,Nobody\n"  # 4: a problem
    "bob.stone@example.org,Bob Stone\n"  # 5: repeats row 2
    "kevin@demo.openler.org,Kevin\n"  # 6: holds it, suspended: still holds it
)


def _submit(platform: Any, path: Path, *, dry_run: bool) -> str:
    queue = jobs.InProcessQueue(platform)
    job_id = rosters.submit(
        platform,
        queue,
        person(platform, "olivia@demo.openler.org"),
        organization_slug="ohio-nursing",
        achievement_slug="registered-nurse",
        path=path,
        mapping={"email": "email", "name": "name"},
        dry_run=dry_run,
    )
    queue.wait()
    return job_id


def _preview(platform: Any, path: Path) -> rosters.Summary:
    return rosters.preview(
        platform,
        person(platform, "olivia@demo.openler.org"),
        organization_slug="ohio-nursing",
        achievement_slug="registered-nurse",
        path=path,
        mapping={"email": "email", "name": "name"},
    )


def test_the_preview_counts_holders_and_repeated_recipients_once(ohio: Any, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(REPEATS)
    summary = _preview(ohio, path)
    assert (summary.to_issue, summary.held, summary.repeated, summary.bad) == (2, 2, 1, 1)
    assert summary.words() == (
        "2 will be issued, 2 already hold it, 1 repeats an earlier row, 1 has problems"
    )
    assert [(h.row, h.written) for h in summary.holders] == [
        (3, "maria@demo.openler.org"),
        (6, "kevin@demo.openler.org"),
    ]
    assert summary.first[2].note is not None and "already holds it" in summary.first[2].note
    assert summary.first[4].repeats == 2 and summary.first[0].note is None
    # what the preview promised is what the job issues
    with ohio.db.session() as s:
        organization = orgs.organization_by_slug(s, "ohio-nursing")
    job_id = _submit(ohio, path, dry_run=False)
    with ohio.db.session() as s:
        view = job_reports.job_view(
            s, person(ohio, "olivia@demo.openler.org"), organization, job_id
        )
    assert view.counts == {"issued": 2, "already_holds": 3, "failed": 1}
    assert view.state == "done"
    # and the same file again: nobody left to issue
    again = _preview(ohio, path)
    assert (again.to_issue, again.held, again.repeated, again.bad) == (0, 4, 1, 1)


def test_the_preview_asks_for_holders_without_a_query_per_row(
    ohio: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("email\n" + "".join(f"n{i}@example.org\n" for i in range(2000)))
    asked: list[int] = []
    real = issuing.holdings

    def counting(*args: Any, **kwargs: Any) -> dict[str, tuple[str, datetime]]:
        keys = set(args[3])
        asked.append(len(keys))
        found: dict[str, tuple[str, datetime]] = real(*args, **kwargs)
        return found

    monkeypatch.setattr(issuing, "holdings", counting)
    summary = _preview(ohio, path)
    assert asked == [2000] and summary.to_issue == 2000


def test_holdings_says_what_holding_says(ohio: Any) -> None:
    """Revoked, replaced and expired credentials are not held; suspended ones are."""
    now = ohio.now()
    with ohio.db.session() as s:
        rows = s.scalars(select(IssuedCredential)).all()
        first = rows[0]
        first.state = "revoked"
        second = next(r for r in rows if r.achievement_id != first.achievement_id)
        second.valid_until = now - timedelta(days=1)
        s.flush()
        pairs = {(r.organization_id, r.achievement_id) for r in rows}
        keys = {r.recipient_key for r in rows if r.recipient_key}
        for organization_id, achievement_id in pairs:
            organization = s.get(Organization, organization_id)
            achievement = s.get(Achievement, achievement_id)
            expected = {
                k
                for k in keys
                if issuing.holding(s, organization, achievement, k, now=now) is not None
            }
            found = issuing.holdings(s, organization, achievement, keys, now=now)
            assert set(found) == expected


def test_dry_run_reports_a_repeated_recipient_as_already_holding_not_would_issue(
    ohio: Any, tmp_path: Path
) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(REPEATS)
    olivia = person(ohio, "olivia@demo.openler.org")
    summary = _preview(ohio, path)
    job_id = _submit(ohio, path, dry_run=True)
    with ohio.db.session() as s:
        organization = orgs.organization_by_slug(s, "ohio-nursing")
        view = job_reports.job_view(s, olivia, organization, job_id)
        repeat = job_reports.job_rows(s, olivia, organization, job_id)[4]
    assert repeat.row == 5 and repeat.outcome == "already_holds"
    assert view.counts == {
        "would_issue": summary.to_issue,
        "already_holds": summary.held + summary.repeated,
        "failed": summary.bad,
    }
