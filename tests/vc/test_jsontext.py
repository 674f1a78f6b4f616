"""JSON as openler reads it for verification: I-JSON (RFC 7493) with bounded numbers and depth."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openler.vc import InputError, jsontext


def refused(text: str | bytes) -> str:
    with pytest.raises(InputError) as caught:
        jsontext.parse(text)
    return caught.value.message


# RFC 7493 §2.3: "Objects in I-JSON messages MUST NOT have members with duplicate names.
# In this context, "duplicate" means that the names, after processing any escaped
# characters, are identical sequences of Unicode characters."
@pytest.mark.parametrize(
    "text",
    [
        '{"validUntil": "2020-01-01T00:00:00Z", "validUntil": "2099-01-01T00:00:00Z"}',
        '{"a": {"proof": 1, "proof": 2}}',
        '[{"x": 1}, {"y": 1, "y": 1}]',
        '{"type": 1, "\\u0074ype": 2}',  # the same name once escaped
        '{"\\ud83d\\ude00": 1, "😀": 2}',  # a surrogate pair is the character it encodes
    ],
)
def test_duplicate_member_names_are_refused(text: str) -> None:
    assert "duplicate member name" in refused(text)
    assert "RFC 7493 §2.3" in refused(text)


# RFC 7493 §2.1: names and strings "MUST NOT include code points that identify Surrogates
# ... This applies both to characters encoded directly in UTF-8 and to those which are
# escaped; thus, "\uDEAD" is invalid because it is an unpaired surrogate".
@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('{"name": "\\uDEAD"}', "the string at name"),
        ('{"a\\ud800": 1}', "a member name of the object at the top"),
        ('{"@context": ["x", "\\ud800"]}', "the string at @context[1]"),
        ('{"s": {"t": [0, {"u": "ok\\udc00"}]}}', "the string at s.t[1].u"),
        ('"\\ud800"', "the string at the top"),
    ],
)
def test_unpaired_surrogates_are_refused_where_they_are(text: str, where: str) -> None:
    message = refused(text)
    assert message.startswith(where) and "unpaired surrogate" in message


def test_a_surrogate_pair_is_one_character_and_accepted() -> None:
    assert jsontext.parse('{"e": "\\ud83d\\ude00"}') == {"e": "😀"}


# RFC 7493 §2.1: "I-JSON messages MUST be encoded using UTF-8".
def test_bytes_must_be_utf8() -> None:
    assert "not UTF-8" in refused(b'{"a": "\xff"}')
    assert jsontext.parse('\ufeff{"a": 1}'.encode()) == {"a": 1}  # RFC 8259 §8.1: MAY ignore a BOM


# RFC 8259 §6: "Numeric values that cannot be represented in the grammar below (such as
# Infinity and NaN) are not permitted." RFC 7493 §2.2 names 1E400 as beyond a double.
@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1E400", "-1e999"])
def test_numbers_beyond_a_double_are_refused(literal: str) -> None:
    assert refused(f'{{"n": {literal}}}')


# RFC 8259 §9: "An implementation may set limits on the range and precision of numbers."
# Python would spend quadratic time converting a number of a million digits.
@pytest.mark.parametrize("literal", ["9" * 101, "9" * 1_000_000, "1." + "0" * 200, "-" + "1" * 150])
def test_number_literals_over_100_characters_are_refused(literal: str) -> None:
    assert "characters" in refused(f'{{"n": {literal}}}')


def test_ordinary_numbers_are_read() -> None:
    assert jsontext.parse('{"a": -0, "b": 2.5e-3, "c": 9007199254740993, "d": 1e308}') == {
        "a": 0,
        "b": 0.0025,
        "c": 9007199254740993,
        "d": 1e308,
    }


# RFC 8259 §9: "An implementation may set limits on ... the maximum depth of nesting."
def test_nesting_is_limited_to_64_levels() -> None:
    assert jsontext.parse("[" * 64 + "]" * 64) is not None
    for depth in (65, 1000, 100_000):
        assert refused("[" * depth + "]" * depth) == "JSON is nested more than 64 levels deep"
    mixed = '{"a": ' * 40 + "[" * 30 + "]" * 30 + "}" * 40
    assert "nested more than 64" in refused(mixed)


def test_check_refuses_what_no_json_text_could_produce() -> None:
    for value, message in [
        ({"n": float("nan")}, "not finite"),
        ({"n": 10**400}, "beyond an IEEE 754 double"),
        ({1: "x"}, "non-string key"),
        ({"d": {1, 2}}, "(set) is not JSON"),
        ({"t": ("a",)}, "(tuple) is not JSON"),
        ({"s": "\ud800"}, "unpaired surrogate"),
    ]:
        with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
            jsontext.check(value)


def test_check_needs_no_recursion_for_deep_values() -> None:
    value: Any = []
    for _ in range(100_000):
        value = [value]
    with pytest.raises(InputError, match="nested more than 64"):
        jsontext.check(value)


def test_messages_show_long_names_shortened() -> None:
    name = "k" * 10_000
    message = refused(f'{{"{name}": 1, "{name}": 2}}')
    assert len(message) < 200


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**63),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(st.characters(exclude_categories=["Cs"])),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.text(st.characters(exclude_categories=["Cs"])), children, max_size=5),
    ),
    max_leaves=30,
)


@given(json_values, st.booleans())
def test_every_i_json_text_reads_back_as_written(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert jsontext.parse(text) == value
    assert jsontext.parse(text.encode("utf-8")) == value


@given(st.dictionaries(st.text(max_size=5), st.integers(), min_size=1, max_size=5), st.data())
def test_any_repeated_name_is_refused(members: dict[str, int], data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(members)))
    text = json.dumps(members)[:-1] + f", {json.dumps(name)}: 0}}"
    with pytest.raises(InputError, match="duplicate member name"):
        jsontext.parse(text)


python_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from([10**400, -(10**309), float("nan"), float("inf"), 1.5, 2**1024]),
        st.text(max_size=5),  # surrogates included
        st.builds(tuple),
        st.builds(set),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.one_of(st.text(max_size=3), st.integers(0, 3)), children, max_size=3),
    ),
    max_leaves=15,
)


@given(python_values, st.integers(1, 5))
def test_the_quick_walk_and_the_explaining_walk_agree(value: Any, depth: int) -> None:
    # check() walks once without paths and, only when that walk finds a problem, again to
    # say where: both walks must judge every value alike.
    quick = jsontext._acceptable(value, depth)
    try:
        jsontext._explain(value, depth)
    except InputError:
        assert not quick
    else:
        assert quick


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@given(json_values)
def test_copy_is_equal_and_shares_no_container(value: Any) -> None:
    copied = jsontext.copy(value)
    assert json.dumps(copied, sort_keys=True) == json.dumps(value, sort_keys=True)

    def containers(item: Any) -> list[int]:
        if isinstance(item, dict):
            return [id(item), *(i for v in item.values() for i in containers(v))]
        if isinstance(item, list):
            return [id(item), *(i for v in item for i in containers(v))]
        return []

    assert not set(containers(copied)) & set(containers(value))
