"""The test clock answers in UTC whatever zone it was started or set in, as the system
clock does: rules compare its instants with stored UTC ones and take local dates from it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from staytier.clock import TestClock, local_date

TOKYO = ZoneInfo("Asia/Tokyo")


def test_a_clock_started_in_another_zone_answers_the_same_instant_in_utc() -> None:
    start = dt.datetime(2027, 1, 1, 8, 30, tzinfo=TOKYO)  # still New Year's Eve in UTC
    clock = TestClock(start)
    assert clock.now() == start
    assert clock.now().tzinfo == dt.UTC
    assert clock.now() == dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)
    assert local_date(clock, "UTC") == dt.date(2026, 12, 31)
    assert local_date(clock, "Asia/Tokyo") == dt.date(2027, 1, 1)


def test_a_clock_started_or_set_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        TestClock(dt.datetime(2027, 1, 1, 8, 30))
    clock = TestClock(dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(ValueError, match="time zone"):
        clock.set(dt.datetime(2027, 1, 2))
    assert clock.now() == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
