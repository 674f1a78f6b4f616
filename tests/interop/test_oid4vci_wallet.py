"""openler's wallet as an OpenID4VCI client of an issuer others wrote: a credential issuer
built on the OpenWallet Foundation's ``Openid4vciIssuer`` and ``Oauth2AuthorizationServer``
(``@openid4vc/openid4vci``, ``@openid4vc/oauth2``), signing with Digital Bazaar's ``vc`` and
``eddsa-rdfc-2022``. Maria's wallet takes its offer (by value and by reference, with a
transaction code or not), proves possession of her did:key, verifies what arrives and files
it in her record, labelled with its issuer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from openler.services.protocols import oid4vci_wallet
from openler.services.protocols.client import ProtocolError
from openler.store.models import AuditEvent, Person
from tests.conftest import load_demo
from tests.interop.node import node_server
from tests.services.issuing_world import who

MARIA = "maria@demo.openler.org"


@pytest.fixture(scope="module")
def node_issuer() -> Iterator[str]:
    with node_server("oid4vci/issuer_server.mjs") as url:
        yield url


@pytest.fixture
def world(platform: Any) -> Any:
    platform.settings = platform.settings.model_copy(update={"protocol_allow_loopback": True})
    platform.clock = _now_utc  # the Node issuer keeps real time
    with platform.db.session() as session:
        load_demo(session, platform)
    return platform


def offer(node_issuer: str, **options: Any) -> dict[str, Any]:
    made: dict[str, Any] = httpx.post(f"{node_issuer}/test/offers", json=options).json()
    return made


def _now_utc() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


@pytest.mark.parametrize("by_reference", [False, True])
def test_maria_receives_a_credential_from_an_independent_issuer(
    world: Any, node_issuer: str, by_reference: bool
) -> None:
    made = offer(node_issuer, byReference=by_reference)
    with world.db.session() as session:
        principal = who(session, MARIA)
        preview = oid4vci_wallet.preview(world, made["offer"])
        assert preview.issuer_name == "Independent Training Institute"
        assert preview.credential_name == "Forklift Operator Safety"
        row = oid4vci_wallet.accept(session, world, principal, made["offer"])
        maria = session.execute(select(Person).where(Person.email == MARIA)).scalar_one()
        assert row.person_id == maria.id
        assert row.document["credentialSubject"]["id"] == maria.did
        # the name it gives itself, with the host the wallet reached it at
        assert row.issuer_name.startswith("Independent Training Institute (127.0.0.1:")
        assert row.issuer.startswith("did:key:")
        assert row.name == "Forklift Operator Safety"
        assert row.format == "ldp_vc"
        assert [r.id for r in oid4vci_wallet.received_of(session, principal)] == [row.id]
        audited = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "wallet.receive")
        ).all()
        assert [event.subject for event in audited] == [row.id]


def test_a_transaction_code_is_asked_for_and_sent(world: Any, node_issuer: str) -> None:
    made = offer(node_issuer, txCode=True)
    with world.db.session() as session:
        principal = who(session, MARIA)
        with pytest.raises(Exception, match="transaction code"):
            oid4vci_wallet.accept(session, world, principal, made["offer"])
        with pytest.raises(ProtocolError, match="invalid_grant"):
            oid4vci_wallet.accept(session, world, principal, made["offer"], tx_code="000001")
    made = offer(node_issuer, txCode=True)
    with world.db.session() as session:
        row = oid4vci_wallet.accept(
            session, world, who(session, MARIA), made["offer"], tx_code=made["txCode"]
        )
        assert row.name == "Forklift Operator Safety"


def test_a_used_offer_is_refused_by_the_issuer(world: Any, node_issuer: str) -> None:
    made = offer(node_issuer)
    with world.db.session() as session:
        oid4vci_wallet.accept(session, world, who(session, MARIA), made["offer"])
    with world.db.session() as session, pytest.raises(ProtocolError, match="invalid_grant"):
        oid4vci_wallet.accept(session, world, who(session, MARIA), made["offer"])


def test_without_loopback_the_wallet_does_not_reach_127_0_0_1(
    platform: Any, node_issuer: str
) -> None:
    with platform.db.session() as session:
        load_demo(session, platform)
    made = offer(node_issuer, byReference=True)
    with platform.db.session() as session, pytest.raises(ProtocolError):
        oid4vci_wallet.accept(session, platform, who(session, MARIA), made["offer"])


@pytest.mark.parametrize(
    ("mode", "says"), [("other-holder", "not bound to your wallet"), ("tampered", "did not verify")]
)
def test_what_does_not_verify_or_is_someone_elses_is_not_kept(
    world: Any, node_issuer: str, mode: str, says: str
) -> None:
    made = offer(node_issuer, mode=mode)
    with world.db.session() as session, pytest.raises(ProtocolError, match=says):
        oid4vci_wallet.accept(session, world, who(session, MARIA), made["offer"])
    with world.db.session() as session:
        assert oid4vci_wallet.received_of(session, who(session, MARIA)) == []


def test_what_is_not_an_offer_is_refused(world: Any) -> None:
    from openler.services.errors import UsageError

    for text in ("https://example.org/", "openid-credential-offer://?credential_offer=[1]", "{}"):
        with world.db.session() as session, pytest.raises((UsageError, ProtocolError)):
            oid4vci_wallet.accept(session, world, who(session, MARIA), text)
