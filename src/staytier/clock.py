"""The one source of "now". Domain code takes dates as arguments; services ask a clock.

A test deployment swaps the system clock for a :class:`TestClock` that the API can move, so
date-bound rules (expiry, requalification) can be exercised from outside.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    @property
    def is_test_clock(self) -> bool: ...

    def now(self) -> dt.datetime: ...


def local_date(clock: Clock, time_zone: str) -> dt.date:
    """Today's date where ``time_zone`` is (a property's or a member's)."""
    return clock.now().astimezone(zone(time_zone)).date()


@functools.cache
def zone(name: str) -> ZoneInfo:
    """The zone called ``name``, read from the zone database once per process.

    ``ZoneInfo(name)`` keeps only the eight zones used last (and any still referenced): a
    read of guests from more zones than that opened and parsed a zone file on about one
    in three requests. Zones do not change while a process runs, and there are a few
    hundred names at most."""
    return ZoneInfo(name)


class SystemClock:
    """The real time, in UTC."""

    is_test_clock = False

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class TestClock:
    """A clock that stands still until it is set; only test deployments have one."""

    __test__ = False  # not a pytest test class
    is_test_clock = True

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._now = dt.datetime.now(dt.UTC)
        if start is not None:
            self.set(start)  # in UTC, as every clock answers; a naive start is refused

    def now(self) -> dt.datetime:
        return self._now

    def set(self, instant: dt.datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("the test clock needs an instant with a time zone")
        self._now = instant.astimezone(dt.UTC)
