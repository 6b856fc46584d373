"""Shared set-up for the benchmarks: a fresh database, the demo program, members in bulk."""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, insert

from staytier.clock import TestClock
from staytier.program.loader import (
    FIXTURES,
    default_program_path,
    load_exchange_rates,
    load_program,
)
from staytier.services.demo import load_properties
from staytier.services.enrollment import member_number_with_check_digit
from staytier.services.runtime import Runtime
from staytier.store.database import Database
from staytier.store.migrate import upgrade
from staytier.store.models import Base, Member

NOW = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)


def database_url(argument: str | None) -> str:
    """The URL given, or a fresh SQLite file in a temporary directory."""
    if argument:
        return argument
    return f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp(prefix='staytier-bench-')) / 'b.db'}"


async def fresh_runtime(url: str) -> Runtime:
    """A migrated database at ``url`` emptied of every row, with the demo properties."""
    upgrade(url)
    runtime = Runtime(
        db=Database(url),
        clock=TestClock(NOW),
        program=load_program(default_program_path()),
        rates=load_exchange_rates(FIXTURES / "exchange_rates.toml"),
    )
    async with runtime.db.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(table.delete())
    await load_properties(runtime, FIXTURES / "demo" / "properties.toml")
    return runtime


def member_number(index: int) -> str:
    return member_number_with_check_digit(str(200_000_000 + index))


async def add_members(runtime: Runtime, count: int) -> list[str]:
    """Inserts ``count`` members in bulk (the benchmarks measure crediting, not enrolment)."""
    numbers = [member_number(i) for i in range(count)]
    rows = [
        {
            "member_number": number,
            "first_name": "Bench",
            "last_name": f"Guest {i}",
            "email": None,
            "phone": None,
            "language": "en",
            "time_zone": "UTC",
            "home_property_code": None,
            "enrolled_on": dt.date(2024, 1, 1),
            "points_balance": 0,
            "last_activity_on": None,
            "created_at": NOW,
        }
        for i, number in enumerate(numbers)
    ]
    async with runtime.db.transaction() as session:
        for start in range(0, len(rows), 5_000):
            await session.execute(insert(Member), rows[start : start + 5_000])
    return numbers


class StatementCounter:
    """Counts SQL statements sent by an engine."""

    def __init__(self, *engines: object) -> None:
        self.count = 0
        for engine in engines:
            event.listen(engine.sync_engine, "before_cursor_execute", self._seen)  # type: ignore[attr-defined]

    def _seen(self, *_: object) -> None:
        self.count += 1


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    elapsed: list[float] = []
    start = time.perf_counter()
    yield elapsed
    elapsed.append(time.perf_counter() - start)


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return (
        f"p50 {cut[49] * 1000:6.2f} ms  p95 {cut[94] * 1000:6.2f} ms  p99 {cut[98] * 1000:6.2f} ms"
    )
