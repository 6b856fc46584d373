"""A guest's data export and erasure, for members with history, against the driver.

    python bench/export_erasure.py [--postgres URL] [--members 2000] [--requests 200]
                                   [--concurrency 4]

Generated members (``staytier generate``, 10 stays each: stays, revisions, credits, ledger,
status, preferences) are served twice, each server in its own process on 127.0.0.1:
  raw      bench/raw_server.py: /export reads every table naming the member with one
           SELECT each (the list read once from the metadata, as the service does) and
           answers the same document; /erase deletes the profile and blanks the rest with
           one DELETE or UPDATE per table. Both after the same API-key lookup and with the
           same audit entry; erasure by hand does not scrub the guest's values out of text
           and JSON columns row by row, which the service does;
  graphql  ``staytier serve``: ``exportGuestData(memberNumber)`` and ``eraseGuest``.
Exports pick random members; each erasure takes a member of its own. Prints requests per
second, latency p50/p95/p99 and the GraphQL p50 as a multiple of raw, for each.
"""

from __future__ import annotations

import asyncio
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from sqlalchemy import select

from bench.common import client_headers, fresh_runtime
from bench.side_by_side import alternate, arguments, both_servers, databases, report
from staytier.generator import GenerationPlan, generate
from staytier.store.models import LedgerEntry, Member

EXPORT = "query Export($n: String!) { exportGuestData(memberNumber: $n) }"
ERASE = """mutation Erase($input: EraseGuestInput!) {
  eraseGuest(input: $input) { erasedAt userErrors { code field message } } }"""
WARM_UP = 20


async def prepare(url: str, members: int) -> tuple[list[str], dict[str, str]]:
    runtime = await fresh_runtime(url)
    plan = GenerationPlan(members=members, stays_per_member=10, seed=13, today=runtime.today())
    await generate(url, runtime.program, runtime.rates, plan)
    async with runtime.db.reading() as session:
        with_history = select(LedgerEntry.member_id).distinct()
        numbers = list(
            await session.scalars(
                select(Member.member_number).where(Member.id.in_(with_history)).order_by(Member.id)
            )
        )
    headers = await client_headers(runtime)
    await runtime.db.dispose()
    return numbers, headers


async def main() -> None:
    parser = arguments(__doc__, requests=200, concurrency=4)
    parser.add_argument("--members", type=int, default=2_000)
    args = parser.parse_args()
    url, target = databases(args.postgres)
    numbers, headers = await prepare(url, args.members)
    needed = 2 * (args.requests + WARM_UP)
    if len(numbers) < needed:
        raise SystemExit(f"{len(numbers)} members with history; erasure needs {needed}")
    rng = random.Random(3)
    exported = [rng.choice(numbers) for _ in range(args.requests + WARM_UP)]
    erased = {"graphql": numbers[: needed // 2], "raw": numbers[needed // 2 : needed]}
    print(
        f"database {url.split(':')[0]}, {args.members} generated members "
        f"({len(numbers)} with history), {args.requests} exports and erasures per server in "
        f"rounds, {args.concurrency} in flight"
    )
    limits = httpx.Limits(max_connections=args.concurrency * 2)
    async with (
        both_servers(url, target) as (served, raw),
        httpx.AsyncClient(limits=limits, timeout=60, headers=headers) as http,
    ):

        async def graphql(payload: dict[str, Any]) -> dict[str, Any]:
            response = await http.post(f"{served}/graphql", json=payload)
            body: dict[str, Any] = response.json()
            assert response.status_code == 200 and not body.get("errors"), body
            return body

        async def graphql_export(i: int) -> None:
            body = await graphql({"query": EXPORT, "variables": {"n": exported[i]}})
            assert body["data"]["exportGuestData"] is not None

        async def raw_export(i: int) -> None:
            response = await http.get(f"{raw}/export/{exported[i]}")
            assert response.status_code == 200, response.text

        async def graphql_erase(i: int) -> None:
            fields = {"memberNumber": erased["graphql"][i], "reason": "guest's request"}
            body = await graphql({"query": ERASE, "variables": {"input": fields}})
            assert body["data"]["eraseGuest"]["userErrors"] == [], body

        async def raw_erase(i: int) -> None:
            response = await http.post(f"{raw}/erase/{erased['raw'][i]}")
            assert response.status_code == 200, response.text

        served_document = (await graphql({"query": EXPORT, "variables": {"n": numbers[-1]}}))[
            "data"
        ]["exportGuestData"]
        raw_document = (await http.get(f"{raw}/export/{numbers[-1]}")).json()["data"][
            "exportGuestData"
        ]
        assert sorted(served_document) == sorted(raw_document)  # the same tables
        exports = await alternate(
            args.requests,
            args.concurrency,
            [("GraphQL exportGuestData", graphql_export), ("raw SELECTs", raw_export)],
            warm_up=WARM_UP,
        )
        erasures = await alternate(
            args.requests,
            args.concurrency,
            [("GraphQL eraseGuest", graphql_erase), ("raw DELETEs/UPDATEs", raw_erase)],
            warm_up=WARM_UP,
        )
    report(exports)
    report(erasures)


if __name__ == "__main__":
    asyncio.run(main())
