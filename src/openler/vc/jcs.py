"""JSON Canonicalization Scheme (RFC 8785).

>>> canonicalize({"b": 1.0, "a": [True, None, "é"]})
b'{"a":[true,null,"\\xc3\\xa9"],"b":1}'
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

from openler.vc.errors import InputError

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}


_MAX_SAFE_INT = 2**53
_SURROGATE = "JSON text contains a lone surrogate, which is not valid Unicode"


def _plain(value: Any) -> bool:
    """True when ``json.dumps(sort_keys=True)`` already writes RFC 8785: no floats, no
    integers beyond 2**53, and object keys without characters outside the BMP (where
    code point order and UTF-16 order differ)."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-_MAX_SAFE_INT <= value <= _MAX_SAFE_INT)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (not key.isascii() and max(key) > "\uffff"):
                return False
            if not _plain(item):
                return False
        return True
    if kind is list:
        return all(_plain(item) for item in value)
    return False


def canonicalize(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value."""
    if _plain(value):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            raise InputError(_SURROGATE) from None
    parts: list[str] = []
    _write(value, parts)
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(
            "JSON text contains a lone surrogate, which is not valid Unicode"
        ) from None


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, int | float):
        out.append(format_number(value))
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        for i, key in enumerate(sorted(value, key=_utf16_key)):
            if not isinstance(key, str):
                raise InputError(f"JSON object keys must be strings, not {type(key).__name__}")
            if i:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    else:
        raise InputError(f"cannot canonicalize a {type(value).__name__} as JSON")


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _string(text: str) -> str:
    chars = ['"']
    for c in text:
        if c in _ESCAPES:
            chars.append(_ESCAPES[c])
        elif c < " ":
            chars.append(f"\\u{ord(c):04x}")
        else:
            chars.append(c)
    chars.append('"')
    return "".join(chars)


def format_number(number: int | float) -> str:
    """ECMAScript ``Number.prototype.toString`` of an IEEE-754 double, as RFC 8785 requires."""
    try:
        x = float(number)
    except OverflowError:
        raise InputError(f"number {number} is too large for an IEEE-754 double") from None
    if math.isnan(x) or math.isinf(x):
        raise InputError("NaN and Infinity are not JSON numbers")
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    _, digit_tuple, exp = Decimal(repr(abs(x))).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    assert isinstance(exp, int)
    k = len(digits)
    n = k + exp  # the decimal point sits after n digits
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
        body = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + body
