"""``openler achievements``: add, list and retire from the operator's command line, with
refusals as one line naming the field and exit code 2."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from openler.store import Database
from openler.store.models import Achievement, AuditEvent
from tests.web.test_members import _openler


def test_the_operator_adds_lists_and_retires_achievements(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    env = {"OPENLER_DATABASE_URL": url, "OPENLER_DATA_DIR": str(tmp_path / "var")}
    assert _openler(env, "db", "upgrade").returncode == 0
    org = ("orgs", "add", "--slug", "acme", "--name", "Acme", "--kind", "issuer")
    assert _openler(env, *org, "--did-method", "key").returncode == 0

    add = ("achievements", "add", "--org", "acme", "--slug", "forklift", "--name", "Forklift")
    added = _openler(
        env, *add, "--type", "License", "--criteria", "https://acme.example/forklift",
        "--valid-days", "730",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "/orgs/acme/achievements/forklift (version 1)" in added.stdout

    taken = _openler(env, *add)
    assert taken.returncode == 2 and "already has an achievement 'forklift'" in taken.stderr
    wrong = _openler(
        env, "achievements", "add", "--org", "acme", "--slug", "x", "--name", "X",
        "--type", "Licence",
    )  # fmt: skip
    assert wrong.returncode == 2 and "Type: 'Licence' is not an OB 3.0 type" in wrong.stderr
    nowhere = _openler(env, "achievements", "list", "--org", "nowhere")
    assert nowhere.returncode != 0 and "nowhere" in nowhere.stderr

    listed = _openler(env, "achievements", "list", "--org", "acme")
    assert listed.stdout.split() == [
        "forklift", "v1", "License", "0", "issued", "offered", "Forklift",
    ]  # fmt: skip
    retire = ("achievements", "retire", "--org", "acme", "--slug", "forklift")
    assert _openler(env, *retire).stdout.strip() == "retired: Forklift (forklift)"
    again = _openler(env, *retire)
    assert again.returncode == 2 and "already retired" in again.stderr
    assert "retired" in _openler(env, "achievements", "list", "--org", "acme").stdout
    assert _openler(env, *retire, "--undo").returncode == 0

    db = Database(url)
    with db.session() as s:
        row = s.execute(select(Achievement)).scalar_one()
        assert row.data["criteria"] == {"id": "https://acme.example/forklift"}
        assert row.data["description"] == "Forklift" and row.valid_days == 730
        assert row.retired_at is None
        actions = [
            (e.action, e.actor)
            for e in s.scalars(select(AuditEvent).where(AuditEvent.action.like("achievement.%")))
        ]
    db.dispose()
    assert [a for a, _ in actions] == [
        "achievement.create", "achievement.retire", "achievement.unretire",
    ]  # fmt: skip
    assert all(actor.startswith("system:cli:") for _, actor in actions)
