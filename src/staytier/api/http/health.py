"""Health for orchestrators and metrics for Prometheus.

- ``GET /health/live``: the process answers (no database): restart it when this fails.
- ``GET /health/ready``: the database answers and holds every migration of this version:
  send it traffic only when this is 200. 503 otherwise, saying why.
- ``GET /health``: the program in force, as before (kept for existing monitors).
- ``GET /metrics``: the Prometheus text format (see :mod:`staytier.observability.metrics`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from litestar import Response, get
from litestar.datastructures import State

from staytier.observability.metrics import CONTENT_TYPE_LATEST, ServiceMetrics
from staytier.services.runtime import Runtime
from staytier.store.database_url import connection_problem
from staytier.store.migrate import pending_migrations

log = logging.getLogger("staytier.health")
# A readiness probe that hangs is worse than one that fails.
READY_TIMEOUT_SECONDS = 5.0


@get("/health", sync_to_thread=False, include_in_schema=False)
def health(state: State) -> dict[str, str]:
    runtime: Runtime = state.runtime
    rules = runtime.rules_on(runtime.today())
    return {"status": "ok", "program": runtime.program.code, "version": rules.version}


@get("/health/live", sync_to_thread=False, include_in_schema=False)
def live() -> dict[str, str]:
    return {"status": "ok"}


@get("/health/ready", include_in_schema=False)
async def ready(state: State) -> Response[dict[str, Any]]:
    runtime: Runtime = state.runtime
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            pending = await pending_migrations(runtime.db.read_engine)
    except Exception as exc:  # any failure to reach the database means "not ready"
        reason = connection_problem(exc, runtime.db.url) or f"{type(exc).__name__}: {exc}"
        if isinstance(exc, TimeoutError):
            reason = f"the database did not answer within {READY_TIMEOUT_SECONDS:g} s"
        log.warning("not ready: %s", reason)
        return Response({"status": "unavailable", "database": reason}, status_code=503)
    if pending:
        return Response(
            {
                "status": "unavailable",
                "database": "ok",
                "pendingMigrations": pending,
                "fix": "run `staytier migrate`",
            },
            status_code=503,
        )
    return Response({"status": "ready", "database": "ok", "pendingMigrations": []})


@get("/metrics", include_in_schema=False)
async def metrics(state: State) -> Response[bytes]:
    collected: ServiceMetrics = state.metrics
    body = await collected.scrape(state.runtime)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
