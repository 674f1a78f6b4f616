"""Open Badges 3.0 baking: a credential embedded in a PNG or SVG image.

PNG: an ``iTXt`` chunk with keyword ``openbadgecredential`` holding the JSON credential or
its compact JWT. SVG: an ``openbadges:credential`` element (namespace
``https://purl.imsglobal.org/ob/v3p0``) holding the JSON in its text, or the JWT in its
``verify`` attribute.

>>> png = bake_png(blank_png(), '{"a": 1}')
>>> extract_png(png)
'{"a": 1}'
"""

from __future__ import annotations

import struct
import zlib
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from openler.vc.errors import InputError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = b"openbadgecredential"
OB_NS = "https://purl.imsglobal.org/ob/v3p0"
_MAX_TEXT = 8 * 1024 * 1024


def blank_png(width: int = 1, height: int = 1) -> bytes:
    """A fully transparent RGBA PNG, to bake into when there is no badge image."""
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    rows = b"".join(b"\0" + b"\0" * 4 * width for _ in range(height))
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    if not data.startswith(PNG_SIGNATURE):
        raise InputError("not a PNG image")
    pos, chunks = len(PNG_SIGNATURE), []
    while pos < len(data):
        if pos + 8 > len(data):
            raise InputError("truncated PNG chunk header")
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > len(data):
            raise InputError(f"truncated PNG chunk {kind!r}")
        chunks.append((kind, data[pos + 8 : pos + 8 + length]))
        pos = end
        if kind == b"IEND":
            break
    return chunks


def extract_png(data: bytes) -> str:
    """The baked credential text (JSON or JWT) in a PNG; raises :class:`InputError`."""
    for kind, body in _chunks(data):
        if kind != b"iTXt" or not body.startswith(KEYWORD + b"\0"):
            continue
        rest = body[len(KEYWORD) + 1 :]
        if len(rest) < 2:
            raise InputError("malformed openbadgecredential iTXt chunk")
        compressed, method, rest = rest[0], rest[1], rest[2:]
        try:
            _language, _translated, text = rest.split(b"\0", 2)
        except ValueError:
            raise InputError("malformed openbadgecredential iTXt chunk") from None
        if compressed:
            if method != 0:
                raise InputError("unknown iTXt compression method")
            inflater = zlib.decompressobj()
            try:
                text = inflater.decompress(text, _MAX_TEXT)
            except zlib.error:
                raise InputError(
                    "the compressed openbadgecredential iTXt chunk is corrupt"
                ) from None
            if inflater.unconsumed_tail:
                raise InputError("baked credential is larger than 8 MB")
        try:
            return text.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("baked credential is not UTF-8 text") from None
    raise InputError("the PNG has no baked Open Badges credential (iTXt openbadgecredential)")


def bake_png(image: bytes, credential: str) -> bytes:
    """``image`` with ``credential`` (JSON text or JWT) baked in, replacing any earlier one."""
    out = [PNG_SIGNATURE]
    body = KEYWORD + b"\0\0\0\0\0" + _utf8(credential)
    for kind, chunk in _chunks(image):
        if kind == b"iTXt" and chunk.startswith(KEYWORD + b"\0"):
            continue
        if kind == b"IEND":
            out.append(_chunk(b"iTXt", body))
        out.append(_chunk(kind, chunk))
    return b"".join(out)


def _utf8(credential: str) -> bytes:
    try:
        return credential.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(
            f"the credential text has an unpaired surrogate at character {exc.start}: it is "
            "not Unicode text and cannot be baked"
        ) from None


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def extract_svg(data: bytes) -> str:
    """The baked credential text (JSON or JWT) in an SVG; raises :class:`InputError`."""
    try:
        root: Element = SafeET.fromstring(data)
    except (SafeET.ParseError, DefusedXmlException, ValueError) as exc:
        raise InputError(f"the SVG is not well-formed or safe XML: {exc}") from None
    element = root.find(f".//{{{OB_NS}}}credential")
    if element is None:
        raise InputError("the SVG has no baked Open Badges credential (openbadges:credential)")
    if element.get("verify"):
        return str(element.get("verify"))
    text = (element.text or "").strip()
    if not text:
        raise InputError("the openbadges:credential element is empty")
    return text


def bake_svg(svg: str, credential: str, *, jwt: bool = False) -> str:
    """``svg`` with ``credential`` baked in right after the root element's start tag."""
    from xml.sax.saxutils import quoteattr

    _utf8(credential)
    if jwt:
        element = f"<openbadges:credential verify={quoteattr(credential)}/>"
    else:
        if "]]>" in credential:
            raise InputError("credential text cannot contain ']]>'")
        element = f"<openbadges:credential><![CDATA[{credential}]]></openbadges:credential>"
    start = svg.find("<svg")
    close = svg.find(">", start)
    if start < 0 or close < 0:
        raise InputError("not an SVG document")
    head = svg[:close]
    if "xmlns:openbadges" not in head:
        head += f' xmlns:openbadges="{OB_NS}"'
    return head + ">" + element + svg[close + 1 :]
