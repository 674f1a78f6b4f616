"""The network edge against a real ``openler serve`` (uvicorn) on 127.0.0.1: a chunked body
sent on a raw socket, and the access log of real requests."""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.live import LiveServer, running_server

MB = 1_000_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_server(tmp_path_factory.mktemp("live")) as live:
        yield live


def test_a_chunked_300_mb_body_is_cut_off_after_the_limit(server: LiveServer) -> None:
    """Attack 2.4: a body without Content-Length, sent chunk after chunk; the server must
    answer 413 and stop reading long before the 300 MB are through."""
    total = 300 * MB
    chunk = b" " * (64 * 1024)
    frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
    sent = 0
    answer = b""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            b"POST /credentials/verify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        while sent < total:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(frame)
            except (BrokenPipeError, ConnectionResetError):
                break  # the server closed the connection on us
            sent += len(chunk)
        try:
            while b"\r\n\r\n" not in answer:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        except ConnectionResetError:
            pass
    elapsed = time.monotonic() - started
    print(f"sent {sent / MB:.1f} MB in {elapsed:.2f} s before the 413")  # shown with -s
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"too_large" in answer or b"connection: close" in answer.lower()
    # the limit is 1 MB; what was sent beyond it sat in socket buffers, never in the app
    assert sent < 40 * MB, f"sent {sent / MB:.0f} MB before the server refused"
    assert elapsed < 20
    assert httpx.get(f"{server.base}/healthz").status_code == 200  # the server is fine


def test_a_chunked_body_within_the_limit_is_answered(server: LiveServer) -> None:
    body = b'{"verifiableCredential": {"@context": []}}'

    def pieces() -> Iterator[bytes]:
        yield body[:7]
        yield body[7:]

    response = httpx.post(
        f"{server.base}/credentials/verify",
        content=pieces(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400  # read whole and verified: it is not a credential
    assert response.json()["verified"] is False


def test_capability_urls_never_reach_the_access_log(server: LiveServer) -> None:
    """Attack 2.7: share tokens, request challenges and sign-in codes were in the access log."""
    secrets = {
        "share": "SHAREtoken0123456789abcdef",
        "challenge": "CHALLENGE0123456789abcdef",
        "answer": "ANSWERchallenge0123456789",
        "code": "OIDCcode0123456789abcdef",
        "state": "OIDCstate0123456789abcdef",
    }
    httpx.get(f"{server.base}/s/{secrets['share']}")
    httpx.get(f"{server.base}/requests/{secrets['challenge']}")
    httpx.post(f"{server.base}/api/requests/{secrets['answer']}/answer", json={})
    httpx.get(
        f"{server.base}/login/oidc/callback",
        params={"code": secrets["code"], "state": secrets["state"], "iss": "https://idp.example"},
    )
    httpx.get(f"{server.base}/healthz?marker=done")
    log = server.wait_for_log("/healthz?marker=done")
    for secret in secrets.values():
        assert secret not in log
    assert '"GET /s/[redacted] HTTP/1.1" 404' in log
    assert '"GET /requests/[redacted] HTTP/1.1"' in log
    assert '"POST /api/requests/[redacted]/answer HTTP/1.1"' in log
    assert "code=%5Bredacted%5D&state=%5Bredacted%5D&iss=https%3A%2F%2Fidp.example" in log
