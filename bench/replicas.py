"""Several API servers and outbox workers against one PostgreSQL, for real.

    python bench/replicas.py --database postgresql+asyncpg://…/scratch [--servers 3] [--workers 2]

Starts ``--servers`` ``staytier serve`` processes and ``--workers`` ``staytier worker``s on
one (emptied) database; sends recordStay round-robin over the servers while guest reads go
to other servers; retries 300 of the writes with their first idempotency keys on yet another
server; then checks the books: one stay and one credit per first request, every balance
equal to its ledger.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from sqlalchemy import text

from bench.common import (
    add_members,
    bench_last_name,
    bench_runtime,
    client_headers,
    free_port,
    fresh_runtime,
    load,
    percentiles,
    staytier_server,
)
from bench.record_stay import ARRIVAL, MUTATION

READ = "query($n: String!) { guest(memberNumber: $n) { tier { code } points { balance } } }"
WRITES, MEMBERS = 1_200, 600
BOOKS = """
SELECT (SELECT count(*) FROM stays), (SELECT count(*) FROM credits),
       (SELECT count(*) FROM members m WHERE points_balance <>
          (SELECT coalesce(sum(points), 0) FROM ledger_entries l WHERE l.member_id = m.id))
"""


async def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="PostgreSQL URL, emptied first")
    parser.add_argument("--servers", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    runtime = await fresh_runtime(args.database)
    members = await add_members(runtime, MEMBERS)
    headers = await client_headers(runtime)
    await runtime.db.dispose()
    worker_command = [sys.executable, "-m", "staytier.cli", "worker", "--database", args.database]
    workers = [
        subprocess.Popen(  # noqa: ASYNC220 - started once, before the load
            worker_command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(args.workers)
    ]
    servers = [staytier_server(args.database, free_port()) for _ in range(args.servers)]
    for server in servers:
        await server.__aenter__()
    # Keep-alive connections expire on the client before uvicorn closes them (5 s idle).
    limits = httpx.Limits(keepalive_expiry=2)
    try:
        async with httpx.AsyncClient(headers=headers, timeout=60, limits=limits) as http:

            async def write(i: int, shift: int = 0) -> None:
                server = servers[(i + shift) % len(servers)]
                stay = {
                    "idempotencyKey": f"R-{i}",
                    "memberNumber": members[i % MEMBERS],
                    "guestLastName": bench_last_name(i % MEMBERS),
                    "propertyCode": "NYCTS",
                    "confirmationNumber": f"R-{i}",
                    "status": "COMPLETED",
                    "arrivalDate": ARRIVAL.isoformat(),
                    "departureDate": (ARRIVAL + dt.timedelta(days=3)).isoformat(),
                    "roomRevenue": "300",
                }
                response = await http.post(
                    f"{server.url}/graphql",
                    json={"query": MUTATION, "variables": {"input": stay}},
                )
                body = response.json()
                assert response.status_code == 200 and not body.get("errors"), body
                assert not body["data"]["recordStay"]["userErrors"], body

            async def read(i: int) -> None:
                server = servers[(i + 1) % len(servers)]
                response = await http.post(
                    f"{server.url}/graphql",
                    json={"query": READ, "variables": {"n": members[i % MEMBERS]}},
                )
                assert response.status_code == 200 and not response.json().get("errors")

            writes, reads = await asyncio.gather(
                load("writes", WRITES, 8, write), load("reads", WRITES, 8, read)
            )
            retries = await load("retries", 300, 8, lambda i: write(i * 4 + 1, shift=1))
    finally:
        for server in servers:
            await server.__aexit__()
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=20)
    print(
        f"{args.servers} serve processes, {args.workers} workers: {writes.requests} recordStay "
        f"({writes.rate:.0f}/s, {percentiles(writes.latencies)}); {reads.requests} guest reads "
        f"({reads.rate:.0f}/s, {percentiles(reads.latencies)}); {retries.requests} retried "
        "on another server"
    )
    runtime = await bench_runtime(args.database)
    async with runtime.db.reading() as session:
        stays, credits, unbalanced = (await session.execute(text(BOOKS))).one()
    await runtime.db.dispose()
    print(
        f"stays {stays}, credits {credits} (expected {WRITES} each), "
        f"members whose balance differs from their ledger: {unbalanced}; "
        f"worker exit codes {[w.returncode for w in workers]}"
    )


if __name__ == "__main__":
    asyncio.run(main())
