"""Year-end requalification against the database's own floor, at two sizes.

    python bench/requalify.py [--database URL] [--members 20000 100000]

For each size, fresh members get a year of qualifying credit and last year's status in bulk,
then two runs over copies of the same data:
  raw      one hand-written GROUP BY over the year's credits joined to held status, and
           INSERT ... SELECT of the soft-landing rows: the baseline;
  staytier services.requalification.requalify (all tiers, soft landing, lifetime, batches).
Prints seconds, members per second, the ratio to the baseline, and the growth between sizes.
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

from sqlalchemy import insert, select, text

from bench.common import NOW, add_members, database_url, fresh_runtime
from staytier.services.requalification import requalify
from staytier.services.runtime import Runtime
from staytier.store.models import Credit, Member, QualifyingCredit, StatusPeriod

YEAR = 2025
TIERS = [("MEMBER", 0), ("SILVER", 1), ("GOLD", 2), ("PLATINUM", 3)]
RAW = """
INSERT INTO status_periods (member_id, tier_code, rank, qualification_year, valid_from,
                            valid_through, cause, detail, created_at)
SELECT held.member_id, 'LANDED', held.rank - 1, :year, :start, :through, 'SOFT_LANDING', '',
       :now
FROM (SELECT member_id, MAX(rank) AS rank FROM status_periods
      WHERE valid_from <= :last AND valid_through >= :last GROUP BY member_id) AS held
LEFT JOIN (SELECT member_id, SUM(nights) AS nights FROM qualifying_credits
           WHERE year = :year GROUP BY member_id) AS totals
       ON totals.member_id = held.member_id
WHERE COALESCE(totals.nights, 0) < 10 AND held.rank > 1
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


async def timed_raw(runtime: Runtime) -> float:
    start = time.perf_counter()
    async with runtime.db.transaction() as session:
        now = NOW.replace(tzinfo=None) if runtime.db.is_sqlite else NOW
        await session.execute(
            text(RAW),
            {
                "year": YEAR,
                "start": dt.date(YEAR + 1, 1, 1),
                "through": dt.date(YEAR + 2, 2, 28),
                "last": dt.date(YEAR, 12, 31),
                "now": now,
            },
        )
    return time.perf_counter() - start


async def timed_service(runtime: Runtime) -> float:
    start = time.perf_counter()
    summary = await requalify(runtime, YEAR)
    elapsed = time.perf_counter() - start
    print(f"    {summary}")
    return elapsed


async def one_size(url_for: str | None, count: int) -> tuple[float, float]:
    results = []
    for run in (timed_raw, timed_service):
        runtime = await fresh_runtime(database_url(url_for))
        await populate(runtime, count, seed=7)
        results.append(await run(runtime))
        await runtime.db.dispose()
    raw, service = results
    print(
        f"{count:>9} members  raw {raw:7.2f} s ({count / raw:9.0f}/s)   staytier "
        f"{service:7.2f} s ({count / service:9.0f}/s)   {service / raw:5.2f}x the baseline"
    )
    return raw, service


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        help="SQLAlchemy URL of a scratch database, emptied before each run (default: SQLite)",
    )
    parser.add_argument("--members", type=int, nargs="+", default=[20_000, 100_000])
    args = parser.parse_args()
    timings = [await one_size(args.database, count) for count in args.members]
    if len(timings) > 1:
        (small_raw, small), (large_raw, large) = timings[0], timings[-1]
        growth = args.members[-1] / args.members[0]
        print(
            f"growth for {growth:.0f}x the members: raw {large_raw / small_raw:.1f}x, "
            f"staytier {large / small:.1f}x (linear would be {growth:.0f}x)"
        )


if __name__ == "__main__":
    asyncio.run(main())
