"""Points expiry over every member, against the database's own floor, at two sizes.

    python bench/expire.py [--database URL] [--members 100000 1000000]
    python bench/expire.py --database URL --generated

For each size, fresh members get balances and last-activity dates spread over four years
(about half of them lapse), or, with --generated, the database's own members are used. Then
two runs over the same data:
  raw      one hand-written INSERT ... SELECT of the EXPIRE entries and one UPDATE of the
           balances, timed, then rolled back: the baseline;
  staytier services.expiry.expire_points (lifetime members spared, one entry per lapse
           day, the run recorded once).
Prints seconds, members per second, the ratio to the baseline and the growth between sizes.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select, text

from bench.common import NOW, add_members, bench_runtime, database_url, fresh_runtime
from staytier.services.expiry import expire_points, expiry_cutoff
from staytier.services.runtime import Runtime
from staytier.store.models import Member

AS_OF = NOW.date()
LAPSED = """
SELECT m.id FROM members m
WHERE m.points_balance > 0 AND m.last_activity_on < :cutoff
  AND NOT EXISTS (SELECT 1 FROM status_periods s WHERE s.member_id = m.id
                  AND s.revoked_at IS NULL AND s.valid_through IS NULL AND s.valid_from <= :on)
"""
RAW_ENTRIES = f"""
INSERT INTO ledger_entries (member_id, kind, points, balance_after, occurred_at, effective_on,
                            description, uncollected_points)
SELECT id, 'EXPIRE', -points_balance, 0, :now, :on, 'Points expired', 0
FROM members WHERE id IN ({LAPSED})
"""
RAW_BALANCES = f"UPDATE members SET points_balance = 0 WHERE id IN ({LAPSED})"


async def timed_raw(runtime: Runtime) -> float:
    """The raw statements' time; rolled back, so the service then runs on the same data."""
    months = runtime.rules_on(AS_OF).points.expiry_months
    now = NOW.replace(tzinfo=None) if runtime.db.is_sqlite else NOW
    values = {"cutoff": expiry_cutoff(AS_OF, months), "on": AS_OF, "now": now}
    async with runtime.db.write_engine.connect() as connection:
        transaction = await connection.begin()
        start = time.perf_counter()
        await connection.execute(text(RAW_ENTRIES), values)
        await connection.execute(text(RAW_BALANCES), values)
        elapsed = time.perf_counter() - start
        await transaction.rollback()
    if not runtime.db.is_sqlite:
        async with runtime.db.write_engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE members"))
    return elapsed


async def one_size(url: str | None, count: int | None) -> tuple[int, float, float]:
    if count is None:
        runtime = await bench_runtime(database_url(url))
        async with runtime.db.reading() as session:
            count = int(await session.scalar(select(func.count()).select_from(Member)) or 0)
    else:
        runtime = await fresh_runtime(database_url(url))
        await add_members(
            runtime,
            count,
            balance=lambda i: (i * 7_919) % 60_000,
            last_activity=lambda i: AS_OF - dt.timedelta(days=(i * 37) % (4 * 365)),
        )
    raw = await timed_raw(runtime)
    start = time.perf_counter()
    summary = await expire_points(runtime, AS_OF)
    service = time.perf_counter() - start
    print(f"    {summary}")
    await runtime.db.dispose()
    print(
        f"{count:>9} members  raw {raw:7.2f} s ({count / raw:9.0f}/s)   staytier "
        f"{service:7.2f} s ({count / service:9.0f}/s)   {service / raw:5.2f}x the baseline"
    )
    return count, raw, service


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="SQLAlchemy URL, emptied first (default: SQLite)")
    parser.add_argument("--members", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--generated", action="store_true", help="use the database's members")
    args = parser.parse_args()
    sizes: list[int | None] = [None] if args.generated else list(args.members)
    timings = [await one_size(args.database, count) for count in sizes]
    if len(timings) > 1:
        (small_n, small_raw, small), (large_n, large_raw, large) = timings[0], timings[-1]
        print(
            f"growth for {large_n / small_n:.0f}x the members: raw {large_raw / small_raw:.1f}x, "
            f"staytier {large / small:.1f}x"
        )


if __name__ == "__main__":
    asyncio.run(main())
