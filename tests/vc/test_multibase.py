"""base58btc against the digit-at-a-time definition, and round trips."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from openler.vc.multibase import b58decode, b58encode

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def reference(data: bytes) -> str:
    zeros = len(data) - len(data.lstrip(b"\0"))
    n = int.from_bytes(data, "big")
    digits = []
    while n:
        n, digit = divmod(n, 58)
        digits.append(ALPHABET[digit])
    return "1" * zeros + "".join(reversed(digits))


@given(st.binary(max_size=200), st.integers(min_value=0, max_value=5))
def test_base58_matches_the_definition_and_round_trips(data: bytes, zeros: int) -> None:
    padded = b"\0" * zeros + data
    assert b58encode(padded) == reference(padded)
    assert b58decode(b58encode(padded)) == padded


def test_known_values() -> None:
    assert b58encode(b"") == ""
    assert b58encode(b"\0\0") == "11"
    assert b58encode(bytes([57])) == "z"
    assert b58encode(bytes([58])) == "21"
    assert b58encode(b"hello world") == "StV1DL6CwTryKyV"
