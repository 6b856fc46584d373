"""Applies the Alembic migrations that ship inside the package."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Brings the database at ``url`` to ``revision``; safe to run on an up-to-date database.

    Alembic's environment runs its own event loop, so from inside a running loop the work is
    handed to a thread.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(alembic_config(url), revision)
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(command.upgrade, alembic_config(url), revision).result()


async def pending_migrations(engine: AsyncEngine) -> list[str]:
    """The migrations not yet applied to the database behind ``engine``, oldest first; all
    of them for a database without staytier's tables. Raises what connecting raises. Pass a
    read engine: on SQLite the write engine's transactions take the write lock."""
    async with engine.connect() as connection:
        current = await connection.run_sync(
            lambda sync: set(MigrationContext.configure(sync).get_current_heads())
        )
    script = _scripts()
    applied = {
        revision.revision
        for head in current
        for revision in script.iterate_revisions(head, "base")
        if revision is not None
    }
    return [revision for revision in all_revisions() if revision not in applied]


@functools.cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


@functools.cache
def all_revisions() -> list[str]:
    """Every migration that ships with this version, oldest first."""
    return [revision.revision for revision in reversed(list(_scripts().walk_revisions()))]
