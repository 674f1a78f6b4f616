"""A response is sent only after its transaction committed: a client that follows a
redirect (or makes its next call) at once must see what the request wrote. FastAPI runs a
dependency's code after ``yield`` once the response is out, so commits happen earlier."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy.orm import SessionTransaction

from openler.services.demo import DEMO_PASSWORD
from openler.web import create_app


@pytest.fixture
def live_server(demo_platform: Any) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(demo_platform.settings, platform=demo_platform),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_slow_commit_is_finished_before_the_redirect(
    live_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = SessionTransaction.commit

    def slow_commit(self: SessionTransaction, *args: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)  # a busy database
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SessionTransaction, "commit", slow_commit)
    with httpx.Client(base_url=live_server, follow_redirects=False) as client:
        form = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token is not None
        signed_in = client.post(
            "/login",
            data={
                "email": "maria@demo.openler.org",
                "password": DEMO_PASSWORD,
                "csrf_token": token.group(1),
            },
        )
        assert signed_in.status_code == 303
        home = client.get("/home")
        assert home.status_code == 200, "the session was not committed before the redirect"
