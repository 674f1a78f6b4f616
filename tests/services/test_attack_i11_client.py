"""Attack pass on issue 11: another party answering the wallet slowly, one byte at a time
(each read within httpx's timeout, the whole answer never done)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from openler.services.protocols.client import ProtocolClient, ProtocolError
from openler.settings import Settings


class Trickle(httpx.SyncByteStream):
    def __iter__(self) -> Iterator[bytes]:
        for _ in range(1000):
            time.sleep(0.05)
            yield b" "


def test_an_answer_trickled_past_the_timeout_is_refused() -> None:
    client = ProtocolClient(
        Settings(protocol_allow_loopback=True),
        transport=httpx.MockTransport(lambda _r: httpx.Response(200, stream=Trickle())),
        timeout=0.5,
    )
    started = time.monotonic()
    with pytest.raises(ProtocolError, match="seconds"):
        client.get("http://127.0.0.1:9/slow")
    assert time.monotonic() - started < 5
