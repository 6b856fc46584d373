"""The guest app's status read through GraphQL, against a plain handler over the same data.

    python bench/profile_read.py [--postgres URL] [--members 20000] [--requests 3000]
                                 [--concurrency 16]

Fills the database with generated members (``staytier generate``), then serves it twice, each
server in its own process on 127.0.0.1:
  raw      bench/raw_server.py /profile: the same API-key lookup, the member, their status
           periods with the year's totals, the ledger page (four statements, as the
           service), the program's own tier rules, the same JSON document: the baseline;
  graphql  ``staytier serve``: guest { tier tierProgress points ledger(first: 20) }.
Both answer the same document for 20 members (checked before the load). An async httpx
loop in this process keeps ``--concurrency`` requests in flight, for members picked at
random, alternating rounds between the two servers so both see the same noise.
Prints requests per second, latency p50/p95/p99 and the GraphQL p50 as a multiple of raw.

Then the stack's floor (bench/floor.py), as bench/arrivals.py prints it for lists: the time
Strawberry takes to execute the same document over the same answer already in memory (the
20 answers checked above, each with its own variables). Under a closed loop that keeps the
servers busy, a request's time is the server's CPU for it, so the floor is the raw server's
time per request (1 / its rate) plus that execution, and the service's time per request is
compared with it.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from sqlalchemy import select

from bench.common import LoadResult, client_headers, fresh_runtime
from bench.floor import mirror
from bench.side_by_side import alternate, arguments, both_servers, databases, report
from staytier.generator import GenerationPlan, generate
from staytier.store.models import LedgerEntry, Member

QUERY = """query Profile($n: String!) { guest(memberNumber: $n) {
  tier { code name validThrough }
  tierProgress { year qualifyingNights qualifyingStays qualifyingBasePoints
                 nextTier { code } nightsToNextTier }
  points { balance expiresOn }
  ledger(first: 20) { edges { node { kind points balanceAfter occurredAt effectiveOn
                                     description } } pageInfo { hasNextPage endCursor } } } }"""


async def prepare(url: str, members: int) -> tuple[list[str], dict[str, str]]:
    """Generated members; returns the numbers of those with a ledger (the app's users) and
    the headers of an API client allowed to read them."""
    runtime = await fresh_runtime(url)
    await generate(
        url,
        runtime.program,
        runtime.rates,
        GenerationPlan(members=members, stays_per_member=10, seed=7, today=runtime.today()),
    )
    async with runtime.db.reading() as session:
        numbers = list(
            await session.scalars(
                select(Member.member_number).where(
                    Member.id.in_(select(LedgerEntry.member_id).distinct())
                )
            )
        )
    headers = await client_headers(runtime)
    await runtime.db.dispose()
    return numbers, headers


async def main() -> None:
    parser = arguments(__doc__, requests=3_000, concurrency=16)
    parser.add_argument("--database", dest="postgres", help=argparse.SUPPRESS)  # the old name
    parser.add_argument("--members", type=int, default=20_000)
    args = parser.parse_args()
    url, target = databases(args.postgres)
    numbers, headers = await prepare(url, args.members)
    rng = random.Random(5)
    picks = [rng.choice(numbers) for _ in range(args.requests + 200)]
    print(
        f"database {url.split(':')[0]}, {args.members} generated members "
        f"({len(numbers)} with a ledger), {args.requests} requests per server in "
        f"rounds, {args.concurrency} in flight"
    )
    limits = httpx.Limits(max_connections=args.concurrency * 2)
    async with (
        both_servers(url, target) as (served, raw),
        httpx.AsyncClient(limits=limits, timeout=30, headers=headers) as http,
    ):

        async def raw_read(number: str) -> dict[str, Any]:
            response = await http.get(f"{raw}/profile/{number}")
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body

        async def graphql_read(number: str) -> dict[str, Any]:
            response = await http.post(
                f"{served}/graphql", json={"query": QUERY, "variables": {"n": number}}
            )
            body: dict[str, Any] = response.json()
            assert response.status_code == 200 and not body.get("errors"), body
            return body

        answers = []
        for number in picks[:20]:  # the same document from both, once, before the load
            served_doc, raw_doc = await graphql_read(number), await raw_read(number)
            assert served_doc == raw_doc, (served_doc, raw_doc)
            answers.append((number, raw_doc["data"]))

        async def raw_one(i: int) -> None:
            await raw_read(picks[i])

        async def graphql_one(i: int) -> None:
            await graphql_read(picks[i])

        graphql, baseline = await alternate(
            args.requests,
            args.concurrency,
            [("GraphQL guest profile", graphql_one), ("raw driver + msgspec", raw_one)],
            warm_up=200,
        )
    report([graphql, baseline])
    verdict = "met" if graphql.p50 <= 1.5 * baseline.p50 else "MISSED"
    print(f"target: GraphQL p50 <= 1.5x raw p50: {verdict}")
    print_floor(graphql, baseline, await executing(answers))


async def executing(answers: list[tuple[str, dict[str, Any]]]) -> float:
    """Strawberry's median seconds to execute the document over one answer in memory
    (bench/floor.py), each answer with its own variables: the stack's own share."""
    mirrors = [mirror(QUERY, data, {"n": number}) for number, data in answers]
    for one, (_, data) in zip(mirrors, answers, strict=True):
        assert await one.execute() == data, "the mirror answers another document"
    times = []
    for _ in range(25):
        for one in mirrors:
            start = time.perf_counter()
            await one.execute()
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def print_floor(graphql: LoadResult, raw: LoadResult, strawberry_seconds: float) -> None:
    """The floor by time per request: the raw server's (1 / rate) plus Strawberry's."""
    raw_each, graphql_each = 1 / raw.rate, 1 / graphql.rate
    floor = raw_each + strawberry_seconds
    print(
        f"Strawberry over the answer in memory p50 {strawberry_seconds * 1000:5.2f} ms; per "
        f"request: raw {raw_each * 1000:5.2f} ms, floor (raw + that) {floor * 1000:5.2f} ms "
        f"= {floor / raw_each:4.2f}x raw, GraphQL {graphql_each * 1000:5.2f} ms = "
        f"{graphql_each / floor:4.2f}x the floor"
    )


if __name__ == "__main__":
    asyncio.run(main())
