"""The front desk's arrivals list for 5, 100 and 500 guests, against two hand-written queries.

    python bench/arrivals.py [--database URL] [--repeat 30]

Generated members (``staytier generate``) get booked stays at one hotel on three dates, with
5, 100 and 500 arrivals, and three preferences each. In this process, on the same engine:
  raw      per page of 100: one query for the arrivals with name and held tier, one for their
           preferences, encoded with msgspec: the baseline;
  graphql  the front desk's arrivals operation (graphql/operations/front_desk) through the
           app, in-process (no network), paging with ``after`` as a client does.
Prints SQL statements per list (they must not grow with the page) and p50 latency per list,
with the GraphQL p50 as a multiple of raw.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import msgspec
from sqlalchemy import delete, insert, select, text

from bench.common import NOW, StatementCounter, client_headers, database_url, fresh_runtime
from staytier.api.http.app import create_app, settle_heap
from staytier.generator import GenerationPlan, generate
from staytier.services.runtime import Runtime
from staytier.settings import Settings
from staytier.store.models import Member, Preference, Property, Stay

SIZES = (5, 100, 500)
FIRST_DATE = NOW.date() + dt.timedelta(days=60)  # past any generated booking
OPERATION = Path(__file__).resolve().parents[1] / "graphql/operations/front_desk/arrivals.graphql"
PREFERENCES = [("FLOOR", "HIGH"), ("PILLOW", "FEATHER_FREE"), ("NEWSPAPER", "FINANCIAL")]
RAW_ARRIVALS = """
SELECT s.id, s.confirmation_number, s.arrival_date, s.departure_date, s.room_type,
       m.id AS member_id, m.member_number, m.first_name, m.last_name, m.language,
       (SELECT max(p.rank) FROM status_periods p WHERE p.member_id = m.id
          AND p.revoked_at IS NULL AND p.valid_from <= :day
          AND (p.valid_through IS NULL OR p.valid_through >= :day)) AS rank
FROM stays s JOIN members m ON m.id = s.member_id
WHERE s.property_id = :hotel AND s.arrival_date = :day AND s.status = 'BOOKED'
  AND s.id > :after
ORDER BY s.id LIMIT 100
"""
RAW_PREFERENCES = "SELECT member_id, category, value, source FROM preferences WHERE member_id IN "


class RawArrival(msgspec.Struct):
    memberNumber: str
    firstName: str
    lastName: str
    tierRank: int
    preferences: list[tuple[str, str, str]]
    confirmationNumber: str


async def prepare(url: str) -> tuple[Runtime, int]:
    runtime = await fresh_runtime(url)
    plan = GenerationPlan(members=2_000, stays_per_member=5, seed=3, today=NOW.date())
    await generate(url, runtime.program, runtime.rates, plan)
    async with runtime.db.transaction() as session:
        hotel = await session.scalar(select(Property.id).where(Property.code == "NYCTS"))
        members = list(await session.scalars(select(Member.id).order_by(Member.id).limit(500)))
        stays, preferences = [], []
        for offset, size in enumerate(SIZES):
            day = FIRST_DATE + dt.timedelta(days=offset)
            for member_id in members[:size]:
                stays.append(
                    {
                        "member_id": member_id,
                        "property_id": hotel,
                        "confirmation_number": f"ARR{offset}-{member_id}",
                        "status": "BOOKED",
                        "arrival_date": day,
                        "departure_date": day + dt.timedelta(days=2),
                        "room_type": "KING",
                        "rate_code": "BAR",
                        "currency": "USD",
                        "room_revenue": 0,
                        "food_and_beverage_revenue": 0,
                        "other_revenue": 0,
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                )
        for member_id in members:
            for category, value in PREFERENCES:
                preferences.append(
                    {
                        "member_id": member_id,
                        "category": category,
                        "value": value,
                        "source": "GUEST",
                        "sensitive": False,
                        "recorded_at": NOW,
                    }
                )
        await session.execute(insert(Stay), stays)
        # The generator states preferences for some members: each arriving guest gets
        # exactly these three instead, so every list reads the same amount.
        await session.execute(delete(Preference).where(Preference.member_id.in_(members)))
        await session.execute(insert(Preference), preferences)
    assert hotel is not None
    return runtime, hotel


async def raw_list(runtime: Runtime, hotel: int, day: dt.date) -> bytes:
    pages, after = [], 0
    async with runtime.db.reading() as session:
        while True:
            rows = (
                await session.execute(
                    text(RAW_ARRIVALS), {"hotel": hotel, "day": day, "after": after}
                )
            ).all()
            if not rows:
                break
            ids = ", ".join(str(int(row.member_id)) for row in rows)
            liked: dict[int, list[tuple[str, str, str]]] = {}
            for member_id, category, value, source in await session.execute(
                text(RAW_PREFERENCES + f"({ids})")
            ):
                liked.setdefault(member_id, []).append((category, value, source))
            pages.append(
                msgspec.json.encode(
                    [
                        RawArrival(
                            row.member_number,
                            row.first_name,
                            row.last_name,
                            row.rank or 0,
                            liked.get(row.member_id, []),
                            row.confirmation_number,
                        )
                        for row in rows
                    ]
                )
            )
            after = rows[-1].id
            if len(rows) < 100:
                break
    return b"".join(pages)


async def graphql_list(http: httpx.AsyncClient, query: str, day: dt.date) -> int:
    guests, after = 0, None
    while True:
        variables: dict[str, Any] = {"propertyCode": "NYCTS", "date": day.isoformat()}
        variables |= {"first": 100, "after": after}
        response = await http.post("/graphql", json={"query": query, "variables": variables})
        body = response.json()
        assert response.status_code == 200 and not body.get("errors"), body
        page = body["data"]["arrivals"]
        guests += len(page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return guests
        after = page["pageInfo"]["endCursor"]


async def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="SQLAlchemy URL, emptied first (default: SQLite)")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    url = database_url(args.database)
    runtime, hotel = await prepare(url)
    headers = await client_headers(runtime)
    settings = Settings(database_url=url, environment="development", log_level="WARNING")
    app = create_app(settings, runtime)
    settle_heap()  # as a serving process does once started (the transport runs no lifespan)
    query = OPERATION.read_text()
    counter = StatementCounter(runtime.db.write_engine, runtime.db.read_engine)
    print(f"database {runtime.db.dialect}, {args.repeat} lists of each size, in-process")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://x", headers=headers) as http:
        for offset, size in enumerate(SIZES):
            day = FIRST_DATE + dt.timedelta(days=offset)
            raw_times, graphql_times = [], []
            counter.count = 0
            assert await graphql_list(http, query, day) == size
            statements = counter.count
            counter.count = 0
            await raw_list(runtime, hotel, day)
            raw_statements = counter.count
            for _ in range(args.repeat):
                start = time.perf_counter()
                await raw_list(runtime, hotel, day)
                raw_times.append(time.perf_counter() - start)
                start = time.perf_counter()
                await graphql_list(http, query, day)
                graphql_times.append(time.perf_counter() - start)
            raw, graphql = statistics.median(raw_times), statistics.median(graphql_times)
            pages = -(-size // 100)
            print(
                f"{size:4} arrivals ({pages} page{'s' if pages > 1 else ''}): GraphQL "
                f"{statements:3} SQL ({statements / pages:4.1f}/page), p50 {graphql * 1000:7.2f} ms"
                f"   raw {raw_statements:2} SQL, p50 {raw * 1000:6.2f} ms   "
                f"{graphql / raw:5.2f}x raw"
            )
    await runtime.db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
