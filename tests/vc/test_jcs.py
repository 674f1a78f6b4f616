"""RFC 8785 JSON canonicalization, including ECMAScript number formatting."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openler.vc import InputError, jcs


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0, "0"),
        (-0.0, "0"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e-7, "1e-7"),
        (0.000001, "0.000001"),
        (333333333.33333329, "333333333.3333333"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (-5e-324, "-5e-324"),
        (4.5, "4.5"),
        (9007199254740992, "9007199254740992"),
    ],
)
def test_numbers_follow_ecmascript(number: float, text: str) -> None:
    assert jcs.format_number(number) == text


def test_rfc8785_example_ordering_and_escapes() -> None:
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "1": "One",
        "\u0080": "Control",
        "\U0001f600": "x",
        "\u00f6": "o",
    }
    assert jcs.canonicalize(value).decode() == (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"o","\u20ac":"Euro Sign","\U0001f600":"x"}'
    )
    assert jcs.canonicalize({"s": '\u0001\n"\\'}) == b'{"s":"\\u0001\\n\\"\\\\"}'


def test_non_json_values_are_refused() -> None:
    with pytest.raises(InputError, match="lone surrogate"):
        jcs.canonicalize({"a": "\ud83d"})
    with pytest.raises(InputError):
        jcs.canonicalize({"a": float("nan")})
    with pytest.raises(InputError):
        jcs.canonicalize({"a": 10**400})


@given(
    st.recursive(
        st.none() | st.booleans() | st.text() | st.integers(-(2**53), 2**53),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=20,
    )
)
def test_canonical_form_is_json_with_the_same_value(value: object) -> None:
    assert json.loads(jcs.canonicalize(value)) == value


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.text()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=5), c, max_size=4),
    max_leaves=25,
)


@given(json_values)
def test_fast_and_general_serializers_agree(value: object) -> None:
    general: list[str] = []
    try:
        jcs._write(value, general)
        expected: object = "".join(general).encode("utf-8")
    except InputError as exc:
        expected = type(exc)
    try:
        got: object = jcs.canonicalize(value)
    except InputError as exc:
        got = type(exc)
    assert got == expected
