"""``openler issue extend`` and ``openler reminders send`` on a platform database."""

from __future__ import annotations

import base64
import csv
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from openler.cli.app import app
from openler.services.errors import UsageError
from openler.store.models import IssuedCredential, OutboxMessage
from tests.conftest import load_demo


@pytest.fixture
def env(platform: Any, tmp_path: Path) -> dict[str, str]:
    with platform.db.session() as s:
        load_demo(s, platform)
    return {
        "OPENLER_DATABASE_URL": platform.settings.database_url,
        "OPENLER_DATA_DIR": str(tmp_path / "var"),
        # the fixture's key-encryption key, which sealed the demo's keys
        "OPENLER_KEY_ENCRYPTION_KEY": base64.b64encode(bytes(range(32))).decode(),
    }


def test_extend_from_the_command_line(env: dict[str, str], platform: Any, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["issue", "extend", "--org", "ohio-nursing", "--achievement", "registered-nurse"]
    dry = runner.invoke(app, [*base, "--days", "30", "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "1 credential would be extended by 30 days" in dry.output
    # dates as roster files write them
    later = runner.invoke(
        app, [*base, "--days", "30", "--dry-run", "--expiring-before", "01/31/2000"], env=env
    )
    assert later.exit_code == 0 and "0 credentials would be extended" in later.output
    wrong = runner.invoke(app, [*base, "--days", "30", "--issued-before", "31/12/2029"], env=env)
    # (the entry point's one error handler turns a UsageError into exit 2)
    assert isinstance(wrong.exception, UsageError)
    assert "--issued-before '31/12/2029' is not a date" in str(wrong.exception)
    with platform.db.session() as s:
        before = s.scalar(select(func.count()).select_from(IssuedCredential))
    out = tmp_path / "report.csv"
    # not at a terminal and without --yes: asked, not done
    unasked = runner.invoke(app, [*base, "--days", "30"], env=env)
    assert isinstance(unasked.exception, UsageError)
    assert "Extend 1 credential by 30 days? Add --yes" in str(unasked.exception)
    with platform.db.session() as s:
        assert s.scalar(select(func.count()).select_from(IssuedCredential)) == before
    done = runner.invoke(
        app,
        [*base, "--days", "30", "--report", str(out), "--yes", "--issued-before", "12/31/2999"],
        env=env,
    )
    assert done.exit_code == 0, done.output
    assert "1 extended, 0 not extended" in done.output
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    assert rows[0][:2] == ["row", "outcome"] and rows[1][1] == "extended"
    with platform.db.session() as s:
        assert s.scalar(select(func.count()).select_from(IssuedCredential)) == before + 1
        old = s.get(IssuedCredential, rows[1][3])
        new = s.get(IssuedCredential, rows[1][4])
        assert old is not None and new is not None and old.replaced_by == new.id
    bad = runner.invoke(app, ["issue", "extend", "--org", "nowhere", "--days", "30"], env=env)
    assert bad.exit_code != 0


def test_reminders_from_the_command_line(env: dict[str, str], platform: Any) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["reminders", "send", "--days", "3650"], env=env)
    assert first.exit_code == 0, first.output
    with platform.db.session() as s:
        queued = s.scalar(select(func.count()).select_from(OutboxMessage))
    assert queued and f"{queued} reminder{'' if queued == 1 else 's'} queued" in first.output
    again = runner.invoke(app, ["reminders", "send", "--days", "3650"], env=env)
    assert again.exit_code == 0 and "0 reminders queued" in again.output
    assert f"{queued} sent before" in again.output
