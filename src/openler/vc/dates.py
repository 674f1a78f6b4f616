"""XML Schema dateTime values as used by VC 2.0 (``2026-03-02T00:00:00Z``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache

from openler.vc.errors import InputError

# xsd:dateTime with a required time zone, as VC 2.0 requires for validFrom and friends.
_DATETIME = re.compile(
    r"-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)"
    r"(\.\d+)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))$",
    re.IGNORECASE,
)


def parse_datetime(value: object, field: str = "date") -> datetime:
    """Parse an xsd:dateTime with time zone into an aware datetime.

    >>> parse_datetime("2026-03-02T00:00:00Z").year
    2026
    """
    if isinstance(value, str) and len(value) <= _REMEMBERED:
        found = _parsed(value)
        if isinstance(found, datetime):
            return found
    return _parse(value, field)


#: the longest text :func:`_parsed` remembers (a date-time has about 20 characters)
_REMEMBERED = 40


@lru_cache(maxsize=1024)
def _parsed(value: str) -> datetime | None:
    """The date-times of a roster's credentials repeat (every document of a chunk has the
    same ``validFrom`` and ``validUntil``, and each is read several times while it is
    checked): each text is parsed once. None when it does not parse (:func:`_parse` then
    says why, naming the field)."""
    try:
        return _parse(value, "date")
    except InputError:
        return None


def _parse(value: object, field: str) -> datetime:
    if not isinstance(value, str) or not _DATETIME.match(value):
        raise InputError(
            f"{field} {value!r} is not a date-time with a time zone "
            "(for example 2026-03-02T00:00:00Z)"
        )
    text = value.upper().replace("Z", "+00:00")
    if ":60" in text[16:19]:
        raise InputError(f"{field} {value!r}: leap seconds are not supported")
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"{field} {value!r} is not a valid date-time: {exc}") from None


def format_datetime(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` in UTC, without fractions of a second."""
    if moment.tzinfo is None:
        raise InputError("a datetime without a time zone is ambiguous")
    if moment.tzinfo is UTC:  # the platform's clock: one text per moment, made once
        return _formatted(moment)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=1024)
def _formatted(moment: datetime) -> str:
    """A UTC moment's text: a roster chunk's documents all carry the same start and end
    (only for ``UTC`` itself, where equal moments are the same wall time: in a zone with
    a repeated hour, two moments a ``fold`` apart compare equal)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
