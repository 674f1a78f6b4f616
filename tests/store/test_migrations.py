"""Migrations build exactly the schema the models describe, and go down and up again."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from openler.store import Base, Database, MigrationRequired


def ours(name: str | None, kind: str, parent: object) -> bool:
    """Procrastinate keeps its own tables in the same database; they are not ours."""
    return not (kind == "table" and (name or "").startswith("procrastinate"))


def test_migrations_match_the_models(database_url: str) -> None:
    db = Database(database_url)
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": ours})
        assert compare_metadata(context, Base.metadata) == []
    current, head = db.revisions()
    assert current == head
    db.require_migrated()
    db.dispose()


def test_down_and_up_again(platform: Any) -> None:
    db = platform.db
    config = db.alembic_config()
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert "organizations" not in inspect(db.engine).get_table_names()
    with pytest.raises(MigrationRequired, match="openler db upgrade"):
        db.require_migrated()
    db.upgrade()
    assert "organizations" in inspect(db.engine).get_table_names()
