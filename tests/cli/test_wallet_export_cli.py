"""``openler wallet export``: a person's record as JSON or LER-RS on standard output, the PDF
résumé into a file (never onto a terminal), and clear refusals."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from openler.services.holders import exports
from openler.store.models import AuditEvent, Share
from tests.cli.test_issue_cli import openler, operator_env  # noqa: F401 - a fixture by name


def test_json_and_ler_rs_go_to_standard_output(
    operator_env: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = openler(
        monkeypatch, capsys, "wallet", "export", "--email", "Maria@demo.openler.org"
    )
    assert code == 0, err
    bundle = json.loads(out)
    assert bundle["type"] == exports.BUNDLE_TYPE
    assert bundle["person"]["email"] == "maria@demo.openler.org"
    assert bundle["presentation"]["proof"]["proofPurpose"] == "authentication"
    code, out, err = openler(
        monkeypatch, capsys, "wallet", "export", "--email", "maria@demo.openler.org",
        "--format", "ler-rs",
    )  # fmt: skip
    assert code == 0, err
    resume = json.loads(out)
    assert resume["type"] == exports.LER_RS_TYPE
    assert resume["person"]["name"]["formattedName"] == "Maria Alvarez"
    with operator_env.db.session() as s:
        formats = [
            e.data["format"]
            for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "record.export"))
        ]
    assert formats == ["json", "ler-rs"]


def test_the_pdf_goes_to_a_file_with_links_only_when_asked(
    operator_env: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    target = tmp_path / "maria.pdf"
    code, _, err = openler(
        monkeypatch, capsys, "wallet", "export", "--email", "maria@demo.openler.org",
        "--format", "pdf", "--out", str(target),
    )  # fmt: skip
    assert code == 0, err
    assert target.read_bytes().startswith(b"%PDF-") and f"wrote {target}" in err
    with operator_env.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Share)) == 0
    code, _, err = openler(
        monkeypatch, capsys, "wallet", "export", "--email", "maria@demo.openler.org",
        "--format", "pdf", "--out", str(target), "--links",
    )  # fmt: skip
    assert code == 0, err
    with operator_env.db.session() as s:
        made = list(s.scalars(select(Share)))
    assert made and {m.audience for m in made} == {exports.PRINTED_AUDIENCE}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "nobody@example.org"], "no account has the email address"),
        (["--email", "maria@demo.openler.org", "--links"], "--links is for --format pdf"),
        (["--email", "maria@demo.openler.org", "--format", "pdf"], "give --out FILE"),
        (["--email", "maria@demo.openler.org", "--format", "docx"], "docx"),
        (
            ["--email", "maria@demo.openler.org", "--format", "pdf", "--language", "xx"],
            "there is no language 'xx' here; choose one of en, es",
        ),
        (["--email", "maria@demo.openler.org", "--language", "es"], "--language is for --format"),
    ],
)
def test_refusals_say_what_to_do(
    operator_env: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)  # as on a terminal
    code, out, err = openler(monkeypatch, capsys, "wallet", "export", *args)
    assert code != 0 and message in err and out == ""


def test_the_pdf_is_written_in_the_language_asked_for(
    operator_env: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from tests.web.test_language_services import pdf_text

    written = {}
    for language in ("es", "en"):
        target = tmp_path / f"maria-{language}.pdf"
        code, _, err = openler(
            monkeypatch, capsys, "wallet", "export", "--email", "maria@demo.openler.org",
            "--format", "pdf", "--out", str(target), "--language", language,
        )  # fmt: skip
        assert code == 0, err
        written[language] = pdf_text(target.read_bytes())
    assert "Licencias y certificaciones" in written["es"] and "Estado: activa" in written["es"]
    assert "Licences and certifications" not in written["es"]
    assert "Licences and certifications" in written["en"] and "State: active" in written["en"]
