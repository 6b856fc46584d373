"""SQLite through aiosqlite, with one trip to the connection's thread per statement.

aiosqlite runs each SQLite connection in a thread of its own; every call on it is handed to
that thread and its answer handed back to the event loop, which wakes both. SQLAlchemy's
aiosqlite adapter makes four such trips for a query (open a cursor, execute, fetch the rows,
close the cursor) and three for a write, and one more for the rollback with which the pool
resets a connection it gets back, even after a commit. A credited stay takes 18 statements, so about
70 trips, each a wake-up of the thread and of the loop: on a busy machine each waits for a
core.

:class:`OneTripCursor` does a statement's whole cursor life (open, execute, fetch, close) in
the thread in one call and keeps what SQLAlchemy asks afterwards (the rows, the
description, the row count, the last row id); a rollback outside a transaction, which SQLite
would ignore, is not sent at all. The rest is SQLAlchemy's adapter as it is: connections,
transactions, server-side cursors, errors.

Why our own code rather than a library's: no maintained package does this. It leans on the
same parts of aiosqlite that SQLAlchemy's adapter itself uses (the connection's queue to its
thread and the ``sqlite3`` connection in it), and on SQLAlchemy's cursor adapter class;
the whole suite runs on SQLite through it, and ``tests/unit/test_sqlite_driver.py`` pins
that a statement is one trip.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import aiosqlite
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_cursor
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

# What a statement leaves for SQLAlchemy to read: description, rows, rowcount, lastrowid.
Outcome = tuple[Any, Sequence[Any], int, int | None]


def _run(connection: sqlite3.Connection, call: Callable[[sqlite3.Cursor], object]) -> Outcome:
    """In the connection's thread: a cursor's whole life around ``call``."""
    cursor = connection.cursor()
    try:
        call(cursor)
        description = cursor.description
        rows = cursor.fetchall() if description else ()
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_dbapi_cursor):
    """A cursor whose statement runs in one trip to the connection's thread."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")
    _awaitable_cursor_close = False

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No cursor is opened here: each statement opens and closes its own in the thread.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1  # the DBAPI's default: fetchmany() without a size takes one row

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]  # None before any insert

    async def _async_soft_close(self) -> None:
        return None  # nothing is open between statements

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> None:
        if parameters is None:
            self._in_thread(lambda cursor: cursor.execute(operation))
        else:
            self._in_thread(lambda cursor: cursor.execute(operation, parameters))

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._in_thread(lambda cursor: cursor.executemany(operation, seq_of_parameters))

    def _in_thread(self, call: Callable[[sqlite3.Cursor], object]) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]

        # aiosqlite's own hand-off (untyped): runs the function in the thread, awaits it.
        hand_off: Callable[..., Any] = connection._execute

        async def trip() -> Outcome:
            async with self._adapt_connection._execute_mutex:
                outcome: Outcome = await hand_off(_run, connection._conn, call)
                return outcome

        try:
            outcome = await_(trip())
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = deque(rows)


class _Connection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor  # type: ignore[assignment]

    def rollback(self) -> None:
        # Outside a transaction (after a commit, as the pool resets a connection it gets
        # back) SQLite's rollback does nothing: no trip to the thread for it. aiosqlite
        # reads this flag from the loop's thread too.
        if self._connection._connection and self._connection.in_transaction:
            super().rollback()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI adapter, its connections making :class:`OneTripCursor`
    cursors. Given to ``create_async_engine`` as its ``module``."""

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        adapted = super().connect(*arg, **kw)
        return _Connection(self, adapted._connection)


def one_trip_dbapi() -> OneTripDBAPI:
    return OneTripDBAPI(aiosqlite, sqlite3)
