"""A real ``openler serve`` (uvicorn) on 127.0.0.1 in a child process, for tests of what only
a real server shows: the access log, chunked bodies on a socket, proxy headers."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def openler_command(*args: str) -> list[str]:
    return [sys.executable, "-c", "from openler.cli import main; main()", *args]


@dataclass
class LiveServer:
    base: str
    port: int
    log: Path
    pid: int = 0

    def log_text(self) -> str:
        return self.log.read_text("utf-8", errors="replace")

    def wait_for_log(self, needle: str, timeout: float = 10.0) -> str:
        """The log once it contains ``needle`` (uvicorn writes its access line after the
        response has gone out)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log_text()
            if needle in text:
                return text
            time.sleep(0.05)
        raise AssertionError(f"{needle!r} never appeared in the server log:\n{self.log_text()}")


def migrated_database(workdir: Path) -> Path:
    """A SQLite database made by ``openler db upgrade``, to copy for each server."""
    path = workdir / "migrated.db"
    env = {**os.environ, "OPENLER_DATABASE_URL": f"sqlite:///{path}"}
    subprocess.run(
        openler_command("db", "upgrade"), env=env, check=True, capture_output=True, timeout=120
    )
    return path


@contextlib.contextmanager
def running_server(
    workdir: Path,
    database: Path,
    serve_args: tuple[str, ...] = (),
    /,
    *,
    port: int | None = None,
    **settings: str,
) -> Iterator[LiveServer]:
    """``openler serve`` on ``port`` (by default a free one) over a copy of ``database``
    (see :func:`migrated_database`), with ``OPENLER_*`` settings from ``settings``
    (lower-case names, e.g. ``public_url=…``) and more options in ``serve_args``."""
    port = port or free_port()
    shutil.copyfile(database, workdir / "live.db")
    env = {
        **os.environ,
        "OPENLER_DATABASE_URL": f"sqlite:///{workdir / 'live.db'}",
        "OPENLER_DATA_DIR": str(workdir),
        "OPENLER_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "OPENLER_PASSWORD_HASH_MEMORY_KIB": "1024",
        "OPENLER_PASSWORD_HASH_TIME_COST": "1",
        **{f"OPENLER_{name.upper()}": value for name, value in settings.items()},
    }
    log = workdir / "server.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            openler_command("serve", "--port", str(port), *serve_args),
            cwd=workdir,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"openler serve did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield LiveServer(base, port, log, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)
