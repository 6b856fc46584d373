"""Shared fixtures.

The database fixtures (``backend``, ``database_url``, ``db``, ``blank_database_url``,
``postgres_server``) live in ``tests/databases.py``; see its docstring.
"""

pytest_plugins = ["tests.databases", "tests.partners", "tests.mail_relay"]

# The suite runs on every core (pytest-xdist, ``-n auto`` in pyproject.toml), but on at most
# MAX_WORKERS: each worker holds its own databases and connection pools, and the concurrency
# tests open dozens of connections each, which a shared PostgreSQL server (100 connections by
# default) must still admit.
MAX_WORKERS = 4


def pytest_xdist_auto_num_workers(config: object) -> int:
    import os

    return max(1, min(MAX_WORKERS, len(os.sched_getaffinity(0))))


# --- the service under test -----------------------------------------------------------------

from collections.abc import AsyncIterator  # noqa: E402

import pytest  # noqa: E402

from staytier.services.runtime import Runtime  # noqa: E402
from staytier.store.database import Database  # noqa: E402
from tests.support import GraphQLClient, make_app, make_runtime  # noqa: E402


@pytest.fixture
async def runtime(db: Database) -> Runtime:
    """The demo program and properties on a fresh database, with a test clock at START."""
    return await make_runtime(db)


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[GraphQLClient]:
    """A GraphQL client talking to the app in-process."""
    graphql = GraphQLClient(make_app(runtime))
    yield graphql
    await graphql.aclose()
