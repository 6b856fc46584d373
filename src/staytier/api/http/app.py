"""The app factory: one place that wires the runtime, GraphQL, health and error handling."""

from __future__ import annotations

import dataclasses
import gc
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import (
    AbstractAsyncContextManager,
    AsyncExitStack,
    asynccontextmanager,
    contextmanager,
)
from pathlib import Path

from litestar import Litestar
from litestar.datastructures import State
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from staytier.api.auth import Authenticator, authenticate, rate_limit
from staytier.api.graphql.schema import build_schema
from staytier.api.http.graphql_endpoint import graphql_controller
from staytier.api.http.health import health, live, metrics, ready
from staytier.api.http.partners import PartnerWebhooks
from staytier.api.http.persisted_queries import PersistedQueries, shipped_operations
from staytier.api.pages import pages_router, pages_template_config
from staytier.api.pages.strings import Strings
from staytier.clock import Clock, SystemClock, TestClock
from staytier.connectors.registry import default_connectors
from staytier.observability.logs import configure_logging
from staytier.observability.metrics import ServiceMetrics
from staytier.observability.tracing import tracing_middleware
from staytier.program.catalog import load_preference_catalog
from staytier.program.loader import load_exchange_rates, load_program
from staytier.services import simulation
from staytier.services.mail import LogMailer, Mailer, SmtpMailer
from staytier.services.partners import load_partners
from staytier.services.runtime import Runtime
from staytier.settings import Settings
from staytier.store.database import Database


def build_mailer(settings: Settings) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_sender,
            username=settings.smtp_username,
            password=settings.smtp_password,
        )
    return LogMailer()


def build_runtime(settings: Settings, clock: Clock | None = None) -> Runtime:
    """Loads the program files (failing with every mistake listed), opens the database and
    hands the runtime the connectors (the one place services meet them).

    Refuses production settings that are unsafe (see :meth:`Settings.check_production`).
    """
    settings.check_production()
    runtime = Runtime(
        db=Database(settings.database_url, replica_url=settings.read_database_url or None),
        clock=clock or (TestClock() if settings.test_clock else SystemClock()),
        program=load_program(settings.program),
        rates=load_exchange_rates(settings.exchange_rates),
        catalog=load_preference_catalog(settings.preferences),
        partners=load_partners(settings.partners),
        connectors=default_connectors(),
        mailer=build_mailer(settings),
    )
    if settings.secret_key:
        runtime = dataclasses.replace(runtime, secret_key=settings.secret_key)
    return runtime


def request_ids(app: ASGIApp) -> ASGIApp:
    """Gives every request an id (the caller's ``X-Request-Id``, or a new one), keeps it in
    the request state for the logs and masked errors, and returns it as a response header."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given[:100] or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_with_id)

    return middleware


def counted(app: ASGIApp) -> ASGIApp:
    """Counts every answered request and its latency by route template and status."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        metrics: ServiceMetrics = scope["app"].state.metrics
        route = str(scope.get("path_template") or "-")  # /partners/{partner_code}/rentals
        method = scope["method"]
        started = time.perf_counter()
        status = 500

        async def send_counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, send_counted)
        finally:
            metrics.http_requests.labels(method, route, str(status)).inc()
            metrics.http_seconds.labels(method, route).observe(time.perf_counter() - started)

    return middleware


def settle_heap(gc_threshold: int) -> None:
    """Moves every object alive now out of the garbage collector's sight (``gc.freeze``),
    and collects new ones less often (``gc_threshold``, the setting of that name).

    A full collection walks every object the collector tracks, and a started app holds some
    130,000 that live as long as the process: the schema, the ORM mappers, the program.
    Requests that build many objects (a page of arrivals builds tens of thousands) trigger
    full collections every few requests, each walking all of them again: in-process that
    was over a third of an arrivals page's CPU. Frozen, they are skipped; what requests
    create is collected as before. Python collects the youngest generation every 700
    objects made and not freed, and a night-audit batch makes hundreds of thousands that
    live to its end (its rows): those collections, walking the same young objects again
    and again, were a tenth of its CPU; at 50,000 they are a few hundredths. What goes
    unreached in between is a few megabytes of request garbage at the most. Called once,
    when a serving process starts (not per app: a test suite builds hundreds, and whatever
    a frozen app holds would stay)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(gc_threshold, *gc.get_threshold()[1:])


@contextmanager
def heap_settled(gc_threshold: int) -> Iterator[None]:
    """:func:`settle_heap` for the length of a command (``staytier import-stays``), then the
    collector as it was: what was frozen is seen again, the threshold put back."""
    thresholds = gc.get_threshold()
    settle_heap(gc_threshold)
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def app_from_environment() -> Litestar:
    """The app for each of uvicorn's worker processes (``staytier serve --workers N``): they
    cannot be handed an object, so each reads the settings from the ``STAYTIER_*``
    variables the parent process set."""
    settings = Settings.load(os.environ)
    configure_logging(settings)
    return create_app(settings, serving=True)


def persisted_queries(settings: Settings) -> PersistedQueries:
    """The documents clients may send by hash (see api/http/persisted_queries.py)."""
    directory = settings.persisted_queries_dir
    return PersistedQueries.from_directory(
        Path(directory) if directory else shipped_operations(),
        cache_size=settings.persisted_queries_cache_size,
        only_preloaded=settings.persisted_queries_only,
    )


def create_app(
    settings: Settings,
    runtime: Runtime | None = None,
    *,
    companions: Sequence[Callable[[], AbstractAsyncContextManager[object]]] = (),
    authenticator: Authenticator | None = None,
    serving: bool = False,
) -> Litestar:
    """The ASGI app. Pass a ``runtime`` to share one with tests or the CLI;
    ``companions`` run beside the app while it serves (the demo's partners and worker);
    the ``authenticator`` turns ``Authorization`` headers into principals; ``serving``
    says the app is its process's one app, started to serve (see :func:`settle_heap`)."""
    settings.check_production()
    runtime = runtime or build_runtime(settings)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        try:
            async with AsyncExitStack() as stack:
                for companion in companions:
                    await stack.enter_async_context(companion())
                if serving:
                    settle_heap(settings.gc_threshold)
                yield
        finally:
            await simulation.stop_jobs()  # before the database they write to goes
            await runtime.db.dispose()

    schema = build_schema(development=settings.development)
    graphql = graphql_controller(
        schema, development=settings.development, persisted=persisted_queries(settings)
    )
    # The pages offer guest approvals only where the schema has them (see docs/pages.md).
    guest_approvals = schema.get_type_by_name("RequestGuestApprovalInput") is not None
    return Litestar(
        route_handlers=[
            graphql,
            health,
            live,
            ready,
            metrics,
            PartnerWebhooks,
            pages_router(settings.pages_brand, guest_approvals=guest_approvals),
        ],
        state=State(
            {
                "runtime": runtime,
                "settings": settings,
                "authenticator": authenticator or Authenticator.for_settings(settings),
                "metrics": ServiceMetrics(),
                "page_strings": Strings(
                    Path(settings.pages_brand) if settings.pages_brand else None
                ),
            }
        ),
        template_config=pages_template_config(),
        lifespan=[lifespan],
        request_max_body_size=settings.max_body_bytes,
        middleware=[
            request_ids,
            counted,
            authenticate,
            rate_limit(settings.rate_limit_per_minute).middleware,
            *tracing_middleware(settings),
        ],
        debug=False,
        # Logging is configured once per process (observability.logs.configure_logging);
        # Litestar's default configuration would replace the root logger's handlers.
        logging_config=None,
    )
