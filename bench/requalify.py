"""Year-end requalification against the database's own floor, at two sizes.

    python bench/requalify.py [--database URL] [--members 100000 1000000]
    python bench/requalify.py --database URL --generated

For each size, fresh members get a year of qualifying credit and last year's status in bulk
(or, with --generated, the database's own members are used as they are), then two runs over
the same data:
  raw      one hand-written GROUP BY over the year's credits joined to held status, and
           INSERT ... SELECT of the soft-landing rows, run twice and rolled back each time,
           the second run timed: the baseline;
  staytier services.requalification.requalify (all tiers, soft landing, lifetime, batches).
Before each timed side the tables both read are analysed (``ANALYZE``; on PostgreSQL
``VACUUM ANALYZE``, which also clears the rolled-back rows), so both plan on the same
statistics. Prints seconds, members per second, the ratio to the baseline, and the growth
between sizes.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select, text

from bench.common import NOW, add_members, bench_runtime, database_url, fresh_runtime
from staytier.services.requalification import requalify
from staytier.services.runtime import Runtime
from staytier.store.models import Credit, Member, QualifyingCredit, StatusPeriod

YEAR = 2025
TIERS = [("MEMBER", 0), ("SILVER", 1), ("GOLD", 2), ("PLATINUM", 3)]
# The same decision in one statement, written by hand with the demo program's thresholds:
# the year's totals (GROUP BY), the tier held at year end (GROUP BY), the tier earned by any
# path, at most one tier down, and one status row per member who holds or earns a tier.
# (staytier also grants lifetime status and guards every row against a second run.)
RAW = """
INSERT INTO status_periods (member_id, tier_code, rank, qualification_year, valid_from,
                            valid_through, cause, detail, created_at)
SELECT member_id,
       CASE target WHEN 3 THEN 'PLATINUM' WHEN 2 THEN 'GOLD' WHEN 1 THEN 'SILVER'
                   ELSE 'MEMBER' END,
       target, :year, :start, :through,
       CASE WHEN target = earned AND target > 0 THEN 'REQUALIFIED' ELSE 'SOFT_LANDING' END,
       '', :now
FROM (SELECT member_id, earned, held,
             CASE WHEN earned >= held - 1 THEN earned ELSE held - 1 END AS target
      FROM (SELECT m.id AS member_id,
                   CASE WHEN coalesce(q.nights, 0) >= 50 OR coalesce(q.stays, 0) >= 20
                             OR coalesce(q.base_points, 0) >= 60000 THEN 3
                        WHEN coalesce(q.nights, 0) >= 25 OR coalesce(q.stays, 0) >= 10
                             OR coalesce(q.base_points, 0) >= 30000 THEN 2
                        WHEN coalesce(q.nights, 0) >= 10 OR coalesce(q.stays, 0) >= 4
                             OR coalesce(q.base_points, 0) >= 10000 THEN 1
                        ELSE 0 END AS earned,
                   coalesce(h.rank, 0) AS held
            FROM members m
            LEFT JOIN (SELECT member_id, sum(nights) AS nights, sum(stays) AS stays,
                              sum(base_points) AS base_points
                       FROM qualifying_credits WHERE year = :year GROUP BY member_id) q
                   ON q.member_id = m.id
            LEFT JOIN (SELECT member_id, max(rank) AS rank FROM status_periods
                       WHERE revoked_at IS NULL AND valid_from <= :last
                         AND (valid_through IS NULL OR valid_through >= :last)
                       GROUP BY member_id) h
                   ON h.member_id = m.id
            WHERE m.enrolled_on <= :last) AS ranked) AS decided
WHERE target > 0 OR held > 0
"""


async def populate(runtime: Runtime, count: int, seed: int) -> None:
    """Members across tiers in realistic proportions, with one credit row per member."""
    rng = random.Random(seed)
    await add_members(runtime, count)
    async with runtime.db.transaction() as session:
        ids = list(await session.scalars(select(Member.id)))
        credits = [
            {
                "member_id": i,
                "kind": "STAY",
                "credit_date": dt.date(YEAR, 6, 1),
                "program_version": "2025.1",
                "detail": {},
                "created_at": NOW,
            }
            for i in ids
        ]
        for start in range(0, len(credits), 5_000):
            await session.execute(insert(Credit), credits[start : start + 5_000])
        credit_ids = list(await session.scalars(select(Credit.id).order_by(Credit.id)))
        rows, periods = [], []
        for member_id, credit_id in zip(ids, credit_ids, strict=True):
            nights = int(rng.paretovariate(1.2) * 3) % 90
            rows.append(
                {
                    "credit_id": credit_id,
                    "member_id": member_id,
                    "year": YEAR,
                    "nights": nights,
                    "stays": max(1, nights // 3),
                    "base_points": nights * 1_500,
                }
            )
            held = rng.choices(TIERS, weights=[70, 18, 9, 3])[0]
            if held[1]:
                periods.append(
                    {
                        "member_id": member_id,
                        "tier_code": held[0],
                        "rank": held[1],
                        "qualification_year": YEAR - 1,
                        "valid_from": dt.date(2024, 5, 1),
                        "valid_through": dt.date(2026, 2, 28),
                        "cause": "QUALIFIED",
                        "detail": "",
                        "created_at": NOW,
                    }
                )
        for start in range(0, len(rows), 5_000):
            await session.execute(insert(QualifyingCredit), rows[start : start + 5_000])
        for start in range(0, len(periods), 5_000):
            await session.execute(insert(StatusPeriod), periods[start : start + 5_000])


SETTLED = ("members", "credits", "qualifying_credits", "status_periods")


async def settle(runtime: Runtime) -> None:
    """Fresh statistics, and on PostgreSQL no dead rows, in the tables both sides read:
    run before each timed side, so the baseline and the service plan on the same tables."""
    async with runtime.db.write_engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        if runtime.db.is_sqlite:
            await autocommit.execute(text("ANALYZE"))
        else:
            await autocommit.execute(text(f"VACUUM ANALYZE {', '.join(SETTLED)}"))


async def raw_once(runtime: Runtime) -> float:
    """The raw statement's time; rolled back, so the service then runs on the same data."""
    async with runtime.db.write_engine.connect() as connection:
        transaction = await connection.begin()
        start = time.perf_counter()
        now = NOW.replace(tzinfo=None) if runtime.db.is_sqlite else NOW
        await connection.execute(
            text(RAW),
            {
                "year": YEAR,
                "start": dt.date(YEAR + 1, 1, 1),
                "through": dt.date(YEAR + 2, 2, 28),
                "last": dt.date(YEAR, 12, 31),
                "now": now,
            },
        )
        elapsed = time.perf_counter() - start
        await transaction.rollback()
    return elapsed


async def timed_raw(runtime: Runtime) -> float:
    """The raw statement on analysed tables, timed on its second run: the first warms the
    caches as the service's first batches warm them for the rest of its run."""
    await settle(runtime)
    await raw_once(runtime)
    await settle(runtime)
    return await raw_once(runtime)


async def timed_service(runtime: Runtime) -> float:
    await settle(runtime)  # the same statistics, and the raw runs' dead rows gone
    start = time.perf_counter()
    summary = await requalify(runtime, YEAR)
    elapsed = time.perf_counter() - start
    print(f"    {summary}")
    return elapsed


async def one_size(url_for: str | None, count: int | None) -> tuple[int, float, float]:
    """Raw, then staytier, on one set of data: ``count`` fresh members, or (None) the
    members already in the database, e.g. from ``staytier generate``."""
    if count is None:
        runtime = await bench_runtime(database_url(url_for))
        async with runtime.db.reading() as session:
            count = int(await session.scalar(select(func.count()).select_from(Member)) or 0)
    else:
        runtime = await fresh_runtime(database_url(url_for))
        await populate(runtime, count, seed=7)
    raw = await timed_raw(runtime)
    service = await timed_service(runtime)
    await runtime.db.dispose()
    print(
        f"{count:>9} members  raw {raw:7.2f} s ({count / raw:9.0f}/s)   staytier "
        f"{service:7.2f} s ({count / service:9.0f}/s)   {service / raw:5.2f}x the baseline"
    )
    return count, raw, service


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        help="SQLAlchemy URL of a scratch database, emptied before each run (default: SQLite)",
    )
    parser.add_argument("--members", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument(
        "--generated",
        action="store_true",
        help="use the members already in --database (staytier generate) instead",
    )
    args = parser.parse_args()
    sizes: list[int | None] = [None] if args.generated else list(args.members)
    timings = [await one_size(args.database, count) for count in sizes]
    if len(timings) > 1:
        (small_n, small_raw, small), (large_n, large_raw, large) = timings[0], timings[-1]
        growth = large_n / small_n
        print(
            f"growth for {growth:.0f}x the members: raw {large_raw / small_raw:.1f}x, "
            f"staytier {large / small:.1f}x (linear would be {growth:.0f}x)"
        )


if __name__ == "__main__":
    asyncio.run(main())
