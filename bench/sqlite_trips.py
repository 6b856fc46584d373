"""What one trip per statement to SQLite's connection thread saves, against SQLAlchemy's
own aiosqlite adapter in the same run.

    python bench/sqlite_trips.py [--stays N]

For each driver, on a fresh SQLite file with the demo program: ``--stays`` completed stays
credited through ``staytier.services.stays.record_stay`` in-process, one after another and
then 16 at a time, each on a member of its own. Prints, per credited stay, the hand-offs to
aiosqlite's connection thread and the Python function calls (counted under cProfile on a
run of 200 stays of their own: counts, not times, so they do not depend on the machine's
load), then stays per second both ways. The baseline is the service itself through
SQLAlchemy's stock adapter (``store/sqlite_driver.py`` says what differs).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_dbapi

import staytier.store.database as database
from bench.common import add_members, database_url, fresh_runtime
from bench.record_stay import run_concurrently, stay
from staytier.services.runtime import Runtime
from staytier.services.stays import record_stay

PROFILED = 200


@contextmanager
def driver(one_trip: bool) -> Iterator[None]:
    """Engines made inside use the service's driver, or SQLAlchemy's stock adapter."""
    made = database.one_trip_dbapi
    if not one_trip:
        database.one_trip_dbapi = lambda: AsyncAdapt_aiosqlite_dbapi(aiosqlite, sqlite3)  # type: ignore[assignment,return-value]
    try:
        yield
    finally:
        database.one_trip_dbapi = made


@contextmanager
def counting_trips() -> Iterator[list[int]]:
    count = [0]
    hand_off = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return await hand_off(self, fn, *args, **kwargs)

    aiosqlite.Connection._execute = counted  # type: ignore[method-assign]
    try:
        yield count
    finally:
        aiosqlite.Connection._execute = hand_off  # type: ignore[method-assign]


async def one_by_one(runtime: Runtime, members: list[str], prefix: str) -> float:
    start = time.perf_counter()
    for i in range(len(members)):
        await record_stay(runtime, stay(members, i, prefix))
    return len(members) / (time.perf_counter() - start)


async def measure(name: str, one_trip: bool, stays: int) -> None:
    with driver(one_trip):
        runtime = await fresh_runtime(database_url(None))
    members = await add_members(runtime, PROFILED + 2 * stays + 100)
    warm, profiled = members[:100], members[100 : 100 + PROFILED]
    sequential, concurrent = members[100 + PROFILED :][:stays], members[100 + PROFILED :][stays:]
    await one_by_one(runtime, warm, "W")
    with counting_trips() as trips:
        profile = cProfile.Profile()
        profile.enable()
        await one_by_one(runtime, profiled, "P")
        profile.disable()
    calls = sum(row[1] for row in pstats.Stats(profile).stats.values())  # type: ignore[attr-defined]
    rate = await one_by_one(runtime, sequential, "S")

    async def one(i: int) -> None:
        await record_stay(runtime, stay(concurrent, i, "C"))

    seconds, _ = await run_concurrently(len(concurrent), 16, one)
    await runtime.db.dispose()
    print(
        f"{name:34} {trips[0] / PROFILED:5.1f} trips/stay  {calls / PROFILED:7.0f} calls/stay  "
        f"{rate:5.0f} stays/s one by one  {len(concurrent) / seconds:5.0f} stays/s 16 at a time"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stays", type=int, default=1000)
    args = parser.parse_args()
    print(f"database sqlite, {args.stays} completed stays each way, one member each")
    await measure("SQLAlchemy's aiosqlite (baseline)", False, args.stays)
    await measure("one trip per statement (service)", True, args.stays)


if __name__ == "__main__":
    asyncio.run(main())
