"""``openler verify-roster``: a roster checked from the command line, its summary, its
verdicts file and its exit codes (0 all verified and active, 1 some not, 2 unusable)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from openler.store.models import IssuedCredential, Job
from tests.cli.test_issue_cli import openler, operator_env  # noqa: F401 - a fixture by name
from tests.conftest import NOW


def licences(platform: Any, folder: Path, *extra: tuple[str, str]) -> Path:
    with platform.db.session() as s:
        documents = [r.document for r in s.execute(select(IssuedCredential)).scalars()]
    path = folder / "licences.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n, document in enumerate(documents):
            archive.writestr(f"{n}.json", json.dumps(document))
        for name, text in extra:
            archive.writestr(name, text)
    path.write_bytes(buffer.getvalue())
    return path


def test_a_roster_is_checked_and_its_verdicts_written(
    operator_env: Any,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    roster = licences(operator_env, tmp_path, ("notes.txt", "the board's notes"))
    results = tmp_path / "verdicts.csv"
    args = ("verify-roster", str(roster), "--org", "piedmont-hospital")
    code, out, err = openler(monkeypatch, capsys, *args, "--results", str(results))
    assert code == 1, err
    assert "6 of 9 verified and active; 1 suspended; 1 expired; 1 not a credential" in out
    assert "notes.txt: not a credential: input is not JSON" in out
    rows = list(csv.reader(results.read_text("utf-8").splitlines()))
    assert len(rows) == 10 and rows[-1][1:4] == ["notes.txt", "not-credential", "no"]


def test_unusable_input_exits_2_with_nothing_queued(
    operator_env: Any,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    single = tmp_path / "one.json"
    single.write_text('{"@context": ["https://www.w3.org/ns/credentials/v2"]}')
    for path, said in (
        (single, "is a single document, not a roster"),
        (tmp_path / "none.zip", "no such file"),
    ):
        code, _out, err = openler(
            monkeypatch, capsys, "verify-roster", str(path), "--org", "piedmont-hospital"
        )
        assert code == 2 and said in err
    code, _out, err = openler(
        monkeypatch,
        capsys,
        "verify-roster",
        str(licences(operator_env, tmp_path)),
        "--org",
        "nowhere",
    )
    assert code != 0 and "no organization 'nowhere'" in err
    with operator_env.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Job)) == 0


def test_every_item_active_exits_0(
    operator_env: Any,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with operator_env.db.session() as s:
        row = s.execute(
            select(IssuedCredential)
            .where(IssuedCredential.state == "active", IssuedCredential.valid_until > NOW)
            .order_by(IssuedCredential.id)
            .limit(1)
        ).scalar()
        assert row is not None
        document = row.document
    roster = tmp_path / "one.zip"
    with zipfile.ZipFile(roster, "w") as archive:
        archive.writestr("rn.json", json.dumps(document))
    code, out, err = openler(
        monkeypatch, capsys, "verify-roster", str(roster), "--org", "piedmont-hospital"
    )
    assert code == 0, err
    assert "1 of 1 verified and active" in out
