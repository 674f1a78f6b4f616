"""``openler serve --workers 2``: two processes share the port, each building its app from
the environment (``openler.web.app.from_environment``), and both answer."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.live import migrated_database, running_server


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
    with running_server(tmp_path, database, ("--workers", "2")) as live:
        deadline = time.monotonic() + 90
        while live.log_text().count("Application startup complete") < 2:
            assert time.monotonic() < deadline, live.log_text()
            time.sleep(0.2)
        # both have started their apps: every answer comes from one of them
        for _ in range(6):
            answer = httpx.post(
                f"{live.base}/credentials/verify", json={"verifiableCredential": {}}
            )
            assert answer.status_code == 400
            assert answer.json()["verified"] is False
        assert len(_workers_of(live.pid)) == 2
