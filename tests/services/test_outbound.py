"""Attack 2.5, the guard: which addresses verification may connect to, that it connects to
the address it checked (no second DNS answer), that redirects are refused, and the budget of
fetches and time per verification. DNS is a table and the network a fake transport here;
tests/services/test_online_verification.py shows the same with real sockets."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from openler.services.files.documents import online_fetcher
from openler.services.files.outbound import FetchLimits, fetch_budget, refusal, target
from openler.vc import FetchLimitError, ResolutionError

PUBLIC = "93.184.216.34"
PUBLIC6 = "2606:2800:220:1:248:1893:25c8:1946"


class Dns:
    """A resolver from a table; counts its lookups."""

    def __init__(self, **table: list[str]) -> None:
        self.table = {name.replace("_", "."): addresses for name, addresses in table.items()}
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        return self.table.get(host, [])


class Server:
    """A fake transport that records what each request looked like on the wire."""

    def __init__(self, answer: Any = None) -> None:
        self.requests: list[httpx.Request] = []
        self.answer = answer or (lambda request: httpx.Response(200, json={"ok": True}))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        response: httpx.Response = self.answer(request)
        return response


def fetcher(dns: Dns, server: Server, **kwargs: Any) -> Any:
    return online_fetcher(transport=httpx.MockTransport(server), resolve=dns, **kwargs)


@pytest.fixture
def budget() -> Iterator[None]:
    with fetch_budget(FetchLimits()):
        yield


REFUSED = [
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("::1", "loopback"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"),  # cloud instance metadata
    ("fe80::1", "link-local"),
    ("fc00::1", "private"),  # unique-local
    ("fd12:3456::1", "private"),
    ("fec0::1", "site-local"),
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("100.64.0.1", "not publicly routable"),  # shared address space (carrier NAT)
    ("255.255.255.255", "private"),
    ("240.0.0.1", "private"),
    ("198.18.0.1", "private"),  # benchmarking
    ("192.0.2.1", "private"),  # documentation
    ("2001:db8::1", "private"),
    ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
    ("::ffff:10.0.0.1", "private"),
    ("::ffff:169.254.169.254", "link-local"),
    ("::127.0.0.1", "loopback"),  # IPv4-compatible
    ("2002:7f00:1::1", "loopback"),  # 6to4 around 127.0.0.1
    ("2002:a00:1::1", "private"),  # 6to4 around 10.0.0.1
    ("64:ff9b::a00:1", "private"),  # NAT64 around 10.0.0.1
    ("64:ff9b::7f00:1", "loopback"),
]


@pytest.mark.parametrize(("address", "reason"), REFUSED)
def test_addresses_that_are_not_public_are_refused(address: str, reason: str) -> None:
    found = refusal(ipaddress.ip_address(address))
    assert found is not None and reason in found


@pytest.mark.parametrize("address", [PUBLIC, "8.8.8.8", "1.1.1.1", PUBLIC6, "2a00:1450:4001::1"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


@given(st.ip_addresses(v=4))
def test_an_ipv4_address_refused_is_refused_in_every_ipv6_wrapping(address: Any) -> None:
    """Whatever IPv6 spelling carries a refused IPv4 address, it is refused too."""
    v4 = int(address)
    wrappings = [
        ipaddress.IPv6Address((0xFFFF << 32) | v4),  # ::ffff:a.b.c.d
        ipaddress.IPv6Address((0x2002 << 112) | (v4 << 80)),  # 6to4
        ipaddress.IPv6Address((0x0064FF9B << 96) | v4),  # NAT64
    ]
    if refusal(address) is not None:
        for wrapped in wrappings:
            assert refusal(wrapped) is not None, wrapped


@given(st.ip_addresses())
def test_only_global_unicast_addresses_pass(address: Any) -> None:
    if refusal(address) is None:
        assert address.is_global and not address.is_multicast and not address.is_reserved


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://issuer.example/did.json", "only https"),
        ("https://user:pw@issuer.example/did.json", "user information"),
        ("https://127.0.0.1/status/1", "loopback"),
        ("https://[::1]:8443/status/1", "loopback"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://internal.example/status/1", "private"),
        ("https://split.example/status/1", "loopback"),  # one good address, one bad
        ("https://nowhere.example/x", "resolves to no address"),
        ("https://exa mple.example/x", "is not a host name"),
        ("https://-bad.example/x", "is not a host name"),
        ("https://[fe80::1%25eth0]/x", "not a valid URL|link-local"),
    ],
)
def test_urls_that_could_reach_inside_are_refused(url: str, message: str) -> None:
    dns = Dns(
        internal_example=["10.20.30.40"],
        split_example=[PUBLIC, "127.0.0.1"],
        issuer_example=[PUBLIC],
    )
    with pytest.raises(ResolutionError, match=message):
        target(url, dns, timeout=1.0)


def test_the_connection_goes_to_the_checked_address(budget: None) -> None:
    """DNS rebinding: a name that answers a public address to the check and a private one
    to the connection. The name is resolved once; the connection goes to the address that
    passed, with the name in Host and in TLS (SNI, and the certificate is checked for it)."""
    answers = iter([[PUBLIC], ["127.0.0.1"]])
    lookups: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        lookups.append(host)
        return next(answers)

    server = Server()
    fetch = online_fetcher(transport=httpx.MockTransport(server), resolve=rebinding)
    fetch("https://rebind.example:8443/status/1?x=1")
    assert lookups == ["rebind.example"]  # one resolution for one fetch
    [request] = server.requests
    assert request.url.host == PUBLIC and request.url.port == 8443
    assert request.url.path == "/status/1" and request.url.query == b"x=1"
    assert request.headers["host"] == "rebind.example:8443"
    assert request.extensions["sni_hostname"] == "rebind.example"
    with pytest.raises(ResolutionError, match="loopback"):
        fetch("https://rebind.example:8443/status/1")  # the next fetch checks the new answer
    assert len(server.requests) == 1


def test_ipv6_targets_are_bracketed_and_idna_names_resolved_as_ascii(budget: None) -> None:
    dns = Dns(**{"xn--4ca0b_example": [PUBLIC6]})
    server = Server()
    fetcher(dns, server)("https://äö.example/did.json")
    assert dns.lookups == ["xn--4ca0b.example"]
    assert server.requests[0].url.host == PUBLIC6
    assert server.requests[0].headers["host"] == "xn--4ca0b.example"


def test_redirects_are_refused(budget: None) -> None:
    """A redirect could lead anywhere, including inside: it is refused, not followed."""
    server = Server(
        lambda request: httpx.Response(301, headers={"location": "https://127.0.0.1/x"})
    )
    with pytest.raises(ResolutionError, match="redirects are not followed"):
        fetcher(Dns(issuer_example=[PUBLIC]), server)("https://issuer.example/did.json")
    assert len(server.requests) == 1


def test_nothing_is_fetched_outside_a_budget() -> None:
    server = Server()
    with pytest.raises(ResolutionError, match="no verification with a fetch budget"):
        fetcher(Dns(issuer_example=[PUBLIC]), server)("https://issuer.example/did.json")
    assert server.requests == []


def test_the_budget_bounds_the_number_of_fetches() -> None:
    server = Server()
    fetch = fetcher(Dns(issuer_example=[PUBLIC]), server)
    with fetch_budget(FetchLimits(max_fetches=3, hint="HINT")):
        for n in range(3):
            fetch(f"https://issuer.example/{n}")
        with pytest.raises(FetchLimitError, match=r"has made the 3 fetches it may make \(HINT\)"):
            fetch("https://issuer.example/3")
    assert len(server.requests) == 3
    with fetch_budget(FetchLimits(max_fetches=3)):  # the next verification starts afresh
        fetch("https://issuer.example/4")
    assert len(server.requests) == 4


def test_the_budget_bounds_the_time_spent_fetching() -> None:
    now = [1000.0]
    server = Server()
    fetch = fetcher(Dns(issuer_example=[PUBLIC]), server)
    with fetch_budget(FetchLimits(seconds=10), clock=lambda: now[0]):
        fetch("https://issuer.example/a")
        now[0] += 10.5
        with pytest.raises(FetchLimitError, match="spent the 10 s it may spend fetching"):
            fetch("https://issuer.example/b")
    assert len(server.requests) == 1


def test_a_server_that_trickles_cannot_outlast_the_budget() -> None:
    now = [0.0]

    def trickle() -> Iterator[bytes]:
        for _ in range(100):
            now[0] += 1.0  # each chunk takes a second
            yield b" "

    server = Server(lambda request: httpx.Response(200, content=trickle()))
    fetch = fetcher(Dns(issuer_example=[PUBLIC]), server)
    with (
        fetch_budget(FetchLimits(seconds=5), clock=lambda: now[0]),
        pytest.raises(FetchLimitError),
    ):
        fetch("https://issuer.example/slow")
    assert now[0] < 10


def test_a_resolver_that_hangs_is_abandoned() -> None:
    def hanging(host: str, port: int) -> list[str]:
        time.sleep(2)
        return [PUBLIC]

    server = Server()
    fetch = online_fetcher(transport=httpx.MockTransport(server), resolve=hanging, timeout=0.2)
    started = time.monotonic()
    with fetch_budget(FetchLimits()), pytest.raises(ResolutionError, match="took longer"):
        fetch("https://slow-dns.example/did.json")
    assert time.monotonic() - started < 1.5
    assert server.requests == []
