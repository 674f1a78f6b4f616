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


def test_create_and_show(
    operator_env: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _err = openler(
        monkeypatch,
        capsys,
        "requests",
        "create",
        "--org",
        "piedmont-hospital",
        "--query",
        str(QUERY),
    )
    assert code == 0 and out.splitlines()[-1].startswith("openid4vp://?client_id=")
    code, out, _err = openler(
        monkeypatch,
        capsys,
        "requests",
        "create",
        "--org",
        "piedmont-hospital",
        "--query",
        str(QUERY),
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
    code, _out, err = openler(
        monkeypatch,
        capsys,
        "requests",
        "create",
        "--org",
        "piedmont-hospital",
        "--query",
        str(QUERY),
        "--protocol",
        "vcapi",
    )
    assert code == 2 and "--protocol 'vcapi' is not supported" in err
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
