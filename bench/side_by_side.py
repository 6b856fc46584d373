"""``staytier serve`` and bench/raw_server.py on one database, loaded in alternate rounds.

The newer benchmarks (guest search, ledger paging, webhook ingest, export and erasure) share
this: their arguments, the two servers in child processes on 127.0.0.1, and rounds that
alternate between the servers so both see the same noise, as bench/profile_read.py does.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from bench.common import LoadResult, ServerProcess, free_port, load, merged, staytier_server
from bench.raw_driver import driver_urls

ROUNDS = 4
RAW_SERVER = Path(__file__).with_name("raw_server.py")


def arguments(doc: str, *, requests: int, concurrency: int = 8) -> argparse.ArgumentParser:
    """The options every such benchmark takes; each adds its own."""
    parser = argparse.ArgumentParser(
        description=doc.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="a scratch PostgreSQL database, emptied first (default: a fresh SQLite file)",
    )
    parser.add_argument("--requests", type=int, default=requests, help="per server")
    parser.add_argument("--concurrency", type=int, default=concurrency, help="in flight")
    return parser


def databases(postgres: str | None) -> tuple[str, str]:
    """The service's SQLAlchemy URL and the raw server's DSN or path, for one database."""
    path = Path(tempfile.mkdtemp(prefix="staytier-bench-")) / "b.db"
    return driver_urls(postgres, str(path))


@asynccontextmanager
async def both_servers(url: str, target: str) -> AsyncIterator[tuple[str, str]]:
    """Yields the base URLs of ``staytier serve`` (one worker) and of the raw server."""
    raw_port = free_port()
    raw_command = [sys.executable, str(RAW_SERVER), "--database", target, "--port", str(raw_port)]
    async with (
        staytier_server(url, free_port()) as served,
        ServerProcess("raw", raw_command, raw_port, {}) as raw,
    ):
        yield served.url, raw.url


async def alternate(
    count: int,
    concurrency: int,
    sides: list[tuple[str, Callable[[int], Awaitable[None]]]],
    *,
    warm_up: int = 50,
) -> list[LoadResult]:
    """``count`` calls of each side's ``one(i)`` in :data:`ROUNDS` alternating rounds (``i``
    runs over 0..count-1 across the rounds, so each call may use its own data), after a
    warm-up of ``warm_up`` calls each (numbered from ``count``); returns one merged result
    per side, in order."""
    for name, one in sides:
        await load(name, warm_up, concurrency, lambda i, one=one: one(count + i))
    per_round = count // ROUNDS
    results: list[list[LoadResult]] = [[] for _ in sides]
    for round_number in range(ROUNDS):
        start = round_number * per_round
        for found, (name, one) in zip(results, sides, strict=True):
            found.append(
                await load(name, per_round, concurrency, lambda i, s=start, f=one: f(s + i))
            )
    return [merged(found) for found in results]


def report(results: list[LoadResult]) -> None:
    """The baseline (the last side) first, then each other side against it."""
    baseline = results[-1]
    print(baseline.line())
    for result in results[:-1]:
        print(result.line(baseline))
