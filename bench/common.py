"""Shared set-up for the benchmarks: a fresh database, the demo program, members in bulk."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import event, insert, text

from staytier.clock import TestClock
from staytier.connectors.registry import default_connectors
from staytier.domain.access import Role
from staytier.program.loader import (
    FIXTURES,
    default_program_path,
    load_exchange_rates,
    load_program,
)
from staytier.services.clients import create_client
from staytier.services.demo import load_properties
from staytier.services.enrollment import member_number_with_check_digit
from staytier.services.runtime import Runtime
from staytier.store.database import Database
from staytier.store.migrate import upgrade
from staytier.store.models import Base, Member

NOW = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)


def database_url(argument: str | None) -> str:
    """The URL given, or a fresh SQLite file in a temporary directory."""
    if argument:
        return argument
    return f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp(prefix='staytier-bench-')) / 'b.db'}"


async def bench_runtime(url: str) -> Runtime:
    """The demo program on the migrated database at ``url``, its rows kept."""
    upgrade(url)
    return Runtime(
        db=Database(url),
        clock=TestClock(NOW),
        program=load_program(default_program_path()),
        rates=load_exchange_rates(FIXTURES / "exchange_rates.toml"),
        connectors=default_connectors(),
    )


async def fresh_runtime(url: str) -> Runtime:
    """A migrated database at ``url`` emptied of every row, with the demo properties."""
    runtime = await bench_runtime(url)
    async with runtime.db.transaction() as session:
        if runtime.db.is_sqlite:
            for table in reversed(Base.metadata.sorted_tables):
                await session.execute(table.delete())
        else:  # DELETE checks every foreign key row by row; at a million rows that is hours
            names = ", ".join(table.name for table in Base.metadata.sorted_tables)
            await session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    await load_properties(runtime, FIXTURES / "demo" / "properties.toml")
    return runtime


def member_number(index: int) -> str:
    return member_number_with_check_digit(str(200_000_000 + index))


def bench_last_name(i: int) -> str:
    """The last name of the i-th member :func:`add_members` inserts (stays must name it)."""
    return f"Guest {i}"


async def add_members(
    runtime: Runtime,
    count: int,
    *,
    balance: Callable[[int], int] = lambda _: 0,
    last_activity: Callable[[int], dt.date | None] = lambda _: None,
    email: Callable[[int], str | None] = lambda _: None,
    offset: int = 0,
) -> list[str]:
    """Inserts ``count`` members in bulk (the benchmarks measure crediting, not enrolment),
    numbered from the ``offset``-th; ``balance(i)``, ``last_activity(i)`` and ``email(i)``
    set the i-th member's points, activity and address."""
    numbers = [member_number(i) for i in range(offset, offset + count)]
    rows = [
        {
            "member_number": number,
            "first_name": "Bench",
            "last_name": bench_last_name(i),
            "email": email(i),
            "phone": None,
            "language": "en",
            "time_zone": "UTC",
            "home_property_code": None,
            "enrolled_on": dt.date(2024, 1, 1),
            "points_balance": balance(i),
            "last_activity_on": last_activity(i),
            "created_at": NOW,
        }
        for i, number in enumerate(numbers, start=offset)
    ]
    async with runtime.db.transaction() as session:
        for start in range(0, len(rows), 5_000):
            await session.execute(insert(Member), rows[start : start + 5_000])
    return numbers


class StatementCounter:
    """Counts SQL statements sent by an engine."""

    def __init__(self, *engines: object) -> None:
        self.count = 0
        pools: set[int] = set()
        for engine in engines:
            sync = engine.sync_engine  # type: ignore[attr-defined]
            if id(sync.pool) in pools:
                continue  # PostgreSQL's read engine shares the write engine's: count once
            pools.add(id(sync.pool))
            event.listen(sync, "before_cursor_execute", self._seen)

    def _seen(self, *_: object) -> None:
        self.count += 1


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    elapsed: list[float] = []
    start = time.perf_counter()
    yield elapsed
    elapsed.append(time.perf_counter() - start)


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return (
        f"p50 {cut[49] * 1000:6.2f} ms  p95 {cut[94] * 1000:6.2f} ms  p99 {cut[98] * 1000:6.2f} ms"
    )


# --- served benchmarks: servers in their own processes, load from this one ------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    """A server started as a child process on 127.0.0.1, stopped on exit of the block."""

    def __init__(self, name: str, command: list[str], port: int, env: dict[str, str]) -> None:
        self.name, self.command, self.port = name, command, port
        self.env = {**os.environ, **env}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> ServerProcess:
        # The server's log goes to a file: a pipe nobody reads fills up and stalls it.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in __aexit__
        self.process = subprocess.Popen(  # noqa: ASYNC220 - started once, before the timing
            self.command, env=self.env, stdout=subprocess.DEVNULL, stderr=self.log
        )
        async with httpx.AsyncClient() as http:
            for _ in range(300):
                if self.process.poll() is not None:
                    self.log.seek(0)
                    error = self.log.read().decode(errors="replace")
                    raise RuntimeError(f"{self.name} did not start:\n{error}")
                try:
                    await http.get(f"{self.url}/health", timeout=1)
                    return self
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer on {self.url}")

    async def __aexit__(self, *_: object) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def staytier_server(url: str, port: int, workers: int = 1) -> ServerProcess:
    """``staytier serve`` as production runs it (no GraphiQL, warnings only), with the rate
    limit lifted: the load comes from one client key."""
    command = [sys.executable, "-m", "staytier.cli", "serve", "--database", url]
    command += ["--port", str(port), "--workers", str(workers)]
    env = {
        "STAYTIER_ENVIRONMENT": "production",
        "STAYTIER_LOG_LEVEL": "WARNING",
        "STAYTIER_SECRET_KEY": secrets.token_urlsafe(48),
        "STAYTIER_RATE_LIMIT_PER_MINUTE": str(10**9),
    }
    return ServerProcess(f"staytier ({workers} workers)", command, port, env)


async def client_headers(runtime: Runtime) -> dict[str, str]:
    """An ``Authorization`` header with the key of a new admin API client."""
    issued = await create_client(runtime, role=Role.ADMIN, name=f"bench {secrets.token_hex(4)}")
    return {"Authorization": f"Bearer {issued.key}"}


@dataclass
class LoadResult:
    name: str
    requests: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies)

    def line(self, baseline: LoadResult | None = None) -> str:
        ratio = f"   p50 {self.p50 / baseline.p50:4.2f}x baseline" if baseline else ""
        return f"{self.name:28} {self.rate:7.0f} req/s  {percentiles(self.latencies)}{ratio}"


async def load(
    name: str,
    count: int,
    concurrency: int,
    one: Callable[[int], Awaitable[None]],
) -> LoadResult:
    """Runs ``one(i)`` for i < count with at most ``concurrency`` in flight (a closed loop:
    each of ``concurrency`` users sends its next request when the last one answered)."""
    latencies: list[float] = []
    counter = iter(range(count))

    async def user() -> None:
        for i in counter:
            start = time.perf_counter()
            await one(i)
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(user() for _ in range(concurrency)))
    return LoadResult(name, count, time.perf_counter() - start, latencies)


def merged(results: list[LoadResult]) -> LoadResult:
    """Rounds of the same load added together."""
    return LoadResult(
        results[0].name,
        sum(r.requests for r in results),
        sum(r.seconds for r in results),
        [latency for r in results for latency in r.latencies],
    )
