"""What text a database keeps: neither NUL (PostgreSQL refuses it in ``text`` and
``varchar``) nor half of a UTF-16 pair (no encoding to bytes exists for it). JSON and
uploaded files may carry both; a form typed in a browser never does."""

from __future__ import annotations


def unstorable(value: str | None) -> bool:
    """Whether ``value`` holds a character no database keeps.

    >>> unstorable("Nurse"), unstorable("a" + chr(0) + "b"), unstorable(chr(0xD800))
    (False, True, True)
    """
    return value is not None and any(c == "\x00" or "\ud800" <= c <= "\udfff" for c in value)
