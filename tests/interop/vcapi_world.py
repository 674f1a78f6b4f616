"""A live ``openler demo`` server for the VC API exchange tests, and the operator's CLI
making exchanges on its database (``openler exchanges create-…``), as an issuer or a
verifier would hand them out."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.browser.test_browser import demo_server
from tests.interop.node import run_node
from tests.live import free_port, openler_command

WALLET_SEED = "0a" * 32
OTHER_SEED = "0b" * 32


@dataclass
class Live:
    base: str
    workdir: Path

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "OPENLER_DATABASE_URL": f"sqlite:///{self.workdir / 'demo.db'}",
            "OPENLER_DATA_DIR": str(self.workdir),
            "OPENLER_PUBLIC_URL": self.base,
            "OPENLER_PROTOCOL_ALLOW_LOOPBACK": "1",
        }

    def openler(self, *args: str) -> str:
        """Run the CLI on the server's database; its standard output."""
        done = subprocess.run(
            openler_command(*args),
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.workdir,
        )
        if done.returncode != 0:
            raise AssertionError(f"openler {' '.join(args)} failed:\n{done.stderr}")
        return done.stdout

    def issuance(self, email: str | None = None, minutes: int = 30) -> str:
        """An issuance exchange's interaction URL, to a new address unless ``email`` is
        given (an address that already holds the licence is refused one)."""
        email = email or f"lcw.user.{next(_ADDRESSES)}@example.org"
        out = self.openler(
            "exchanges",
            "create-issuance",
            "--org",
            "ohio-nursing",
            "--achievement",
            "registered-nurse",
            "--email",
            email,
            "--name",
            "Lee Wallet",
            "--minutes",
            str(minutes),
        )
        return out.strip().splitlines()[-1]

    def request(self, query: Any, *, unsigned: bool = False) -> tuple[str, str]:
        """A presentation exchange: (request id, interaction URL)."""
        path = self.workdir / "query.json"
        path.write_text(json.dumps(query), "utf-8")
        args = ["exchanges", "create-request", "--org", "piedmont-hospital", "--query", str(path)]
        made = json.loads(self.openler(*args, "--json", *(["--unsigned"] if unsigned else [])))
        return str(made["id"]), str(made["uri"])


@contextlib.contextmanager
def live_demo(workdir: Path) -> Iterator[Live]:
    port = free_port()
    env = {
        **os.environ,
        "OPENLER_PASSWORD_HASH_MEMORY_KIB": "1024",
        "OPENLER_PASSWORD_HASH_TIME_COST": "1",
        "OPENLER_PROTOCOL_ALLOW_LOOPBACK": "1",
    }
    with demo_server(workdir, port, env) as base:
        yield Live(base, workdir)


_ADDRESSES = itertools.count(1)


def lcw(action: str, **payload: Any) -> Any:
    """The LCW-like client (``tests/interop/vcapi/lcw.mjs``)."""
    return run_node("vcapi/lcw.mjs", {"action": action, **payload})


def db_verify(credential: Any, server: str) -> Any:
    """Digital Bazaar's verifier (``tests/interop/vcapi/db_verify.mjs``)."""
    return run_node("vcapi/db_verify.mjs", {"credential": credential, "server": server})
