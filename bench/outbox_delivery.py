"""Outbox delivery per worker: partner requests delivered per second to a real HTTP partner.

    python bench/outbox_delivery.py [--postgres URL] [--requests 1000] [--batch-size 20]

``--requests`` members each donate points to the charity GREENTREES through the service
(each donation writes its partner request to the outbox). The charity's simulator
(connectors/simulators.py) serves in a child process on 127.0.0.1. Then, in this process:
  worker   one delivery worker (what ``staytier worker`` runs) passes until the outbox is
           empty: claim a batch, POST each request, record each answer and apply its outcome;
  raw      a loop that POSTs the same payloads with the same headers (its own idempotency
           keys), a batch at a time: HTTP only, no claim and no record: the baseline, run
           before and after the worker, halves merged.
Prints requests delivered per second, latency per batch p50/p95/p99 and the worker's rate
as a fraction of the raw loop's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import msgspec
import uvicorn
from sqlalchemy import select

from bench.common import (
    LoadResult,
    ServerProcess,
    add_members,
    bench_runtime,
    database_url,
    free_port,
    fresh_runtime,
    merged,
)
from bench.raw_driver import driver_urls
from staytier.connectors.simulators import PartnerSimulator
from staytier.domain.guest_approvals import Spender
from staytier.services.delivery import DeliveryWorker
from staytier.services.donations import DonatePoints, donate_points
from staytier.services.partners import PartnerKind
from staytier.store.models import PartnerRequest

CHARITY = "GREENTREES"
KEY_ENV = "STAYTIER_GREENTREES_API_KEY"
DONATION = 1_000


async def prepare(url: str, count: int) -> None:
    runtime = await fresh_runtime(url)
    numbers = await add_members(runtime, count, balance=lambda _: 10 * DONATION)
    for i, number in enumerate(numbers):
        command = DonatePoints(f"bench-{i}", number, CHARITY, DONATION)
        await donate_points(runtime, command, spender=Spender.MEMBER)
    await runtime.db.dispose()


async def worker_pass(url: str, partner_url: str, batch_size: int) -> LoadResult:
    """One worker delivers the whole outbox; each pass's time is a latency sample."""
    runtime = await bench_runtime(url)
    partners = runtime.partners.pointed_at({CHARITY: partner_url})
    worker = DeliveryWorker(runtime, partners=partners, batch_size=batch_size)
    passes: list[float] = []
    delivered = 0
    start = time.perf_counter()
    while True:
        began = time.perf_counter()
        done = await worker.deliver_due()
        if not done:
            break
        passes.append(time.perf_counter() - began)
        delivered += len(done)
    seconds = time.perf_counter() - start
    await worker.aclose()
    await runtime.db.dispose()
    return LoadResult("delivery worker", delivered, seconds, passes)


async def raw_loop(
    requests: list[tuple[str, bytes]], partner_url: str, batch_size: int, tag: str
) -> LoadResult:
    """The same payloads POSTed a batch at a time, nothing read or written around them."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {os.environ[KEY_ENV]}"}
    batches: list[float] = []
    async with httpx.AsyncClient() as http:

        async def send(key: str, body: bytes) -> None:
            response = await http.post(
                f"{partner_url}/donations",
                content=body,
                headers={**headers, "Idempotency-Key": f"{tag}-{key}"},
            )
            assert response.status_code < 300, response.text

        start = time.perf_counter()
        for first in range(0, len(requests), batch_size):
            began = time.perf_counter()
            await asyncio.gather(*(send(*r) for r in requests[first : first + batch_size]))
            batches.append(time.perf_counter() - began)
        seconds = time.perf_counter() - start
    return LoadResult("raw HTTP loop", len(requests), seconds, batches)


async def main(args: argparse.Namespace) -> None:
    url = driver_urls(args.postgres, "")[0] if args.postgres else database_url(None)
    os.environ[KEY_ENV] = secrets.token_urlsafe(24)  # the worker sends it, the partner checks it
    await prepare(url, args.requests)
    runtime = await bench_runtime(url)
    async with runtime.db.reading() as session:
        rows = (
            await session.execute(select(PartnerRequest.idempotency_key, PartnerRequest.payload))
        ).all()
    await runtime.db.dispose()
    requests = [(key, msgspec.json.encode(payload)) for key, payload in rows]
    port = free_port()
    partner_command = [sys.executable, __file__, "--serve-partner", str(port)]
    print(
        f"database {url.split(':')[0]}, {len(requests)} donation requests to {CHARITY}'s "
        f"simulator (its own process), batches of {args.batch_size}, one worker"
    )
    async with ServerProcess("charity", partner_command, port, {}) as partner:
        await raw_loop(requests[:50], partner.url, args.batch_size, "warm-up")
        half = len(requests) // 2
        before = await raw_loop(requests[:half], partner.url, args.batch_size, "raw-a")
        worker = await worker_pass(url, partner.url, args.batch_size)
        after = await raw_loop(requests[half:], partner.url, args.batch_size, "raw-b")
    baseline = merged([before, after])
    print(baseline.line())
    print(worker.line(baseline))
    print(f"worker delivers {worker.rate / baseline.rate:4.2f} of the raw loop's rate")


def serve_partner(port: int) -> None:
    simulator = PartnerSimulator(PartnerKind.CHARITY, api_key=os.environ[KEY_ENV])
    uvicorn.run(simulator, host="127.0.0.1", port=port, log_level="warning", lifespan="off")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", metavar="URL", help="a scratch PostgreSQL database")
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--batch-size", type=int, default=20, help="the worker's batch")
    parser.add_argument("--serve-partner", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve_partner:
        serve_partner(arguments.serve_partner)
    else:
        asyncio.run(main(arguments))
