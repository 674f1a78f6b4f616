"""Alembic environment: runs on the connection handed in by ``Database.upgrade``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from openler.store.models import Base

config = context.config
target_metadata = Base.metadata


def include_name(name: str | None, kind: str, parent: object) -> bool:
    """Leave Procrastinate's tables (the job queue's own schema) out of autogenerate."""
    return not (kind == "table" and (name or "").startswith("procrastinate"))


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        context.configure(
            connection=conn,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()


run()
