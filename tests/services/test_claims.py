"""Recipients without accounts: single issue to an address or identifier, the claim link
through the outbox, claiming (a holder-bound replacement), and never a silent duplicate."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from openler.services.errors import Conflict, Forbidden, NotFound, UsageError
from openler.services.issuers import claims, issuing, orgs
from openler.services.issuers.recipients import Recipient, matches
from openler.services.people import accounts, signup
from openler.services.verifiers.verifying import verify_document
from openler.store.models import AuditEvent, Claim, IssuedCredential, OutboxMessage, Person
from tests.conftest import NOW, load_demo

ORG = "piedmont-hospital"
STRANGER = "Pat.Doe@Example.org"


@pytest.fixture
def world(platform: Any) -> Any:
    with platform.db.session() as session:
        load_demo(session, platform)
    return platform


def staff(session: Any) -> accounts.Principal:
    person = session.execute(
        select(Person).where(Person.email == "trainer@demo.openler.org")
    ).scalar_one()
    return accounts.principal_for(session, person)


def issue(
    platform: Any, recipient: Recipient, *, allow_duplicate: bool = False
) -> tuple[str, str | None]:
    """Issue IV Therapy to ``recipient``; the credential id and the claim link's token."""
    with platform.db.session() as session:
        done = claims.issue_one(
            session,
            platform,
            staff(session),
            orgs.organization_by_slug(session, ORG),
            achievement_slug="iv-therapy",
            recipient=recipient,
            allow_duplicate=allow_duplicate,
        )
        token = None
        if done.claim is not None:
            session.flush()
            token = token_sent_for(session, done.credential.id)
        return done.credential.id, token


def token_sent_for(session: Any, credential_id: str) -> str:
    """The token of the live claim link sent about ``credential_id`` (read from the mail:
    the database keeps only its digest)."""
    bodies = session.execute(
        select(OutboxMessage.body).where(
            OutboxMessage.ref == credential_id, OutboxMessage.kind == "claim"
        )
    ).scalars()
    tokens = [t for body in bodies for t in re.findall(r"/claim/([A-Za-z0-9_-]+)", body)]
    live = {
        c.token_hash
        for c in session.execute(
            select(Claim).where(Claim.credential_id == credential_id, Claim.expires_at > NOW)
        ).scalars()
    }
    (token,) = [t for t in tokens if hashlib.sha256(t.encode()).hexdigest() in live]
    return str(token)


def new_account(platform: Any, email: str, name: str = "Pat Doe") -> accounts.Principal:
    with platform.db.session() as session:
        result = signup.create_proven_account(
            session,
            platform,
            email=email,
            name=name,
            password="a long enough password",
            proof="test",
        )
        return result.principal


def test_an_address_without_an_account_is_named_by_hash_and_sent_a_claim_link(world: Any) -> None:
    credential_id, token = issue(world, Recipient(email=STRANGER, name="Pat Doe"))
    assert token is not None
    with world.db.session() as session:
        row = session.get(IssuedCredential, credential_id)
        assert row is not None and row.person_id is None
        subject = row.document["credentialSubject"]
        assert "id" not in subject
        (identity,) = subject["identifier"]
        assert identity["hashed"] is True and identity["identityType"] == "emailAddress"
        # what a verifier told the address can check; another address does not match
        assert matches(identity, "pat.doe@example.org") and matches(identity, STRANGER)
        assert not matches(identity, "someone.else@example.org")
        assert "pat.doe" not in str(row.document).lower()
        assert verify_document(session, world, row.document).verified
        (claim,) = session.execute(select(Claim)).scalars()
        assert claim.email == "pat.doe@example.org" and claim.credential_id == credential_id
        assert claim.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert claim.expires_at == NOW + timedelta(days=60)
        (message,) = session.execute(select(OutboxMessage)).scalars()
        assert message.to_address == "pat.doe@example.org" and message.sent_at is None
        assert "Piedmont Regional Hospital has issued you IV Therapy" in message.subject
        assert message.body.startswith("Hello Pat Doe,")
        assert token not in str(claim.token_hash)
        actions = set(session.execute(select(AuditEvent.action)).scalars())
        assert {"credential.issue", "claim.offer"} <= actions


def test_an_address_with_an_account_binds_to_its_wallet_and_sends_nothing(world: Any) -> None:
    credential_id, token = issue(world, Recipient(email="James@demo.openler.org"))
    assert token is None
    with world.db.session() as session:
        row = session.get(IssuedCredential, credential_id)
        james = session.execute(
            select(Person).where(Person.email == "james@demo.openler.org")
        ).scalar_one()
        assert row is not None and row.person_id == james.id
        assert row.document["credentialSubject"]["id"] == james.did
        assert session.scalar(select(func.count()).select_from(Claim)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_an_identifier_alone_is_hashed_and_has_no_link_to_send(world: Any) -> None:
    credential_id, token = issue(
        world, Recipient(identifier="RN.000123", identifier_type="identifier")
    )
    assert token is None
    with world.db.session() as session:
        row = session.get(IssuedCredential, credential_id)
        assert row is not None and row.recipient_key == "identifier:RN.000123"
        (identity,) = row.document["credentialSubject"]["identifier"]
        assert identity["identityType"] == "identifier" and matches(identity, "RN.000123")
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    with pytest.raises(UsageError, match="email address or an identifier"):
        claims.recipient_for(name="Only A Name")


def test_a_second_issue_to_a_holder_asks_first(world: Any) -> None:
    first, _ = issue(world, Recipient(email=STRANGER))
    with world.db.session() as session:
        with pytest.raises(claims.AlreadyHolds) as raised:
            claims.issue_one(
                session,
                world,
                staff(session),
                orgs.organization_by_slug(session, ORG),
                achievement_slug="iv-therapy",
                recipient=Recipient(email="pat.doe@example.org"),
            )
        assert raised.value.held.id == first and "issued 2026-11-24" in raised.value.message
    with world.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Claim)) == 1
    second, _ = issue(world, Recipient(email=STRANGER), allow_duplicate=True)
    assert second != first
    # an account holder too: Maria already holds IV Therapy from the demo
    with pytest.raises(claims.AlreadyHolds, match="Maria Alvarez already holds IV Therapy"):
        issue(world, Recipient(email="maria@demo.openler.org"))


def test_claiming_binds_a_replacement_to_the_wallet_once(world: Any) -> None:
    old_id, token = issue(world, Recipient(email=STRANGER, name="Pat Doe"))
    assert token is not None
    pat = new_account(world, "pat.doe@example.org")
    with world.db.session() as session:
        new = claims.claim(session, world, pat, token)
        new_id = new.id
    with world.db.session() as session:
        old = session.get(IssuedCredential, old_id)
        new = session.get(IssuedCredential, new_id)
        person = session.get(Person, pat.person_id)
        assert old is not None and new is not None and person is not None
        assert old.state == "revoked" and old.replaced_by == new.id
        assert new.previous_id == old.id and new.person_id == person.id
        subject = new.document["credentialSubject"]
        assert subject["id"] == person.did
        assert subject["identifier"] == old.document["credentialSubject"]["identifier"]
        assert subject["achievement"] == old.document["credentialSubject"]["achievement"]
        for field in ("validFrom", "validUntil", "name", "issuer"):
            assert new.document.get(field) == old.document.get(field)
        assert new.document["id"] != old.document["id"]
        assert verify_document(session, world, new.document).verified
        assert not verify_document(session, world, old.document).verified
        (claim,) = session.execute(select(Claim)).scalars()
        assert claim.claimed_at is not None and claim.replacement_id == new.id
        assert claim.person_id == person.id
        assert [r.id for r in issuing.credentials_of(session, person.id)] == [new.id]
        assert "claim.accept" in set(session.execute(select(AuditEvent.action)).scalars())
    # the link works once, even for the same person
    with world.db.session() as session, pytest.raises(Conflict, match="already used"):
        claims.claim(session, world, pat, token)


def test_only_the_account_with_the_address_can_claim(world: Any) -> None:
    old_id, token = issue(world, Recipient(email=STRANGER))
    assert token is not None
    with world.db.session() as session:
        james = accounts.principal_for(
            session,
            session.execute(
                select(Person).where(Person.email == "james@demo.openler.org")
            ).scalar_one(),
        )
        with pytest.raises(Forbidden, match=r"sent to pat\.doe@example\.org"):
            claims.claim(session, world, james, token)
        with pytest.raises(Forbidden):
            claims.claim(session, world, accounts.Principal.system("test"), token)
        with pytest.raises(NotFound):
            claims.claim(session, world, james, token + "x")
    with world.db.session() as session:
        row = session.get(IssuedCredential, old_id)
        assert row is not None and row.state == "active" and row.replaced_by is None
        assert session.execute(select(Claim)).scalar_one().claimed_at is None


def test_a_link_sent_again_replaces_the_old_one_and_links_expire(world: Any) -> None:
    old_id, first = issue(world, Recipient(email=STRANGER))
    assert first is not None
    with world.db.session() as session:
        row = session.get(IssuedCredential, old_id)
        assert row is not None
        claims.resend(session, world, staff(session), row)
        session.flush()
        second = token_sent_for(session, old_id)
        # denied: a verifier of the same organization is not issuing staff
        hr = accounts.principal_for(
            session,
            session.execute(
                select(Person).where(Person.email == "hr@demo.openler.org")
            ).scalar_one(),
        )
        with pytest.raises(Forbidden):
            claims.resend(session, world, hr, row)
    assert second != first
    pat = new_account(world, "pat.doe@example.org")
    with world.db.session() as session, pytest.raises(Conflict, match="expired or was replaced"):
        claims.claim(session, world, pat, first)
    later = world.clock
    world.clock = lambda: later() + timedelta(days=61)
    try:
        with world.db.session() as session:
            assert claims.offer(session, world, second).problem is not None
            with pytest.raises(Conflict, match="expired"):
                claims.claim(session, world, pat, second)
    finally:
        world.clock = later
    with world.db.session() as session:
        assert claims.claim(session, world, pat, second).person_id == pat.person_id


def test_a_revoked_credential_cannot_be_claimed_and_a_suspended_one_stays_suspended(
    world: Any,
) -> None:
    revoked_id, revoked_token = issue(world, Recipient(email=STRANGER))
    suspended_id, suspended_token = issue(
        world, Recipient(email="pat.doe@example.org"), allow_duplicate=True
    )
    assert revoked_token and suspended_token
    with world.db.session() as session:
        issuing.set_status(session, world, staff(session), revoked_id, action="revoke")
        issuing.set_status(session, world, staff(session), suspended_id, action="suspend")
    pat = new_account(world, "pat.doe@example.org")
    with world.db.session() as session:
        with pytest.raises(Conflict, match="revoked"):
            claims.claim(session, world, pat, revoked_token)
        new = claims.claim(session, world, pat, suspended_token)
        assert new.state == "suspended"


def test_a_claim_follows_a_reissue_of_the_email_only_credential(world: Any) -> None:
    old_id, token = issue(world, Recipient(email=STRANGER))
    assert token is not None
    with world.db.session() as session:
        reissued = issuing.reissue(session, world, accounts.Principal.system("test"), old_id)
        reissued_id = reissued.id
    pat = new_account(world, "pat.doe@example.org")
    with world.db.session() as session:
        assert claims.offer(session, world, token).credential.id == reissued_id
        new = claims.claim(session, world, pat, token)
        assert new.previous_id == reissued_id


def test_offer_claim_is_cheap_and_optional(world: Any) -> None:
    credential_id, _ = issue(world, Recipient(identifier="RN.1"))
    with world.db.session() as session:
        row = session.get(IssuedCredential, credential_id)
        assert row is not None
        events = session.scalar(select(func.count()).select_from(AuditEvent))
        assert claims.offer_claim(session, world, row, Recipient(identifier="RN.1")) is None
        offered = claims.offer_claim(
            session, world, row, Recipient(email="x@example.org"), audited=False
        )
        assert offered is not None
        session.flush()
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
        bound = Recipient(email="x@example.org", did="did:example:1")
        assert claims.offer_claim(session, world, row, bound) is None


def waiting_mail(session: Any, to: str, kind: str = "claim") -> list[OutboxMessage]:
    return list(
        session.execute(
            select(OutboxMessage).where(
                OutboxMessage.to_address == to,
                OutboxMessage.kind == kind,
                OutboxMessage.sent_at.is_(None),
            )
        ).scalars()
    )


def withdrawn_reasons(session: Any) -> list[str]:
    return [
        e.data["reason"]
        for e in session.execute(
            select(AuditEvent)
            .where(AuditEvent.action == "outbox.withdraw")
            .order_by(AuditEvent.seq)
        ).scalars()
    ]


def test_claim_mails_whose_link_stopped_working_are_withdrawn(world: Any) -> None:
    """Revoked, sent again, claimed: the mail not sent yet is never sent (an audit event
    says why); mail whose link still works stays."""
    pat, kim, lee = "pat.doe@example.org", "kim@example.org", "lee@example.org"
    pat_id, _ = issue(world, Recipient(email=pat))
    kim_id, _ = issue(world, Recipient(email=kim))
    issue(world, Recipient(email=lee))
    with world.db.session() as session:
        issuing.set_status(session, world, staff(session), kim_id, action="revoke", reason="x")
    with world.db.session() as session:
        assert waiting_mail(session, kim) == []
        assert withdrawn_reasons(session) == ["the credential was revoked"]
        (first,) = waiting_mail(session, pat)
        row = session.get(IssuedCredential, pat_id)
        assert row is not None
        claims.resend(session, world, staff(session), row)
        session.flush()
        (second,) = waiting_mail(session, pat)
        assert second.id != first.id
        token = token_sent_for(session, pat_id)
        assert withdrawn_reasons(session)[-1].startswith("the link was sent again")
    account = new_account(world, pat)
    with world.db.session() as session:
        claims.claim(session, world, account, token)
    with world.db.session() as session:
        assert waiting_mail(session, pat) == []
        assert withdrawn_reasons(session)[-1] == "the credential was claimed"
        assert len(waiting_mail(session, lee)) == 1  # its link still works: kept
        # nothing of the withdrawn links is kept
        events = session.execute(
            select(AuditEvent).where(AuditEvent.action == "outbox.withdraw")
        ).scalars()
        assert all("/claim/" not in str(e.data) for e in events)


def test_a_used_signup_link_is_withdrawn_but_a_note_without_a_link_is_not(world: Any) -> None:
    with world.db.session() as session:
        signup.request_link(session, world, email="new@example.org")
        signup.request_link(session, world, email="maria@demo.openler.org")  # has an account
    new_account(world, "new@example.org")
    with world.db.session() as session:
        assert waiting_mail(session, "new@example.org", "signup") == []
        assert withdrawn_reasons(session) == [
            "an account with the address exists: the sign-up link is no use"
        ]
        assert len(waiting_mail(session, "maria@demo.openler.org", "signup")) == 1
