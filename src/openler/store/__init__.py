"""Storage: SQLAlchemy 2.0 tables, the database engine, and Alembic migrations."""

from openler.store.db import Database, MigrationRequired
from openler.store.models import Base

__all__ = ["Base", "Database", "MigrationRequired"]
