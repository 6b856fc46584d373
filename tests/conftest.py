"""Shared fixtures.

The database fixtures (``backend``, ``database_url``, ``db``, ``blank_database_url``,
``postgres_server``) live in ``tests/databases.py``; see its docstring.
"""

pytest_plugins = ["tests.databases", "tests.partners", "tests.mail_relay"]


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
