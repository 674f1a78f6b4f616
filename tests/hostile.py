"""Hostile inputs for the fuzz tests of every verify entry point (library, CLI, API).

A hostile holder starts from something real — a signed credential, a presentation, a JWT,
a baked badge — and changes it: one value replaced by something a parser or a processor
may choke on, a key removed or added, a name repeated in the JSON text, a byte flipped.
These strategies do the same, starting from real signed documents (the demo licence and
the W3C vectors in ``tests/data``), so that the mutations reach deep into verification
instead of stopping at the first parse error. Raw bytes and text are fuzzed too.

The one property every entry point must keep: whatever comes in, the answer is a verdict
or one of openler's own refusals (``VCError``, ``ServiceError``), never another exception.

Example counts: each test names its count for the default run; ``--hypothesis-profile=fuzz``
(registered in ``tests/conftest.py``) raises every fuzz test to that profile's count.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from openler.vc import (
    DocumentLoader,
    Multikey,
    VCError,
    bake_png,
    bake_svg,
    build_presentation,
    sign_credential,
    sign_presentation,
    status_entry,
)
from openler.vc.baking import blank_png
from openler.vc.jose import encode as jwt_encode
from openler.vc.multibase import b64url_encode
from tests.conftest import DATA, EXAMPLES_CONTEXT, EXAMPLES_CONTEXT_URL

NOW = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)
ISSUER = Multikey.from_seed(bytes([1]) * 32)
HOLDER = Multikey.from_seed(bytes([2]) * 32)
CHALLENGE = "fuzz-challenge"
STATUS_URL = "https://status.example/lists/1"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>'
LOADER = DocumentLoader({EXAMPLES_CONTEXT_URL: EXAMPLES_CONTEXT})


def examples(default: int) -> int:
    """``default`` examples under Hypothesis' default profile; under any other profile
    (``--hypothesis-profile=fuzz``), that profile's count."""
    active = settings.default
    if active is None or active.max_examples == settings.get_profile("default").max_examples:
        return default
    return active.max_examples


def fuzz_settings(default: int) -> settings:
    """Settings of a fuzz test: ``default`` examples (see :func:`examples`), no deadline
    (a first JSON-LD shape costs far more than a cached one), and no complaint about slow
    or large inputs or about fixtures shared across examples (the test client, a folder)."""
    return settings(
        max_examples=examples(default),
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
    )


def license_template() -> dict[str, Any]:
    text = resources.files("openler.demo").joinpath("rn-license.json").read_text("utf-8")
    doc: dict[str, Any] = json.loads(text)
    doc["credentialSubject"]["id"] = HOLDER.controller
    return doc


@cache
def seeds() -> tuple[dict[str, Any], ...]:
    """Real signed documents: the demo licence under both cryptosuites and with a status
    entry, a presentation of it bound to a challenge, and the W3C EdDSA vectors (proof set,
    proof chain)."""
    unsigned = license_template()
    rdfc = sign_credential(unsigned, ISSUER, created=NOW)
    jcs = sign_credential(unsigned, ISSUER, created=NOW, cryptosuite="eddsa-jcs-2022")
    with_status = sign_credential(
        {
            **unsigned,
            "credentialStatus": status_entry(list_url=STATUS_URL, index=7, purpose="revocation"),
        },
        ISSUER,
        created=NOW,
    )
    presentation = sign_presentation(
        build_presentation([rdfc], holder=HOLDER.controller),
        HOLDER,
        challenge=CHALLENGE,
        created=NOW,
    )
    vectors = [
        json.loads((DATA / "vectors" / name).read_text("utf-8"))
        for name in ("signedProofSet2.json", "signedProofChain2.json", "rdfc/signed.json")
    ]
    return (rdfc, jcs, with_status, presentation, *vectors)


# --- values a hostile holder puts in ------------------------------------------------------

_nasty_strings = st.sampled_from(
    [
        "\ud800",
        "a\udfffb",
        "[/x]",
        "[bold red]x",
        "https://a b/c",
        "https://a\u00a0b/c",
        "https://a%zz",
        "did:web:xn--",
        "did:web:%00",
        "did:key:z",
        "did:key:zDn",
        "urn:uuid:",
        "_:b0",
        "#frag",
        "not a tag!",
        "en_US",
        "@id",
        "@type",
        "@context",
        "@graph",
        "@json",
        "\u0000\u001f\ufffe\uffff",
        "9999-99-99T99:99:99Z",
        "2026-13-01T00:00:00Z",
        "-0001-01-01T00:00:00Z",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://www.w3.org/ns/credentials/v2",
        "eyJhbGciOiJFZERTQSJ9.eyJ9.c2ln",
        "z" * 90,
    ]
)
_text = st.one_of(
    st.text(max_size=30), _nasty_strings, st.integers(1000, 5000).map(lambda n: "x" * n)
)
_numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -0.0, 1e308, 5e-324, 2**53 + 1, 10**100]),
)
_keys = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "@context",
            "@id",
            "@type",
            "@value",
            "@language",
            "@graph",
            "@list",
            "@vocab",
            "@base",
            "@protected",
            "@reverse",
            "@included",
            "@index",
            "@nest",
            "@direction",
            "id",
            "type",
            "proof",
            "previousProof",
            "credentialStatus",
            "validUntil",
            "validFrom",
            "issuer",
            "holder",
            "credentialSubject",
            "verifiableCredential",
            "endorsement",
            "endorsementJwt",
            "statusListIndex",
            "statusListCredential",
            "statusPurpose",
            "cryptosuite",
            "proofValue",
            "verificationMethod",
            "achievement",
            "name",
            "[/x]",
            "\ud800",
        ]
    ),
)


def _deep(depth: int) -> Any:
    value: Any = "bottom"
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), _numbers, _text),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(_keys, children, max_size=4),
    ),
    max_leaves=12,
)
hostile_values = st.one_of(
    json_values,
    st.integers(min_value=55, max_value=90).map(_deep),
    st.builds(
        lambda lang: {"@context": [{"@language": lang}]},
        st.one_of(_text, st.integers(), st.none()),
    ),
)


# --- structured mutations -------------------------------------------------------------------


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``value`` (dict keys and list indexes)."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


@st.composite
def mutated_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A seed with one to three structural changes: a value replaced, removed, wrapped in a
    list, or a key added next to it."""
    doc: dict[str, Any] = copy.deepcopy(draw(st.sampled_from(seeds())))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        path = draw(st.sampled_from(paths))
        parent = _parent(doc, path)
        action = draw(st.sampled_from(["replace", "remove", "wrap", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(hostile_values)
        elif action == "remove":
            del parent[path[-1]]
        elif action == "wrap":
            parent[path[-1]] = [parent[path[-1]]]
        elif isinstance(parent, dict):
            parent[draw(_keys)] = draw(hostile_values)
        else:
            parent.append(draw(hostile_values))
    return doc


@st.composite
def resigned_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A mutated licence signed again, so that its proof verifies and the checks after the
    proof (issuer, validity, status, trust, holder) read the hostile values. When openler
    refuses to sign it (a VCError), the unsigned mutation is used as it is."""
    doc = license_template()
    for _ in range(draw(st.integers(1, 2))):
        paths = [p for p in _paths(doc) if p and p[0] != "@context"]
        path = draw(st.sampled_from(paths))
        parent = _parent(doc, path)
        if draw(st.booleans()) and isinstance(parent, dict):
            parent[draw(_keys)] = draw(hostile_values)
        else:
            parent[path[-1]] = draw(hostile_values)
    try:
        return sign_credential(doc, ISSUER, created=NOW)
    except VCError:
        return doc


def _duplicate_a_key(text: str, draw: st.DrawFn) -> str:
    """Repeat one member of the JSON text with another value (the last-wins attack)."""
    starts = [i for i, ch in enumerate(text) if ch == "{"]
    at = draw(st.sampled_from(starts)) + 1 if starts else 0
    key = draw(st.sampled_from(["proof", "validUntil", "credentialStatus", "issuer", "type"]))
    value = json.dumps(draw(json_values), ensure_ascii=True)
    return text[:at] + f'"{key}": {value}, "{key}": {value},' + text[at:]


@st.composite
def hostile_texts(draw: st.DrawFn) -> str:
    """The JSON text of a (mutated) seed with a textual change only text can carry:
    a repeated member name, an escaped lone surrogate, a huge number, a truncation."""
    doc = draw(st.one_of(st.sampled_from(seeds()), mutated_documents()))
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
    action = draw(
        st.sampled_from(["duplicate", "surrogate", "number", "truncate", "nest", "nothing"])
    )
    if action == "duplicate":
        return _duplicate_a_key(text, draw)
    if action == "surrogate":
        quotes = [i for i, ch in enumerate(text) if ch == '"']
        at = draw(st.sampled_from(quotes)) + 1
        return text[:at] + "\\ud800" + text[at:]
    if action == "number":
        digits = draw(st.sampled_from([5000, 10**6]))
        return (
            text[:-1] + f', "n": {"9" * digits}' + draw(st.sampled_from(["", ".5", "e999"])) + "}"
        )
    if action == "truncate":
        return text[: draw(st.integers(0, max(0, len(text) - 1)))]
    if action == "nest":
        depth = draw(st.sampled_from([65, 1000, 100_000]))
        return text[:-1] + ', "n": ' + "[" * depth + "]" * depth + "}"
    return text


def _bake(text: str, draw: st.DrawFn) -> bytes:
    try:
        if draw(st.booleans()):
            return bake_png(blank_png(), text)
        return bake_svg(SVG, text, jwt=text.count(".") == 2 and "{" not in text).encode("utf-8")
    except VCError:  # openler will not bake it (a lone surrogate, "]]>"): send the text
        return text.encode("utf-8", "surrogatepass")


@st.composite
def hostile_inputs(draw: st.DrawFn) -> bytes | str | dict[str, Any]:
    """Anything ``verify`` may be handed: a mutated document as a mapping, its JSON text or
    bytes, a JWT of it (signed, so that the payload is read), the text baked in a PNG or
    SVG, or raw bytes."""
    kind = draw(
        st.sampled_from(["mapping", "resigned", "text", "bytes", "jwt", "baked", "raw", "flip"])
    )
    if kind == "mapping":
        return draw(mutated_documents())
    if kind == "resigned":
        return draw(resigned_documents())
    if kind == "jwt":
        payload = draw(st.one_of(mutated_documents(), st.sampled_from(seeds())))
        try:
            token = jwt_encode(payload, ISSUER)
        except VCError:  # openler will not sign it; a holder could still send its text
            token = jwt_encode(seeds()[0], ISSUER)
        if draw(st.booleans()):  # a payload part that is not what was signed
            head, _body, sig = token.split(".")
            raw = draw(hostile_texts()).encode("utf-8", "surrogatepass")
            token = f"{head}.{b64url_encode(raw)}.{sig}"
        return token
    text = draw(hostile_texts())
    if kind == "text":
        return text
    if kind == "bytes":
        return text.encode("utf-8", "surrogatepass")
    if kind == "baked":
        return _bake(text, draw)
    if kind == "flip":
        data = bytearray(text.encode("utf-8", "surrogatepass"))
        for _ in range(draw(st.integers(1, 4))):
            if data:
                data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    return draw(st.binary(max_size=200))


def as_bytes(data: bytes | str | dict[str, Any]) -> bytes:
    """What a file or an HTTP body would hold for ``data``."""
    if isinstance(data, dict):
        return json.dumps(data).encode("utf-8")
    if isinstance(data, str):
        return data.encode("utf-8", "surrogatepass")
    return data
