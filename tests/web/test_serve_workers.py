"""``openler serve --workers 2``: two processes share the port, each building its app from
the environment (``openler.web.app.from_environment``), and both answer."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.live import free_port, migrated_database, openler_command


def _workers_of(pid: int) -> list[int]:
    """The processes uvicorn spawned to serve (not its helpers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(child)
        for child in children
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
def test_two_workers_share_the_port_and_both_verify(tmp_path: Path) -> None:
    database = migrated_database(tmp_path)
    port = free_port()
    env = {
        **os.environ,
        "OPENLER_DATABASE_URL": f"sqlite:///{database}",
        "OPENLER_DATA_DIR": str(tmp_path),
        "OPENLER_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    log = tmp_path / "serve.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            openler_command("serve", "--port", str(port), "--workers", "2"),
            cwd=tmp_path,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while log.read_text().count("Application startup complete") < 2:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        # both have started their apps: every answer comes from one of them
        for _ in range(6):
            answer = httpx.post(f"{base}/credentials/verify", json={"verifiableCredential": {}})
            assert answer.status_code == 400
            assert answer.json()["verified"] is False
        assert len(_workers_of(process.pid)) == 2
    finally:
        process.terminate()
        process.wait(timeout=30)
