"""Paging through a member's whole ledger, 50 entries a page by cursor, against the driver.

    python bench/ledger_paging.py [--postgres URL] [--members 40] [--entries 1000]
                                  [--requests 800] [--concurrency 8]

``--members`` members get ``--entries`` ledger entries each (inserted in bulk), then the
database is served twice, each server in its own process on 127.0.0.1:
  raw      bench/raw_server.py /ledger: the same API-key lookup, the member, then one keyset
           statement per page (``id < cursor ORDER BY id DESC LIMIT 51``), the same JSON
           document: the baseline;
  graphql  ``staytier serve``: the guest app's ledger_page operation
           (graphql/operations/guest_app) with ``first: 50``, sent by its hash.
Each request is one page; a member's pages follow each other (the next request of that
reader waits for the cursor), readers in parallel. Prints pages per second, latency
p50/p95/p99 and the GraphQL p50 as a multiple of raw.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import itertools
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from sqlalchemy import insert, select

from bench.common import NOW, add_members, client_headers, fresh_runtime
from bench.side_by_side import alternate, arguments, both_servers, databases, report
from staytier.store.models import LedgerEntry, Member

OPERATION = Path(__file__).resolve().parents[1] / "graphql/operations/guest_app/ledger_page.graphql"
PAGE = 50


async def prepare(url: str, members: int, entries: int) -> tuple[list[str], dict[str, str]]:
    runtime = await fresh_runtime(url)
    numbers = await add_members(runtime, members, balance=lambda _: entries * 10)
    async with runtime.db.transaction() as session:
        ids = list(await session.scalars(select(Member.id).order_by(Member.id)))
        rows = [
            {
                "member_id": member_id,
                "kind": "EARN",
                "points": 10,
                "balance_after": 10 * (n + 1),
                "occurred_at": NOW - dt.timedelta(hours=entries - n),
                "effective_on": (NOW - dt.timedelta(hours=entries - n)).date(),
                "description": f"Stay {n}",
                "uncollected_points": 0,
            }
            for member_id in ids
            for n in range(entries)
        ]
        for start in range(0, len(rows), 5_000):
            await session.execute(insert(LedgerEntry), rows[start : start + 5_000])
    headers = await client_headers(runtime)
    await runtime.db.dispose()
    return numbers, headers


class Readers:
    """Each reader walks one member's ledger page by page, then starts the next member;
    ``page(fetch)`` makes the next request of whichever reader asks."""

    def __init__(self, numbers: list[str]) -> None:
        self.members = itertools.cycle(numbers)
        self.walking: list[tuple[str, str | None]] = []

    async def page(self, fetch: Callable[[str, str | None], Awaitable[str | None]]) -> None:
        number, cursor = self.walking.pop() if self.walking else (next(self.members), None)
        following = await fetch(number, cursor)
        if following is not None:
            self.walking.append((number, following))


async def main() -> None:
    parser = arguments(__doc__, requests=800)
    parser.add_argument("--members", type=int, default=40)
    parser.add_argument("--entries", type=int, default=1_000)
    args = parser.parse_args()
    url, target = databases(args.postgres)
    numbers, headers = await prepare(url, args.members, args.entries)
    document = OPERATION.read_text()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": _sha256(document)}}
    print(
        f"database {url.split(':')[0]}, {args.members} members of {args.entries} ledger "
        f"entries, pages of {PAGE} by cursor, {args.requests} pages per server in rounds, "
        f"{args.concurrency} readers"
    )
    limits = httpx.Limits(max_connections=args.concurrency * 2)
    async with (
        both_servers(url, target) as (served, raw),
        httpx.AsyncClient(limits=limits, timeout=30, headers=headers) as http,
    ):

        async def graphql_page(number: str, cursor: str | None) -> str | None:
            variables = {"memberNumber": number, "first": PAGE, "after": cursor}
            response = await http.post(
                f"{served}/graphql", json={"extensions": persisted, "variables": variables}
            )
            body = response.json()
            assert response.status_code == 200 and not body.get("errors"), body
            return _next(body)

        async def raw_page(number: str, cursor: str | None) -> str | None:
            params = {"first": PAGE} | ({"after": cursor} if cursor else {})
            response = await http.get(f"{raw}/ledger/{number}", params=params)
            assert response.status_code == 200, response.text
            return _next(response.json())

        # The same pages: the second page's cursor comes from the first on both sides.
        second = await graphql_page(numbers[0], None)
        assert second is not None and second == await raw_page(numbers[0], None)
        assert await graphql_page(numbers[0], second) == await raw_page(numbers[0], second)
        served_readers, raw_readers = Readers(numbers), Readers(numbers)
        results = await alternate(
            args.requests,
            args.concurrency,
            [
                ("GraphQL ledger page", lambda _: served_readers.page(graphql_page)),
                ("raw driver + msgspec", lambda _: raw_readers.page(raw_page)),
            ],
        )
    report(results)


def _next(body: dict[str, Any]) -> str | None:
    info = body["data"]["guest"]["ledger"]["pageInfo"]
    cursor: str | None = info["endCursor"] if info["hasNextPage"] else None
    return cursor


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


if __name__ == "__main__":
    asyncio.run(main())
