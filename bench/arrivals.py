"""The front desk's arrivals list for 5, 100 and 500 guests, against the driver.

    python bench/arrivals.py [--postgres URL] [--repeat 30]

Generated members (``staytier generate``) get booked stays at one hotel on three dates, with
5, 100 and 500 arrivals, and three preferences each. Served twice, each server in its own
process on 127.0.0.1, paging with ``after`` as a client does (pages of 100):
  raw      bench/raw_server.py /arrivals: the same API-key lookup, one statement each for the
           property, the page and the page's status, preferences, special dates, staff
           notes, earlier stays and complaints, the program's own benefit and date rules,
           the same JSON document: the baseline;
  graphql  ``staytier serve``: the front desk's arrivals operation
           (graphql/operations/front_desk).
Both answer the same pages for every list (checked once before the timing). Prints SQL
statements per list (counted in-process for the operation; they must not grow with the
page) and p50 latency per list, with the GraphQL p50 as a multiple of raw, then the stack's
floor for each list: the raw p50 plus the time Strawberry takes to execute the same
operation over the same pages already in memory (bench/floor.py, in this process, per page
with its own variables), and the GraphQL p50 as a multiple of that floor.
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
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bench.common import NOW, StatementCounter, client_headers, fresh_runtime
from bench.floor import mirror
from bench.side_by_side import both_servers, databases
from staytier.api.http.app import create_app
from staytier.generator import GenerationPlan, generate
from staytier.services.runtime import Runtime
from staytier.settings import Settings
from staytier.store.models import (
    Complaint,
    Member,
    Preference,
    Property,
    SpecialDate,
    StaffNote,
    Stay,
)

SIZES = (5, 100, 500)
FIRST_DATE = NOW.date() + dt.timedelta(days=60)  # past any generated booking
OPERATION = Path(__file__).resolve().parents[1] / "graphql/operations/front_desk/arrivals.graphql"
# The raw route's statements per page: the API key, the property, the page, then one each
# for status, preferences, special dates, staff notes, earlier stays and complaints.
RAW_STATEMENTS = 9
PREFERENCES = [("FLOOR", "HIGH"), ("PILLOW", "FEATHER_FREE"), ("NEWSPAPER", "FINANCIAL")]


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
        await _remembered(session, members, hotel)
    assert hotel is not None
    return runtime, hotel


async def _remembered(session: AsyncSession, members: list[int], hotel: int | None) -> None:
    """What the front desk remembers of some guests, so that every field of the list has
    rows to show: a birthday during the stay for one in three, a staff note for one in
    four, an open complaint (on their first booked stay here) for one in ten."""
    stay_of = dict(
        (
            await session.execute(
                select(Stay.member_id, Stay.id).where(Stay.confirmation_number.like("ARR2-%"))
            )
        ).all()
    )
    born = FIRST_DATE.replace(year=1980)
    dates = [
        {
            "member_id": member_id,
            "kind": "BIRTHDAY",
            "happened_on": born,
            "month": born.month,
            "day": born.day,
            "greet": True,
            "recorded_on": NOW.date(),
            "updated_at": NOW,
        }
        for member_id in members[::3]
    ]
    notes = [
        {
            "member_id": member_id,
            "property_code": "NYCTS",
            "author": "front desk",
            "text": "Prefers a quiet room away from the lift.",
            "created_at": NOW,
        }
        for member_id in members[::4]
    ]
    complaints = [
        {
            "member_id": member_id,
            "stay_id": stay_of[member_id],
            "property_id": hotel,
            "category": "NOISE",
            "severity": "LOW",
            "description": "Street noise at night.",
            "author": "front desk",
            "owner": "front desk",
            "logged_by": "bench",
            "logged_at": NOW,
        }
        for member_id in members[::10]
    ]
    await session.execute(delete(SpecialDate).where(SpecialDate.member_id.in_(members)))
    await session.execute(insert(SpecialDate), dates)
    await session.execute(insert(StaffNote), notes)
    await session.execute(insert(Complaint), complaints)


async def raw_list(http: httpx.AsyncClient, base: str, day: dt.date) -> list[dict[str, Any]]:
    """Every page of the list from the raw server, as the client reads it."""
    pages, after = [], None
    while True:
        params: dict[str, Any] = {"propertyCode": "NYCTS", "date": day.isoformat(), "first": 100}
        if after is not None:
            params["after"] = after
        response = await http.get(f"{base}/arrivals", params=params)
        assert response.status_code == 200, response.text
        page = response.json()["data"]["arrivals"]
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]


def page_variables(day: dt.date, after: str | None) -> dict[str, Any]:
    return {"propertyCode": "NYCTS", "date": day.isoformat(), "first": 100, "after": after}


async def graphql_list(
    http: httpx.AsyncClient, base: str, query: str, day: dt.date
) -> list[dict[str, Any]]:
    pages, after = [], None
    while True:
        variables = page_variables(day, after)
        response = await http.post(f"{base}/graphql", json={"query": query, "variables": variables})
        body = response.json()
        assert response.status_code == 200 and not body.get("errors"), body
        page = body["data"]["arrivals"]
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]


async def statements_per_list(runtime: Runtime, url: str, headers: dict[str, str]) -> list[int]:
    """The SQL statements the operation sends for each list, counted in-process."""
    settings = Settings(database_url=url, environment="development", log_level="WARNING")
    app = create_app(settings, runtime)
    counter = StatementCounter(runtime.db.write_engine, runtime.db.read_engine)
    query, counts = OPERATION.read_text(), []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://x", headers=headers) as http:
        for offset, size in enumerate(SIZES):
            counter.count = 0
            pages = await graphql_list(http, "", query, FIRST_DATE + dt.timedelta(days=offset))
            assert sum(len(page["edges"]) for page in pages) == size
            counts.append(counter.count)
    return counts


async def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres",
        "--database",
        metavar="URL",
        help="a scratch PostgreSQL database, emptied first (default: SQLite)",
    )
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    url, target = databases(args.postgres)
    runtime, _ = await prepare(url)
    headers = await client_headers(runtime)
    statements = await statements_per_list(runtime, url, headers)
    await runtime.db.dispose()
    query = OPERATION.read_text()
    print(f"database {url.split(':')[0]}, {args.repeat} lists of each size, over HTTP")
    floors: list[tuple[int, float, float, float]] = []
    async with (
        both_servers(url, target) as (served, raw),
        httpx.AsyncClient(timeout=60, headers=headers) as http,
    ):
        for offset, size in enumerate(SIZES):
            day = FIRST_DATE + dt.timedelta(days=offset)
            served_pages = await graphql_list(http, served, query, day)
            raw_pages = await raw_list(http, raw, day)
            assert served_pages == raw_pages, "the raw list differs from the operation's"
            raw_times, graphql_times = [], []
            for _ in range(args.repeat):
                start = time.perf_counter()
                await raw_list(http, raw, day)
                raw_times.append(time.perf_counter() - start)
                start = time.perf_counter()
                await graphql_list(http, served, query, day)
                graphql_times.append(time.perf_counter() - start)
            raw_p50, graphql_p50 = statistics.median(raw_times), statistics.median(graphql_times)
            pages = len(raw_pages)
            count = statements[offset]
            print(
                f"{size:4} arrivals ({pages} page{'s' if pages > 1 else ''}): GraphQL "
                f"{count:3} SQL ({count / pages:4.1f}/page), p50 {graphql_p50 * 1000:7.2f} ms"
                f"   raw {RAW_STATEMENTS * pages:2} SQL, p50 {raw_p50 * 1000:6.2f} ms   "
                f"{graphql_p50 / raw_p50:5.2f}x raw"
            )
            floors.append((size, raw_p50, graphql_p50, await executing(query, day, raw_pages)))
    for size, raw_p50, graphql_p50, strawberry_p50 in floors:
        floor = raw_p50 + strawberry_p50
        print(
            f"{size:4} arrivals: Strawberry over the pages in memory p50 "
            f"{strawberry_p50 * 1000:6.2f} ms, floor (raw + that) {floor * 1000:7.2f} ms   "
            f"GraphQL {graphql_p50 / floor:4.2f}x the floor"
        )


async def executing(query: str, day: dt.date, pages: list[dict[str, Any]]) -> float:
    """Strawberry's p50 seconds to execute the operation over every page of a list, each
    page already in memory as plain objects (bench/floor.py): the stack's own share."""
    mirrors, after = [], None
    for page in pages:
        mirrors.append(mirror(query, {"arrivals": page}, page_variables(day, after)))
        after = page["pageInfo"]["endCursor"]
    for one, page in zip(mirrors, pages, strict=True):
        assert await one.execute() == {"arrivals": page}, "the mirror answers another page"
    times = []
    for _ in range(30):
        start = time.perf_counter()
        for one in mirrors:
            await one.execute()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


if __name__ == "__main__":
    asyncio.run(main())
