"""Multibase (base58btc ``z`` and base64url ``u``) and multicodec prefixes.

>>> encode_base58btc(b"\\x00\\x01")
'z12'
>>> decode_multibase("z12")
b'\\x00\\x01'
"""

from __future__ import annotations

import base64

from openler.vc.errors import KeyFormatError

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
_PAIR = 58 * 58
_PAIRS = [high + low for high in _ALPHABET for low in _ALPHABET]
_GROUP = _PAIR**5

#: Multicodec prefixes (unsigned varint) used by Multikey.
ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"
P256_PUB = b"\x80\x24"


def b58encode(data: bytes) -> str:
    """Bitcoin base58 without a multibase prefix.

    The number is cut into ten-digit groups (one big-integer division each) and a group
    into five two-digit pairs looked up in a table: a signature is a 64-byte number, and
    dividing it by 58 one digit at a time costs more than signing it.
    """
    zeros = len(data) - len(data.lstrip(b"\0"))
    n = int.from_bytes(data, "big")
    pairs: list[str] = []
    while n:
        n, group = divmod(n, _GROUP)
        for _ in range(5):
            group, pair = divmod(group, _PAIR)
            pairs.append(_PAIRS[pair])
    return "1" * zeros + "".join(reversed(pairs)).lstrip("1")


def b58decode(text: str) -> bytes:
    """Inverse of :func:`b58encode`; raises :class:`KeyFormatError` on a bad character."""
    n = 0
    for c in text:
        try:
            n = n * 58 + _INDEX[c]
        except KeyError:
            raise KeyFormatError(f"invalid base58 character {c!r}") from None
    zeros = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * zeros + body


def encode_base58btc(data: bytes) -> str:
    return "z" + b58encode(data)


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (ValueError, TypeError) as exc:
        raise KeyFormatError(f"invalid base64url data: {exc}") from None


def encode_base64url(data: bytes) -> str:
    return "u" + b64url_encode(data)


def decode_multibase(text: str) -> bytes:
    """Decode a multibase string in base58btc (``z``) or base64url (``u``)."""
    if not isinstance(text, str) or not text:
        raise KeyFormatError("multibase value must be a non-empty string")
    prefix, body = text[0], text[1:]
    if prefix == "z":
        return b58decode(body)
    if prefix == "u":
        return b64url_decode(body)
    raise KeyFormatError(f"unsupported multibase prefix {prefix!r} (expected 'z' or 'u')")
