"""Where verification gets its outside world: key files, context and controller documents
from local files, and (only when allowed) HTTPS fetches from public addresses, with size,
time and count limits (see :mod:`openler.services.files.outbound`)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from openler.services.errors import FileError, UsageError
from openler.services.files.outbound import Resolve, current_budget, system_resolve, target
from openler.vc import (
    DocumentLoader,
    Fetched,
    Fetcher,
    InputError,
    KeyFormatError,
    Multikey,
    ResolutionError,
    Resolver,
    did_web_url,
    parse_json,
)

MAX_DOCUMENT_BYTES = 1024 * 1024
FETCH_TIMEOUT_SECONDS = 5.0


def read_json_file(path: str | Path, what: str = "file") -> Any:
    """Parse a JSON file, with an error naming the file and the problem."""
    try:
        text = Path(path).read_text("utf-8")
    except OSError as exc:
        raise FileError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise FileError(f"{what} {path} is not UTF-8 text") from None
    try:
        return parse_json(text)
    except InputError as exc:
        raise FileError(f"{what} {path} is not valid JSON: {exc.message}") from None


def load_key(path: str | Path) -> Multikey:
    """Read a Multikey key file (as written by ``openler key generate``)."""
    try:
        return Multikey.from_json(read_json_file(path, "key file"))
    except KeyFormatError as exc:
        raise FileError(f"key file {path}: {exc.message}") from None


def write_key(key: Multikey, path: str | Path) -> None:
    """Write a key file readable only by its owner; refuses to overwrite an existing file."""
    target = Path(path)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise FileError(f"{target} already exists; refusing to overwrite a key file") from None
    except OSError as exc:
        raise FileError(f"cannot create {target}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(key.secret_json(), handle, indent=2)
        handle.write("\n")


def parse_pairs(pairs: Sequence[str], option: str) -> dict[str, Any]:
    """``URL=FILE`` options into ``{url: parsed JSON}``."""
    result: dict[str, Any] = {}
    for pair in pairs:
        url, sep, file = pair.partition("=")
        if not sep or not url or not file:
            raise UsageError(f"{option} expects URL=FILE, got {pair!r}")
        result[url] = read_json_file(file, f"{option} file")
    return result


def context_loader(contexts: Sequence[str]) -> DocumentLoader:
    """A loader with the bundled contexts plus those given as ``--context URL=FILE``."""
    extra = parse_pairs(contexts, "--context")
    for url, doc in extra.items():
        if not isinstance(doc, dict) or "@context" not in doc:
            raise UsageError(f"--context {url}: the file is not a JSON-LD context document")
    return DocumentLoader(extra)


def online_fetcher(
    *,
    max_bytes: int = MAX_DOCUMENT_BYTES,
    timeout: float = FETCH_TIMEOUT_SECONDS,
    transport: httpx.BaseTransport | None = None,
    resolve: Resolve = system_resolve,
) -> Callable[[str], Fetched]:
    """Fetch JSON over HTTPS from public addresses only, within the fetch budget of the
    verification in progress (see :mod:`openler.services.files.outbound`), refusing
    redirects, bodies over ``max_bytes`` and slow servers.

    ``transport`` replaces the network and ``resolve`` the DNS (tests pass an
    ``httpx.MockTransport`` and a table).
    """

    def fetch(url: str) -> Fetched:
        budget = current_budget(url)
        where = target(url, resolve, timeout=min(timeout, budget.spend(url)))
        try:
            with (
                httpx.Client(
                    timeout=min(timeout, budget.left(url)),
                    follow_redirects=False,
                    trust_env=False,  # no proxy from the environment: it would resolve anew
                    transport=transport,
                ) as client,
                client.stream(
                    "GET",
                    where.connect_url,
                    headers={"Accept": "application/json", "Host": where.host_header},
                    extensions={"sni_hostname": where.host},
                ) as response,
            ):
                if response.is_redirect:
                    raise ResolutionError(
                        f"{url} answered HTTP {response.status_code}, a redirect to "
                        f"{response.headers.get('location', '(nowhere)')}; redirects are not "
                        "followed: publish the document at the URL that names it"
                    )
                if response.status_code != 200:
                    raise ResolutionError(f"{url} answered HTTP {response.status_code}")
                max_age = _max_age(response.headers.get("cache-control", ""))
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > max_bytes:
                        raise ResolutionError(f"{url} sent more than {max_bytes} bytes")
                    budget.left(url)  # a server that trickles cannot outlast the budget
        except (httpx.HTTPError, httpx.InvalidURL, UnicodeError) as exc:  # IDNA: UnicodeError
            raise ResolutionError(f"could not fetch {url}: {exc}") from None
        try:
            doc = parse_json(bytes(body))
        except InputError as exc:
            raise ResolutionError(
                f"{url} did not return JSON openler accepts: {exc.message}"
            ) from None
        if not isinstance(doc, dict):
            raise ResolutionError(f"{url} did not return a JSON object")
        return Fetched(doc, max_age)

    return fetch


def _max_age(cache_control: str) -> float | None:
    """Seconds a response may be reused, from ``Cache-Control`` (``no-store`` → 0)."""
    directives = [d.strip().lower() for d in cache_control.split(",") if d.strip()]
    if "no-store" in directives or "no-cache" in directives:
        return 0.0
    for directive in directives:
        name, _, value = directive.partition("=")
        if name in ("s-maxage", "max-age") and value.isdigit():
            return float(value)
    return None


def fetcher_for(docs: Sequence[str], *, online: bool) -> Fetcher:
    """Serve ``--doc URL=FILE`` documents (DIDs, controller documents, status lists), then
    (only if ``online``) fetch over HTTPS."""
    local = {
        (did_web_url(url) if url.startswith("did:web:") else url): doc
        for url, doc in parse_pairs(docs, "--doc").items()
    }
    remote = online_fetcher() if online else None

    def fetch(url: str) -> Mapping[str, Any] | Fetched:
        if url in local:
            return local[url]  # type: ignore[no-any-return]
        if remote is not None:
            return remote(url)
        raise ResolutionError(
            f"no document supplied for {url} (offline; supply it with --doc URL=FILE or "
            "allow --online)"
        )

    return fetch


def resolver_for(docs: Sequence[str], *, online: bool) -> Resolver:
    """A DID / controller document resolver over :func:`fetcher_for`."""
    return Resolver(fetcher_for(docs, online=online))
