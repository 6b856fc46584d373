"""The guest app's status read through GraphQL, against a plain handler over the same data.

    python bench/profile_read.py [--database URL] [--members 20000] [--requests 3000]
                                 [--concurrency 16]

Fills the database with generated members (``staytier generate``), then serves it twice, each
server in its own process on 127.0.0.1:
  raw      bench/raw_profile.py: plain Litestar, one hand-written SQL query, msgspec: the
           baseline;
  graphql  ``staytier serve``: guest { tier tierProgress points ledger(first: 20) }.
An async httpx loop in this process keeps ``--concurrency`` requests in flight, for members
picked at random, alternating rounds between the two servers so both see the same noise.
Prints requests per second, latency p50/p95/p99 and the GraphQL p50 as a multiple of raw.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from sqlalchemy import select

from bench.common import (
    LoadResult,
    ServerProcess,
    client_headers,
    database_url,
    free_port,
    fresh_runtime,
    load,
    merged,
    staytier_server,
)
from staytier.generator import GenerationPlan, generate
from staytier.store.models import LedgerEntry, Member

QUERY = """query Profile($n: String!) { guest(memberNumber: $n) {
  tier { code name validThrough }
  tierProgress { year qualifyingNights qualifyingStays qualifyingBasePoints
                 nextTier { code } nightsToNextTier }
  points { balance expiresOn }
  ledger(first: 20) { edges { node { kind points balanceAfter occurredAt effectiveOn
                                     description } } pageInfo { hasNextPage endCursor } } } }"""
ROUNDS = 4


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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="SQLAlchemy URL, emptied first (default: SQLite)")
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=3_000, help="per server")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    url = database_url(args.database)
    numbers, headers = await prepare(url, args.members)
    rng = random.Random(5)
    picks = [rng.choice(numbers) for _ in range(args.requests)]
    raw_command = [sys.executable, str(Path(__file__).with_name("raw_profile.py"))]
    raw_port, graphql_port = free_port(), free_port()
    raw_command += ["--database", url, "--port", str(raw_port)]
    print(
        f"database {url.split(':')[0]}, {args.members} generated members "
        f"({len(numbers)} with a ledger), {args.requests} requests per server in "
        f"{ROUNDS} rounds, {args.concurrency} in flight"
    )
    limits = httpx.Limits(max_connections=args.concurrency)
    async with (
        ServerProcess("raw", raw_command, raw_port, {}) as raw,
        staytier_server(url, graphql_port) as served,
        httpx.AsyncClient(limits=limits, timeout=30) as http,
    ):

        async def raw_one(i: int) -> None:
            response = await http.get(f"{raw.url}/profile/{picks[i]}")
            assert response.status_code == 200, response.text

        async def graphql_one(i: int) -> None:
            response = await http.post(
                f"{served.url}/graphql",
                json={"query": QUERY, "variables": {"n": picks[i]}},
                headers=headers,
            )
            body = response.json()
            assert response.status_code == 200 and not body.get("errors"), body

        per_round = args.requests // ROUNDS
        await load("warm-up", 200, args.concurrency, raw_one)
        await load("warm-up", 200, args.concurrency, graphql_one)
        raws: list[LoadResult] = []
        graphqls: list[LoadResult] = []
        for _ in range(ROUNDS):
            raws.append(await load("raw SQL + msgspec", per_round, args.concurrency, raw_one))
            graphqls.append(
                await load("GraphQL guest profile", per_round, args.concurrency, graphql_one)
            )
    baseline, graphql = merged(raws), merged(graphqls)
    print(baseline.line())
    print(graphql.line(baseline))
    verdict = "met" if graphql.p50 <= 2 * baseline.p50 else "MISSED"
    print(f"target: GraphQL p50 <= 2.0x raw p50: {verdict}")


if __name__ == "__main__":
    asyncio.run(main())
