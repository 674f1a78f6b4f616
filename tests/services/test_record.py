"""The learner's record: one entry per achievement and issuer (a renewal and an expired copy
fold into one entry with its history), grouped as a person reads them, and nobody else's."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services.errors import Forbidden, NotFound
from openler.services.holders import reading, record
from openler.services.people import accounts
from openler.services.people.accounts import Principal
from openler.services.verifiers.credential_state import CredentialState
from openler.store.models import Person
from tests.conftest import load_demo


@pytest.fixture
def session(platform: Any) -> Any:
    with platform.db.session() as s:
        load_demo(s, platform)
        yield s


def who(session: Session, email: str) -> Principal:
    person = session.execute(select(Person).where(Person.email == email)).scalar_one()
    return accounts.principal_for(session, person)


def test_marias_record_is_grouped_and_her_fema_course_is_one_entry(
    session: Session, platform: Any
) -> None:
    maria = who(session, "maria@demo.openler.org")
    mine = record.record_of(session, platform, maria)
    headings = [heading for _, heading, _ in mine.groups]
    assert headings == ["Licences and certifications", "Training"]
    names = [e.name for e in mine.entries]
    assert names.count("IS-100.C: Introduction to the Incident Command System") == 1
    fema = next(e for e in mine.entries if e.name.startswith("IS-100.C"))
    assert fema.state.code == "active"
    assert [old.state.code for old in fema.history] == ["expired"]
    nurse = next(e for e in mine.entries if e.name == "Registered Nurse")
    assert (nurse.category, nurse.issuer, nurse.source) == (
        "licences",
        "Ohio Board of Nursing",
        "issued",
    )
    assert nurse.valid_until is not None
    # an earlier credential opens with its own ref; another person's does not
    assert record.entry(session, platform, maria, fema.history[0].ref).state.code == "expired"
    james = who(session, "james@demo.openler.org")
    with pytest.raises(NotFound):
        record.entry(session, platform, james, nurse.ref)


def test_the_armys_credentials_are_military(session: Session, platform: Any) -> None:
    luis = who(session, "luis@demo.openler.org")
    (category, heading, entries), *_ = record.record_of(session, platform, luis).groups
    assert (category, heading, [e.name for e in entries]) == (
        "military",
        "Military",
        ["Combat Medic Specialist (68W)"],
    )


def test_a_token_or_the_system_reads_no_record(session: Session, platform: Any) -> None:
    with pytest.raises(Forbidden):
        record.record_of(session, platform, accounts.Principal.system("test"))


@pytest.mark.parametrize(
    ("state", "presented", "said"),
    [
        (
            CredentialState("active"),
            True,
            "Maria Alvarez holds Welding, a certificate from Capital CC, active and valid "
            "until 2028-11-25",
        ),
        (
            CredentialState("expired"),
            True,
            "Maria Alvarez held Welding, a certificate from Capital CC, which expired on "
            "2028-11-25",
        ),
        (
            CredentialState("revoked", "surrendered"),
            True,
            "Maria Alvarez holds Welding, a certificate from Capital CC, but it is revoked",
        ),
        (
            CredentialState("issuer-not-trusted"),
            True,
            "Maria Alvarez holds Welding, a certificate said to be from Capital CC, an issuer "
            "not trusted here",
        ),
        (
            CredentialState("unverified"),
            True,
            "Welding, a certificate said to be from Capital CC, did not verify: do not rely on it",
        ),
        (
            CredentialState("active"),
            False,
            "Welding, a certificate from Capital CC: the link did not verify, so it does not "
            "show that Maria Alvarez holds it",
        ),
    ],
)
def test_a_shared_credential_in_one_sentence(
    state: CredentialState, presented: bool, said: str
) -> None:
    """Only an active credential in a presentation that verified reads as good; a claim
    nobody could check is never said to be held."""
    document = {
        "validUntil": "2028-11-25T00:00:00Z",
        "issuer": {"id": "did:web:capital.example", "name": "Capital CC"},
        "credentialSubject": {"achievement": {"name": "Welding", "achievementType": "Certificate"}},
    }
    found = reading.said_of(state, document, holder="Maria Alvarez", presented=presented)
    assert found.text == said and found.kind_known
    assert found.tone == ("good" if presented and state.code == "active" else "bad")
