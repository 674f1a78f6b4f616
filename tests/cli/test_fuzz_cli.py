"""Fuzzing ``openler verify``: any file gives exit 0, 1 or 2 and a message, never a traceback.

The command's contract (``openler verify --help``): 0 when every input verified, 1 when one
did not, 2 when one could not be read. Inputs are structured mutations of real signed
documents, their JSON text, JWTs, baked badges and raw bytes (``tests/hostile.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from openler.cli.app import app
from openler.services.errors import ServiceError
from openler.vc import VCError
from tests.conftest import EXAMPLES_CONTEXT, EXAMPLES_CONTEXT_URL
from tests.hostile import as_bytes, fuzz_settings, hostile_inputs

runner = CliRunner()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz-cli")
    (folder / "examples.json").write_text(json.dumps(EXAMPLES_CONTEXT))
    return folder


@fuzz_settings(100)
@given(data=hostile_inputs(), output=st.sampled_from([[], ["--json"], ["--jsonl"]]))
def test_verify_exits_0_1_or_2_without_a_traceback(
    workdir: Path, data: Any, output: list[str]
) -> None:
    path = workdir / "input"
    path.write_bytes(as_bytes(data))
    result = runner.invoke(
        app,
        [
            "verify",
            str(path),
            *output,
            "--at",
            "2026-11-24T12:00:00Z",
            "--context",
            f"{EXAMPLES_CONTEXT_URL}={workdir / 'examples.json'}",
        ],
    )
    # CliRunner keeps what `openler`'s main() would turn into a one-line message (an
    # openler error) or an exit code (SystemExit); anything else is a crash.
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert isinstance(result.exception, VCError | ServiceError), repr(result.exception)
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output
    if output == ["--json"]:
        assert json.loads(result.output)["input"] == str(path)
