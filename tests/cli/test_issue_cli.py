"""``openler issue batch``: a roster file issued from the command line, its summary, its
results file and its exit codes (0 all issued or held, 1 some row not, 2 unusable input)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from openler.cli import main
from openler.store.models import Achievement, IssuedCredential, Job
from tests.conftest import load_demo

ROSTER = (
    "email\tname\tLicence #\n"
    "one@example.org\tOne\tRN.1\n"
    "two@\tTwo\tRN.2\n"
    "maria@demo.openler.org\tMaria\tRN.3\n"
)


@pytest.fixture
def operator_env(platform: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The demo world, and the environment an operator's shell would have for it."""
    with platform.db.session() as s:
        load_demo(s, platform)
    settings = platform.settings
    monkeypatch.setenv("OPENLER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("OPENLER_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("OPENLER_KEY_ENCRYPTION_KEY", settings.key_encryption_key.get_secret_value())
    return platform


def openler(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """Run the real entry point (its one error handler included); exit code and output."""
    monkeypatch.setattr(sys, "argv", ["openler", *args])
    with pytest.raises(SystemExit) as ended:
        main()
    captured = capsys.readouterr()
    code = ended.value.code
    return (code if isinstance(code, int) else 0), captured.out, captured.err


def issued(platform: Any) -> int:
    with platform.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(IssuedCredential)) or 0)


def test_a_roster_with_a_bad_row_issues_the_rest_and_exits_1(
    operator_env: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    roster = tmp_path / "nurses.tsv"
    roster.write_text(ROSTER)
    before = issued(operator_env)
    common = ("issue", "batch", str(roster), "--org", "ohio-nursing")
    code, out, err = openler(
        monkeypatch,
        capsys,
        *common,
        "--achievement",
        "registered-nurse",
        "--dry-run",
    )
    assert code == 1, err
    assert "1 would be issued, 1 already holds it, 1 has problems" in out
    assert "row 2 (two@): 'two@' is not an email address" in out
    assert issued(operator_env) == before

    results = tmp_path / "out" / "results.csv"
    results.parent.mkdir()
    code, out, err = openler(
        monkeypatch,
        capsys,
        *common,
        "--achievement",
        "registered-nurse",
        "--column",
        "licenseNumber=Licence #",
        "--results",
        str(results),
    )
    assert code == 1, err
    assert "1 issued, 1 already holds it, 1 not issued" in out
    assert "Licence number (shown in the credential) ← 'Licence #'" in err
    assert issued(operator_env) == before + 1
    rows = list(csv.reader(results.read_text("utf-8").splitlines()))
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("1", "one@example.org", "issued"),
        ("2", "two@", "failed"),
        ("3", "maria@demo.openler.org", "already_holds"),
    ]
    with operator_env.db.session() as s:
        job = s.scalars(select(Job).order_by(Job.created_at.desc(), Job.id)).first()
        assert job is not None and job.created_by.startswith("system:cli:")
        credential = s.scalars(
            select(IssuedCredential).where(IssuedCredential.recipient_email == "one@example.org")
        ).one()
        assert credential.document["credentialSubject"]["licenseNumber"] == "RN.1"
        # the map is remembered for the achievement
        remembered = s.scalar(
            select(Achievement.column_map).where(Achievement.slug == "registered-nurse")
        )
        assert remembered == {"email": "email", "name": "name", "licenseNumber": "Licence #"}

    # every row good: issued or already held, exit 0
    roster.write_text("EMAIL,Name\none@example.org,One\nthree@example.org,Three\n")
    code, out, err = openler(monkeypatch, capsys, *common, "--achievement", "registered-nurse")
    assert code == 0, err
    assert "1 issued, 1 already holds it" in out and "not issued" not in out
    assert issued(operator_env) == before + 2


@pytest.mark.parametrize(
    ("args", "content", "message"),
    [
        (("--achievement", "registered-nurse"), None, "no such file"),
        (("--achievement", "no-such"), "email\na@example.org\n", "has no achievement 'no-such'"),
        (("--achievement", "registered-nurse", "--org", "nowhere"), "email\na@x.org\n", "nowhere"),
        (("--achievement", "registered-nurse"), "who,what\nx,y\n", "email address or identifier"),
        (("--achievement", "registered-nurse"), "email\n", "no rows"),
        (
            ("--achievement", "registered-nurse"),
            "email,name\nrené@x.org,René\n".encode("latin-1"),
            "save it as CSV UTF-8",
        ),
        (
            ("--achievement", "registered-nurse", "--column", "email"),
            "email\na@example.org\n",
            "write FIELD=HEADER",
        ),
        (
            ("--achievement", "registered-nurse", "--column", "email=Nope"),
            "email\na@example.org\n",
            "no column 'Nope'",
        ),
    ],
)
def test_unusable_input_exits_2_and_issues_nothing(
    operator_env: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    content: str | bytes | None,
    message: str,
) -> None:
    roster = tmp_path / "roster.csv"
    if isinstance(content, str):
        roster.write_text(content)
    elif content is not None:
        roster.write_bytes(content)
    before = issued(operator_env)
    options = list(args)
    if "--org" not in options:
        options += ["--org", "ohio-nursing"]
    code, _out, err = openler(monkeypatch, capsys, "issue", "batch", str(roster), *options)
    assert code == 2
    assert message in err
    assert issued(operator_env) == before


def test_a_dry_run_counts_a_repeated_recipient_once(
    operator_env: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "email,name\nbob@example.org,Bob\nmaria@demo.openler.org,Maria\nbob@example.org,Bob\n"
    )
    args = ("issue", "batch", str(roster), "--org", "ohio-nursing")
    code, out, err = openler(
        monkeypatch, capsys, *args, "--achievement", "registered-nurse", "--dry-run"
    )
    assert code == 0, err
    assert ": 1 would be issued, 1 already holds it, 1 repeats an earlier row" in out
    assert "roster.csv: 1 will be issued, 1 already holds it, 1 repeats an earlier row" in err
    code, out, err = openler(monkeypatch, capsys, *args, "--achievement", "registered-nurse")
    assert code == 0 and ": 1 issued, 2 already hold" in out


def test_an_explicit_column_wins_over_a_guessed_one(
    operator_env: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("Licence,Name\nRN.77,Rosa\n")  # Licence is guessed as licenseNumber
    code, _out, err = openler(
        monkeypatch,
        capsys,
        *("issue", "batch", str(roster), "--org", "ohio-nursing"),
        *("--achievement", "registered-nurse", "--column", "identifier=Licence"),
    )
    assert code == 0, err
    assert "Identifier (licence number, student id, …) ← 'Licence'" in err
    assert "Licence number" not in err
    with operator_env.db.session() as s:
        found = s.scalars(
            select(IssuedCredential).where(IssuedCredential.recipient_key == "identifier:RN.77")
        ).one()
        assert "licenseNumber" not in found.document["credentialSubject"]


def test_an_unrecognised_recipient_header_names_the_option_and_the_headers(
    operator_env: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("Work e-mail,Full name\na@example.org,A\n")
    code, _out, err = openler(
        monkeypatch,
        capsys,
        *("issue", "batch", str(roster), "--org", "ohio-nursing"),
        *("--achievement", "registered-nurse"),
    )
    assert code == 2
    assert "--column email=HEADER" in err and "'Work e-mail', 'Full name'" in err
    code, _out, err = openler(
        monkeypatch,
        capsys,
        *("issue", "batch", str(roster), "--org", "ohio-nursing"),
        *("--achievement", "registered-nurse", "--column", "email=Mail"),
    )
    assert code == 2 and "no column 'Mail'" in err and "'Work e-mail', 'Full name'" in err
