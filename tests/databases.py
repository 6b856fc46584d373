"""Test databases: every test that asks for ``db`` runs once on SQLite and once on PostgreSQL.

The service promises the same behaviour on both, so the suite checks it on both in a single
``pytest`` run. Migrating is slow, so each backend is migrated once per session: SQLite into a
template file that every test gets a copy of, PostgreSQL into one database that is truncated
before every test.

PostgreSQL comes from ``STAYTIER_TEST_POSTGRES_URL`` (an async SQLAlchemy URL of a server the
tests may create databases on) or, failing that, from an ephemeral cluster started with the
server binaries on this machine. With neither, the ``postgresql`` tests are skipped, not failed.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import glob
import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from staytier.store.database import Database
from staytier.store.migrate import upgrade
from staytier.store.models import Base

POSTGRES_URL_ENV = "STAYTIER_TEST_POSTGRES_URL"
# Under pytest-xdist every worker is its own session; the database names carry the worker's
# name ("gw0", "gw1", ...) so that workers sharing one configured server never meet, and a
# mark of the checkout, so that two checkouts testing at once on one server never drop each
# other's databases (a run that stops midway leaves its own to the next run of the same
# checkout, which drops them first).
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_CHECKOUT = hashlib.sha256(str(Path(__file__).resolve().parent).encode()).hexdigest()[:8]
TEST_DATABASE = f"staytier_test_{_CHECKOUT}{'_' + _WORKER if _WORKER else ''}"
BLANK_DATABASE = f"{TEST_DATABASE}_blank"
T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Runs async admin work from sync fixtures, whether or not an event loop is running."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


# --- PostgreSQL server --------------------------------------------------------------------


def _find_postgres_bin() -> Path | None:
    """The directory holding ``pg_ctl`` and ``initdb``: on PATH, else Debian's versioned dirs."""
    on_path = shutil.which("pg_ctl")
    candidates = [Path(on_path).resolve()] if on_path else []
    versioned = glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")
    versioned.sort(key=lambda p: int(Path(p).parent.parent.name.split(".")[0]), reverse=True)
    candidates += [Path(p) for p in versioned]
    return next((c.parent for c in candidates if (c.parent / "initdb").exists()), None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class EphemeralCluster:
    """A throwaway PostgreSQL cluster in a temp dir; runs as ``postgres`` when we are root,
    because the server refuses to run as root."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="staytier-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                self.owner = pwd.getpwnam("postgres")
            except KeyError:
                shutil.rmtree(self.root)
                pytest.skip("running as root and there is no 'postgres' user to run PostgreSQL")
            os.chown(self.root, self.owner.pw_uid, self.owner.pw_gid)

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _pg(self, tool: str, *args: str, check: bool = True) -> None:
        command = [str(self.bindir / tool), *args]
        if self.owner is not None:
            command = ["runuser", "-u", self.owner.pw_name, "--", *command]
        # The cwd must be readable by the server's user (root's home usually is not).
        result = subprocess.run(command, cwd=self.root, capture_output=True, text=True)
        if check and result.returncode != 0:
            log = self.root / "server.log"
            detail = log.read_text() if log.exists() else ""
            raise RuntimeError(f"{tool} failed:\n{result.stdout}{result.stderr}{detail}")

    def start(self) -> None:
        self._pg("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust")
        opts = (
            f"-h 127.0.0.1 -p {self.port} -k {self.root}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = str(self.root / "server.log")
        self._pg("pg_ctl", "start", "-w", "-D", str(self.data), "-l", log, "-o", opts)

    def stop(self) -> None:
        """Best effort, so that a failed start is reported rather than a failed stop."""
        self._pg("pg_ctl", "stop", "-m", "fast", "-w", "-D", str(self.data), check=False)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a PostgreSQL maintenance database on which the tests may create databases."""
    configured = os.environ.get(POSTGRES_URL_ENV)
    if configured:
        url = make_url(configured)
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+asyncpg")
        yield url.render_as_string(hide_password=False)
        return
    bindir = _find_postgres_bin()
    if bindir is None:
        pytest.skip(
            f"PostgreSQL unavailable: set {POSTGRES_URL_ENV} or install the server binaries "
            "(pg_ctl and initdb on PATH or under /usr/lib/postgresql/*/bin)"
        )
    cluster = EphemeralCluster(bindir)
    try:
        cluster.start()
        yield cluster.url
    finally:
        cluster.stop()


async def _admin(server_url: str, *statements: str) -> None:
    """Runs statements outside a transaction, as CREATE/DROP DATABASE require."""
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


def _drop_statements(name: str) -> list[str]:
    return [
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
        f'DROP DATABASE IF EXISTS "{name}"',
    ]


def _create_database(server_url: str, name: str) -> str:
    _run(_admin(server_url, *_drop_statements(name), f'CREATE DATABASE "{name}"'))
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _drop_database(server_url: str, name: str) -> None:
    _run(_admin(server_url, *_drop_statements(name)))


# Everything a test could break in the schema: columns, indexes and constraints.
SCHEMA_QUERY = """
SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
  FROM information_schema.columns WHERE table_schema = current_schema()
UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()
UNION ALL SELECT conrelid::regclass || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
  WHERE connamespace = current_schema()::regnamespace
ORDER BY 1
"""


@dataclass(frozen=True)
class MigratedDatabase:
    """The database migrated once per session; on PostgreSQL also what it takes to rebuild it."""

    url: str
    server_url: str = ""
    schema: tuple[str, ...] = ()


async def _schema(url: str) -> tuple[str, ...]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return tuple((await connection.execute(text(SCHEMA_QUERY))).scalars())
    finally:
        await engine.dispose()


async def _truncate_all(url: str, schema: tuple[str, ...]) -> bool:
    """Empties every table; False, touching nothing, if the schema is no longer ``schema``."""
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            if tuple((await connection.execute(text(SCHEMA_QUERY))).scalars()) != schema:
                return False
            # A test that left a transaction open would otherwise make the next one hang.
            await connection.execute(text("SET LOCAL lock_timeout = '10s'"))
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            return True
    finally:
        await engine.dispose()


async def _reset_postgres(migrated: MigratedDatabase) -> None:
    """Empties the shared test database, or rebuilds it if the last test altered its schema
    (some tests break the database on purpose, e.g. by renaming a table)."""
    if not await _truncate_all(migrated.url, migrated.schema):
        statements = _drop_statements(TEST_DATABASE)
        await _admin(migrated.server_url, *statements, f'CREATE DATABASE "{TEST_DATABASE}"')
        upgrade(migrated.url)


# --- Per-backend fixtures -----------------------------------------------------------------


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)],
)
def backend(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgresql"``; session-scoped, so pytest runs all the SQLite tests,
    then all the PostgreSQL ones, and starts the server only when it is needed."""
    name: str = request.param
    return name


@pytest.fixture(scope="session")
def migrated_database(backend: str, request: pytest.FixtureRequest) -> Iterator[MigratedDatabase]:
    """The database migrated once per session: the SQLite template file or the PostgreSQL
    test database. Tests use ``database_url`` or ``db``, never this directly."""
    if backend == "sqlite":
        path = request.getfixturevalue("tmp_path_factory").mktemp("template") / "template.db"
        upgrade(_sqlite_url(path))
        yield MigratedDatabase(_sqlite_url(path))
        return
    server = request.getfixturevalue("postgres_server")
    url = _create_database(server, TEST_DATABASE)
    upgrade(url)
    yield MigratedDatabase(url, server, _run(_schema(url)))
    _drop_database(server, TEST_DATABASE)


@pytest.fixture
async def database_url(backend: str, migrated_database: MigratedDatabase, tmp_path: Path) -> str:
    """URL of a migrated database with no rows, private to the test: on SQLite a copy of the
    template file in ``tmp_path``, on PostgreSQL the test database just truncated."""
    if backend == "sqlite":
        template = Path(make_url(migrated_database.url).database or "")
        assert not template.with_name(template.name + "-wal").exists(), "template not checkpointed"
        path = tmp_path / "staytier.db"
        shutil.copyfile(template, path)
        return _sqlite_url(path)
    await _reset_postgres(migrated_database)
    return migrated_database.url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A ``Database`` on a migrated, empty database of the test's backend; disposed after."""
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
def blank_database_url(backend: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of an empty database with no tables at all, for tests of the migrations."""
    if backend == "sqlite":
        yield _sqlite_url(request.getfixturevalue("tmp_path") / "blank.db")
        return
    server = request.getfixturevalue("postgres_server")
    yield _create_database(server, BLANK_DATABASE)
    _drop_database(server, BLANK_DATABASE)


REPLICA_DATABASE = f"{TEST_DATABASE}_replica"


@pytest.fixture
async def snapshot_of(
    backend: str, request: pytest.FixtureRequest
) -> AsyncIterator[Callable[[Database], Awaitable[str]]]:
    """``await snapshot_of(db)``: the URL of a copy of ``db`` as it is now, standing in for a
    read replica that has not yet received what is written after it (a lagging replica)."""
    made: list[str] = []

    async def snapshot(database: Database) -> str:
        if backend == "sqlite":
            path = request.getfixturevalue("tmp_path") / "replica.db"
            async with database.read_engine.connect() as connection:  # no BEGIN: VACUUM INTO
                await connection.exec_driver_sql(f"VACUUM INTO '{path}'")
            return _sqlite_url(path)
        server = request.getfixturevalue("postgres_server")
        source = make_url(database.url).database
        await database.dispose()  # a template database may have no other sessions
        await _admin(
            server,
            *_drop_statements(REPLICA_DATABASE),
            f'CREATE DATABASE "{REPLICA_DATABASE}" TEMPLATE "{source}"',
        )
        made.append(server)
        return make_url(server).set(database=REPLICA_DATABASE).render_as_string(hide_password=False)

    yield snapshot
    for server in made:
        await _admin(server, *_drop_statements(REPLICA_DATABASE))
