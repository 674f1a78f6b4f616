"""``openler offers create`` and ``openler wallet accept-offer``: an OpenID4VCI offer of a
claim-flow credential printed last, and a person's openler wallet receiving from an issuer
others wrote (``@openid4vc/openid4vci``'s ``Openid4vciIssuer``)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from openler.store.models import Claim, CredentialOffer, ReceivedCredential
from tests.cli.test_issue_cli import openler, operator_env  # noqa: F401 - a fixture by name
from tests.interop.node import node_server


def test_offers_create_prints_the_offer_last(
    operator_env: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = openler(
        monkeypatch, capsys, "offers", "create", "--org", "ohio-nursing",
        "--achievement", "registered-nurse", "--email", "new@example.org", "--tx-code",
    )  # fmt: skip
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[-1].startswith("openid-credential-offer://?credential_offer_uri=")
    assert any(line.startswith("transaction code: ") for line in lines)
    with operator_env.db.session() as session:
        offer = session.scalars(select(CredentialOffer)).one()
        assert offer.configuration_id == "registered-nurse.ldp_vc"
        assert offer.tx_code_hash is not None
        assert session.scalars(select(Claim)).one().email == "new@example.org"
    code, out, _ = openler(
        monkeypatch, capsys, "offers", "create", "--org", "ohio-nursing", "--achievement",
        "registered-nurse", "--email", "jwt@example.org", "--format", "jwt_vc_json", "--by-value",
    )  # fmt: skip
    assert code == 0 and out.strip().splitlines()[-1].startswith(
        "openid-credential-offer://?credential_offer=%7B"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--protocol", "chapi"],  # OpenID4VCI and VC API exchanges only
        ["--format", "mso_mdoc"],
    ],
)
def test_offers_create_refuses_what_it_does_not_do(
    operator_env: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
) -> None:
    code, _, err = openler(
        monkeypatch, capsys, "offers", "create", "--org", "ohio-nursing",
        "--achievement", "registered-nurse", "--email", "x@example.org", *args,
    )  # fmt: skip
    assert code == 2, err


def test_unknown_achievement(
    operator_env: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = openler(
        monkeypatch, capsys, "offers", "create", "--org", "ohio-nursing",
        "--achievement", "nope", "--email", "x@example.org",
    )  # fmt: skip
    assert code == 2 and "no achievement 'nope'" in err


def test_wallet_accept_offer_from_an_independent_issuer(
    operator_env: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OPENLER_PROTOCOL_ALLOW_LOOPBACK", "1")
    with node_server("oid4vci/issuer_server.mjs") as issuer:
        offer = httpx.post(f"{issuer}/test/offers", json={}).json()["offer"]
        code, out, err = openler(
            monkeypatch, capsys, "wallet", "accept-offer", "--email", "maria@demo.openler.org",
            offer,
        )  # fmt: skip
    assert code == 0, err
    lines = out.strip().splitlines()
    assert "Forklift Operator Safety from Independent Training Institute" in lines[0]
    with operator_env.db.session() as session:
        row = session.get(ReceivedCredential, lines[-1])
        assert row is not None and row.issuer_name.startswith(
            "Independent Training Institute ("
        )  # and its host


def test_wallet_accept_offer_needs_an_account(
    operator_env: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = openler(
        monkeypatch, capsys, "wallet", "accept-offer", "--email", "nobody@example.org",
        "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.example%2Fo",
    )  # fmt: skip
    assert code == 2 and "no account" in err
