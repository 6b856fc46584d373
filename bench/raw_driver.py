"""The baselines' side of the newer benchmarks: SQL straight to the driver, no SQLAlchemy.

On PostgreSQL that is asyncpg (a pool); on SQLite the standard library's ``sqlite3``, one
connection in one worker thread, each statement of a read one hand-off to it (the same
shape as aiosqlite, without its queue), a unit of work that writes one hand-off in all
(:meth:`Driver.run_unit`), with the service's pragmas (WAL, ``synchronous=NORMAL``).
SQL is written once with ``$1``-style parameters; SQLite gets them as ``?1``.

:func:`client_of` authenticates as the service does: the API client's row looked up by the
key id on every request, the secret checked with argon2 the first time and recognised by its
SHA-256 after that.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Generator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any, TypeVar

import asyncpg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_PARAMETER = re.compile(r"\$(\d+)")
Row = Sequence[Any]
T = TypeVar("T")
# A unit of work written once for both drivers: a generator that yields each statement
# (SQL, arguments) and is sent its rows back; what it returns is the unit's result.
Unit = Generator[tuple[str, tuple[Any, ...]], list[Row], T]


def driver_urls(postgres: str | None, sqlite_path: str) -> tuple[str, str]:
    """The service's SQLAlchemy URL and the driver's DSN (or SQLite path) for one database."""
    if postgres:
        dsn = postgres.replace("postgresql+asyncpg://", "postgresql://", 1)
        return dsn.replace("postgresql://", "postgresql+asyncpg://", 1), dsn
    return f"sqlite+aiosqlite:///{sqlite_path}", sqlite_path


class Connection:
    """What a unit of work talks to: ``fetch``, ``fetchrow``, ``fetchval``, ``execute``."""

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        raise NotImplementedError

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, *args: Any) -> Any:
        row = await self.fetchrow(sql, *args)
        return row[0] if row else None

    async def execute(self, sql: str, *args: Any) -> None:
        await self.fetch(sql, *args)


class _Postgres(Connection):
    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        return list(await self.connection.fetch(sql, *args))

    async def execute(self, sql: str, *args: Any) -> None:
        await self.connection.execute(sql, *args)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):  # stored as SQLAlchemy stores UTCDateTime
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class _Sqlite(Connection):
    def __init__(self, connection: sqlite3.Connection, thread: ThreadPoolExecutor) -> None:
        self.connection, self.thread = connection, thread

    def _run(self, sql: str, args: tuple[Any, ...]) -> list[Row]:
        cursor = self.connection.execute(
            _PARAMETER.sub(r"?\1", sql), [_sqlite_value(a) for a in args]
        )
        return cursor.fetchall()

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        return await asyncio.get_running_loop().run_in_executor(self.thread, self._run, sql, args)

    def _whole(self, unit: Unit[T]) -> T:
        """``unit`` from BEGIN to COMMIT, run in the connection's thread."""
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            try:
                step = next(unit)
                while True:
                    step = unit.send(self._run(*step))
            except StopIteration as done:
                result: T = done.value
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")
        return result


class Driver:
    """A database behind the driver; ``connection()`` for reads, ``transaction()`` for
    writes (SQLite's writes are serialised, as its single writer requires)."""

    is_sqlite: bool

    def __init__(self, target: str, *, per_statement: bool = False) -> None:
        self.target = target
        self.per_statement = per_statement  # SQLite: a unit's statements handed off one by one
        self.is_sqlite = not target.startswith("postgresql://")
        self._pool: asyncpg.Pool | None = None
        self._sqlite: _Sqlite | None = None
        self._writer = asyncio.Lock()

    async def open(self) -> Driver:
        if self.is_sqlite:
            thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite")
            connection = await asyncio.get_running_loop().run_in_executor(
                thread, self._connect_sqlite
            )
            self._sqlite = _Sqlite(connection, thread)
        else:
            self._pool = await asyncpg.create_pool(self.target, min_size=2, max_size=10)
        return self

    def _connect_sqlite(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.target, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "busy_timeout=5000", "foreign_keys=ON"):
            connection.execute(f"PRAGMA {pragma}")
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
        if self._sqlite is not None:
            self._sqlite.connection.close()
            self._sqlite.thread.shutdown()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        if self._sqlite is not None:
            yield self._sqlite
            return
        assert self._pool is not None
        async with self._pool.acquire() as connection:
            yield _Postgres(connection)

    async def run_unit(self, make: Callable[[], Unit[T]]) -> T:
        """A writing unit of work in one transaction. On SQLite the whole unit runs in one
        call to the connection's thread: each statement is tens of microseconds of C, and a
        hand-off per statement (an event-loop wake-up and a thread switch each way) costs
        about as much again, while with one writer nothing else could run in between
        anyway (``per_statement`` hands them off one by one, to weigh the two). On
        PostgreSQL each statement is a round trip the event loop waits on."""
        if self._sqlite is not None and not self.per_statement:
            sqlite = self._sqlite
            async with self._writer:
                return await asyncio.get_running_loop().run_in_executor(
                    sqlite.thread, sqlite._whole, make()
                )
        async with self.transaction() as db:
            return await _driven(db, make())

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        if self._sqlite is not None:
            async with self._writer:
                await self._sqlite.execute("BEGIN IMMEDIATE")
                try:
                    yield self._sqlite
                except BaseException:
                    await self._sqlite.execute("ROLLBACK")
                    raise
                await self._sqlite.execute("COMMIT")
            return
        assert self._pool is not None
        async with self._pool.acquire() as connection, connection.transaction():
            yield _Postgres(connection)


async def _driven(db: Connection, unit: Unit[T]) -> T:
    """``unit`` run a statement at a time on ``db``."""
    try:
        step = next(unit)
        while True:
            step = unit.send(await db.fetch(step[0], *step[1]))
    except StopIteration as done:
        result: T = done.value
        return result


_hasher = PasswordHasher()
_verified: set[tuple[str, str]] = set()  # (key hash, SHA-256 of the key) checked once


async def client_of(db: Connection, authorization: str | None) -> tuple[int, str] | None:
    """The API client (id, role) the ``Authorization`` header names, or None."""
    if not authorization or not authorization.startswith("Bearer stk_"):
        return None
    key = authorization.removeprefix("Bearer ")
    key_id = key.split("_")[1] if key.count("_") >= 2 else ""
    row = await db.fetchrow(
        "SELECT id, role, key_hash, revoked_at FROM api_clients WHERE key_id = $1", key_id
    )
    if row is None or row[3] is not None:
        return None
    seen = (row[2], hashlib.sha256(key.encode()).hexdigest())
    if seen not in _verified:
        try:
            await asyncio.to_thread(_hasher.verify, row[2], key)
        except (VerificationError, InvalidHashError):
            return None
        _verified.add(seen)
    return row[0], row[1]
