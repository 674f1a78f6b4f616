"""What every use case needs: the database, the settings and the clock, passed in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from openler.services import audit
from openler.settings import Settings
from openler.store import Database


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Platform:
    """The world a service call runs in. Build one per process; it is safe to share."""

    settings: Settings
    db: Database
    clock: Callable[[], datetime] = field(default=_now)
    #: per-process caches that services keep here, each under its own key; a service must
    #: be able to tell when its entry is stale (see ``store.publication``)
    memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # the audit trail's keys come from the settings, never from the database
        audit.bind(self.db, audit.AuditKeys.from_settings(self.settings))

    @classmethod
    def from_settings(cls, settings: Settings) -> Platform:
        return cls(settings, Database(settings.database_url))

    def now(self) -> datetime:
        return self.clock().replace(microsecond=0)
