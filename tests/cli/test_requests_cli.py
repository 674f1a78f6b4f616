"""``openler requests``: OpenID4VP requests from the command line — the link as the last
line or ``{id, uri}`` with ``--json``, the state shown, and clear refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_issue_cli import openler, operator_env  # noqa: F401 - fixture by name
from tests.conftest import DATA

QUERY = DATA / "oid4vp" / "rn_licence.json"


def create(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, str]:
    """``openler requests create`` for Piedmont with the RN licence query."""
    return openler(
        monkeypatch,
        capsys,
        "requests",
        "create",
        "--org",
        "piedmont-hospital",
        "--query",
        str(QUERY),
        *extra,
    )


def test_create_and_show(
    operator_env: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _err = create(
        monkeypatch,
        capsys,
    )
    assert code == 0 and out.splitlines()[-1].startswith("openid4vp://?client_id=")
    code, out, _err = create(
        monkeypatch,
        capsys,
        "--protocol",
        "oid4vp",
        "--json",
    )
    created = json.loads(out.splitlines()[-1])
    assert code == 0 and set(created) == {"id", "uri"}
    code, out, _err = openler(monkeypatch, capsys, "requests", "show", created["id"], "--json")
    shown = json.loads(out)
    assert code == 0 and shown["state"] == "waiting" and shown["verified"] is None
    assert shown["uri"] == created["uri"] and shown["protocol"] == "oid4vp"


def test_refusals(
    operator_env: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    code, _out, err = create(
        monkeypatch,
        capsys,
        "--protocol",
        "chapi",
    )
    assert code == 2 and "--protocol 'chapi' is not supported" in err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"credentials": [{"id": "x", "format": "mso_mdoc"}]}))
    code, _out, err = openler(
        monkeypatch, capsys, "requests", "create", "--org", "piedmont-hospital", "--query", str(bad)
    )
    assert code == 2 and "DCQL query is not acceptable" in err
    code, _out, err = openler(monkeypatch, capsys, "requests", "show", "no-such-id")
    assert code == 2 and "no request" in err
    code, _out, err = openler(
        monkeypatch, capsys, "wallet", "answer", "--email", "nobody@example.org", "openid4vp://?x"
    )
    assert code == 2 and "no person has the email" in err


def test_the_same_query_file_asks_a_vc_api_wallet(
    operator_env: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``--protocol vcapi`` makes a VC API exchange from the DCQL file: its interaction URL
    is the ``uri``, and the request it answers into asks by QueryByExample."""
    code, out, _err = create(
        monkeypatch,
        capsys,
        "--protocol",
        "vcapi",
        "--json",
    )
    created = json.loads(out.splitlines()[-1])
    assert code == 0 and created["uri"].endswith("?iuv=1") and "/exchanges/" in created["uri"]
    code, out, _err = openler(monkeypatch, capsys, "requests", "show", created["id"], "--json")
    shown = json.loads(out)
    assert code == 0 and shown["state"] == "waiting"
    (asked,) = [q for q in shown["query"]["query"] if q["type"] == "QueryByExample"]
    example = asked["credentialQuery"][0]["example"]
    assert example["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert "License" in asked["credentialQuery"][0]["reason"]


def test_offers_in_either_protocol(
    operator_env: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = ["offers", "create", "--org", "ohio-nursing", "--achievement", "registered-nurse"]
    code, out, _err = openler(
        monkeypatch, capsys, *base, "--email", "a@example.org", "--protocol", "vcapi"
    )
    assert code == 0 and out.splitlines()[-1].endswith("?iuv=1")
    code, _out, err = openler(
        monkeypatch, capsys, *base, "--email", "b@example.org", "--protocol", "vcapi", "--tx-code"
    )
    assert code == 2 and "belong to --protocol oid4vci" in err
    code, out, _err = openler(monkeypatch, capsys, *base, "--email", "c@example.org")
    assert code == 0 and out.splitlines()[-1].startswith("openid-credential-offer://")
