"""The night audit in bulk: completed stays through ``recordStays``' service against a raw
bulk baseline at the driver that writes the same rows.

    python bench/record_stays.py [--stays N] [--batch B] [--postgres URL]

On a fresh SQLite file, and on PostgreSQL too with ``--postgres`` (its rows are emptied
first: give it a database of its own), two runs over the same kind of stay, each on fresh
members (one completed stay each), in batches of B, in one process:
  raw      the rows a credited stay writes (stay, stay revision, credit, qualifying row,
           ledger entry, member balance, the stay's idempotency record) and the batch's
           idempotency record, set-based at the driver: the standard library's ``sqlite3``
           ``executemany``, or asyncpg's ``copy_records_to_table`` and ``executemany``, one
           transaction per batch, after reading the members and the property;
  service  staytier.services.bulk_stays.record_stays (every rule of recordStay per stay),
           on new stays, then completing stays an earlier untimed batch booked (the
           baseline inserts its stays in both cases; the second run updates them);
  guests   the service once more, as a real night audit runs: guests with email addresses
           (each is mailed the survey invitation of a stay checked out the day before, so
           the batch reads their consent) under a promotion with a budget that every stay
           earns. It writes more rows than the baseline (the promotion's award and bonus,
           the mail), so its ratio says what those cost, not a gap to close.
Prints stays per second, SQL statements per batch (the service's), and the service's ratio
to the baseline's time. The process's garbage collector is set up as ``staytier serve`` sets
up its own (``settle_heap``: the start-up heap frozen, the served threshold), for both sides.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg
import msgspec
from sqlalchemy.engine import make_url

from bench.common import (
    NOW,
    StatementCounter,
    add_members,
    bench_last_name,
    database_url,
    fresh_runtime,
)
from staytier.api.http.app import settle_heap
from staytier.domain.stays import Folio, StayStatus
from staytier.program.promotions import Promotion, PromotionEffects, PromotionLimits
from staytier.services.bulk_stays import RecordStays, record_stays
from staytier.services.runtime import Runtime
from staytier.services.stays import RecordStay
from staytier.settings import Settings

ARRIVAL = dt.date(2026, 10, 1)
DEPARTURE = ARRIVAL + dt.timedelta(days=3)
# What the demo program credits 300 USD of room revenue with: base points, nights, a stay.
POINTS, NIGHTS = 3_000, 3
FOLIO = json.dumps(
    {
        "arrival": ARRIVAL.isoformat(),
        "departure": DEPARTURE.isoformat(),
        "rate_code": "BAR",
        "currency": "USD",
        "room": "300",
        "food_and_beverage": "0",
        "other": "0",
    }
)
Batches = list[list[str]]


def batches(members: list[str], size: int) -> Batches:
    return [members[i : i + size] for i in range(0, len(members), size)]


FOLIO_STAY = Folio(ARRIVAL, DEPARTURE, "BAR", "USD", Decimal(300))
# The guests' run: checked out the day before the benchmark's clock, so the survey is open
# and its invitation is mailed.
RECENT_FOLIO = Folio(
    NOW.date() - dt.timedelta(days=3), NOW.date() - dt.timedelta(days=1), "BAR", "USD", Decimal(300)
)
RUSH = Promotion(
    code="BENCHRUSH",
    name="Checkout rush",
    starts_on=dt.date(2026, 1, 1),
    ends_on=dt.date(2026, 12, 31),
    effects=PromotionEffects(points=400),
    limits=PromotionLimits(budget_points=1_000_000_000),
)


def stay(
    number: str,
    index: int,
    prefix: str,
    status: StayStatus = StayStatus.COMPLETED,
    folio: Folio = FOLIO_STAY,
) -> RecordStay:
    return RecordStay(
        idempotency_key="",
        member_number=number,
        guest_last_name=bench_last_name(index),
        property_code="NYCTS",
        confirmation_number=f"{prefix}-{index}",
        status=status,
        folio=folio,
    )


def with_rush(runtime: Runtime) -> Runtime:
    """The demo program with a budgeted promotion every stay earns without registering."""
    program = runtime.program
    newest = msgspec.structs.replace(
        program.versions[-1], promotions=[*program.versions[-1].promotions, RUSH]
    )
    versions = [*program.versions[:-1], newest]
    return replace(runtime, program=msgspec.structs.replace(program, versions=versions))


async def send(
    runtime: Runtime,
    groups: Batches,
    offset: int,
    status: StayStatus,
    folio: Folio = FOLIO_STAY,
) -> None:
    index = offset
    for number, group in enumerate(groups):
        stays = []
        for member in group:
            stays.append(stay(member, index, "SVC", status, folio))
            index += 1
        key = f"svc-{status.value}-{offset}-{number}"
        outcome = await record_stays(runtime, RecordStays(idempotency_key=key, stays=tuple(stays)))
        assert outcome.refused == 0, [r.errors for r in outcome.results if r.errors][:3]


async def service_run(
    runtime: Runtime,
    groups: Batches,
    offset: int,
    *,
    booked_first: bool = False,
    folio: Folio = FOLIO_STAY,
) -> tuple[float, float]:
    """Stays per second and SQL statements per batch through the service; with
    ``booked_first``, the stays are booked by an earlier (untimed) batch and the timed one
    completes them, as a property's night audit completes a booking site's reservations."""
    if booked_first:
        await send(runtime, groups, offset, StayStatus.BOOKED, folio)
    counter = StatementCounter(runtime.db.write_engine)
    count = sum(len(group) for group in groups)
    start = time.perf_counter()
    await send(runtime, groups, offset, StayStatus.COMPLETED, folio)
    return count / (time.perf_counter() - start), counter.count / len(groups)


def _sqlite_path(url: str) -> str:
    database = make_url(url).database
    assert database is not None
    return database


def raw_sqlite(url: str, groups: Batches) -> float:
    """The same rows with the standard library's sqlite3, one transaction per batch."""
    connection = sqlite3.connect(_sqlite_path(url), isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA foreign_keys=ON")
    now = NOW.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    count = sum(len(group) for group in groups)
    start = time.perf_counter()
    for number, group in enumerate(groups):
        connection.execute("BEGIN IMMEDIATE")
        marks = ", ".join("?" * len(group))
        found = connection.execute(
            f"SELECT member_number, id, points_balance FROM members WHERE member_number IN "
            f"({marks}) ORDER BY id",
            group,
        ).fetchall()
        members = {m: (i, b) for m, i, b in found}
        (hotel,) = connection.execute("SELECT id FROM properties WHERE code = 'NYCTS'").fetchone()
        stay_id = connection.execute("SELECT COALESCE(MAX(id), 0) FROM stays").fetchone()[0]
        credit_id = connection.execute("SELECT COALESCE(MAX(id), 0) FROM credits").fetchone()[0]
        stays, revisions, credits, qualifying, entries, keys = [], [], [], [], [], []
        for offset, member in enumerate(group):
            member_id, balance = members[member]
            sid, cid = stay_id + 1 + offset, credit_id + 1 + offset
            stays.append((sid, member_id, hotel, f"RAW-{number}-{offset}", now))
            revisions.append((sid, FOLIO, now))
            credits.append((cid, member_id, sid, DEPARTURE.isoformat(), now))
            qualifying.append((cid, member_id))
            entries.append((member_id, cid, balance + POINTS, now, DEPARTURE.isoformat()))
            result = json.dumps({"stay_id": sid, "member_id": member_id})
            keys.append((f"raw-{number}:{offset}", "0" * 64, result, now))
        connection.executemany(
            "INSERT INTO stays (id, member_id, property_id, confirmation_number, status, "
            "arrival_date, departure_date, rate_code, currency, room_revenue, "
            "food_and_beverage_revenue, other_revenue, created_at, updated_at, created_by) "
            f"VALUES (?1, ?2, ?3, ?4, 'COMPLETED', '{ARRIVAL}', '{DEPARTURE}', 'BAR', 'USD', "
            "'300', '0', '0', ?5, ?5, 'system')",
            stays,
        )
        connection.executemany(
            "INSERT INTO stay_revisions (stay_id, status, folio, recorded_at) "
            "VALUES (?, 'COMPLETED', ?, ?)",
            revisions,
        )
        connection.executemany(
            "INSERT INTO credits (id, member_id, kind, stay_id, credit_date, program_version, "
            "detail, created_at) VALUES (?, ?, 'STAY', ?, ?, '2026.1', '{}', ?)",
            credits,
        )
        connection.executemany(
            "INSERT INTO qualifying_credits (credit_id, member_id, year, nights, stays, "
            f"base_points) VALUES (?, ?, 2026, {NIGHTS}, 1, {POINTS})",
            qualifying,
        )
        connection.executemany(
            "INSERT INTO ledger_entries (member_id, credit_id, kind, points, balance_after, "
            f"occurred_at, effective_on, description, uncollected_points) VALUES "
            f"(?, ?, 'EARN', {POINTS}, ?, ?, ?, 'raw', 0)",
            entries,
        )
        connection.executemany(
            f"UPDATE members SET points_balance = points_balance + {POINTS}, "
            "last_activity_on = ? WHERE id = ?",
            [(DEPARTURE.isoformat(), members[m][0]) for m in group],
        )
        connection.executemany(
            "INSERT INTO idempotency_records (scope, operation, key, request_hash, result, "
            "created_at) VALUES ('', 'recordStay', ?, ?, ?, ?)",
            [*keys, (f"raw-{number}", "0" * 64, "{}", now)],
        )
        connection.execute("COMMIT")
    seconds = time.perf_counter() - start
    connection.close()
    return count / seconds


async def raw_postgres(url: str, groups: Batches) -> float:
    """The same rows with asyncpg: COPY for the inserts, executemany for the balances."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    count = sum(len(group) for group in groups)
    start = time.perf_counter()
    for number, group in enumerate(groups):
        async with connection.transaction():
            found = await connection.fetch(
                "SELECT member_number, id, points_balance FROM members "
                "WHERE member_number = ANY($1::text[]) ORDER BY id FOR UPDATE",
                group,
            )
            members = {r["member_number"]: (r["id"], r["points_balance"]) for r in found}
            hotel = await connection.fetchval("SELECT id FROM properties WHERE code = 'NYCTS'")
            ids = await connection.fetch(
                "SELECT nextval(pg_get_serial_sequence('stays', 'id')) AS s, "
                "nextval(pg_get_serial_sequence('credits', 'id')) AS c "
                "FROM generate_series(1, $1)",
                len(group),
            )
            stays, revisions, credits, qualifying, entries, keys = [], [], [], [], [], []
            for offset, member in enumerate(group):
                member_id, balance = members[member]
                sid, cid = ids[offset]["s"], ids[offset]["c"]
                stays.append(
                    (
                        sid,
                        member_id,
                        hotel,
                        f"RAW-{number}-{offset}",
                        "COMPLETED",
                        ARRIVAL,
                        DEPARTURE,
                        "BAR",
                        "USD",
                        Decimal(300),
                        Decimal(0),
                        Decimal(0),
                        NOW,
                        NOW,
                        "system",
                    )
                )
                revisions.append((sid, "COMPLETED", FOLIO, NOW))
                credits.append((cid, member_id, "STAY", sid, DEPARTURE, "2026.1", "{}", NOW))
                qualifying.append((cid, member_id, 2026, NIGHTS, 1, POINTS))
                entries.append(
                    (member_id, cid, "EARN", POINTS, balance + POINTS, NOW, DEPARTURE, "raw", 0)
                )
                result = json.dumps({"stay_id": sid, "member_id": member_id})
                keys.append(("", "recordStay", f"raw-{number}:{offset}", "0" * 64, result, NOW))
            keys.append(("", "recordStays", f"raw-{number}", "0" * 64, "{}", NOW))
            await _copy(
                connection,
                "stays",
                stays,
                "id member_id property_id confirmation_number status arrival_date departure_date "
                "rate_code currency room_revenue food_and_beverage_revenue other_revenue "
                "created_at updated_at created_by",
            )
            await _copy(connection, "stay_revisions", revisions, "stay_id status folio recorded_at")
            await _copy(
                connection,
                "credits",
                credits,
                "id member_id kind stay_id credit_date program_version detail created_at",
            )
            await _copy(
                connection,
                "qualifying_credits",
                qualifying,
                "credit_id member_id year nights stays base_points",
            )
            await _copy(
                connection,
                "ledger_entries",
                entries,
                "member_id credit_id kind points balance_after occurred_at effective_on "
                "description uncollected_points",
            )
            await connection.executemany(
                "UPDATE members SET points_balance = points_balance + $1, last_activity_on = $2 "
                "WHERE id = $3",
                [(POINTS, DEPARTURE, members[m][0]) for m in group],
            )
            await _copy(
                connection,
                "idempotency_records",
                keys,
                "scope operation key request_hash result created_at",
            )
    seconds = time.perf_counter() - start
    await connection.close()
    return count / seconds


async def _copy(
    connection: asyncpg.Connection, table: str, rows: list[tuple[Any, ...]], columns: str
) -> None:
    await connection.copy_records_to_table(table, records=rows, columns=columns.split())


def line(name: str, rate: float, statements: float | None, baseline: float | None) -> str:
    sql = f"{statements:5.1f} SQL/batch" if statements is not None else " " * 15
    ratio = f"  {baseline / rate:5.2f}x the baseline's time" if baseline else ""
    return f"{name:30} {rate:8.0f} stays/s  {sql}{ratio}"


async def compare(
    url: str, count: int, size: int, raw: Callable[[str, Batches], Awaitable[float]]
) -> None:
    runtime = await fresh_runtime(url)
    members = await add_members(runtime, 3 * count)
    mailed = await add_members(
        runtime, count, email=lambda i: f"guest{i}@example.test", offset=3 * count
    )
    print(
        f"database {runtime.db.dialect}, {count} completed stays per run (one per member), "
        f"batches of {size}"
    )
    # The process set up as `staytier serve` sets up its own: what it holds at start out of
    # the collector's sight, new objects collected at the served threshold (both runs).
    settle_heap(Settings().gc_threshold)
    baseline = await raw(url, batches(members[:count], size))
    print(line(f"raw bulk ({runtime.db.dialect} driver)", baseline, None, None))
    rate, statements = await service_run(runtime, batches(members[count : 2 * count], size), count)
    print(line("record_stays service", rate, statements, baseline))
    groups = batches(members[2 * count :], size)
    rate, statements = await service_run(runtime, groups, 2 * count, booked_first=True)
    print(line("record_stays, completing booked", rate, statements, baseline))
    guests = with_rush(runtime)
    groups = batches(mailed, size)
    rate, statements = await service_run(guests, groups, 3 * count, folio=RECENT_FOLIO)
    print(line("record_stays, mailed, promotion", rate, statements, baseline))
    await runtime.db.dispose()


async def _sqlite(url: str, groups: Batches) -> float:
    return raw_sqlite(url, groups)


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stays", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--postgres", help="postgresql+asyncpg:// URL of a database to empty")
    args = parser.parse_args()
    await compare(database_url(None), args.stays, args.batch, _sqlite)
    if args.postgres:
        await compare(args.postgres, args.stays, args.batch, raw_postgres)


if __name__ == "__main__":
    asyncio.run(main())
