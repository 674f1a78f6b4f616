"""Date-times as VC 2.0 writes them: what is remembered between calls changes no answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from openler.vc.dates import format_datetime, parse_datetime
from openler.vc.errors import InputError


def test_a_text_parses_the_same_every_time() -> None:
    first = parse_datetime("2026-03-02T10:00:00+02:00")
    assert parse_datetime("2026-03-02T10:00:00+02:00") == first
    assert first == datetime(2026, 3, 2, 8, tzinfo=UTC)
    assert first.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize("text", ["2026-02-30T00:00:00Z", "yesterday", "2026-03-02T23:59:60Z"])
def test_a_bad_text_names_its_field_every_time(text: str) -> None:
    for field in ("validFrom", "validUntil"):  # the second time, the text was seen before
        with pytest.raises(InputError, match=field):
            parse_datetime(text, field)


def test_a_long_or_odd_value_is_refused_as_before() -> None:
    with pytest.raises(InputError, match="expirationDate"):
        parse_datetime("2026-03-02T00:00:00Z" + " " * 100, "expirationDate")
    with pytest.raises(InputError, match="validFrom"):
        parse_datetime(["2026-03-02T00:00:00Z"], "validFrom")


def test_moments_are_written_in_utc_whatever_their_zone() -> None:
    moment = datetime(2026, 3, 2, 8, 30, 15, 999, tzinfo=UTC)
    assert format_datetime(moment) == "2026-03-02T08:30:15Z"
    assert format_datetime(moment) == "2026-03-02T08:30:15Z"
    plus_two = moment.astimezone(timezone(timedelta(hours=2)))
    assert format_datetime(plus_two) == "2026-03-02T08:30:15Z"
    # a repeated hour: equal as Python compares them, an hour apart in UTC
    new_york = ZoneInfo("America/New_York")
    early = datetime(2026, 11, 1, 1, 30, tzinfo=new_york)
    late = early.replace(fold=1)
    assert format_datetime(early) == "2026-11-01T05:30:00Z"
    assert format_datetime(late) == "2026-11-01T06:30:00Z"
    with pytest.raises(InputError):
        format_datetime(datetime(2026, 3, 2))
