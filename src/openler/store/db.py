"""The database: engine and sessions, migrations, and the start-up check."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from openler.store import publication


class MigrationRequired(RuntimeError):  # noqa: N818 - reads as the condition it names
    """The database schema is not at the current migration."""

    def __init__(self, current: str | None, head: str | None) -> None:
        state = "empty" if current is None else f"at revision {current}"
        super().__init__(
            f"the database is {state}, but this version of openler needs revision {head}: "
            "run `openler db upgrade`"
        )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class Database:
    """One engine and session factory for one database URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        kwargs: dict[str, Any] = {"future": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False}
        else:
            kwargs.update(pool_pre_ping=True, pool_size=5, max_overflow=10)
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        publication.watch(self.sessions)

    def ping(self) -> None:
        """Raise unless the database answers a trivial query (for health checks)."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error."""
        with self.sessions() as session, session.begin():
            yield session

    def alembic_config(self) -> Config:
        config = _migrations_config()
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return config

    def upgrade(self, revision: str = "head") -> None:
        with self.engine.begin() as connection:
            config = self.alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    def revisions(self) -> tuple[str | None, str | None]:
        """(current revision of the database, the newest revision this code knows)."""
        head = newest_revision()
        with self.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        return current, head

    def require_migrated(self) -> None:
        current, head = self.revisions()
        if current != head:
            raise MigrationRequired(current, head)

    def dispose(self) -> None:
        self.engine.dispose()


@cache
def newest_revision() -> str | None:
    """The newest migration this code knows, read once per process: the migration scripts
    are part of the installed code, and reading them compiles every one (tens of
    milliseconds each time an app or command starts)."""
    return ScriptDirectory.from_config(_migrations_config()).get_current_head()


def _migrations_config() -> Config:
    config = Config()
    location = resources.files("openler.store").joinpath("migrations")
    config.set_main_option("script_location", str(location))
    return config
