"""``openler verify`` on hostile files: the report is printed as text, the exit code is kept.

Everything a report says can come from the input (a term, a name, a file name). The
terminal renderer used Rich markup, so a credential with a member named ``[/x]`` stopped
the command with a MarkupError traceback, and ``[red]`` restyled the verdict.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from openler.cli import main
from openler.cli.app import app

runner = CliRunner()
DOC = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]}


@pytest.mark.parametrize("name", ["[/x]", "[bold red]VERIFIED", "[link=https://evil.example]"])
def test_markup_in_a_report_is_printed_as_text(tmp_path: Path, name: str) -> None:
    path = tmp_path / "input.json"
    path.write_text(json.dumps({**DOC, name: 1}))
    result = runner.invoke(app, ["verify", str(path)], env={"COLUMNS": "250"})
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1
    assert f"term '{name}' is not defined" in result.output


def test_a_repeated_name_is_unreadable_input_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "input.json"
    path.write_text('{"proof": {}, "proof": {}}')
    result = runner.invoke(app, ["verify", str(path)], env={"COLUMNS": "250"})
    assert result.exit_code == 2
    assert "duplicate member name 'proof'" in result.output


def test_error_messages_are_printed_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    missing = tmp_path / "[/x]"
    (tmp_path / "input.json").write_text(json.dumps(DOC))
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "openler",
            "verify",
            str(tmp_path / "input.json"),
            "--trust",
            str(missing),
            "--trust-authority",
            "did:example:registry",
        ],
    )
    with pytest.raises(SystemExit) as caught:
        main()
    assert caught.value.code == 2
    assert f"cannot read trust snapshot {missing}" in capsys.readouterr().err
