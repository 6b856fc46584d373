"""Writes held back to the end of a unit of work, so that one flush writes a whole batch.

The write path flushes as it goes: a stay is inserted to learn its id, which its credit
refers to, whose id its ledger entries refer to. Alone that is a statement per row; for a
batch of stays it is a statement per row per stay. A session that *defers* instead hands
out ids from blocks taken ahead (one statement per table and block, not per row) and keeps
its rows; when something reads through the session, at a flush, or when the transaction
ends, it then inserts each table's rows in one statement, parents before children.

Code on the write path asks for what it needs rather than flushing:
:func:`ensure_id` when it needs a row's id, :func:`flush_unless_deferred` where it flushed
only so that what follows sees its rows (an ORM read flushes pending rows itself), and
:func:`add_row` (or :func:`add_row_with_id`) for a row nothing reads back as an object,
which a deferring session holds as plain values instead of an ORM object (audit entries,
ledger entries, credits, qualifying rows, ...). Without :func:`defer_writes` these flush
and add objects, as before.

Ids come from the database, so they never collide with another writer's: on PostgreSQL
from the table's own sequence (``nextval`` for a whole block in one statement; an unused
rest is a gap, as a rolled-back insert leaves); on SQLite, whose one writer is this
transaction, counting on from the largest id in the table.

The flush itself is not the ORM's unit of work: with every row numbered, nothing is left
for it to work out (no ids to fetch, no dependencies between rows of one flush but the
order of tables), and its bookkeeping per row cost more than the rules that made the rows.
A deferring session writes what it holds as SQLAlchemy Core statements of plain parameter
sets instead (:func:`_write_held`): per table, parents first, one ``INSERT`` of all its new
rows (held values and pending objects, in the order they were added), and one ``UPDATE``
by primary key for the rows changed in the same columns (the members' balances); then the
objects are the session's as a flush would have left them. A row it cannot write so (a key
the database gives, a value it computes) is left to the ORM's flush, which follows; the
relationships of ``staytier.store.models._parents_inserted_first`` order that one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, event, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import (
    InstanceState,
    ORMExecuteState,
    Session,
    UOWTransaction,
    class_mapper,
    object_mapper,
)
from sqlalchemy.orm.attributes import instance_state

from staytier.store.row_shapes import (
    RowShape,
    has_expression,
    place,
    runs,
    shape_of,
    shape_of_mapper,
)

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
    sync.info[_ROWS] = []
    event.listen(sync, "before_flush", _before_flush)
    event.listen(sync, "do_orm_execute", _before_statement)
    event.listen(sync, "before_commit", _write_all)


def deferring(session: AsyncSession) -> bool:
    return _KEY in session.sync_session.info


def add_row(session: AsyncSession, model: type[Any], values: dict[str, Any]) -> None:
    """Adds a new row of ``model`` (``values`` by attribute, plain values: no SQL
    expression) that nothing reads back as an object. A deferring session holds it as
    those values until its rows are written, which saves building an ORM object and
    tracking it; otherwise it is added as a ``model``, as ``session.add`` would."""
    if not deferring(session):
        session.add(model(**values))
        return
    sync = session.sync_session
    held: list[_Held] = sync.info[_ROWS]
    # Its place among the pending objects, whose insert_order is how many were pending
    # when each was added (``Session.new`` would build a set of them all: a batch's rows
    # squared).
    held.append(_Held(len(sync._new), len(held), shape_of(model), values))


async def add_row_with_id(session: AsyncSession, model: type[Any], values: dict[str, Any]) -> int:
    """:func:`add_row` for a row whose id the caller needs (given from the blocks when
    deferring, else by flushing)."""
    if not deferring(session):
        row = model(**values)
        session.add(row)
        await session.flush()
        assert isinstance(row.id, int)
        return row.id
    table = class_mapper(model).local_table
    assert isinstance(table, Table)
    blocks: IdBlocks = session.sync_session.info[_KEY]
    given = blocks.ready(table)
    if given is None:  # a block to take first: a statement, in the session's greenlet
        given = await session.run_sync(lambda sync: blocks.take(sync, table))
    add_row(session, model, {**values, "id": given})
    return given


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


_ROWS = "staytier_deferred_rows"


@dataclass(slots=True)
class _Held:
    """A row held as plain values (:func:`add_row`): its place among the session's pending
    objects (``before`` of them were added before it; ``sequence`` among held rows)."""

    before: int
    sequence: int
    shape: RowShape
    values: dict[str, Any]


def _before_flush(session: Session, _flush: UOWTransaction, _instances: Iterable[Any]) -> None:
    _write_all(session)


def _before_statement(execution: ORMExecuteState) -> None:
    """A statement through the session first writes what the session holds, where an
    autoflush would: the rows held as plain values make no pending object for the
    session's own autoflush to notice."""
    session = execution.session
    if session.info[_ROWS] and session.autoflush:
        _write_all(session)


def _write_all(session: Session) -> None:
    """Numbers every row the session holds (pending objects and plain values) that has no
    id yet, in the order they were added, as the database would have numbered them (a
    member's ledger, read by id, stays in the order it was posted); then writes them
    (:func:`_write_held`), each table's rows in one INSERT instead of one a row to learn
    its id."""
    blocks: IdBlocks = session.info[_KEY]
    held: list[_Held] = session.info[_ROWS]
    rows: list[tuple[tuple[int, int, int], RowShape, dict[str, Any], InstanceState[Any] | None]]
    rows = [((h.before, 0, h.sequence), h.shape, h.values, None) for h in held]
    for row in session.new:
        added = instance_state(row)
        shape = shape_of_mapper(added.mapper)
        rows.append(((added.insert_order or 0, 1, 0), shape, added.dict, added))
    if not rows and not session.dirty:
        return
    rows.sort(key=lambda row: row[0])
    unnumbered: dict[Table, list[tuple[dict[str, Any], InstanceState[Any] | None]]] = {}
    for _, shape, values, state in rows:
        if shape.numbered and values.get("id") is None:
            unnumbered.setdefault(shape.table, []).append((values, state))
    for table, numbering in unnumbered.items():
        for values, pending in numbering:
            given = blocks.take(session, table, rows=len(numbering))
            if pending is None:
                values["id"] = given
            else:
                row = pending.obj()
                assert row is not None
                row.id = given  # through the attribute, as a caller would
    held.clear()
    _write_held(session, [(shape, values, state) for _, shape, values, state in rows])


def _write_held(
    session: Session,
    rows: list[tuple[RowShape, dict[str, Any], InstanceState[Any] | None]],
) -> None:
    """Writes the new ``rows`` (held values, or a pending object's state) and the
    session's changed rows as Core statements of plain parameter sets, then registers the
    objects as a flush would (persistent, nothing left to write), so the unit of work that
    follows has nothing to do but what this leaves to it (deletions, a row whose key the
    database gives).

    Tables go parents first. A table's new rows are inserted in the order they were added
    (a row may refer to an earlier one of its table), one ``INSERT`` for each run of rows
    giving the same columns. A changed row is an ``UPDATE`` by its key of the columns whose
    value changed, one statement for the rows of a table changed in the same columns. The
    values are the flush's: a Python-side column default is applied (and set on the row);
    a column left unset, or set to None where None is not a value of its type, is left to
    its server default if it has one (the attribute then unloaded, as the flush leaves it),
    else written NULL."""
    written: list[InstanceState[Any]] = []
    inserts: dict[Table, list[dict[str, Any]]] = {}
    for shape, row, state in rows:
        values = shape.insert_values(row)
        if values is None or (state is not None and has_expression(values)):
            # A key the database gives, or a value it computes (``func.now()``): the ORM's
            # flush writes the row, after these. Held values never need it (add_row).
            assert state is not None, f"a row of {shape.table.name} held without its key"
            continue
        inserts.setdefault(shape.table, []).append(values)
        if state is not None:
            written.append(state)
    updates: dict[tuple[Table, tuple[str, ...]], list[dict[str, Any]]] = {}
    for changed_row in session.dirty:
        state = instance_state(changed_row)
        shape = shape_of_mapper(state.mapper)
        if len(shape.table.primary_key.columns) != 1 or state.key is None:
            continue
        changed = shape.changed_values(state)
        if has_expression(changed):
            continue  # a value the database computes: the ORM's flush writes it
        written.append(state)
        if changed:
            changed[_KEY_PARAMETER] = state.key[1][0]
            updates.setdefault((shape.table, tuple(changed)), []).append(changed)
    connection = session.connection()
    for table in sorted(inserts, key=place):
        for run in runs(inserts[table]):
            connection.execute(table.insert(), run)
    for table, columns in sorted(updates, key=lambda group: place(group[0])):
        (key,) = table.primary_key.columns
        statement = table.update().where(key == bindparam(_KEY_PARAMETER))
        connection.execute(statement, updates[(table, columns)])
    if written:
        # What the unit of work does with the rows it wrote: each one persistent, in the
        # identity map, its changes committed, and known to the transaction (a rollback
        # expunges a row it added). There is no public way to say "written already".
        session._register_persistent(set(written))


_KEY_PARAMETER = "deferred_key"


def _table_of(row: Any) -> Table:
    table = object_mapper(row).local_table
    assert isinstance(table, Table)
    return table
