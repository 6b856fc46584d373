"""The SQLite driver (store/sqlite_driver.py): a statement is one trip to the connection's
thread, and SQLAlchemy still gets every answer it reads from a cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from staytier.store.database import Database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with database.transaction() as session:
        await session.execute(
            text("CREATE TABLE guests (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)")
        )
    yield database
    await database.dispose()


@contextmanager
def trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every hand-off to an aiosqlite connection's thread, by the function it ran."""
    made: list[str] = []
    hand_off = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        made.append(getattr(fn, "__name__", repr(fn)))
        return await hand_off(self, fn, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(aiosqlite.Connection, "_execute", counted)
        yield made


async def test_a_query_is_one_trip_to_the_connections_thread(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with db.transaction() as session:
        await session.execute(text("INSERT INTO guests (name) VALUES ('Ada'), ('Grace')"))
        # SQLAlchemy's own adapter: open a cursor, execute, fetch, close; four trips.
        with trips(monkeypatch) as made:
            rows = (await session.execute(text("SELECT name FROM guests ORDER BY id"))).all()
    assert [row.name for row in rows] == ["Ada", "Grace"]
    assert made == ["_run"]


async def test_a_write_transaction_is_its_statements_and_the_commit(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with trips(monkeypatch) as made:
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO guests (name) VALUES ('Ada')"))
    # BEGIN IMMEDIATE, the insert, the commit; the pool's reset of the connection it gets
    # back (a rollback) would do nothing after the commit, so it is not sent.
    assert made == ["_run", "_run", "commit"]


async def test_a_failed_transaction_is_still_rolled_back(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO guests (name) VALUES ('Ada')"))
            raise RuntimeError("the work failed")
    async with db.reading() as session:
        assert await session.scalar(text("SELECT count(*) FROM guests")) == 0


async def test_writes_report_their_row_ids_and_counts(db: Database) -> None:
    async with db.transaction() as session:
        first = await session.execute(text("INSERT INTO guests (name) VALUES ('Ada')"))
        second = await session.execute(text("INSERT INTO guests (name) VALUES ('Grace')"))
        assert (first.lastrowid, second.lastrowid) == (1, 2)
        changed = await session.execute(text("UPDATE guests SET name = name || '!'"))
        assert changed.rowcount == 2
        returned = await session.execute(
            text("INSERT INTO guests (name) VALUES (:name) RETURNING id, name"), {"name": "Lin"}
        )
        assert returned.all() == [(3, "Lin")]
        many = await session.execute(
            text("INSERT INTO guests (name) VALUES (:name)"), [{"name": "Kim"}, {"name": "Eve"}]
        )
        assert many.rowcount == 2
        some = await session.execute(text("SELECT id FROM guests ORDER BY id"))
        assert [len(some.fetchmany()), len(some.fetchmany(2)), len(some.fetchall())] == [1, 2, 2]
        nothing = await session.execute(text("SELECT name FROM guests WHERE id = 99"))
        assert nothing.first() is None
    async with db.reading() as session:
        names = (await session.scalars(text("SELECT name FROM guests ORDER BY id"))).all()
    assert names == ["Ada!", "Grace!", "Lin", "Kim", "Eve"]


async def test_a_constraint_broken_in_the_thread_is_sqlalchemys_integrity_error(
    db: Database,
) -> None:
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO guests (name) VALUES ('Ada'), ('Ada')"))
    async with db.reading() as session:
        assert await session.scalar(text("SELECT count(*) FROM guests")) == 0
