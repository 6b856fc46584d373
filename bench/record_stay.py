"""How fast completed stays are credited, against the database's own floor for the same writes.

    python bench/record_stay.py [--postgres URL] [--stays N] [--concurrency C]
                                [--workers 1 4]

Runs over the same kind of stay, each on fresh members:
  raw      POST /stays to bench/raw_server.py in its own process: the same API-key lookup,
           then the rows the service writes for the stay (stay and revision, credit,
           qualifying row, ledger entry, balance, audit entry, sweepstakes entry, survey
           invitation, idempotency record) in one transaction at the driver; on SQLite the
           whole unit in one call to the connection's thread: the baseline (on SQLite, a
           second run hands each statement to that thread on its own, to weigh the two);
  service  staytier.services.stays.record_stay (validation, idempotency, tier check);
  http     recordStay through GraphQL over HTTP on 127.0.0.1 to ``staytier serve --workers
           N`` in its own processes, for each N of ``--workers`` (default 1 and 4).
Prints stays per second, latency percentiles, SQL statements per stay, each run's ratio to
the baseline, and the rows the raw and the service runs wrote per stay. The in-process
service pays no HTTP and the baseline does: that line's ratio understates the gap, the HTTP
lines' do not.
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
from sqlalchemy import func, select

from bench.common import (
    ServerProcess,
    StatementCounter,
    add_members,
    bench_last_name,
    bench_runtime,
    client_headers,
    free_port,
    fresh_runtime,
    percentiles,
    staytier_server,
)
from bench.side_by_side import RAW_SERVER, databases
from staytier.domain.stays import Folio, StayStatus
from staytier.services.runtime import Runtime
from staytier.services.stays import RecordStay, record_stay
from staytier.store.models import Base

ARRIVAL = dt.date(2026, 10, 1)
# The raw route's statements per stay, the API key's left out (the in-process service has
# none): the advisory lock on the key (PostgreSQL only), the idempotency record, the member
# with the property, the stay, then the ten writes.
RAW_STATEMENTS = 14
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


def last_name_of(number: str) -> str:
    """The last name add_members gave the member numbered ``number`` (its index is in the
    number: each run's members are a slice of them, not the first 500)."""
    return bench_last_name(int(number[:-1]) - 200_000_000)


def stay_input(members: list[str], i: int, prefix: str) -> dict[str, object]:
    """recordStay's input for the i-th completed stay of a run."""
    return {
        "idempotencyKey": f"{prefix}-{i}",
        "memberNumber": members[i % len(members)],
        "guestLastName": last_name_of(members[i % len(members)]),
        "propertyCode": "NYCTS",
        "confirmationNumber": f"{prefix}-{i}",
        "status": "COMPLETED",
        "arrivalDate": ARRIVAL.isoformat(),
        "departureDate": (ARRIVAL + dt.timedelta(days=3)).isoformat(),
        "roomRevenue": "300",
    }


async def raw_run(
    target: str,
    is_sqlite: bool,
    headers: dict[str, str],
    members: list[str],
    count: int,
    concurrency: int,
    baseline: float | None = None,
) -> float:
    """POST /stays to bench/raw_server.py: the same rows written at the driver. With a
    ``baseline`` (SQLite), the server hands each statement to the connection's thread on its
    own instead of the whole unit at once, to weigh the two."""
    port = free_port()
    command = [sys.executable, str(RAW_SERVER), "--database", target, "--port", str(port)]
    command += ["--per-statement"] if baseline else []
    limits = httpx.Limits(max_connections=concurrency)
    async with (
        ServerProcess("raw", command, port, {}) as raw,
        httpx.AsyncClient(base_url=raw.url, limits=limits, timeout=60, headers=headers) as http,
    ):

        async def one(i: int) -> None:
            response = await http.post(
                "/stays", json=stay_input(members, i, "RAWS" if baseline else "RAW")
            )
            assert response.status_code == 200, response.text
            assert not response.json()["data"]["recordStay"]["userErrors"], response.text

        await run_concurrently(min(100, count), concurrency, lambda i: one(i + count))
        seconds, latencies = await run_concurrently(count, concurrency, one)
    statements = RAW_STATEMENTS - (1 if is_sqlite else 0)
    name = "raw, hand-off per statement" if baseline else "raw driver HTTP (baseline)"
    report(name, count, seconds, latencies, statements, baseline)
    return count / seconds


def stay(members: list[str], i: int, prefix: str) -> RecordStay:
    return RecordStay(
        idempotency_key=f"{prefix}-{i}",
        member_number=members[i % len(members)],
        guest_last_name=last_name_of(members[i % len(members)]),
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
            variables = {"input": stay_input(members, i, prefix)}
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


async def written(runtime: Runtime) -> dict[str, int]:
    """Rows in each table, to tell what a run wrote."""
    async with runtime.db.reading() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


def rows_per_stay(name: str, before: dict[str, int], after: dict[str, int], count: int) -> None:
    changed = {t: (after[t] - before[t]) / count for t in after if after[t] != before[t]}
    print(f"    {name}: " + ", ".join(f"{t} {n:.2f}" for t, n in sorted(changed.items())))


async def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres",
        "--database",
        metavar="URL",
        help="a scratch PostgreSQL database, emptied first (default: a fresh SQLite file)",
    )
    parser.add_argument("--stays", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    url, target = databases(args.postgres)
    runtime = await fresh_runtime(url)
    runs = 3 + len(args.workers) if runtime.db.is_sqlite else 2 + len(args.workers)
    members = await add_members(runtime, runs * 500)
    groups = [members[i : i + 500] for i in range(0, len(members), 500)]
    headers = await client_headers(runtime)
    print(
        f"database {runtime.db.dialect}, {args.stays} completed stays per run, "
        f"{args.concurrency} at a time, 500 members per run"
    )
    counts = await written(runtime)
    sqlite = runtime.db.is_sqlite
    # The raw server runs with this process's connections closed, as the service's runs do
    # with the raw server's (an idle connection here must not weigh on its writes).
    await runtime.db.dispose()
    baseline = await raw_run(target, sqlite, headers, groups[0], args.stays, args.concurrency)
    raw_runs = 1
    if sqlite:
        raw_runs += 1
        await raw_run(target, sqlite, headers, groups.pop(), args.stays, args.concurrency, baseline)
    runtime = await bench_runtime(url)
    counts, before = await written(runtime), counts
    rows_per_stay(
        "raw rows per stay (warm-ups included)",
        before,
        counts,
        raw_runs * (args.stays + min(100, args.stays)),
    )
    await service_run(runtime, groups[1], args.stays, args.concurrency, baseline)
    counts, before = await written(runtime), counts
    rows_per_stay("service rows per stay", before, counts, args.stays)
    await runtime.db.dispose()
    for workers, group in zip(args.workers, groups[2:], strict=False):
        await http_run(url, headers, group, args.stays, args.concurrency, workers, baseline)


if __name__ == "__main__":
    asyncio.run(main())
