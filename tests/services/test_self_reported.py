"""Self-reported entries: checked as a form is (every problem, by field), kept for their
owner only, audited without the words written, and read as part of the record."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services.errors import Forbidden, NotFound
from openler.services.holders import reading, record, self_reported
from openler.services.holders.self_reported import InvalidEntry, checked
from openler.services.people import accounts
from openler.services.people.accounts import Principal
from openler.store.models import AuditEvent, Person, SelfReported
from tests.conftest import load_demo


@pytest.fixture
def session(platform: Any) -> Any:
    with platform.db.session() as s:
        load_demo(s, platform)
        yield s


def who(session: Session, email: str) -> Principal:
    person = session.execute(select(Person).where(Person.email == email)).scalar_one()
    return accounts.principal_for(session, person)


def problems(**typed: Any) -> dict[str, str]:
    with pytest.raises(InvalidEntry) as refused:
        checked(**{"kind": "job", "title": "Cook", **typed})
    return {p.field: p.message for p in refused.value.problems}


@pytest.mark.parametrize(
    ("started", "ended"),
    [
        ("2019", None),
        ("2019-03", "2019"),  # the same year, at a coarser grain
        ("2019-03-15", "2019-03"),
        ("2019-02-28", "2024-02-29"),
        (None, "2020-12-31"),
        ("2019", "2019"),
    ],
)
def test_dates_a_person_writes_are_accepted(started: str | None, ended: str | None) -> None:
    draft = checked(kind="job", title="Cook", started=started, ended=ended)
    assert (draft.started, draft.ended) == (started, ended)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("March 2019", "write a year (2019), a month (2019-03) or a day (2019-03-15)"),
        ("19", "write a year"),
        ("2019-3", "write a year"),
        ("2019/03", "write a year"),
        ("2019-00", "there is no month 00"),
        ("2019-13-01", "there is no month 13"),
        ("2019-02-29", "there is no day 29 in 2019-02"),
        ("2019-04-31", "there is no day 31 in 2019-04"),
        ("1850", "give a year from 1900 on"),
    ],
)
def test_a_date_that_is_not_one_is_refused_with_what_to_write(value: str, says: str) -> None:
    assert problems(started=value)["started"].startswith(says)
    assert problems(ended=value)["ended"].startswith(says)


def test_every_problem_is_named_by_its_field() -> None:
    found = problems(
        kind="hobby",
        title="   ",
        organization="x" * 301,
        started="2021-06",
        ended="2021-05",
        description="y" * 5001,
    )
    assert list(found) == ["kind", "title", "organization", "description", "ended"]
    assert found["kind"] == "choose what it is: job, volunteering, skill, informal learning"
    assert found["ended"] == "the end cannot be before the start (2021-06)"
    assert "300 characters" in problems(title="t" * 301)["title"]
    assert checked(kind="skill", title="t" * 300).title == "t" * 300


def test_an_end_before_the_start_is_judged_only_when_both_dates_read() -> None:
    assert list(problems(started="2021-13", ended="2020")) == ["started"]
    assert problems(started="2021", ended="2020-12")["ended"].startswith("the end cannot")


def test_text_is_trimmed_and_empty_optional_fields_are_none() -> None:
    draft = checked(
        kind=" learning ",
        title="  First aid  ",
        organization="  ",
        started="",
        ended=" ",
        description="\n",
    )
    assert draft == self_reported.Draft("learning", "First aid", None, None, None, None)


def test_the_owner_adds_edits_and_deletes_audited_without_the_words(
    session: Session, platform: Any
) -> None:
    maria = who(session, "maria@demo.openler.org")
    draft = checked(kind="job", title="Charge nurse", organization="Mercy Hospital")
    row = self_reported.add(session, platform, maria, draft)
    assert [e.id for e in self_reported.entries_of(session, maria)] == [row.id]
    assert [e.id for e in record.record_of(session, platform, maria).self_reported] == [row.id]
    changed = checked(kind="volunteering", title="Blood drives", started="2020")
    self_reported.edit(session, platform, maria, row.id, changed)
    assert (row.kind, row.title, row.organization, row.started) == (
        "volunteering",
        "Blood drives",
        None,
        "2020",
    )
    assert row.updated_at is not None
    self_reported.delete(session, platform, maria, row.id)
    assert session.get(SelfReported, row.id) is None
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.subject == f"self_reported:{row.id}")
    ).all()
    assert [(e.action, e.actor, e.data) for e in events] == [
        ("self_reported.add", maria.label, {"kind": "job"}),
        ("self_reported.edit", maria.label, {"kind": "volunteering"}),
        ("self_reported.delete", maria.label, {"kind": "volunteering"}),
    ]


def test_nobody_else_reads_or_changes_an_entry(session: Session, platform: Any) -> None:
    maria = who(session, "maria@demo.openler.org")
    row = self_reported.add(session, platform, maria, checked(kind="skill", title="Spanish"))
    draft = checked(kind="skill", title="Taken over")
    for other in (who(session, "james@demo.openler.org"), who(session, "olivia@demo.openler.org")):
        assert self_reported.entries_of(session, other) == []
        with pytest.raises(NotFound):
            self_reported.own(session, other, row.id)
        with pytest.raises(NotFound):
            self_reported.edit(session, platform, other, row.id, draft)
        with pytest.raises(NotFound):
            self_reported.delete(session, platform, other, row.id)
    system = Principal.system("test")
    with pytest.raises(Forbidden):
        self_reported.add(session, platform, system, draft)
    with pytest.raises(Forbidden):
        self_reported.entries_of(session, system)
    assert session.get(SelfReported, row.id).title == "Spanish"  # type: ignore[union-attr]
    audited = session.scalars(select(AuditEvent.action).where(AuditEvent.subject.like("self_%")))
    assert list(audited) == ["self_reported.add"]


# --- reading the record ---------------------------------------------------------------


def test_an_entry_reads_as_one_sentence_and_names_its_skills(
    session: Session, platform: Any
) -> None:
    maria = who(session, "maria@demo.openler.org")
    nurse = next(
        e
        for e in record.record_of(session, platform, maria).entries
        if e.name == "Registered Nurse"
    )
    shown = reading.entry_page(session, platform, maria, nurse.ref)
    assert shown.sentence == (
        f"Registered Nurse, a licence from Ohio Board of Nursing, active, "
        f"valid until {nurse.valid_until}"
    )
    assert shown.alignments[0] == reading.Alignment(
        "Registered Nurses",
        "https://www.onetonline.org/link/summary/29-1141.00",
        "O*NET-SOC 2019",
        "29-1141.00",
    )
    # and the ESCO skills the demo aligns the licence to, each with its framework
    assert {a.framework for a in shown.alignments[1:]} == {"ESCO"}
    assert shown.criteria is not None and shown.criteria.startswith("Approved nursing program")
    assert shown.report.verified and shown.current is None
    with pytest.raises(NotFound):
        reading.entry_page(session, platform, who(session, "james@demo.openler.org"), nurse.ref)


def test_an_earlier_credential_knows_the_one_that_counts_now(
    session: Session, platform: Any
) -> None:
    maria = who(session, "maria@demo.openler.org")
    fema = next(
        e for e in record.record_of(session, platform, maria).entries if e.name.startswith("IS-")
    )
    earlier = reading.entry_page(session, platform, maria, fema.history[0].ref)
    assert earlier.current is not None and earlier.current.ref == fema.ref
    assert ", expired on " in earlier.sentence


def test_only_web_addresses_are_linked_and_results_evidence_are_read() -> None:
    document = {
        "evidence": [
            {"id": "javascript:alert(1)", "name": "Portfolio", "narrative": "Welds"},
            {"id": "https://example.org/e/1", "genre": "Video"},
        ],
        "credentialSubject": {
            "result": [{"resultDescription": "urn:r:1", "value": "A"}, {"status": "Completed"}],
            "creditsEarned": 18,
            "achievement": {
                "resultDescription": [{"id": "urn:r:1", "name": "Final grade"}],
                "alignment": [
                    {"targetName": "Welders", "targetUrl": "javascript:alert(1)"},
                    {"targetUrl": "https://example.org/no-name"},
                ],
            },
        },
    }
    assert reading.alignments_of(document) == [reading.Alignment("Welders", None, None, None)]
    assert reading.evidence_of(document) == [
        reading.Evidence("Portfolio", "Welds", None),
        reading.Evidence("Video", None, "https://example.org/e/1"),
    ]
    assert reading.results_of(document) == [
        reading.Result("Final grade", "A"),
        reading.Result("Result", "Completed"),
        reading.Result("Credits earned", "18"),
    ]


def test_the_overview_counts_groups_and_says_what_needs_attention(
    session: Session, platform: Any
) -> None:
    maria = who(session, "maria@demo.openler.org")
    self_reported.add(session, platform, maria, checked(kind="skill", title="Spanish"))
    seen = reading.overview_of(session, platform, maria)
    assert [(heading, count) for heading, count, _ in seen.groups] == [
        ("Licences and certifications", 2),
        ("Training", 1),
    ]
    assert seen.self_reported == 1 and seen.attention == []
    kevin = reading.overview_of(session, platform, who(session, "kevin@demo.openler.org"))
    [attention] = kevin.attention
    assert attention.name == "Registered Nurse" and attention.what.lower().startswith("suspended")
    # two months before the licence expires, it needs attention too
    nurse = next(
        e
        for e in record.record_of(session, platform, maria).entries
        if e.name == "Registered Nurse"
    )
    until = datetime.fromisoformat(str(nurse.valid_until)).replace(tzinfo=UTC)
    later = replace(platform, clock=lambda: until - timedelta(days=30))
    soon = reading.overview_of(session, later, maria).attention
    assert [(a.name, a.what) for a in soon] == [
        ("Registered Nurse", f"expires on {nurse.valid_until} (in 30 days)")
    ]
