"""The program report and the what-if over generated members, against raw SQL in the same run.

    python bench/insight.py [--database URL] [--members 10000] [--candidate easier]
                            [--exact] [--generated] [--only report|what-if]

Fills the database with ``staytier generate`` (stays over three years, credited under the
demo program; with ``--generated`` it uses the members already there) and analyses its
tables (ANALYZE), then times:
  report       services.program_report.program_report for this year to date;
  raw report   the hand-written floor of the same reads: members per tier on the last day
               (one GROUP BY over status periods), the period's points per kind and the
               opening balance (one GROUP BY over the ledger), and every ledger row up to
               the last day fetched in member order (what a cohort book in Python reads);
  what-if      services.simulation.run_simulation over last year of the served program
               (``--candidate served``, it must find nobody moved but the one history the
               replay cannot see, docs/insight.md) or of the demo with every threshold a
               third lower and bonuses 15 points higher (``easier``, the default): replayed
               in the database (set-based); ``--exact`` forces the Python replay;
  requalify    services.requalification.requalify of last year (the issue's yardstick: a
               what-if should take at most three times as long), timed on its second run:
               the first run's rows are deleted and the tables analysed again in between;
  raw tiers    one hand-written GROUP BY deciding every member's tier from last year's
               qualifying credits (the floor of both).
Every timed figure is the second of two runs (the first warms the caches). Prints seconds,
ratios and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import msgspec
from sqlalchemy import delete, func, select, text

from bench.common import bench_runtime, database_url, fresh_runtime
from staytier.generator import GenerationPlan, generate
from staytier.program.model import Program, ProgramVersion
from staytier.services import simulation
from staytier.services.insight import ReportPeriod
from staytier.services.program_report import program_report
from staytier.services.requalification import JOB, requalify
from staytier.services.runtime import Runtime
from staytier.store.models import JobRun, Member, StatusPeriod

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


async def analyse(runtime: Runtime) -> None:
    """Fresh planner statistics, as after a nightly ANALYZE of a loaded database."""
    async with runtime.db.write_engine.connect() as connection:
        if runtime.db.is_sqlite:
            await connection.execute(text("ANALYZE"))
            await connection.commit()
        else:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE"))


async def requalified_twice(runtime: Runtime, year: int) -> float:
    """The seconds of requalifying ``year`` a second time: the first run's periods and its
    job record are deleted and the tables analysed before it."""
    async with runtime.db.reading() as session:
        before = int(await session.scalar(select(func.max(StatusPeriod.id))) or 0)
    await requalify(runtime, year)
    async with runtime.db.transaction() as session:
        await session.execute(delete(StatusPeriod).where(StatusPeriod.id > before))
        await session.execute(delete(JobRun).where(JobRun.job == JOB, JobRun.run_key == str(year)))
    await analyse(runtime)
    seconds, _ = await timed(requalify(runtime, year))
    return seconds


def easier(version: ProgramVersion) -> ProgramVersion:
    """Every threshold a third lower, every bonus 15 points higher (base tier: none)."""
    tiers = [
        msgspec.structs.replace(
            tier,
            bonus_percent=tier.bonus_percent + 15 if tier.rank else 0,
            qualifying_nights=tier.qualifying_nights and tier.qualifying_nights * 2 // 3,
            qualifying_stays=tier.qualifying_stays and tier.qualifying_stays * 2 // 3,
            qualifying_base_points=tier.qualifying_base_points
            and tier.qualifying_base_points * 2 // 3,
        )
        for tier in version.tiers
    ]
    return msgspec.structs.replace(version, tiers=tiers)


async def what_if(
    runtime: Runtime, candidate: simulation.Candidate, period: tuple[dt.date, dt.date], exact: bool
) -> tuple[float, dict[str, object]]:
    simulation_id = await simulation.create_simulation(runtime, candidate, *period, "bench")
    seconds, status = await timed(
        simulation.run_simulation(runtime, simulation_id, candidate, set_based=not exact)
    )
    row = await simulation.simulation_by_id(runtime, simulation_id)
    assert row is not None and row.summary is not None and status == "DONE", (status, row)
    return seconds, dict(row.summary)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="SQLAlchemy URL, emptied first (default: SQLite)")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--candidate", choices=["easier", "served"], default="easier")
    parser.add_argument("--exact", action="store_true", help="force the Python replay")
    parser.add_argument(
        "--generated", action="store_true", help="use the members already in --database"
    )
    parser.add_argument(
        "--only", choices=["report", "what-if"], help="time one of the two (default: both)"
    )
    args = parser.parse_args()
    url = database_url(args.database)
    runtime = await (bench_runtime(url) if args.generated else fresh_runtime(url))
    today = runtime.today()
    began = time.perf_counter()
    if not args.generated:
        plan = GenerationPlan(members=args.members, stays_per_member=10, seed=7, today=today)
        await generate(url, runtime.program, runtime.rates, plan)
    loaded = time.perf_counter() - began
    await analyse(runtime)
    async with runtime.db.reading() as session:
        members = await session.scalar(select(func.count()).select_from(Member))
    print(
        f"database {url.split(':')[0]}, {members} generated members "
        f"in {loaded:.1f} s, today {today}, load average {os.getloadavg()[0]:.1f}"
    )
    this_year = ReportPeriod(dt.date(today.year, 1, 1), today - dt.timedelta(days=1))
    if args.only != "what-if":
        await report_against_raw(runtime, this_year)
    if args.only != "report":
        await what_if_against_requalification(runtime, args.candidate, args.exact)
    await runtime.db.dispose()


async def report_against_raw(runtime: Runtime, this_year: ReportPeriod) -> None:
    await raw_report(runtime, this_year.start, this_year.end)
    raw = await raw_report(runtime, this_year.start, this_year.end)
    await program_report(runtime, this_year)
    served, report = await timed(program_report(runtime, this_year))
    print(f"report     {served:7.2f} s   raw report {raw:7.2f} s   ratio {served / raw:5.1f}x")
    print(
        f"           liability {report.liability} {report.currency}, breakage "  # type: ignore[attr-defined]
        f"{report.breakage.rate} ({report.breakage.method})"  # type: ignore[attr-defined]
    )


async def what_if_against_requalification(runtime: Runtime, chosen: str, exact: bool) -> None:
    today = runtime.today()
    last_year = (dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31))

    raw_tiers = 0.0
    for _ in range(2):
        began = time.perf_counter()
        async with runtime.db.reading() as session:
            await session.execute(text(RAW_EARNED), {"year": today.year - 1})
        raw_tiers = time.perf_counter() - began
    if chosen == "served":
        candidate = simulation.served_program(runtime)
    else:
        program: Program = msgspec.structs.replace(
            runtime.program, versions=[easier(v) for v in runtime.program.versions]
        )
        candidate = simulation.Candidate("easier tiers", program.version_on)
    await what_if(runtime, candidate, last_year, exact)
    seconds, summary = await what_if(runtime, candidate, last_year, exact)
    moved = f"up {summary['moved_up']} down {summary['moved_down']}"
    requalified = await requalified_twice(runtime, today.year - 1)
    print(
        f"what-if    {seconds:7.2f} s   requalify  {requalified:7.2f} s   ratio "
        f"{seconds / requalified:5.1f}x   raw tiers {raw_tiers:6.2f} s"
    )
    print(
        f"           {chosen} candidate, {summary['replay']} replay, moved {moved}, "
        f"points {summary['actual_points']} -> {summary['simulated_points']}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
