"""The app factory: one place that wires the runtime, GraphQL, health and error handling."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, get
from litestar.datastructures import State
from strawberry.litestar import make_graphql_controller

from staytier.api.graphql.context import context_getter
from staytier.api.graphql.schema import build_schema
from staytier.clock import Clock, SystemClock, TestClock
from staytier.program.loader import load_exchange_rates, load_program
from staytier.services.runtime import Runtime
from staytier.settings import Settings
from staytier.store.database import Database


def build_runtime(settings: Settings, clock: Clock | None = None) -> Runtime:
    """Loads the program files (failing with every mistake listed) and opens the database."""
    return Runtime(
        db=Database(settings.database_url),
        clock=clock or (TestClock() if settings.test_clock else SystemClock()),
        program=load_program(settings.program),
        rates=load_exchange_rates(settings.exchange_rates),
    )


@get("/health", sync_to_thread=False)
def health(state: State) -> dict[str, str]:
    runtime: Runtime = state.runtime
    rules = runtime.rules_on(runtime.today())
    return {"status": "ok", "program": runtime.program.code, "version": rules.version}


def create_app(settings: Settings, runtime: Runtime | None = None) -> Litestar:
    """The ASGI app. Pass a ``runtime`` to share one with tests or the CLI."""
    runtime = runtime or build_runtime(settings)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await runtime.db.dispose()

    graphql = make_graphql_controller(
        build_schema(development=settings.development),
        path="/graphql",
        context_getter=context_getter,
        graphql_ide="graphiql" if settings.development else None,
        allow_queries_via_get=False,
    )
    return Litestar(
        route_handlers=[graphql, health],
        state=State({"runtime": runtime, "settings": settings}),
        lifespan=[lifespan],
        request_max_body_size=settings.max_body_bytes,
        debug=False,
    )
