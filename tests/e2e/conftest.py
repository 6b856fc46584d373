"""The service served for real: uvicorn on a free local port, over the test's database.

``served_url`` runs the app the way ``staytier serve`` does, on the ``runtime`` fixture (the
demo program and properties, the test clock), so every e2e test runs on SQLite and on
PostgreSQL like the rest of the suite. Requests go over TCP and are handled concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import pytest
import uvicorn
from litestar import Litestar

from staytier.services.runtime import Runtime
from tests.support import make_app

STARTUP_SECONDS = 10


class _Server(uvicorn.Server):
    """Leaves the test runner's signal handlers alone (Ctrl-C still stops pytest)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def serving(app: Litestar) -> AsyncIterator[str]:
    """Serves ``app`` with uvicorn on a free local port; yields its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = _Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(STARTUP_SECONDS):
            while not server.started:
                if serving.done():  # failed to start: show why
                    serving.result()
                await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving


@pytest.fixture
async def served_url(runtime: Runtime) -> AsyncIterator[str]:
    """Base URL (``http://127.0.0.1:<port>``) of the app serving ``runtime``."""
    async with serving(make_app(runtime)) as url:
        yield url
