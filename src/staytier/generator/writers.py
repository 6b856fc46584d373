"""Bulk writers for generated rows: COPY on PostgreSQL, big ``executemany`` batches on SQLite.

Both take rows as tuples in the columns of their table's :class:`~.tables.Shape`, with
explicit ids, complete them with the model's defaults, and leave the database as the service
expects it (sequences past the highest id, the loaded tables analysed), so the service can
write beside the generated rows at once and its queries are planned on fresh statistics,
whenever autovacuum would have come round.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import asyncpg
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from staytier.generator.tables import TABLES, Row, Shape
from staytier.store.types import Money, UTCDateTime


class RowWriter(Protocol):
    async def start(self, tables: list[str]) -> None:
        """Prepares the empty ``tables`` for a bulk load."""

    async def count(self, table: str) -> int: ...

    async def max_id(self, table: str) -> int: ...

    async def write(self, rows: dict[str, list[Row]]) -> None: ...

    async def finish(self) -> None: ...

    async def close(self) -> None: ...


async def open_writer(url: str, shapes: dict[str, Shape]) -> RowWriter:
    """The writer of rows of ``shapes`` into the database at SQLAlchemy ``url``."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return SqliteWriter(parsed.database or "", shapes)
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    return PostgresWriter(await asyncpg.connect(dsn), shapes)


# Secondary indexes of the tables a load fills (not primary keys, not unique constraints,
# which guard the data): rebuilt once at the end instead of updated row by row.
SECONDARY_INDEXES = """
SELECT i.indexname, i.indexdef FROM pg_indexes i
JOIN pg_class c ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid
WHERE i.schemaname = current_schema() AND i.tablename = ANY($1::text[])
  AND NOT x.indisunique AND NOT x.indisprimary
"""


class PostgresWriter:
    """COPY (binary, through asyncpg) into each table, one transaction per batch.

    Into empty tables the load goes faster without the work a live database needs row by
    row: secondary indexes are dropped first and built once at the end, and, for a
    superuser, foreign-key triggers are skipped (``session_replication_role = replica``;
    the generator writes parents before children, with the ids it assigned itself).
    """

    def __init__(self, connection: asyncpg.Connection, shapes: dict[str, Shape]) -> None:
        self.connection, self.shapes = connection, shapes
        self.dropped: list[str] = []

    async def start(self, tables: list[str]) -> None:
        rows = await self.connection.fetch(SECONDARY_INDEXES, tables)
        for name, definition in rows:
            await self.connection.execute(f'DROP INDEX "{name}"')
            self.dropped.append(definition)
        if await self.connection.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = user"):
            await self.connection.execute("SET session_replication_role = replica")

    async def count(self, table: str) -> int:
        return int(await self.connection.fetchval(f"SELECT count(*) FROM {table}"))

    async def max_id(self, table: str) -> int:
        return int(await self.connection.fetchval(f"SELECT coalesce(max(id), 0) FROM {table}"))

    async def write(self, rows: dict[str, list[Row]]) -> None:
        async with self.connection.transaction():
            for table in TABLES:
                if rows.get(table):
                    shape = self.shapes[table]
                    await self.connection.copy_records_to_table(
                        table, records=shape.complete(rows[table]), columns=shape.columns
                    )

    async def finish(self) -> None:
        await self.connection.execute("RESET session_replication_role")
        await self.connection.execute("SET maintenance_work_mem = '1GB'")
        for definition in self.dropped:
            await self.connection.execute(definition)
        self.dropped.clear()
        for table in TABLES:
            await self.connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"greatest(coalesce(max(id), 0), 1)) FROM {table}"
            )
        await self.connection.execute(f"ANALYZE {', '.join(TABLES)}")

    async def close(self) -> None:
        for definition in self.dropped:  # a failed load still leaves the schema whole
            await self.connection.execute(definition)
        await self.connection.close()


def _sqlite_datetime(value: dt.datetime) -> str:
    # The storage format SQLAlchemy reads back: naive UTC, always with microseconds.
    if value.tzinfo is not dt.UTC:
        value = value.astimezone(dt.UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_converter(column_type: sa.types.TypeEngine[Any]) -> Callable[[Any], Any] | None:
    """How a value of ``column_type`` is stored in SQLite: ISO dates, naive UTC datetimes
    and text money, as SQLAlchemy stores them; None for values stored as they are."""
    if isinstance(column_type, (sa.DateTime, UTCDateTime)):
        return _sqlite_datetime
    if isinstance(column_type, sa.Date):
        return dt.date.isoformat
    if isinstance(column_type, Money):
        return str
    return None


class SqliteWriter:
    """``executemany`` per table, one transaction per batch, on a plain sqlite3 connection."""

    def __init__(self, path: str, shapes: dict[str, Shape]) -> None:
        self.shapes = shapes
        self.connection = sqlite3.connect(path, isolation_level=None)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=OFF")
        self.connection.execute("PRAGMA cache_size=-262144")  # 256 MiB
        self.connection.execute("PRAGMA foreign_keys=ON")

    async def start(self, tables: list[str]) -> None:
        pass  # SQLite maintains its indexes fast enough in big transactions

    async def count(self, table: str) -> int:
        return int(self.connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    async def max_id(self, table: str) -> int:
        found = self.connection.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()
        return int(found[0])

    async def write(self, rows: dict[str, list[Row]]) -> None:
        self.connection.execute("BEGIN")
        try:
            for table in TABLES:
                if rows.get(table):
                    shape = self.shapes[table]
                    marks = ", ".join("?" * len(shape.columns))
                    self.connection.executemany(
                        f"INSERT INTO {table} ({', '.join(shape.columns)}) VALUES ({marks})",
                        _converted(shape, rows[table]),
                    )
            self.connection.execute("COMMIT")
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise

    async def finish(self) -> None:
        for table in TABLES:
            self.connection.execute(f"ANALYZE {table}")
        self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def close(self) -> None:
        self.connection.close()


def _converted(shape: Shape, rows: list[Row]) -> list[Row]:
    """Rows with the model's defaults, their date, time and money columns in SQLite's
    storage formats; converted a column at a time, which is several times faster in Python
    than a row at a time."""
    convert = [_sqlite_converter(shape.table.c[name].type) for name in shape.columns]
    rows = shape.complete(rows)
    if not rows or not any(convert):
        return rows
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for position, converter in enumerate(convert):
        if converter is not None:
            columns[position] = [
                None if value is None else converter(value) for value in columns[position]
            ]
    return list(zip(*columns, strict=True))
