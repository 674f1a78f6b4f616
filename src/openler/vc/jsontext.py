"""JSON text as openler accepts it: I-JSON (RFC 7493), with limits a verifier can afford.

Every JSON text that reaches verification — a credential, a JWT header or payload, a
baked badge, a fetched DID document or status list, a VC API request body — is read by
:func:`parse`, and every object handed over already parsed is examined by :func:`check`.
Both refuse, with an :class:`~openler.vc.errors.InputError` that says what and where:

- duplicate member names (RFC 7493 §2.3: "Objects in I-JSON messages MUST NOT have
  members with duplicate names"). Python's ``json`` keeps the last one, another reader
  may keep the first: a verifier must not read a different document from the one a
  checker upstream read;
- unpaired surrogates, escaped or not (RFC 7493 §2.1: names and strings "MUST NOT include
  code points that identify Surrogates"; ``"\\uDEAD"`` is its own example). They cannot be
  written as UTF-8, so no canonical form and no signature can be computed over them;
- ``NaN``, ``Infinity`` and numbers beyond an IEEE 754 double (RFC 7493 §2.2, with
  ``1E400`` as its example), and number literals longer than :data:`MAX_NUMBER_CHARS`
  (RFC 8259 §9: "An implementation may set limits on the range and precision of numbers");
- nesting deeper than :data:`MAX_DEPTH` (RFC 8259 §9: "An implementation may set limits
  on ... the maximum depth of nesting").

Noncharacters (U+FFFE, U+FDD0 …), which RFC 7493 §2.1 also excludes, are accepted: they are
Unicode scalar values that encode to UTF-8 and that RDF canonicalization escapes, and
refusing them would protect against nothing.

>>> parse('{"a": 1, "a": 2}')  # doctest: +ELLIPSIS
Traceback (most recent call last):
  ...
openler.vc.errors.InputError: duplicate member name 'a' in a JSON object (RFC 7493 §2.3: ...)
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from openler.vc.errors import InputError

#: Containers nested deeper than this are refused (the top-level object is level 1).
MAX_DEPTH = 64
#: Number literals longer than this are refused before Python converts them.
MAX_NUMBER_CHARS = 100

_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_INT_BITS = 1024  # beyond this an integer has no IEEE 754 double at all


def parse(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value in ``text`` (UTF-8 bytes, or str), refusing what I-JSON excludes.

    >>> parse(b'{"n": 1.5, "list": [true, null]}')
    {'n': 1.5, 'list': [True, None]}
    """
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"JSON text is not UTF-8 (byte {exc.start}); RFC 7493 §2.1 requires UTF-8"
            ) from None
    text = text.removeprefix("\ufeff")  # RFC 8259 §8.1: a parser MAY ignore a byte order mark
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object,
            parse_constant=_constant,
            parse_int=_integer,
            parse_float=_float,
        )
    except json.JSONDecodeError as exc:
        raise InputError(
            f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise InputError(f"JSON is nested more than {max_depth} levels deep") from None
    check(value, max_depth=max_depth)
    return value


def check(value: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """Refuse a parsed value that no I-JSON text could have produced, or that nests more
    than ``max_depth`` levels: objects must have string keys, strings no unpaired
    surrogates, numbers must be finite doubles; only dict, list, str, int, float, bool and
    None are JSON. Runs without recursion, so any depth is examined safely.

    >>> check({"name": "\\ud800"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
      ...
    openler.vc.errors.InputError: the string at name contains an unpaired surrogate (U+D800), ...
    """
    if not _acceptable(value, max_depth):
        _explain(value, max_depth)
        raise InputError("the JSON value breaks one of openler's JSON rules")  # walks disagree


def has_surrogate(text: str) -> bool:
    """Whether a string holds an unpaired surrogate (which :func:`check` refuses)."""
    return _SURROGATE.search(text) is not None


def copy(value: Any) -> Any:
    """A deep copy of a JSON value that :func:`check` accepted (objects and arrays copied,
    strings, numbers, booleans and null shared), several times faster than
    :func:`copy.deepcopy`. ``check`` bounds the depth, so the recursion is bounded too.

    >>> original = {"a": [{"b": 1}], "c": "d"}
    >>> copied = copy(original)
    >>> copied == original, copied["a"][0] is original["a"][0]
    (True, False)
    """
    kind = type(value)
    if kind is dict:
        return {key: copy(member) for key, member in value.items()}
    if kind is list:
        return [copy(member) for member in value]
    return value


def _acceptable(value: Any, max_depth: int) -> bool:
    """True when ``value`` breaks no rule of :func:`check` (the quick walk, no paths)."""
    search = _SURROGATE.search
    stack: list[tuple[Any, int]] = [(value, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        item, level = pop()
        kind = type(item)
        if kind is dict:
            if level >= max_depth:
                return False
            level += 1
            for key, member in item.items():
                if type(key) is not str or search(key):
                    return False
                kind = type(member)
                if kind is str:
                    if search(member):
                        return False
                elif kind is dict or kind is list:
                    push((member, level))
                elif not _scalar(member, kind):
                    return False
        elif kind is list:
            if level >= max_depth:
                return False
            level += 1
            for member in item:
                kind = type(member)
                if kind is str:
                    if search(member):
                        return False
                elif kind is dict or kind is list:
                    push((member, level))
                elif not _scalar(member, kind):
                    return False
        elif kind is str:
            if search(item):
                return False
        elif not _scalar(item, kind):
            return False
    return True


def _scalar(item: Any, kind: type) -> bool:
    if kind is int:
        return bool(item.bit_length() <= _MAX_INT_BITS)
    if kind is float:
        return math.isfinite(item)
    return item is None or kind is bool


def _explain(value: Any, max_depth: int) -> None:
    """Raise the InputError for the first rule ``value`` breaks, saying where."""
    # a path is (parent path, key or index), built as tuples and spelled out only here
    stack: list[tuple[Any, int, Any]] = [(value, 0, None)]
    while stack:
        item, level, path = stack.pop()
        kind = type(item)
        if kind is str:
            if _SURROGATE.search(item):
                raise _surrogate(item, f"the string at {_where(path)}")
        elif kind is dict:
            if level >= max_depth:
                raise InputError(f"JSON is nested more than {max_depth} levels deep")
            for key, member in item.items():
                if type(key) is not str:
                    raise InputError(f"the object at {_where(path)} has a non-string key")
                if _SURROGATE.search(key):
                    raise _surrogate(key, f"a member name of the object at {_where(path)}")
                stack.append((member, level + 1, (path, key)))
        elif kind is list:
            if level >= max_depth:
                raise InputError(f"JSON is nested more than {max_depth} levels deep")
            stack.extend((member, level + 1, (path, i)) for i, member in enumerate(item))
        elif kind is int:
            if item.bit_length() > _MAX_INT_BITS:
                raise InputError(f"the number at {_where(path)} is beyond an IEEE 754 double")
        elif kind is float:
            if not math.isfinite(item):
                raise InputError(f"the number at {_where(path)} is not finite")
        elif item is not None and kind is not bool:
            raise InputError(f"the value at {_where(path)} ({kind.__name__}) is not JSON")


def _where(path: Any) -> str:
    """``credentialSubject.achievement[2].name`` for a path; the top, when there is none."""
    parts: list[str] = []
    while path is not None:
        path, step = path
        parts.append(f"[{step}]" if isinstance(step, int) else f".{_short(step)}")
    text = "".join(reversed(parts)).removeprefix(".")
    if len(text) > 120:
        text = "…" + text[-119:]
    return text or "the top"


def _short(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters, lone surrogates shown as escapes."""
    cut = text if len(text) <= limit else text[: limit - 1] + "…"
    return cut.encode("utf-8", "backslashreplace").decode("utf-8")


def _surrogate(text: str, place: str) -> InputError:
    found = _SURROGATE.search(text)
    code = ord(found.group()) if found else 0
    return InputError(
        f"{place} contains an unpaired surrogate (U+{code:04X}), which is not Unicode text "
        "(RFC 7493 §2.1)"
    )


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise InputError(
                    f"duplicate member name '{_short(name)}' in a JSON object "
                    "(RFC 7493 §2.3: I-JSON objects must not repeat a name)"
                )
            seen.add(name)
    return result


def _constant(name: str) -> Any:
    raise InputError(f"{name} is not a JSON number (RFC 8259 §6)")


def _number_literal(literal: str) -> None:
    if len(literal) > MAX_NUMBER_CHARS:
        raise InputError(
            f"a JSON number of {len(literal)} characters ({literal[:12]}…); openler accepts "
            f"at most {MAX_NUMBER_CHARS} (RFC 8259 §9 lets a parser limit numbers)"
        )


def _integer(literal: str) -> int:
    _number_literal(literal)
    return int(literal)


def _float(literal: str) -> float:
    _number_literal(literal)
    number = float(literal)
    if not math.isfinite(number):
        raise InputError(
            f"the JSON number {literal} is beyond the range of an IEEE 754 double (RFC 7493 §2.2)"
        )
    return number
