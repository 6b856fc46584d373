"""Guest search (``searchGuests``, a page of 20) through GraphQL, against the driver.

    python bench/guest_search.py [--postgres URL] [--members 5000] [--requests 600]
                                 [--concurrency 8]

Fills the database with generated members (``staytier generate``: their search terms
included), then serves it twice, each server in its own process on 127.0.0.1:
  raw          bench/raw_server.py /search: the same API-key lookup, one statement (the
               name words as index ranges on the search terms, the held tier as a
               subquery), the same JSON document: the baseline;
  graphql      ``staytier serve``: the front desk's search_guests operation
               (graphql/operations/front_desk), sent in full;
  by hash      the same, sent as its SHA-256 (a persisted query: no document to parse).
Both answer the same page (checked once before the load). Queries are a first name and
the start of a last name ("grace ho") of random members.
Prints requests per second, latency p50/p95/p99 and each GraphQL p50 as a multiple of raw.
"""

from __future__ import annotations

import asyncio
import hashlib
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
from staytier.store.models import Member

OPERATION = (
    Path(__file__).resolve().parents[1] / "graphql/operations/front_desk/search_guests.graphql"
)
PAGE = 20


async def prepare(url: str, members: int) -> tuple[list[str], dict[str, str]]:
    """Generated members; returns search texts that find some of them, and an admin's
    headers."""
    runtime = await fresh_runtime(url)
    plan = GenerationPlan(members=members, stays_per_member=2, seed=11, today=runtime.today())
    await generate(url, runtime.program, runtime.rates, plan)
    async with runtime.db.reading() as session:
        names = (await session.execute(select(Member.first_name, Member.last_name))).all()
    headers = await client_headers(runtime)
    await runtime.db.dispose()
    return [f"{first} {last[:2]}" for first, last in names], headers


async def main() -> None:
    parser = arguments(__doc__, requests=600)
    parser.add_argument("--members", type=int, default=5_000)
    args = parser.parse_args()
    url, target = databases(args.postgres)
    texts, headers = await prepare(url, args.members)
    rng = random.Random(5)
    picks = [rng.choice(texts) for _ in range(args.requests + 100)]
    document = OPERATION.read_text()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": _sha256(document)}}
    print(
        f"database {url.split(':')[0]}, {args.members} generated members, searchGuests "
        f"first {PAGE}, {args.requests} requests per server in rounds, "
        f"{args.concurrency} in flight"
    )
    limits = httpx.Limits(max_connections=args.concurrency * 2)
    async with (
        both_servers(url, target) as (served, raw),
        httpx.AsyncClient(limits=limits, timeout=30, headers=headers) as http,
    ):

        async def graphql_one(i: int) -> None:
            variables = {"query": picks[i], "first": PAGE}
            await _graphql(http, served, {"query": document, "variables": variables})

        async def hashed_one(i: int) -> None:
            variables = {"query": picks[i], "first": PAGE}
            await _graphql(http, served, {"extensions": persisted, "variables": variables})

        async def raw_one(i: int) -> None:
            response = await http.get(f"{raw}/search", params={"text": picks[i], "first": PAGE})
            assert response.status_code == 200, response.text

        sample = {"query": picks[0], "first": PAGE}
        served_page = await _graphql(http, served, {"query": document, "variables": sample})
        raw_page = (
            await http.get(f"{raw}/search", params={"text": picks[0], "first": PAGE})
        ).json()
        assert (
            served_page["data"]["searchGuests"]["edges"]
            == (raw_page["data"]["searchGuests"]["edges"])
        ), (served_page, raw_page)
        results = await alternate(
            args.requests,
            args.concurrency,
            [
                ("GraphQL searchGuests", graphql_one),
                ("GraphQL searchGuests by hash", hashed_one),
                ("raw driver + msgspec", raw_one),
            ],
        )
    report(results)


async def _graphql(
    http: httpx.AsyncClient, base: str, payload: dict[str, object]
) -> dict[str, Any]:
    response = await http.post(f"{base}/graphql", json=payload)
    body: dict[str, Any] = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    return body


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


if __name__ == "__main__":
    asyncio.run(main())
