"""Partner webhooks ingested per second (signed card spend), against raw inserts.

    python bench/webhook_ingest.py [--postgres URL] [--members 2000] [--requests 800]
                                   [--concurrency 8]

Each request is a new Standard Webhooks delivery from the co-brand card partner (STAYCARD),
signed with the secret both servers are given, for a member of its own. Served twice, each
server in its own process on 127.0.0.1:
  raw      bench/raw_server.py /webhooks/card-spend: the same signature check, then by hand
           in one transaction the rows the service writes (activity, credit, qualifying row,
           ledger entry, balance, idempotency record, receipt): the baseline;
  service  ``staytier serve``: POST /partners/STAYCARD/card-spend.
Prints webhooks per second, latency p50/p95/p99 and the service's p50 as a multiple of raw,
and the rows each side wrote per webhook.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import os
import secrets
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import msgspec
from sqlalchemy import func, select

from bench.common import add_members, bench_last_name, bench_runtime, fresh_runtime
from bench.side_by_side import ROUNDS, alternate, arguments, both_servers, databases, report
from staytier.domain.webhooks import sign
from staytier.store.models import Base

SECRET_ENV = "STAYTIER_STAYCARD_WEBHOOK_SECRET"
WARM_UP = 50


def spend(numbers: list[str], i: int, side: str) -> bytes:
    """The i-th card spend of ``side``, for a member of its own (round robin)."""
    index = i % len(numbers)
    return msgspec.json.encode(
        {
            "member_number": numbers[index],
            "transaction_id": f"{side}-{i}",
            "spent_on": (dt.date.today() - dt.timedelta(days=1)).isoformat(),
            "amount": "129.90",
            "guest_last_name": bench_last_name(index),
        }
    )


def signed(secret: str, webhook_id: str, body: bytes) -> dict[str, str]:
    now = int(time.time())
    return {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(now),
        "webhook-signature": sign(secret, webhook_id, now, body),
    }


async def rows_in(url: str) -> int:
    runtime = await bench_runtime(url)
    async with runtime.db.reading() as session:
        counts = [
            await session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        ]
    await runtime.db.dispose()
    return sum(count or 0 for count in counts)


async def main() -> None:
    parser = arguments(__doc__, requests=800)
    parser.add_argument("--members", type=int, default=2_000)
    args = parser.parse_args()
    url, target = databases(args.postgres)
    runtime = await fresh_runtime(url)
    numbers = await add_members(runtime, args.members)
    await runtime.db.dispose()
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    os.environ[SECRET_ENV] = secret  # both servers read it from their environment
    print(
        f"database {url.split(':')[0]}, {args.members} members, card-spend webhooks signed "
        f"by STAYCARD, {args.requests} per server in rounds, {args.concurrency} in flight"
    )
    limits = httpx.Limits(max_connections=args.concurrency * 2)
    written = {"service": 0, "raw": 0}
    async with (
        both_servers(url, target) as (served, raw),
        httpx.AsyncClient(limits=limits, timeout=30) as http,
    ):

        def poster(side: str, endpoint: str) -> Callable[[int], Awaitable[None]]:
            async def one(i: int) -> None:
                body = spend(numbers, i, side)
                headers = signed(secret, f"{side}-{i}", body)
                response = await http.post(endpoint, content=body, headers=headers)
                assert response.status_code == 200, response.text

            return one

        service_one = poster("service", f"{served}/partners/STAYCARD/card-spend")
        raw_one = poster("raw", f"{raw}/webhooks/card-spend")
        before = await rows_in(url)
        await service_one(10**9)
        after_service = await rows_in(url)
        await raw_one(10**9)
        written = {"service": after_service - before, "raw": await rows_in(url) - after_service}
        results = await alternate(
            args.requests - args.requests % ROUNDS,
            args.concurrency,
            [("webhook through the service", service_one), ("raw inserts", raw_one)],
            warm_up=WARM_UP,
        )
    report(results)
    print(f"rows written per webhook: service {written['service']}, raw {written['raw']}")


if __name__ == "__main__":
    asyncio.run(main())
