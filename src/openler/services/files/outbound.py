"""Where verification may connect, and how much it may fetch.

A document under verification names the URLs that get fetched (a did:web issuer, a status
list, a controller document), so each of them is the attacker's choice. Before any
connection:

- the URL must be ``https://`` without user information;
- its host is resolved once, **every** address it resolves to must be a public one (see
  :func:`refusal`), and the connection goes to the address that was checked — the name is
  not resolved a second time, so a DNS answer that changes in between (rebinding) changes
  nothing; TLS still checks the certificate against the name (SNI and ``Host`` carry it);
- redirects are not followed; proxies from the environment are not used;
- every fetch is counted against the budget of the verification in progress
  (:func:`fetch_budget`): a number of fetches and a total time. A fetch past the budget
  raises :class:`~openler.vc.errors.FetchLimitError`, which verification treats as a
  failure whatever its policy (it fails closed).

The budget lives in a context variable rather than in the fetcher because one fetcher serves
many verifications at once (the platform shares its resolvers between request threads).
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextvars import ContextVar
from dataclasses import dataclass, field

import httpx

from openler.settings import DEFAULT_FETCH_SECONDS, DEFAULT_MAX_FETCHES
from openler.vc import FetchLimitError, ResolutionError

#: ``resolve(host, port)`` → the IP addresses the name stands for (as text)
Resolve = Callable[[str, int], Sequence[str]]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


_HOSTNAME = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?"
)
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def refusal(address: Address) -> str | None:
    """Why verification may not connect to ``address`` (None: it may).

    Only globally reachable unicast addresses are allowed: not loopback, private,
    shared (100.64/10), link-local, unique-local, site-local, multicast, reserved or
    unspecified — and for an IPv6 address that carries an IPv4 one (IPv4-mapped,
    IPv4-compatible, 6to4, Teredo, NAT64), the IPv4 address must be allowed too.

    >>> refusal(ipaddress.ip_address("169.254.169.254"))
    'a link-local address'
    >>> refusal(ipaddress.ip_address("::ffff:10.0.0.1"))
    'a private address'
    >>> refusal(ipaddress.ip_address("93.184.216.34")) is None
    True
    """
    for reason, test in (
        ("the unspecified address", address.is_unspecified),
        ("a loopback address", address.is_loopback),
        ("a link-local address", address.is_link_local),
        ("a multicast address", address.is_multicast),
        (
            "a site-local address",
            isinstance(address, ipaddress.IPv6Address) and address.is_site_local,
        ),
    ):
        if test:
            return reason
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        inner = refusal(embedded)
        if inner is not None:
            return inner
    if address.is_private:
        return "a private address"
    if address.is_reserved or not address.is_global:
        return "an address that is not publicly routable"
    return None


def _embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in network for network in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if int(address) >> 32 == 0 and int(address) > 1:  # IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(address))
    return None


def system_resolve(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for ``host``, in its order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ResolutionError(f"cannot resolve {host}: {exc.strerror or exc}") from None
    found: list[str] = []
    for info in infos:
        text = str(info[4][0]).split("%", 1)[0]  # an IPv6 zone is no part of the address
        if text not in found:
            found.append(text)
    return found


_RESOLVERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="openler-resolve")


@dataclass(frozen=True)
class FetchLimits:
    """How much one verification may fetch. ``hint`` says where the limits are set."""

    max_fetches: int = DEFAULT_MAX_FETCHES
    seconds: float = DEFAULT_FETCH_SECONDS
    hint: str = "OPENLER_VERIFY_MAX_FETCHES, OPENLER_VERIFY_FETCH_SECONDS"


@dataclass
class FetchBudget:
    """What is left of one verification's fetch limits."""

    limits: FetchLimits
    clock: Callable[[], float] = time.monotonic
    used: int = 0
    deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self.deadline = self.clock() + self.limits.seconds

    def left(self, url: str) -> float:
        """Seconds left; raises :class:`FetchLimitError` when the time is spent."""
        remaining = self.deadline - self.clock()
        if remaining <= 0:
            raise FetchLimitError(
                f"{url} was not fetched: this verification has spent the "
                f"{self.limits.seconds:g} s it may spend fetching ({self.limits.hint})"
            )
        return remaining

    def spend(self, url: str) -> float:
        """Count one fetch of ``url``; returns the seconds left for it."""
        if self.used >= self.limits.max_fetches:
            raise FetchLimitError(
                f"{url} was not fetched: this verification has made the "
                f"{self.limits.max_fetches} fetches it may make ({self.limits.hint})"
            )
        remaining = self.left(url)
        self.used += 1
        return remaining


_BUDGET: ContextVar[FetchBudget | None] = ContextVar("openler_fetch_budget", default=None)


@contextlib.contextmanager
def fetch_budget(
    limits: FetchLimits, *, clock: Callable[[], float] = time.monotonic
) -> Iterator[FetchBudget]:
    """Give the verification run inside the block a fresh budget of fetches and time."""
    budget = FetchBudget(limits, clock)
    reset = _BUDGET.set(budget)
    try:
        yield budget
    finally:
        _BUDGET.reset(reset)


def current_budget(url: str) -> FetchBudget:
    budget = _BUDGET.get()
    if budget is None:
        raise ResolutionError(
            f"{url} was not fetched: no verification with a fetch budget is running"
        )
    return budget


@dataclass(frozen=True)
class Target:
    """Where a fetch of ``url`` connects: the checked ``address``, with the name kept for
    the ``Host`` header and TLS (SNI and the certificate check)."""

    url: httpx.URL
    host: str
    address: str

    @property
    def connect_url(self) -> httpx.URL:
        return self.url.copy_with(host=self.address)

    @property
    def host_header(self) -> str:
        port = self.url.port
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if port is None else f"{name}:{port}"


def target(url: str, resolve: Resolve, *, timeout: float) -> Target:
    """Check ``url`` and the addresses its host resolves to; raises ResolutionError saying
    why a fetch is refused."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ResolutionError(f"refusing to fetch {url!r}: not a valid URL ({exc})") from None
    if parsed.scheme != "https":
        raise ResolutionError(f"refusing to fetch {url}: only https:// URLs")
    if parsed.userinfo:
        raise ResolutionError(f"refusing to fetch {url}: a URL with user information")
    host = parsed.raw_host.decode("ascii")
    if not host:
        raise ResolutionError(f"refusing to fetch {url}: it names no host")
    try:
        addresses: Sequence[str] = [str(ipaddress.ip_address(host))]  # a literal address
    except ValueError:
        if not _HOSTNAME.fullmatch(host):
            raise ResolutionError(
                f"refusing to fetch {url!r}: {host!r} is not a host name"
            ) from None
        addresses = _resolve_within(resolve, host, parsed.port or 443, timeout)
    if not addresses:
        raise ResolutionError(f"refusing to fetch {url}: {host} resolves to no address")
    for text in addresses:
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            raise ResolutionError(f"{host} resolved to {text!r}, which is not an address") from None
        reason = refusal(address)
        if reason is not None:
            where = host if host == text else f"{host} ({text})"
            raise ResolutionError(
                f"refusing to fetch {url}: {where} is {reason}; documents are fetched only "
                "from public internet addresses"
            )
    return Target(parsed, host, addresses[0])


def _resolve_within(resolve: Resolve, host: str, port: int, timeout: float) -> Sequence[str]:
    future = _RESOLVERS.submit(resolve, host, port)
    try:
        return future.result(timeout=timeout)
    except FutureTimeout:
        raise ResolutionError(f"resolving {host} took longer than {timeout:.1f} s") from None
