"""The network edge against a real ``openler serve`` (uvicorn) on 127.0.0.1: a chunked body
sent on a raw socket, and the access log of real requests."""

from __future__ import annotations

import re
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import LiveServer, migrated_database, running_server

MB = 1_000_000


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_database(tmp_path_factory.mktemp("migrated"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, database: Path) -> Iterator[LiveServer]:
    with running_server(tmp_path_factory.mktemp("live"), database) as live:
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


# --- behind a proxy ------------------------------------------------------------------------


def sign_in(base: str, email: str, password: str, **headers: str) -> str:
    """The message the sign-in page answers with (or "signed in")."""
    with httpx.Client(base_url=base, headers=headers) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        answer = client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": token.group(1)},
        )
    if answer.status_code == 303:
        return "signed in"
    message = re.search(r'<p class="error" role="alert">([^<]+)</p>', answer.text)
    assert message is not None, answer.text
    return message.group(1)


def fail_from(base: str, client: str, times: int) -> list[str]:
    return [
        sign_in(base, f"guess{n}@example.org", "password123456", **{"X-Forwarded-For": client})
        for n in range(times)
    ]


@pytest.fixture(scope="module")
def https_site(tmp_path_factory: pytest.TempPathFactory, database: Path) -> Iterator[LiveServer]:
    """An https:// deployment whose TLS ends at a proxy on 127.0.0.1 (the default trusted
    proxy), reached here over plain HTTP as the proxy would."""
    workdir = tmp_path_factory.mktemp("https")
    with running_server(
        workdir, database, public_url="https://ler.example", login_client_attempts="3"
    ) as s:
        yield s


@pytest.fixture(scope="module")
def untrusting_site(
    tmp_path_factory: pytest.TempPathFactory, database: Path
) -> Iterator[LiveServer]:
    """The same deployment trusting only a proxy at 192.0.2.1: our 127.0.0.1 is a client."""
    workdir = tmp_path_factory.mktemp("untrusting")
    with running_server(
        workdir,
        database,
        public_url="https://ler.example",
        login_client_attempts="3",
        trusted_proxies="192.0.2.1",
    ) as s:
        yield s


def test_a_trusted_proxy_names_the_client_and_the_scheme(https_site: LiveServer) -> None:
    """Allowed: X-Forwarded-For from the trusted proxy decides whose attempts are counted, and
    X-Forwarded-Proto: https earns the HSTS header (RFC 6797 §7.2: only over secure transport)."""
    assert fail_from(https_site.base, "203.0.113.5", 3) == ["wrong email or password"] * 3
    assert sign_in(
        https_site.base, "maria@example.org", "password123456", **{"X-Forwarded-For": "203.0.113.5"}
    ).startswith("too many failed sign-in attempts")
    assert sign_in(
        https_site.base, "maria@example.org", "password123456", **{"X-Forwarded-For": "203.0.113.6"}
    ) == ("wrong email or password")
    secure = httpx.get(f"{https_site.base}/login", headers={"X-Forwarded-Proto": "https"})
    assert secure.headers["strict-transport-security"] == "max-age=31536000"
    assert secure.headers["cache-control"] == "no-store"
    plain = httpx.get(f"{https_site.base}/login")
    assert "strict-transport-security" not in plain.headers


def test_an_untrusted_peer_cannot_claim_another_address_or_https(
    untrusting_site: LiveServer,
) -> None:
    """Denied: from a peer that is not a trusted proxy, X-Forwarded-* change nothing: the
    attempts count against the peer itself, and no HSTS is sent for a plain HTTP request."""
    fail_from(untrusting_site.base, "203.0.113.5", 3)
    answer = sign_in(
        untrusting_site.base,
        "maria@example.org",
        "password123456",
        **{"X-Forwarded-For": "203.0.113.99"},
    )
    assert answer.startswith("too many failed sign-in attempts")  # 127.0.0.1 is locked
    claimed = httpx.get(f"{untrusting_site.base}/login", headers={"X-Forwarded-Proto": "https"})
    assert "strict-transport-security" not in claimed.headers
