"""Writes held back to the end of a unit of work, so that one flush writes a whole batch.

The write path flushes as it goes: a stay is inserted to learn its id, which its credit
refers to, whose id its ledger entries refer to. Alone that is a statement per row; for a
batch of stays it is a statement per row per stay. A session that *defers* instead hands
out ids from blocks taken ahead (one statement per table and block, not per row) and keeps
its rows pending; its flush, when something reads or the transaction ends, then inserts
each table's rows in one statement, parents before children (see
``staytier.store.models._parents_inserted_first``).

Code on the write path asks for what it needs rather than flushing:
:func:`ensure_id` when it needs a row's id, :func:`flush_unless_deferred` where it flushed
only so that what follows sees its rows (an ORM read flushes pending rows itself). Without
:func:`defer_writes` both flush, as before.

Ids come from the database, so they never collide with another writer's: on PostgreSQL
from the table's own sequence (``nextval`` for a whole block in one statement; an unused
rest is a gap, as a rolled-back insert leaves); on SQLite, whose one writer is this
transaction, counting on from the largest id in the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, event, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction, object_mapper
from sqlalchemy.orm.attributes import instance_state

_KEY = "staytier_deferred_ids"
_NEXTVAL = text(
    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"
)


class IdBlocks:
    """Ids handed out ahead of their rows, per table, for one transaction."""

    def __init__(self, dialect: str, block: int) -> None:
        self.dialect = dialect
        self.block = max(block, 1)
        self._free: dict[str, list[int]] = {}
        self._next: dict[str, int] = {}

    def ready(self, table: Table) -> int | None:
        """The next id for ``table`` if one is in hand, without asking the database."""
        if self.dialect == "sqlite":
            if table.name not in self._next:
                return None
            given = self._next[table.name]
            self._next[table.name] = given + 1
            return given
        free = self._free.get(table.name)
        return free.pop() if free else None

    def take(self, session: Session, table: Table, *, rows: int = 0) -> int:
        """The next id for a row of ``table``, asking the database when none is in hand: on
        SQLite for the table's largest id, on PostgreSQL for a block of the batch's size (or
        of ``rows``, the rows about to be numbered, if more). Runs inside the session's
        greenlet: from a flush event or through ``run_sync``."""
        given = self.ready(table)
        if given is not None:
            return given
        if self.dialect == "sqlite":
            largest = session.connection().scalar(select(func.max(table.c.id)))
            self._next[table.name] = int(largest or 0) + 1
        else:
            count = max(self.block, rows)
            taken = session.connection().execute(_NEXTVAL, {"table": table.name, "count": count})
            self._free[table.name] = sorted((int(row[0]) for row in taken), reverse=True)
        given = self.ready(table)
        assert given is not None
        return given


def defer_writes(session: AsyncSession, *, block: int) -> None:
    """From now on ``session`` hands out ids from blocks of ``block`` and defers its
    flushes (see the module's docstring); for the rest of its transaction."""
    sync = session.sync_session
    if _KEY in sync.info:
        return
    sync.info[_KEY] = IdBlocks(sync.get_bind().dialect.name, block)
    event.listen(sync, "before_flush", _number_pending)


def deferring(session: AsyncSession) -> bool:
    return _KEY in session.sync_session.info


async def ensure_id(session: AsyncSession, row: Any) -> None:
    """Gives ``row`` (added to the session) its id: from the blocks when deferring, else by
    flushing."""
    if not deferring(session):
        await session.flush()
        return
    if row.id is None:
        blocks: IdBlocks = session.sync_session.info[_KEY]
        row.id = blocks.ready(_table_of(row))
        if row.id is None:  # a block to take first: a statement, in the session's greenlet
            await session.run_sync(_give_id, row)


async def flush_unless_deferred(session: AsyncSession) -> None:
    if not deferring(session):
        await session.flush()


def _give_id(session: Session, row: Any) -> None:
    blocks: IdBlocks = session.info[_KEY]
    row.id = blocks.take(session, _table_of(row))


def _number_pending(session: Session, _flush: UOWTransaction, _instances: Iterable[Any]) -> None:
    """Every pending row gets its id before the flush, so that each table's rows are one
    INSERT of many rows instead of one INSERT a row to learn its id."""
    blocks: IdBlocks = session.info[_KEY]
    unnumbered: dict[Table, list[Any]] = {}
    for row in session.new:
        if getattr(row, "id", 0) is None:
            unnumbered.setdefault(_table_of(row), []).append(row)
    for table, rows in unnumbered.items():
        # In the order they were added, as the database would have numbered them: a
        # member's ledger, read by id, stays in the order it was posted.
        for row in sorted(rows, key=lambda r: instance_state(r).insert_order or 0):
            row.id = blocks.take(session, table, rows=len(rows))


def _table_of(row: Any) -> Table:
    table = object_mapper(row).local_table
    assert isinstance(table, Table)
    return table
