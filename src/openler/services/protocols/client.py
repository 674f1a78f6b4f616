"""The wallet's connections to other issuers and verifiers.

An offer, a request URI or an exchange URL is written by whoever sent it to the person, so
every URL the wallet follows is the other party's choice. The rules of verification's
fetches apply (:mod:`openler.services.files.outbound`): ``https://`` only, every address
the host resolves to public, the connection pinned to the address checked, no redirects, no
proxy from the environment, a size limit and a timeout. ``protocol_allow_loopback`` (never
in production) also admits ``http://127.0.0.1`` and ``http://localhost``, where the tests
run the wallets, issuers and verifiers that others wrote.

Answers are JSON read as verification reads it (:func:`openler.vc.parse_json`), or text
(a compact JWT: a signed request object, a credential).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from openler.services.errors import UsageError
from openler.services.files.outbound import Resolve, system_resolve, target
from openler.settings import Settings
from openler.vc import InputError, ResolutionError, parse_json

#: the most an answer may hold
MAX_ANSWER_BYTES = 1_000_000
#: seconds for one exchange with the other party
TIMEOUT_SECONDS = 10.0
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


class ProtocolError(UsageError):
    """The other party could not be reached, or answered what the protocol does not allow.
    The message says which URL and what happened, in words a person can act on."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The body as JSON (I-JSON, as verification reads it)."""
        try:
            return parse_json(self.body)
        except InputError as exc:
            raise ProtocolError(f"the answer is not JSON openler accepts: {exc.message}") from None

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class ProtocolClient:
    """``get``/``post`` to another party, within the rules above. ``transport`` and
    ``resolve`` replace the network and DNS in tests."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        resolve: Resolve = system_resolve,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self._loopback = settings.protocol_allow_loopback
        self._transport = transport
        self._resolve = resolve
        self._timeout = timeout

    def get(self, url: str, *, headers: Mapping[str, str] | None = None) -> Answer:
        return self._send("GET", url, headers=headers)

    def post_json(self, url: str, body: Any, *, headers: Mapping[str, str] | None = None) -> Answer:
        return self._send("POST", url, headers=headers, json=body)

    def post_form(
        self, url: str, form: Mapping[str, str], *, headers: Mapping[str, str] | None = None
    ) -> Answer:
        return self._send("POST", url, headers=headers, data=dict(form))

    def _send(
        self, method: str, url: str, *, headers: Mapping[str, str] | None, **body: Any
    ) -> Answer:
        sent = {"Accept": "application/json", **(headers or {})}
        connect: httpx.URL | str = url
        extensions: dict[str, Any] = {}
        if not self._is_loopback(url):
            try:
                where = target(url, self._resolve, timeout=self._timeout)
            except ResolutionError as exc:
                raise ProtocolError(exc.message) from None
            connect = where.connect_url
            sent["Host"] = where.host_header
            extensions["sni_hostname"] = where.host
        try:
            with (
                httpx.Client(
                    timeout=self._timeout,
                    follow_redirects=False,
                    trust_env=False,
                    transport=self._transport,
                ) as client,
                client.stream(
                    method, connect, headers=sent, extensions=extensions, **body
                ) as response,
            ):
                if response.is_redirect:
                    raise ProtocolError(
                        f"{url} answered with a redirect to "
                        f"{response.headers.get('location', '(nowhere)')}, which is not followed"
                    )
                data = bytearray()
                # httpx's timeout bounds each read; a party trickling bytes is bounded here
                deadline = time.monotonic() + self._timeout
                for chunk in response.iter_bytes():
                    data += chunk
                    if len(data) > MAX_ANSWER_BYTES:
                        raise ProtocolError(f"{url} sent more than {MAX_ANSWER_BYTES} bytes")
                    if time.monotonic() > deadline:
                        raise ProtocolError(
                            f"{url} took more than {self._timeout:g} seconds to answer"
                        )
                return Answer(response.status_code, dict(response.headers), bytes(data))
        except (httpx.HTTPError, httpx.InvalidURL, UnicodeError) as exc:
            raise ProtocolError(f"could not reach {url}: {exc}") from None

    def _is_loopback(self, url: str) -> bool:
        if not self._loopback:
            return False
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            return False
        host = parsed.raw_host.decode("ascii", errors="replace")
        return parsed.scheme in ("http", "https") and (
            host in _LOOPBACK_HOSTS or f"[{host}]" in _LOOPBACK_HOSTS
        )
