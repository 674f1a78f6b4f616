"""Deleting one's own account: the person's data, holder key, shares and sessions go; the
issuers' credentials stay, unlinked; the trail records the deletion by id alone and stays
intact; an organization's only administrator is told what to do first; the same email can
make a new account, which sees nothing of the old."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openler.services import audit, demo
from openler.services.errors import Conflict, Forbidden, UsageError
from openler.services.holders import exports, record, sharing
from openler.services.issuers import issuing
from openler.services.people import accounts, deletion, signup
from openler.services.people.accounts import Principal
from openler.store.models import (
    AuditEvent,
    Consent,
    IssuedCredential,
    OutboxMessage,
    Person,
    ReceivedCredential,
    SelfReported,
    SessionRow,
    Share,
)
from tests.conftest import load_demo

MARIA = "maria@demo.openler.org"


@pytest.fixture
def session(platform: Any) -> Any:
    with platform.db.session() as s:
        load_demo(s, platform)
        yield s


def who(session: Session, email: str) -> Principal:
    person = session.execute(select(Person).where(Person.email == email)).scalar_one()
    return accounts.principal_for(session, person)


def count(session: Session, model: Any, *where: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_deleting_removes_her_data_and_leaves_the_issuers_records(
    session: Session, platform: Any
) -> None:
    maria = who(session, MARIA)
    person_id = maria.person_id
    issued = [row.id for row in issuing.credentials_of(session, person_id, include_replaced=True)]
    session.add(SelfReported(person_id=person_id, kind="skill", title="Spanish"))
    session.add(
        ReceivedCredential(
            person_id=person_id, issuer="did:example:x", issuer_name="Elsewhere",
            credential_issuer="https://elsewhere.example", format="ldp_vc", name="A course",
            document={"name": "A course"}, source="import", verified=False,
        )
    )  # fmt: skip
    exports.print_links(session, platform, maria)  # shares, with their consents
    session.add_all(
        [
            OutboxMessage(to_address=MARIA, subject="Your sign-up link", body="…", kind="signup"),
            OutboxMessage(
                organization_id="ohio", to_address=MARIA, subject="Claim", body="…", kind="claim"
            ),
        ]
    )
    accounts.login(session, platform, email=MARIA, password=demo.DEMO_PASSWORD)
    session.flush()
    assert count(session, Share, Share.person_id == person_id) > 0
    assert count(session, SessionRow, SessionRow.person_id == person_id) == 1

    deletion.delete_account(session, platform, maria, confirm=" Maria@Demo.openler.org ")
    session.flush()

    assert session.get(Person, person_id) is None
    for model in (SelfReported, ReceivedCredential, Share, Consent, SessionRow):
        assert count(session, model, model.person_id == person_id) == 0, model
    # the issuers keep what they issued, linked to nobody
    assert issued
    assert count(session, IssuedCredential, IssuedCredential.person_id == person_id) == 0
    for credential_id in issued:
        kept = session.get(IssuedCredential, credential_id)
        assert kept is not None and kept.person_id is None
    # the platform's mail to her goes; the issuer's is the issuer's
    assert [m.kind for m in session.scalars(select(OutboxMessage))] == ["claim"]
    (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "account.delete"))
    assert (event.actor, event.subject, event.data) == (
        f"person:{person_id}",
        f"person:{person_id}",
        {},
    )
    assert MARIA not in str(event.data) and "Maria" not in str(event.data)
    session.flush()
    assert audit.verify_chain(session, []).ok


def test_her_email_makes_a_new_account_that_sees_nothing_of_the_old(
    session: Session, platform: Any
) -> None:
    maria = who(session, MARIA)
    deletion.delete_account(session, platform, maria, confirm=MARIA)
    session.flush()
    again = signup.create_proven_account(
        session, platform, email=MARIA, name="Maria Alvarez", password="a-new-password-1",
        proof="signup-link",
    )  # fmt: skip
    assert again.principal.person_id != maria.person_id
    mine = record.record_of(session, platform, again.principal)
    assert mine.entries == [] and mine.self_reported == []
    assert sharing.shares_of(session, platform, again.principal) == []


def test_the_email_must_be_typed(session: Session, platform: Any) -> None:
    maria = who(session, MARIA)
    with pytest.raises(UsageError):
        deletion.delete_account(session, platform, maria, confirm="james@demo.openler.org")
    assert session.get(Person, maria.person_id) is not None


def test_an_organizations_only_administrator_is_told_what_to_do(
    session: Session, platform: Any
) -> None:
    olivia = who(session, "olivia@demo.openler.org")
    with pytest.raises(Conflict, match="only administrator of Ohio Board of Nursing"):
        deletion.delete_account(session, platform, olivia, confirm="olivia@demo.openler.org")
    assert session.get(Person, olivia.person_id) is not None
    admin = who(session, "admin@demo.openler.org")
    with pytest.raises(Conflict, match="only platform administrator"):
        deletion.delete_account(session, platform, admin, confirm="admin@demo.openler.org")


def test_nobody_deletes_another_account(session: Session, platform: Any) -> None:
    maria = who(session, MARIA)
    james = who(session, "james@demo.openler.org")
    as_token = Principal(maria.person_id, james.name, james.email, token_scope=("x", "y"))
    for principal in (as_token, Principal.system("test")):
        with pytest.raises(Forbidden):
            deletion.delete_account(session, platform, principal, confirm=MARIA)
    assert session.get(Person, maria.person_id) is not None
