"""The wallet's connections to other parties: the outbound rules, and loopback only when
the (development) setting allows it."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from openler.services.protocols.client import MAX_ANSWER_BYTES, ProtocolClient, ProtocolError
from openler.settings import Settings


def answer(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/redirect":
        return httpx.Response(302, headers={"location": "http://169.254.169.254/"})
    if request.url.path == "/huge":
        return httpx.Response(200, content=b"x" * (MAX_ANSWER_BYTES + 1))
    return httpx.Response(200, json={"host": request.headers.get("host"), "path": request.url.path})


def client(*, loopback: bool, table: dict[str, list[str]] | None = None) -> ProtocolClient:
    return ProtocolClient(
        Settings(protocol_allow_loopback=loopback),
        transport=httpx.MockTransport(answer),
        resolve=lambda host, port: (table or {}).get(host, []),
    )


def test_loopback_is_refused_unless_the_setting_allows_it() -> None:
    with pytest.raises(ProtocolError, match="only https"):
        client(loopback=False).get("http://127.0.0.1:9/offer")
    with pytest.raises(ProtocolError, match=r"not a public|public internet"):
        client(loopback=False).get("https://127.0.0.1/offer")
    assert client(loopback=True).get("http://127.0.0.1:9/offer").json()["path"] == "/offer"


def test_a_public_host_is_reached_at_the_address_checked() -> None:
    found = client(loopback=False, table={"wallet.example": ["93.184.216.34"]})
    got = found.get("https://wallet.example/a").json()
    assert got == {"host": "wallet.example", "path": "/a"}
    private = client(loopback=True, table={"evil.example": ["10.0.0.5"]})
    with pytest.raises(ProtocolError, match=r"evil\.example"):
        private.get("https://evil.example/a")  # loopback allowed is not "private allowed"


def test_redirects_and_huge_answers_are_refused() -> None:
    with pytest.raises(ProtocolError, match="redirect"):
        client(loopback=True).get("http://127.0.0.1:9/redirect")
    with pytest.raises(ProtocolError, match="more than"):
        client(loopback=True).get("http://127.0.0.1:9/huge")


def test_production_refuses_loopback() -> None:
    with pytest.raises(ValueError, match="development only"):
        Settings(
            environment="production",
            public_url="https://openler.example",
            key_encryption_key=SecretStr("A" * 43 + "="),
            protocol_allow_loopback=True,
        )
