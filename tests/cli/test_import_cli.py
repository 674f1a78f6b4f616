"""``openler wallet import``: a row per file, exit 0 when everything was added verified or
already held, 1 when something did not verify or was not a credential."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from openler.store.models import ReceivedCredential
from openler.vc import bake_png
from openler.vc.baking import blank_png
from tests.cli.test_issue_cli import openler, operator_env  # noqa: F401 - a fixture by name

MARIA = "maria@demo.openler.org"


def kept(platform: Any) -> int:
    with platform.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(ReceivedCredential)) or 0)


def test_wallet_import_prints_a_row_per_file_and_exits_by_the_result(
    operator_env: Any,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    signed_license: dict[str, Any],
) -> None:
    badge = tmp_path / "licence.png"
    badge.write_bytes(bake_png(blank_png(), json.dumps(signed_license)))
    copy = tmp_path / "licence.json"
    copy.write_text(json.dumps(signed_license, indent=2))
    code, out, err = openler(
        monkeypatch, capsys, "wallet", "import", "--email", MARIA, str(badge), str(copy)
    )
    assert code == 0, err
    assert out.splitlines() == [
        "licence.png: Added, verified — Registered Nurse. Verified: signed by Ohio Board of "
        "Nursing; its issuer is not on this platform's list of trusted issuers",
        "licence.json: Already in your record — Registered Nurse. The same credential was added before",
    ]
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    code, out, _ = openler(
        monkeypatch, capsys, "wallet", "import", "--email", MARIA, str(notes), str(badge)
    )
    assert code == 1
    assert out.startswith("notes.txt: Not imported. This file is not a credential")
    assert kept(operator_env) == 1


def test_wallet_import_needs_an_account_and_a_file(
    operator_env: Any,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    some = tmp_path / "x.json"
    some.write_text("{}")
    code, _, err = openler(
        monkeypatch, capsys, "wallet", "import", "--email", "nobody@example.org", str(some)
    )
    assert code != 0 and "nobody@example.org" in err
    code, _, _ = openler(
        monkeypatch, capsys, "wallet", "import", "--email", MARIA, str(tmp_path / "missing.json")
    )
    assert code == 2
    assert kept(operator_env) == 0
