"""Job postings and candidate matching on the demo world: the hospital's HR makes, edits
and closes postings, picks requirements from a framework, imports JEDx job records, and
ranks the people who chose to be discoverable — nobody else, and nobody else's staff."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services.errors import Conflict, Forbidden, NotFound, UsageError
from openler.services.people import accounts
from openler.services.people.accounts import Principal
from openler.services.skills import frameworks, matching, postings
from openler.skills import Framework, Item, Relation
from openler.store.models import (
    AuditEvent,
    DiscoverablePerson,
    JobPosting,
    Organization,
    Person,
    SelfReported,
)
from tests.conftest import load_demo

SYSTEM = Principal.system("test")
ESCO = "http://data.europa.eu/esco/skill/"
FIRST_AID = ESCO + "1d21f6ad-340f-45da-a0a3-4e83867f47a6"
TRIAGE = ESCO + "00000000-0000-4000-8000-000000000001"
JEDX = Path(__file__).parents[2] / ".." / "shared" / "data" / "jedx" / "job.json"


@pytest.fixture
def session(platform: Any) -> Any:
    with platform.db.session() as s:
        load_demo(s, platform)
        yield s


def person(session: Session, email: str) -> Person:
    return session.execute(select(Person).where(Person.email == email)).scalar_one()


def as_(session: Session, email: str) -> Principal:
    return accounts.principal_for(session, person(session, email))


def org(session: Session, slug: str) -> Organization:
    return session.execute(select(Organization).where(Organization.slug == slug)).scalar_one()


def ed_posting(session: Session) -> JobPosting:
    return session.execute(
        select(JobPosting).where(JobPosting.title == "Registered Nurse — Emergency Department")
    ).scalar_one()


def actions(session: Session, prefix: str) -> list[str]:
    query = select(AuditEvent.action).where(AuditEvent.action.like(prefix + "%"))
    return list(session.execute(query.order_by(AuditEvent.seq)).scalars())


def nursing_framework(session: Session, platform: Any) -> None:
    """Occupations that require first aid (O*NET importance 0.9) and a triage skill: the
    nurses of the demo, and one no other framework holds (so its requirements are these
    whether or not the demo's framework is loaded)."""
    frameworks.save(
        session,
        platform,
        SYSTEM,
        Framework(
            "test-onet",
            "onet",
            "Test O*NET",
            items=(
                Item("29-1141.00", "occupation", "Registered Nurses", code="29-1141.00"),
                Item("29-1299.00", "occupation", "Night triage nurses", code="29-1299.00"),
                Item(FIRST_AID, "skill", "provide first aid", url=FIRST_AID),
                Item(TRIAGE, "skill", "triage patients", ("sort casualties",), url=TRIAGE),
            ),
            relations=(
                Relation("29-1141.00", FIRST_AID, "requires", 0.9),
                Relation("29-1141.00", TRIAGE, "requires", 0.6),
                Relation("29-1299.00", FIRST_AID, "requires", 0.9),
                Relation("29-1299.00", TRIAGE, "requires", 0.6),
            ),
        ),
    )


def test_the_demo_ranks_maria_with_her_proofs_and_gaps(session: Session, platform: Any) -> None:
    hr = as_(session, "hr@demo.openler.org")
    hospital = org(session, "piedmont-hospital")
    posting = ed_posting(session)
    ranking = matching.rank_candidates(session, platform, hr, hospital, posting.id)
    assert ranking.considered == 2  # Maria and James chose to be found
    names = [m.profile.name for m in ranking.matches]
    assert names == ["Maria Alvarez"]  # James's welding shows none of it; Luis is not listed
    maria = ranking.matches[0]
    assert (maria.required_met, len(maria.required)) == (5, 6)
    assert [g.requirement.label for g in maria.gaps] == [
        "provide first aid",
        "provide pre-hospital emergency care of trauma",
    ]
    proved = {c.name: labels for c, labels in maria.by_credential()}
    assert proved["Registered Nurse"] == [
        "Registered Nurses",
        "plan nursing care",
        "infection control",
    ]
    assert proved["IV Therapy and Infusion Safety"] == [
        "intravenous infusion",
        "prepare intravenous packs",
    ]
    seen = session.execute(
        select(AuditEvent).where(AuditEvent.action == "posting.candidates_viewed")
    ).scalar_one()
    assert seen.actor == hr.label and seen.data["shown"] == [
        person(session, "maria@demo.openler.org").id
    ]


def test_an_occupation_implies_its_skills_and_self_reported_counts_less(
    session: Session, platform: Any
) -> None:
    nursing_framework(session, platform)
    hr = as_(session, "hr@demo.openler.org")
    hospital = org(session, "piedmont-hospital")
    posting = ed_posting(session)
    maria = matching.rank_candidates(session, platform, hr, hospital, posting.id).matches[0]
    first_aid = next(e for e in maria.required if e.requirement.label == "provide first aid")
    assert first_aid.met and first_aid.proof is not None
    assert (
        first_aid.proof.source == "occupation" and first_aid.proof.occupation == "Registered Nurses"
    )
    assert maria.required_met == 6

    # James says he can give first aid: listed now, below Maria, his claim not a proof
    james = person(session, "james@demo.openler.org")
    session.add(SelfReported(person_id=james.id, kind="skill", title="Provide First Aid"))
    session.flush()
    ranking = matching.rank_candidates(session, platform, hr, hospital, posting.id)
    assert [m.profile.name for m in ranking.matches] == ["Maria Alvarez", "James Carter"]
    claimed = next(
        e for e in ranking.matches[1].explained if e.requirement.label == "provide first aid"
    )
    assert claimed.claimed_only and not claimed.met and ranking.matches[1].required_met == 0


def test_only_people_who_opted_in_are_ranked(session: Session, platform: Any) -> None:
    luis = as_(session, "luis@demo.openler.org")
    hr = as_(session, "hr@demo.openler.org")
    hospital = org(session, "piedmont-hospital")
    posting = ed_posting(session)
    before = matching.rank_candidates(session, platform, hr, hospital, posting.id)
    assert "Luis Ortega" not in [m.profile.name for m in before.matches]
    assert matching.set_discoverable(session, platform, luis, True)
    assert not matching.set_discoverable(session, platform, luis, True)  # no change, no event
    after = matching.rank_candidates(session, platform, hr, hospital, posting.id)
    assert "Luis Ortega" in [m.profile.name for m in after.matches]  # his 68W shows first aid
    matching.set_discoverable(session, platform, luis, False)
    again = matching.rank_candidates(session, platform, hr, hospital, posting.id)
    assert "Luis Ortega" not in [m.profile.name for m in again.matches]
    assert actions(session, "discoverable.")[-2:] == ["discoverable.on", "discoverable.off"]
    with pytest.raises(Forbidden):
        matching.set_discoverable(session, platform, SYSTEM, True)


@pytest.mark.parametrize(
    "email", ["maria@demo.openler.org", "olivia@demo.openler.org", "trainer@demo.openler.org"]
)
def test_only_the_employers_hr_ranks_or_edits(session: Session, platform: Any, email: str) -> None:
    """A learner, another organization's admin, and the hospital's own trainer (issuer_staff)."""
    someone = as_(session, email)
    hospital = org(session, "piedmont-hospital")
    posting = ed_posting(session)
    with pytest.raises(Forbidden):
        matching.rank_candidates(session, platform, someone, hospital, posting.id)
    with pytest.raises(Forbidden):
        postings.postings_of(session, someone, hospital)
    with pytest.raises(Forbidden):
        postings.close(session, platform, someone, hospital, posting.id)


def test_another_organizations_posting_does_not_exist_for_its_staff(
    session: Session, platform: Any
) -> None:
    olivia = as_(session, "olivia@demo.openler.org")  # issuer_admin of the Board of Nursing
    board = org(session, "ohio-nursing")
    with pytest.raises(Forbidden, match="not an employer"):  # a board ranks nobody
        matching.rank_candidates(session, platform, olivia, board, ed_posting(session).id)
    board.kind = "employer"  # were it one, the hospital's posting would not be its own
    with pytest.raises(NotFound):
        matching.rank_candidates(session, platform, olivia, board, ed_posting(session).id)


def test_a_posting_is_made_edited_given_requirements_and_closed(
    session: Session, platform: Any
) -> None:
    nursing_framework(session, platform)
    hr = as_(session, "hr@demo.openler.org")
    hospital = org(session, "piedmont-hospital")
    with pytest.raises(UsageError, match="title"):
        postings.create(session, platform, hr, hospital, title="  ")
    with pytest.raises(UsageError, match="O\\*NET-SOC"):
        postings.create(session, platform, hr, hospital, title="Nurse", occupation_code="nurse")
    posting = postings.create(
        session, platform, hr, hospital, title="Night nurse", occupation_code="29-1299.00"
    )
    assert posting.occupation_label == "Night triage nurses" and posting.status == "open"
    found = postings.search(session, "TRIAGE pat", framework="test-onet")
    assert [c.label for c in found] == ["triage patients"]
    found_by_alt = postings.search(session, "casualties", framework="test-onet")
    assert [c.label for c in found_by_alt] == ["triage patients"]
    assert postings.search(session, "%") == [] and postings.search(session, "_") == []
    postings.add_requirement(
        session, platform, hr, hospital, posting.id, found[0].id, required=False, weight=2
    )
    again = postings.add_requirement(
        session, platform, hr, hospital, posting.id, found[0].id, required=True, weight="4"
    )
    assert len(posting.requirements) == 1 and again.required and again.weight == 4
    with pytest.raises(UsageError, match="1 to 5"):
        postings.change_requirement(
            session, platform, hr, hospital, posting.id, again.id, required=True, weight=9
        )
    assert postings.add_occupation_skills(session, platform, hr, hospital, posting.id) == 1
    added = {r.label: (r.required, r.weight) for r in posting.requirements}
    assert added["provide first aid"] == (True, 5.0)  # importance 0.9: required, weight 5
    postings.remove_requirement(session, platform, hr, hospital, posting.id, again.id)
    postings.edit(
        session,
        platform,
        hr,
        hospital,
        posting.id,
        title="Night nurse (ICU)",
        description="Nights.",
        location="Charlotte",
        occupation_code="",
    )
    assert posting.occupation_code is None and posting.location == "Charlotte"
    postings.close(session, platform, hr, hospital, posting.id)
    with pytest.raises(Conflict):
        postings.edit(
            session,
            platform,
            hr,
            hospital,
            posting.id,
            title="x",
            description=None,
            location=None,
            occupation_code=None,
        )
    assert postings.postings_of(session, hr, hospital)[-1].id == posting.id  # closed last
    assert actions(session, "posting.")[-6:] == [
        "posting.requirement_set",
        "posting.requirement_set",
        "posting.requirement_set",
        "posting.requirement_removed",
        "posting.edited",
        "posting.closed",
    ]


@pytest.mark.skipif(not JEDX.exists(), reason="../shared/data/jedx is not here")
def test_a_jedx_job_record_becomes_a_posting_and_again_updates_it(
    session: Session, platform: Any
) -> None:
    hr = as_(session, "hr@demo.openler.org")
    hospital = org(session, "piedmont-hospital")
    data = JEDX.read_bytes()
    posting, job = postings.import_jedx(session, platform, hr, hospital, data)
    assert (posting.title, posting.source, posting.source_ref) == (
        "Restaurant Manager",
        "jedx",
        "JOB-10023",
    )
    assert posting.occupation_code == "35-1012.00" and "restaurant operations" in str(
        posting.description
    )
    assert "a location" in job.lacks
    record = json.loads(data)
    record["job"]["title"] = "Restaurant General Manager"
    again, _ = postings.import_jedx(session, platform, hr, hospital, json.dumps(record).encode())
    assert again.id == posting.id and again.title == "Restaurant General Manager"
    with pytest.raises(UsageError, match="not a JEDx job record"):
        postings.import_jedx(session, platform, hr, hospital, b'{"job": {"title": "x"}}')


def test_discoverable_rows_go_with_the_person(session: Session, platform: Any) -> None:
    maria = person(session, "maria@demo.openler.org")
    assert matching.is_discoverable(session, maria.id)
    assert session.get(DiscoverablePerson, person(session, "dana@demo.openler.org").id) is None


def test_skills_suggested_from_a_postings_text_are_added_as_chosen(
    session: Session, platform: Any
) -> None:
    from openler.services.skills import posting_suggestions, suggestions
    from openler.services.skills.posting_suggestions import Chosen

    nursing_framework(session, platform)
    offered = [f.kind for f in suggestions.suggestable(session)]
    assert offered[0] == "builtin" and "military" not in offered and "onet" in offered
    hr = as_(session, "hr@demo.openler.org")
    hospital = org(session, "piedmont-hospital")
    posting = postings.create(session, platform, hr, hospital, title="Night nurse")
    who = (session, platform, hr, hospital, posting.id)
    with pytest.raises(UsageError, match="paste the posting's text"):
        posting_suggestions.suggest(*who, "test-onet", "  ")
    text = "Nights on the ward: sort casualties as they come and provide first aid."
    found = posting_suggestions.suggest(*who, "test-onet", text)
    labels = [s.item.label for s, _ in found.found]
    assert found.pasted and {"triage patients", "provide first aid"} <= set(labels)
    assert all(s.item.kind in postings.REQUIRABLE for s, _ in found.found)
    added = posting_suggestions.add(
        *who, "test-onet", [Chosen(TRIAGE, True, 4), Chosen(FIRST_AID, False, "2")]
    )
    assert added == 2
    assert {(r.label, r.required, r.weight) for r in posting.requirements} == {
        ("triage patients", True, 4.0),
        ("provide first aid", False, 2.0),
    }
    again = posting_suggestions.suggest(*who, "test-onet", text)
    assert all(asked for s, asked in again.found if s.item.identifier in (TRIAGE, FIRST_AID))
    posting.description = text  # an empty box reads the description
    assert not posting_suggestions.suggest(*who, "test-onet", "").pasted
    with pytest.raises(UsageError, match="tick the skills"):
        posting_suggestions.add(*who, "test-onet", [])
    with pytest.raises(NotFound):
        posting_suggestions.add(*who, "test-onet", [Chosen("nowhere", True)])
    with pytest.raises(Forbidden):
        posting_suggestions.suggest(
            session,
            platform,
            as_(session, "maria@demo.openler.org"),
            hospital,
            posting.id,
            "test-onet",
            text,
        )
    postings.close(*who)
    with pytest.raises(Conflict):
        posting_suggestions.suggest(*who, "test-onet", text)
    assert actions(session, "posting.requirement_set")[-2:] == ["posting.requirement_set"] * 2
