"""Engines, sessions and the transaction boundary.

SQLite is the embedded default, so it is set up for concurrent writers: WAL lets readers run
beside a writer, a busy timeout makes writers queue instead of failing with "database is
locked", and write transactions begin IMMEDIATE so two of them never both read, then both
try to upgrade to a write lock.

Reads run in autocommit on both databases: each query sees what is committed when it runs,
as under PostgreSQL's READ COMMITTED, without a BEGIN and a ROLLBACK around it. On the
busiest reads (a guest's status, the arrivals list) those two round trips per session cost
more than the queries themselves.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from staytier.scoped import scoped
from staytier.store.sqlite_driver import one_trip_dbapi

SQLITE_BUSY_TIMEOUT_MS = 30_000

# Whether the reads of the current task may be served by a read replica: set for the
# execution of a GraphQL query (see :func:`replica_reads`), never for a mutation, the
# request's authentication, or a job, which must see the primary's latest writes.
_REPLICA_READS: ContextVar[bool] = ContextVar("staytier_replica_reads", default=False)


def replica_reads() -> AbstractContextManager[None]:
    """Within the block, :meth:`Database.reading` uses the read replica if there is one."""
    return scoped(_REPLICA_READS, True)


def _sqlite_engine(url: str, *, begin: str | None, echo: bool) -> AsyncEngine:
    # A read connection never begins a transaction (see the module docstring), so there is
    # nothing to roll back when it goes back to the pool; through aiosqlite that rollback
    # would be one more hand-off to the connection's thread per session.
    reset = "rollback" if begin is not None else None
    engine = create_async_engine(
        url,
        echo=echo,
        connect_args={"timeout": 30},
        pool_reset_on_return=reset,
        module=one_trip_dbapi(),  # a statement in one trip to the connection's thread
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves instead of the driver's implicit deferred one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    if begin is not None:

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql(begin)

    return engine


class Database:
    """The service's database: a write path (serialized per member) and a read path."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        pool_size: int = 10,
        replica_url: str | None = None,
    ) -> None:
        self.url = url
        self.dialect = make_url(url).get_backend_name()
        if self.is_sqlite:
            self.write_engine = _sqlite_engine(url, begin="BEGIN IMMEDIATE", echo=echo)
            self.read_engine = _sqlite_engine(url, begin=None, echo=echo)
        else:
            # No pre-ping: with asyncpg it is a BEGIN and a ROLLBACK on every checkout, two
            # round trips that doubled a profile read. After a server restart the requests
            # in flight fail once; SQLAlchemy then replaces every pooled connection.
            self.write_engine = create_async_engine(
                url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_recycle=3600
            )
            # The same pool; a read checks its connection out in autocommit.
            self.read_engine = self.write_engine.execution_options(isolation_level="AUTOCOMMIT")
        self._writes = async_sessionmaker(self.write_engine, expire_on_commit=False)
        # SQLite has one writer at a time. Queuing this process's writers here, instead of
        # in SQLite's busy handler (which sleeps and retries), keeps waits short and fair;
        # the busy timeout still guards against writers in other processes.
        self._write_turn = asyncio.Lock() if self.is_sqlite else None
        self._reads = async_sessionmaker(self.read_engine, expire_on_commit=False)
        # A streaming replica of the primary, for the reads of GraphQL queries (see
        # :func:`replica_reads`); everything else reads and writes the primary.
        self.replica_engine: AsyncEngine | None = None
        self._replica_reads: async_sessionmaker[AsyncSession] | None = None
        if replica_url:
            if make_url(replica_url).get_backend_name() == "sqlite":
                self.replica_engine = _sqlite_engine(replica_url, begin=None, echo=echo)
            else:
                self.replica_engine = create_async_engine(
                    replica_url,
                    echo=echo,
                    pool_size=pool_size,
                    max_overflow=pool_size,
                    pool_recycle=3600,
                    isolation_level="AUTOCOMMIT",
                )
            self._replica_reads = async_sessionmaker(self.replica_engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed if the block finishes, rolled back if it raises."""
        if self._write_turn is None:
            async with self._writes() as session, session.begin():
                yield session
            return
        async with self._write_turn, self._writes() as session, session.begin():
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A session for queries; it never commits. What it loaded stays readable after the
        block: objects are detached before the transaction ends, so they are not expired.
        Inside :func:`replica_reads`, on a database with a replica, it reads the replica."""
        sessions = self._reads
        if self._replica_reads is not None and _REPLICA_READS.get():
            sessions = self._replica_reads
        async with sessions() as session:
            try:
                yield session
            finally:
                session.expunge_all()

    @asynccontextmanager
    async def analysis(self) -> AsyncIterator[AsyncSession]:
        """A :meth:`snapshot` for the grouped statements of reports and what-ifs, with
        PostgreSQL's JIT compilation off. Their estimated costs are far above
        ``jit_above_cost`` (many-way joins of grouped subqueries), so the server compiled
        their many CASE expressions: 17 of a 20-second what-if statement over 5,000 members
        was compilation, for a plan that runs in 3 seconds. ``SET LOCAL`` ends with the
        transaction, so the pooled connection goes back as it came."""
        async with self.snapshot() as session:
            if session.get_bind().dialect.name == "postgresql":
                await session.execute(text("SET LOCAL jit = off"))
            yield session

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[AsyncSession]:
        """A :meth:`reading` session whose statements all see the database as of its first
        one, for a report whose figures must agree with each other while writers go on; it
        also lets a statement stream its rows (asyncpg has server-side cursors only inside a
        transaction). PostgreSQL: a REPEATABLE READ, READ ONLY transaction. SQLite: a
        deferred BEGIN on the read connection (WAL readers keep their snapshot until it
        ends), rolled back at the end, since that pool does not reset its connections."""
        async with self.reading() as session:
            if session.get_bind().dialect.name != "sqlite":
                # Set as the session takes its connection, before it begins.
                await session.connection(
                    execution_options={
                        "isolation_level": "REPEATABLE READ",
                        "postgresql_readonly": True,
                    }
                )
                yield session
                return
            connection = await session.connection()
            await connection.exec_driver_sql("BEGIN")
            try:
                yield session
            finally:
                await connection.exec_driver_sql("ROLLBACK")

    async def dispose(self) -> None:
        await self.write_engine.dispose()
        if self.replica_engine is not None:
            await self.replica_engine.dispose()
        if self.is_sqlite:  # PostgreSQL reads share the write engine's pool
            await self.read_engine.dispose()
