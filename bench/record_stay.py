"""How fast completed stays are credited, against the database's own floor for the same writes.

    python bench/record_stay.py [--database URL] [--stays N] [--concurrency C]
                                [--workers 1 4]

Three runs over the same kind of stay, each on fresh members, in one process:
  raw      hand-written SQL for the rows a credit writes (stay, credit, qualifying row,
           ledger entry, balance update), one transaction per stay: the baseline;
  service  staytier.services.stays.record_stay (validation, idempotency, tier check);
  http     recordStay through GraphQL over HTTP on 127.0.0.1 to ``staytier serve --workers
           N`` in its own processes, for each N of ``--workers`` (default 1 and 4).
Prints stays per second, latency percentiles, SQL statements per stay, and each run's
ratio to the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from sqlalchemy import text

from bench.common import (
    NOW,
    StatementCounter,
    add_members,
    bench_last_name,
    client_headers,
    database_url,
    free_port,
    fresh_runtime,
    percentiles,
    staytier_server,
)
from staytier.domain.stays import Folio, StayStatus
from staytier.services.runtime import Runtime
from staytier.services.stays import RecordStay, record_stay

ARRIVAL = dt.date(2026, 10, 1)
MUTATION = """mutation($input: RecordStayInput!) {
  recordStay(input: $input) { stay { status } userErrors { code } } }"""


async def run_concurrently(
    count: int, concurrency: int, one: Callable[[int], Awaitable[None]]
) -> tuple[float, list[float]]:
    """Runs ``one(i)`` for i < count, ``concurrency`` at a time; returns (seconds, latencies)."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def timed(i: int) -> None:
        async with gate:
            start = time.perf_counter()
            await one(i)
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(timed(i) for i in range(count)))
    return time.perf_counter() - start, latencies


async def raw_run(runtime: Runtime, members: list[str], count: int, concurrency: int) -> float:

    async with runtime.db.reading() as session:
        rows = await session.execute(text("SELECT member_number, id FROM members"))
        ids = {number: member_id for number, member_id in rows}
        hotel = await session.scalar(text("SELECT id FROM properties WHERE code = 'NYCTS'"))

    async def one(i: int) -> None:
        member_id = ids[members[i % len(members)]]
        now = NOW.replace(tzinfo=None) if runtime.db.is_sqlite else NOW
        async with runtime.db.transaction() as session:
            stay_id = await session.scalar(
                text(
                    "INSERT INTO stays (member_id, property_id, confirmation_number, status, "
                    "arrival_date, departure_date, rate_code, currency, room_revenue, "
                    "food_and_beverage_revenue, other_revenue, created_at, updated_at) VALUES "
                    "(:m, :p, :c, 'COMPLETED', :a, :d, 'BAR', 'USD', '300', '0', '0', :n, :n) "
                    "RETURNING id"
                ),
                {
                    "m": member_id,
                    "p": hotel,
                    "c": f"RAW-{i}",
                    "a": ARRIVAL,
                    "d": ARRIVAL + dt.timedelta(days=3),
                    "n": now,
                },
            )
            credit_id = await session.scalar(
                text(
                    "INSERT INTO credits (member_id, kind, stay_id, credit_date, "
                    "program_version, detail, created_at) VALUES "
                    "(:m, 'STAY', :s, :d, '2026.1', '{}', :n) RETURNING id"
                ),
                {"m": member_id, "s": stay_id, "d": ARRIVAL + dt.timedelta(days=3), "n": now},
            )
            await session.execute(
                text(
                    "INSERT INTO qualifying_credits (credit_id, member_id, year, nights, stays, "
                    "base_points) VALUES (:c, :m, 2026, 3, 1, 3000)"
                ),
                {"c": credit_id, "m": member_id},
            )
            balance = await session.scalar(
                text(
                    "UPDATE members SET points_balance = points_balance + 3000 WHERE id = :m "
                    "RETURNING points_balance"
                ),
                {"m": member_id},
            )
            await session.execute(
                text(
                    "INSERT INTO ledger_entries (member_id, credit_id, kind, points, "
                    "balance_after, occurred_at, effective_on, description, "
                    "uncollected_points) VALUES (:m, :c, 'EARN', 3000, :b, :n, :d, 'raw', 0)"
                ),
                {
                    "m": member_id,
                    "c": credit_id,
                    "b": balance,
                    "n": now,
                    "d": ARRIVAL + dt.timedelta(days=3),
                },
            )

    seconds, latencies = await run_concurrently(count, concurrency, one)
    report("raw SQL (baseline)", count, seconds, latencies, statements=5, baseline=None)
    return count / seconds


def last_name(number: str) -> str:
    """The last name :func:`add_members` gave the member with ``number`` (each run's members
    are a slice of them, so an index within the slice would name another member)."""
    return bench_last_name(int(number[:-1]) - 200_000_000)


def stay(members: list[str], i: int, prefix: str) -> RecordStay:
    return RecordStay(
        idempotency_key=f"{prefix}-{i}",
        member_number=members[i % len(members)],
        guest_last_name=last_name(members[i % len(members)]),
        property_code="NYCTS",
        confirmation_number=f"{prefix}-{i}",
        status=StayStatus.COMPLETED,
        folio=Folio(
            arrival=ARRIVAL,
            departure=ARRIVAL + dt.timedelta(days=3),
            rate_code="BAR",
            currency="USD",
            room_revenue=Decimal(300),
        ),
    )


async def service_run(
    runtime: Runtime, members: list[str], count: int, concurrency: int, baseline: float
) -> None:
    counter = StatementCounter(runtime.db.write_engine)

    async def one(i: int) -> None:
        await record_stay(runtime, stay(members, i, "SVC"))

    seconds, latencies = await run_concurrently(count, concurrency, one)
    report("record_stay service", count, seconds, latencies, counter.count / count, baseline)


async def http_run(
    url: str,
    headers: dict[str, str],
    members: list[str],
    count: int,
    concurrency: int,
    workers: int,
    baseline: float,
) -> None:
    """recordStay over HTTP to ``staytier serve --workers N`` in its own processes."""
    prefix = f"HTTP{workers}"
    limits = httpx.Limits(max_connections=concurrency)
    async with (
        staytier_server(url, free_port(), workers) as served,
        httpx.AsyncClient(base_url=served.url, limits=limits, timeout=60, headers=headers) as http,
    ):

        async def one(i: int) -> None:
            member = members[i % len(members)]
            variables = {
                "input": {
                    "idempotencyKey": f"{prefix}-{i}",
                    "memberNumber": member,
                    "guestLastName": last_name(members[i % len(members)]),
                    "propertyCode": "NYCTS",
                    "confirmationNumber": f"{prefix}-{i}",
                    "status": "COMPLETED",
                    "arrivalDate": ARRIVAL.isoformat(),
                    "departureDate": (ARRIVAL + dt.timedelta(days=3)).isoformat(),
                    "roomRevenue": "300",
                }
            }
            response = await http.post("/graphql", json={"query": MUTATION, "variables": variables})
            body = response.json()
            assert response.status_code == 200 and not body.get("errors"), body
            assert not body["data"]["recordStay"]["userErrors"], body

        await run_concurrently(min(100, count), concurrency, one)  # warm-up, not counted
        seconds, latencies = await run_concurrently(count, concurrency, lambda i: one(i + 100))
    name = f"recordStay HTTP {workers} worker{'s' if workers > 1 else ''}"
    report(name, count, seconds, latencies, None, baseline)


def report(
    name: str,
    count: int,
    seconds: float,
    latencies: list[float],
    statements: float | None,
    baseline: float | None,
) -> None:
    rate = count / seconds
    ratio = f"  {baseline / rate:5.2f}x the baseline's time" if baseline else ""
    sql = f"{statements:5.1f} SQL/stay" if statements is not None else " " * 14
    print(f"{name:26} {rate:8.0f} stays/s  {percentiles(latencies)}  {sql}{ratio}")


async def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="SQLAlchemy URL (default: a fresh SQLite file)")
    parser.add_argument("--stays", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    url = database_url(args.database)
    runtime = await fresh_runtime(url)
    members = await add_members(runtime, (2 + len(args.workers)) * 500)
    groups = [members[i : i + 500] for i in range(0, len(members), 500)]
    print(
        f"database {runtime.db.dialect}, {args.stays} completed stays per run, "
        f"{args.concurrency} at a time, 500 members per run"
    )
    baseline = await raw_run(runtime, groups[0], args.stays, args.concurrency)
    await service_run(runtime, groups[1], args.stays, args.concurrency, baseline)
    headers = await client_headers(runtime)
    await runtime.db.dispose()
    for workers, group in zip(args.workers, groups[2:], strict=False):
        await http_run(url, headers, group, args.stays, args.concurrency, workers, baseline)


if __name__ == "__main__":
    asyncio.run(main())
