"""Shared fixtures: the world a test runs in is built here, never patched."""

from __future__ import annotations

import copy
import json
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from openler.services.people.accounts import Principal
from openler.vc import DocumentLoader, Multikey

# `pytest --hypothesis-profile=fuzz`: every fuzz test (tests/hostile.py) runs this many
# examples instead of its default count, for a long hunt rather than a quick check.
settings.register_profile(
    "fuzz",
    max_examples=5000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared"
EXAMPLES_CONTEXT_URL = "https://www.w3.org/ns/credentials/examples/v2"
EXAMPLES_CONTEXT = {"@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}}
NOW = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)
#: who builds a test's world when no person does; audited as ``system:test-setup``
SETUP = Principal.system("test-setup")


def shared_path(*parts: str) -> Path:
    """A path in ../shared; skips the test with the reason when ../shared is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: this test compares with the reference copies in ../shared")
    return path


def load_json(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


@pytest.fixture
def loader() -> DocumentLoader:
    """Bundled contexts plus the W3C examples context the test vectors use."""
    return DocumentLoader({EXAMPLES_CONTEXT_URL: EXAMPLES_CONTEXT})


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def license_template() -> dict[str, Any]:
    text = resources.files("openler.demo").joinpath("rn-license.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


@pytest.fixture
def key_factory() -> Callable[[int], Multikey]:
    """Deterministic keys: key_factory(1), key_factory(2) …"""
    return lambda n: Multikey.from_seed(bytes([n]) * 32)


@pytest.fixture
def issuer_key(key_factory: Callable[[int], Multikey]) -> Multikey:
    return key_factory(1)


@pytest.fixture
def holder_key(key_factory: Callable[[int], Multikey]) -> Multikey:
    return key_factory(2)


@pytest.fixture
def signed_license(
    license_template: dict[str, Any], issuer_key: Multikey, holder_key: Multikey
) -> dict[str, Any]:
    from openler.vc import sign_credential

    doc = copy.deepcopy(license_template)
    doc["credentialSubject"]["id"] = holder_key.controller
    return sign_credential(doc, issuer_key, created=NOW)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Any attempt to open a network connection is recorded and refused — except the test
    PostgreSQL's own address (``OPENLER_TEST_DATABASE_URL``), so these tests run there too."""
    attempts: list[Any] = []
    database = _os.environ.get("OPENLER_TEST_DATABASE_URL")
    allowed: set[tuple[str, int]] = set()
    if database:
        from sqlalchemy.engine import make_url

        parsed = make_url(database)
        allowed.add((parsed.host or "127.0.0.1", parsed.port or 5432))
    hosts = {host for host, _port in allowed}
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex
    create_connection, getaddrinfo = socket.create_connection, socket.getaddrinfo

    def permitted(address: Any) -> bool:
        return isinstance(address, tuple) and tuple(address[:2]) in allowed

    def refuse(address: Any) -> None:
        attempts.append(address)
        raise OSError("network access attempted in a test")

    def guarded_connect(self: socket.socket, address: Any) -> None:
        if not permitted(address):
            refuse(address)
        connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        if not permitted(address):
            refuse(address)
        return connect_ex(self, address)

    def guarded_create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        if not permitted(address):
            refuse(address)
        return create_connection(address, *args, **kwargs)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in hosts:
            refuse((host, *args[:1]))
        return getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket, "create_connection", guarded_create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    return attempts


# --- databases ------------------------------------------------------------------------
import base64 as _base64  # noqa: E402
import os as _os  # noqa: E402
import secrets as _secrets  # noqa: E402
from collections.abc import Iterator as _Iterator  # noqa: E402


def _backends() -> list[Any]:
    """SQLite always; PostgreSQL when OPENLER_TEST_DATABASE_URL is set (CI sets it, and
    OPENLER_REQUIRE_POSTGRES=1 turns a missing URL into an error instead of a skip)."""
    url = _os.environ.get("OPENLER_TEST_DATABASE_URL")
    if url:
        return ["sqlite", pytest.param(url, id="postgresql")]
    if _os.environ.get("OPENLER_REQUIRE_POSTGRES"):
        raise RuntimeError("OPENLER_REQUIRE_POSTGRES is set but OPENLER_TEST_DATABASE_URL is not")
    reason = "OPENLER_TEST_DATABASE_URL is not set (CI sets it to the local PostgreSQL)"
    return [
        "sqlite",
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.skip(reason=reason)),
    ]


def _postgres_database(admin_url: str) -> tuple[str, Any]:
    """Create a fresh database for this run; returns its URL and a function dropping it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"openler_test_{_os.getpid()}_{_secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return url, drop


@pytest.fixture(scope="session", params=_backends())
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> _Iterator[str]:
    from openler.store import Database

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'openler.db'}"
        drop = None
    else:
        url, drop = _postgres_database(request.param)
    db = Database(url)
    db.upgrade()
    db.dispose()
    if not url.startswith("sqlite"):
        from openler.services.jobs import ProcrastinateQueue

        ProcrastinateQueue(url).apply_schema()  # as `openler db upgrade` does
    yield url
    if drop is not None:
        drop()


@pytest.fixture
def platform(database_url: str, tmp_path: Path) -> _Iterator[Any]:
    """A Platform on a migrated, empty database (emptied again after the test)."""
    from pydantic import SecretStr

    from openler.services.context import Platform
    from openler.settings import Settings
    from openler.store import Base, Database

    settings = Settings(
        database_url=database_url,
        key_encryption_key=SecretStr(_base64.b64encode(bytes(range(32))).decode()),
        data_dir=tmp_path,
        public_url="http://127.0.0.1:8000",
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,  # cheap hashes keep the suite fast; production is 64 MiB
    )
    db = Database(database_url)
    world = Platform(settings, db, clock=lambda: NOW)
    yield world
    with db.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    db.dispose()


#: the demo world's rows once loaded, by database and everything that shapes them
_DEMO_ROWS: dict[tuple[str, ...], dict[str, list[dict[str, Any]]]] = {}


def load_demo(session: Any, platform: Any) -> list[Any]:
    """``demo.load`` into an empty database, as a test's world: loaded for real the first
    time for a database, settings and clock, and its rows copied back the next times (the
    same world — the same keys, credentials and audit chain — in a few milliseconds rather
    than a second and a half of signing and hashing). A database that is not empty gets
    ``demo.load`` itself."""
    from sqlalchemy import func, select

    from openler.services import demo
    from openler.store import Base
    from openler.store.models import Organization, Person

    settings = platform.settings
    key = (
        str(session.get_bind().url),
        settings.model_dump_json(exclude={"data_dir", "key_encryption_key"}),
        settings.key_encryption_key.get_secret_value() if settings.key_encryption_key else "",
        platform.now().isoformat(),
    )
    empty = not any(
        session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (Organization, Person)
    )
    rows = _DEMO_ROWS.get(key) if empty else None
    if rows is None:
        logins = demo.load(session, platform)
        if empty:
            session.flush()
            _DEMO_ROWS[key] = {
                table.name: [dict(row._mapping) for row in session.execute(select(table))]
                for table in Base.metadata.sorted_tables
            }
        return logins
    for table in Base.metadata.sorted_tables:
        if rows[table.name]:
            session.execute(table.insert(), rows[table.name])
    return demo.LOGINS


@pytest.fixture(autouse=True)
def _cli_platforms_closed() -> Iterator[None]:
    """A command run in this process (through ``CliRunner`` rather than the entry point,
    which closes them itself) leaves its platforms' connections to be closed here."""
    yield
    from openler.cli.platform import close_platforms

    close_platforms()
