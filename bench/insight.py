"""The program report and the what-if over generated members, against raw SQL in the same run.

    python bench/insight.py [--database URL] [--members 10000]

Fills the database with ``staytier generate`` (stays over three years, credited under the
demo program), then times:
  report       services.insight.program_report for this year to date;
  raw report   the hand-written floor of the same reads: members per tier on the last day
               (one GROUP BY over status periods), the period's points per kind and the
               opening balance (one GROUP BY over the ledger), and every ledger row up to
               the last day fetched in member order (what the cohort book reads);
  what-if      services.simulation.run_simulation of the served program over last year;
  requalify    services.requalification.requalify of last year (the issue's yardstick: a
               what-if should take at most three times as long);
  raw tiers    one hand-written GROUP BY deciding every member's tier from last year's
               qualifying credits (the floor of both).
Prints seconds and ratios. The what-if must find nobody moved (the served program replayed).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bench.common import database_url, fresh_runtime
from staytier.generator import GenerationPlan, generate
from staytier.services import simulation
from staytier.services.insight import ReportPeriod, program_report
from staytier.services.requalification import requalify
from staytier.services.runtime import Runtime

RAW_TIERS_ON = """
SELECT coalesce(r.rank, 0) AS rank, count(*) FROM members m
LEFT JOIN (SELECT member_id, max(rank) AS rank FROM status_periods
           WHERE valid_from <= :on AND (valid_through IS NULL OR valid_through >= :on)
             AND revoked_at IS NULL GROUP BY member_id) r ON r.member_id = m.id
WHERE m.enrolled_on <= :on GROUP BY coalesce(r.rank, 0)
"""
RAW_FLOWS = """
SELECT CASE WHEN effective_on < :start THEN 'OPENING' ELSE kind END, sum(points)
FROM ledger_entries WHERE effective_on <= :end
GROUP BY CASE WHEN effective_on < :start THEN 'OPENING' ELSE kind END
"""
RAW_LEDGER = """
SELECT member_id, kind, points, effective_on FROM ledger_entries WHERE effective_on <= :end
ORDER BY member_id, id
"""
RAW_EARNED = """
SELECT CASE WHEN nights >= 50 OR stays >= 20 OR base_points >= 60000 THEN 3
            WHEN nights >= 25 OR stays >= 10 OR base_points >= 30000 THEN 2
            WHEN nights >= 10 OR stays >= 4 OR base_points >= 10000 THEN 1 ELSE 0 END, count(*)
FROM (SELECT member_id, sum(nights) AS nights, sum(stays) AS stays,
             sum(base_points) AS base_points
      FROM qualifying_credits WHERE year = :year GROUP BY member_id) t
GROUP BY 1
"""


async def raw_report(runtime: Runtime, start: dt.date, end: dt.date) -> float:
    began = time.perf_counter()
    async with runtime.db.snapshot() as session:
        await session.execute(text(RAW_TIERS_ON), {"on": end})
        await session.execute(text(RAW_FLOWS), {"start": start, "end": end})
        rows = await session.stream(
            text(RAW_LEDGER).execution_options(yield_per=10_000), {"end": end}
        )
        async for _chunk in rows.partitions(10_000):  # as the report reads them
            pass
    return time.perf_counter() - began


async def timed(work: object) -> tuple[float, object]:
    began = time.perf_counter()
    result = await work  # type: ignore[misc]
    return time.perf_counter() - began, result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="SQLAlchemy URL, emptied first (default: SQLite)")
    parser.add_argument("--members", type=int, default=10_000)
    args = parser.parse_args()
    url = database_url(args.database)
    runtime = await fresh_runtime(url)
    today = runtime.today()
    plan = GenerationPlan(members=args.members, stays_per_member=10, seed=7, today=today)
    began = time.perf_counter()
    await generate(url, runtime.program, runtime.rates, plan)
    print(
        f"database {url.split(':')[0]}, {args.members} generated members "
        f"in {time.perf_counter() - began:.1f} s, today {today}"
    )
    this_year = ReportPeriod(dt.date(today.year, 1, 1), today - dt.timedelta(days=1))
    last_year = (dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31))

    raw = await raw_report(runtime, this_year.start, this_year.end)
    served, report = await timed(program_report(runtime, this_year))
    print(f"report     {served:7.2f} s   raw report {raw:7.2f} s   ratio {served / raw:5.1f}x")
    print(
        f"           liability {report.liability} {report.currency}, breakage "  # type: ignore[attr-defined]
        f"{report.breakage.rate} ({report.breakage.method})"
    )  # type: ignore[attr-defined]

    began = time.perf_counter()
    async with runtime.db.reading() as session:
        await session.execute(text(RAW_EARNED), {"year": today.year - 1})
    raw_tiers = time.perf_counter() - began
    candidate = simulation.served_program(runtime)
    simulation_id = await simulation.create_simulation(runtime, candidate, *last_year, "bench")
    what_if, status = await timed(simulation.run_simulation(runtime, simulation_id, candidate))
    row = await simulation.simulation_by_id(runtime, simulation_id)
    assert row is not None and status == "DONE", (status, row and row.message)
    moved = row.summary["moved_up"] + row.summary["moved_down"]  # type: ignore[index]
    requalified, _ = await timed(requalify(runtime, today.year - 1))
    print(
        f"what-if    {what_if:7.2f} s   requalify  {requalified:7.2f} s   ratio "
        f"{what_if / requalified:5.1f}x   raw tiers {raw_tiers:6.2f} s   moved {moved}"
    )
    await runtime.db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
