"""The migrations build exactly the schema the models describe, on both backends, and the
SQLite setup really lets concurrent writers queue instead of failing."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Connection,
    Integer,
    MetaData,
    String,
    column,
    func,
    inspect,
    select,
    table,
    text,
)
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from staytier.store.database import Database
from staytier.store.migrate import alembic_config, upgrade
from staytier.store.models import Base, JobRun


async def _on_connection(url: str, work: Any) -> Any:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_upgrade_twice_is_harmless(blank_database_url: str) -> None:
    head = ScriptDirectory.from_config(alembic_config(blank_database_url)).get_current_head()

    upgrade(blank_database_url)
    upgrade(blank_database_url)

    assert await _on_connection(blank_database_url, _revision) == head
    tables = await _on_connection(blank_database_url, _tables)
    assert tables == set(Base.metadata.tables) | {"alembic_version"}


async def test_upgrade_keeps_existing_rows(db: Database) -> None:
    await _insert_job_run(db, "before")
    upgrade(db.url)
    async with db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(JobRun)) == 1


def _differences(metadata: MetaData) -> Callable[[Connection], list[Any]]:
    def compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    return compare


async def test_models_and_migrations_agree(database_url: str) -> None:
    assert await _on_connection(database_url, _differences(Base.metadata)) == []


async def test_comparison_notices_a_changed_type(database_url: str) -> None:
    """Guards the test above against passing because types are not compared at all."""
    drifted = MetaData()
    for model_table in Base.metadata.tables.values():
        model_table.to_metadata(drifted)
    drifted.tables["job_runs"].c.run_key.type = String(41)
    drifted.tables["stays"].c.room_revenue.type = Integer()

    differences = await _on_connection(database_url, _differences(drifted))

    changed = {(d[0][0], d[0][3]) for d in differences if isinstance(d, list)}
    assert changed == {("modify_type", "run_key"), ("modify_type", "room_revenue")}


async def test_sqlite_uses_wal(backend: str, db: Database) -> None:
    if backend != "sqlite":
        pytest.skip("WAL is a SQLite journal mode")
    for engine in (db.write_engine, db.read_engine):
        async with engine.connect() as connection:
            mode = await connection.exec_driver_sql("PRAGMA journal_mode")
            assert mode.scalar() == "wal"


async def _insert_job_run(db: Database, key: str) -> None:
    async with db.transaction() as session:
        # Read before writing: two deferred SQLite transactions doing this deadlock, and one
        # fails at once with "database is locked"; BEGIN IMMEDIATE makes them queue instead.
        seen = await session.scalar(select(func.count()).select_from(JobRun)) or 0
        session.add(
            JobRun(
                job="concurrency-test",
                run_key=key,
                due_on=dt.date(2025, 1, 1),
                ran_at=dt.datetime.now(dt.UTC),
                summary={"seen": seen},
            )
        )
        await session.flush()
        # Hold the write transaction open across an await so that the writers overlap.
        await asyncio.sleep(0.01)


async def test_concurrent_write_transactions_all_commit(db: Database) -> None:
    await asyncio.gather(*(_insert_job_run(db, f"run-{n}") for n in range(20)))

    async with db.reading() as session:
        keys = set(await session.scalars(select(JobRun.run_key)))
    assert keys == {f"run-{n}" for n in range(20)}


async def test_upgrading_a_filled_database_indexes_its_members_for_search(
    blank_database_url: str,
) -> None:
    """Members stored before guest search existed are found by name and phone afterwards."""
    upgrade(blank_database_url, "0001")
    people = [("Zoë", "O'Brien", "+44 20 7946 0018"), ("Ana", "de la Cruz", None)]
    members = table(
        "members",
        *(column(name) for name in ("member_number", "first_name", "last_name", "phone")),
        *(column(name) for name in ("language", "time_zone", "enrolled_on")),
        *(column(name) for name in ("points_balance", "created_at")),
    )

    def insert_members(connection: Connection) -> None:
        connection.execute(
            members.insert(),
            [
                {
                    "member_number": f"900000000{n}",
                    "first_name": first,
                    "last_name": last,
                    "phone": phone,
                    "language": "en",
                    "time_zone": "UTC",
                    "enrolled_on": dt.date(2024, 1, 1),
                    "points_balance": 0,
                    "created_at": dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
                }
                for n, (first, last, phone) in enumerate(people)
            ],
        )
        connection.commit()

    await _on_connection(blank_database_url, insert_members)
    upgrade(blank_database_url)

    def indexed(connection: Connection) -> tuple[set[tuple[str, str]], set[tuple[str, Any]]]:
        found = connection.execute(
            text(
                "SELECT m.member_number, t.term FROM member_search_terms t "
                "JOIN members m ON m.id = t.member_id"
            )
        )
        keys = connection.execute(text("SELECT member_number, phone_key FROM members"))
        return {tuple(row) for row in found}, {tuple(row) for row in keys}

    terms, phone_keys = await _on_connection(blank_database_url, indexed)
    assert terms == {
        ("9000000000", "zoe"),
        ("9000000000", "o"),
        ("9000000000", "brien"),
        ("9000000001", "ana"),
        ("9000000001", "de"),
        ("9000000001", "la"),
        ("9000000001", "cruz"),
    }
    assert phone_keys == {("9000000000", "442079460018"), ("9000000001", None)}


async def test_upgrading_links_each_kept_webhook_receipt_to_its_member(
    blank_database_url: str,
) -> None:
    """Receipts kept before they recorded their member are linked by the member number in
    their result, so a guest's export and erasure find them."""
    upgrade(blank_database_url, "0005_privileges")

    def insert(connection: Connection) -> None:
        connection.execute(
            text(
                "INSERT INTO members (member_number, first_name, last_name, language, "
                "time_zone, enrolled_on, points_balance, created_at) VALUES ('9000000000', "
                "'Zoë', 'Brien', 'en', 'UTC', '2024-01-01', 0, '2024-01-01 00:00:00+00')"
            )
        )
        receipts = table(
            "partner_webhooks",
            *(column(name) for name in ("partner", "webhook_id", "endpoint", "received_at")),
            column("result", JSON()),
        )
        connection.execute(
            receipts.insert(),
            [
                {"partner": "STAYCARD", "webhook_id": f"msg_{n}", "endpoint": "card-spend",
                 "result": {"webhook_id": f"msg_{n}", "member_number": number},
                 "received_at": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)}
                for n, number in enumerate(["9000000000", "1111111111"])
            ],
        )  # fmt: skip
        connection.commit()

    await _on_connection(blank_database_url, insert)
    upgrade(blank_database_url)

    def linked(connection: Connection) -> set[tuple[str, Any]]:
        rows = connection.execute(
            text(
                "SELECT w.webhook_id, m.member_number FROM partner_webhooks w "
                "LEFT JOIN members m ON m.id = w.member_id"
            )
        )
        return {tuple(row) for row in rows}

    assert await _on_connection(blank_database_url, linked) == {
        ("msg_0", "9000000000"),
        ("msg_1", None),
    }
