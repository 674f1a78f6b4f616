"""The world of the OpenID4VP interop tests: a live openler (``openler serve``) whose
Piedmont Regional Hospital verifies, and a nurse whose key a wallet written by others
holds, with an RN licence from the Ohio Board of Nursing."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.issuers import issuing
from openler.services.people import accounts
from openler.settings import Settings
from openler.store.models import Achievement, Organization
from openler.vc import Multikey
from tests.conftest import SETUP, load_demo
from tests.live import LiveServer, free_port, migrated_database, openler_command, running_server

HOLDER = Multikey.from_seed(bytes([21]) * 32)
NURSE = "nora@example.org"


def settings_for(workdir: Path, database: Path, base: str) -> Settings:
    return Settings(
        database_url=f"sqlite:///{database}",
        data_dir=workdir,
        public_url=base,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
    )


def contexts_for(*documents: dict[str, Any]) -> dict[str, Any]:
    """The bundled contexts the documents name, for a Node wallet's document loader."""
    from openler.vc import DocumentLoader

    loader = DocumentLoader()
    urls = {"https://www.w3.org/ns/credentials/v2"}
    for document in documents:
        context = document.get("@context", [])
        urls.update(
            c for c in (context if isinstance(context, list) else [context]) if isinstance(c, str)
        )
    return {url: dict(loader.load(url)) for url in sorted(urls)}


def add_nurse(session: Session, platform: Platform) -> tuple[dict[str, Any], str]:
    """Nora, whose key (:data:`HOLDER`) a wallet others wrote holds, with an RN licence from
    the demo's Ohio Board of Nursing: the credential and its id."""
    nurse = accounts.create_person(
        session,
        platform,
        name="Nora Hale",
        email=NURSE,
        password=None,
        did=HOLDER.controller,
        actor=SETUP,
    )
    board = session.execute(
        select(Organization).where(Organization.slug == "ohio-nursing")
    ).scalar_one()
    rn = session.execute(
        select(Achievement).where(Achievement.slug == "registered-nurse")
    ).scalar_one()
    issued = issuing.issue(session, platform, SETUP, board, rn, recipient=nurse)
    return dict(issued.document), issued.id


@dataclass
class World:
    server: LiveServer
    workdir: Path
    platform: Platform
    credential: dict[str, Any]
    credential_id: str
    env: dict[str, str]

    def openler(self, *args: str) -> str:
        """Run the openler CLI against the live server's database; its standard output."""
        done = subprocess.run(
            openler_command(*args), env=self.env, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise AssertionError(f"openler {' '.join(args)} failed:\n{done.stderr}")
        return done.stdout

    def holder_key(self) -> dict[str, str]:
        return {"id": HOLDER.id, "controller": HOLDER.controller, **HOLDER.secret_json()}

    def wallet_input(self, uri: str, **extra: Any) -> dict[str, Any]:
        return {
            "uri": uri,
            "holder": self.holder_key(),
            "credentials": [self.credential],
            "contexts": contexts_for(self.credential),
            **extra,
        }


@contextlib.contextmanager
def live_world(workdir: Path, **settings: str) -> Iterator[World]:
    database = migrated_database(workdir)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    kek = base64.b64encode(os.urandom(32)).decode()
    prepare = Platform.from_settings(
        settings_for(workdir, database, base).model_copy(
            update={"key_encryption_key": _secret(kek)}
        )
    )
    with prepare.db.session() as s:
        load_demo(s, prepare)
        credential, credential_id = add_nurse(s, prepare)
    prepare.db.dispose()
    with running_server(workdir, database, port=port, key_encryption_key=kek, **settings) as server:
        live = Platform.from_settings(
            settings_for(workdir, workdir / "live.db", base).model_copy(
                update={"key_encryption_key": _secret(kek)}
            )
        )
        env = {
            **os.environ,
            "OPENLER_DATABASE_URL": f"sqlite:///{workdir / 'live.db'}",
            "OPENLER_DATA_DIR": str(workdir),
            "OPENLER_PUBLIC_URL": base,
            "OPENLER_KEY_ENCRYPTION_KEY": kek,
            **{f"OPENLER_{k.upper()}": v for k, v in settings.items()},
        }
        try:
            yield World(server, workdir, live, credential, credential_id, env)
        finally:
            live.db.dispose()


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)


def query_file(workdir: Path, query: dict[str, Any]) -> Path:
    path = workdir / f"query-{len(list(workdir.glob('query-*')))}.json"
    path.write_text(json.dumps(query))
    return path
