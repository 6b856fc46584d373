"""``staytier serve`` and what readies a database for it: ``init``, ``migrate``,
``load-demo``, ``load-properties``. Registered on the app of :mod:`staytier.cli_app`."""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections import ChainMap
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from staytier.cli_app import (
    DatabaseOption,
    ProgramOption,
    _fail,
    _migrate,
    _runtime,
    _settings,
    app,
    console,
)
from staytier.cli_clients import _client_call, _show_key
from staytier.observability.logs import configure_logging
from staytier.program.loader import FIXTURES, ProgramFileError
from staytier.settings import Settings
from staytier.store.database_url import shown

if TYPE_CHECKING:
    from staytier.services.runtime import Runtime


DEMO_DATABASE = "sqlite+aiosqlite:///staytier-demo.db"


def worker_environment(settings: Settings, runtime: Runtime) -> dict[str, str]:
    """The STAYTIER_* variables from which each ``serve --workers`` process builds its app:
    the same settings, and the same secret key. Without a configured one (development),
    that is this process's random key, so a guest token one worker issues is accepted by
    every other."""
    environment = {}
    for name in settings.__struct_fields__:
        value = getattr(settings, name)
        environment[f"STAYTIER_{name.upper()}"] = (
            str(value).lower() if isinstance(value, bool) else str(value)
        )
    environment["STAYTIER_SECRET_KEY"] = settings.secret_key or runtime.secret_key
    return environment


@app.command()
def serve(
    demo: Annotated[bool, typer.Option(help="Embedded SQLite with the demo loaded.")] = False,
    program: ProgramOption = None,
    database: DatabaseOption = None,
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    test_clock: Annotated[
        bool, typer.Option("--test-clock", help="Let setTestClock move time (tests, demos).")
    ] = False,
    workers: Annotated[
        int, typer.Option(help="Server processes sharing the port (one per core).", min=1)
    ] = 1,
) -> None:
    """Start the GraphQL service (GraphiQL at /graphql in development)."""
    import uvicorn

    from staytier.api.http.app import create_app

    if demo and database is None and "STAYTIER_DATABASE_URL" not in os.environ:
        database = DEMO_DATABASE
    settings = _settings(
        database_url=database,
        program=program,
        host=host,
        port=port,
        test_clock=test_clock or None,
        demo=demo or None,
    )
    configure_logging(settings)
    if settings.development or demo:
        _migrate(settings)
    runtime = _runtime(settings)
    _print_start(settings, runtime, asyncio.run(_starting(runtime, demo=demo)))
    if workers > 1:
        if settings.test_clock or demo:
            console.print(
                "[red]The demo and a test clock live in one process: use --workers 1.[/red]"
            )
            raise typer.Exit(2)
        _serve_in_workers(settings, runtime, workers)
        return
    companions = []
    if demo:
        runtime, partners = _with_simulated_partners(runtime)
        companions.append(partners)
        console.print("Partner simulators and a delivery worker run beside the demo.")
    uvicorn.run(
        create_app(settings, runtime, companions=companions, serving=True),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # keep configure_logging's handler and format
    )


def _print_start(settings: Settings, runtime: Runtime, start: _Start) -> None:
    """What a starting server says: the demo's data and keys, or how to make the first key
    when there is none; what it serves, and where."""
    if start.loaded is not None:
        _print_loaded(start.loaded)
        _print_credentials(start.credentials)
    elif start.clients == 0:
        console.print(
            "[yellow]No API client exists yet: every request will be refused with "
            '"Not allowed.". Create the first admin key with[/yellow] '
            f"staytier init --database {shown(settings.database_url)}",
            highlight=False,
        )
    console.print(
        f"staytier serving program {runtime.program.code} on {shown(settings.database_url)}"
    )
    if settings.development:
        url = f"http://{settings.host}:{settings.port}/graphql"
        console.print(f"GraphiQL: [bold]{url}[/bold]")
    if settings.test_clock:
        console.print("Test clock enabled: setTestClock moves time and runs due jobs.")


def _serve_in_workers(settings: Settings, runtime: Runtime, workers: int) -> None:
    """Serves with ``workers`` processes sharing the port, each building its app from the
    same settings and secret key (:func:`worker_environment`).

    The one place the command line writes its process's environment, because it is the
    only way to reach those processes: uvicorn starts each as a new interpreter
    (multiprocessing's spawn) that imports ``app_from_environment`` by name (with
    ``workers`` it accepts only an import string, no app or settings object), and a spawned
    process receives nothing of its parent's state but the environment it inherits. It is
    written just before they start; this process then only supervises them until it exits.
    """
    import uvicorn

    os.environ.update(worker_environment(settings, runtime))
    uvicorn.run(
        "staytier.api.http.app:app_from_environment",
        factory=True,
        workers=workers,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # keep configure_logging's handler and format
    )


def _with_simulated_partners(
    runtime: Runtime,
) -> tuple[Runtime, Callable[[], AbstractAsyncContextManager[object]]]:
    """The demo's runtime and its partner simulators (with their delivery worker), to run
    beside the app.

    The simulators make up the API keys the environment does not set. They are kept in the
    partners' own view of the environment (the process's, read live, with the made-up keys
    on top), which the app and the delivery worker read their secrets from, instead of being
    written into the process's environment."""
    from staytier.connectors.demo_partners import simulated_partners
    from staytier.services.partners import Partners

    environ: ChainMap[str, str] = ChainMap({}, os.environ)
    runtime = dataclasses.replace(runtime, partners=Partners(list(runtime.partners.all), environ))
    return runtime, lambda: simulated_partners(runtime, environ)


@app.command()
def init(
    database: DatabaseOption = None,
    name: Annotated[str, typer.Option("--name", help="Who holds the first admin key.")] = "admin",
) -> None:
    """First run: migrate the database, create the first admin client and print its key once."""
    from staytier.domain.access import Role
    from staytier.services.clients import create_client, list_clients

    settings = _settings(database_url=database)
    _migrate(settings)
    runtime = _runtime(settings)

    async def first_admin() -> Any:
        try:
            if await list_clients(runtime):
                return None
            return await create_client(runtime, role=Role.ADMIN, name=name)
        finally:
            await runtime.db.dispose()

    issued = _client_call(first_admin())
    if issued is None:
        _fail(
            f"The database at {shown(settings.database_url)} already has API clients; "
            "add more with `staytier clients create`.",
            status=1,
        )
    console.print(f"Database at {shown(settings.database_url)} is up to date.")
    _show_key(issued)
    console.print(
        "Send it as `Authorization: Bearer <key>`; start the service with `staytier serve`.",
        highlight=False,
    )


@app.command()
def migrate(database: DatabaseOption = None) -> None:
    """Apply the database migrations."""
    settings = _settings(database_url=database)
    _migrate(settings)
    console.print(f"Database at {shown(settings.database_url)} is up to date.")


@dataclasses.dataclass(frozen=True)
class _Start:
    """What ``serve`` found or made before serving: the demo it loaded, its keys, and how
    many API clients may call."""

    clients: int
    loaded: Any = None
    credentials: list[Any] = dataclasses.field(default_factory=list)


async def _starting(runtime: Runtime, *, demo: bool) -> _Start:
    """Loads the demo (when asked) and counts the API clients, in one event loop whose
    connections are closed before the server's loop starts: an asyncpg connection belongs
    to the loop that opened it."""
    from staytier.services.clients import list_clients
    from staytier.services.demo import demo_credentials, load_demo

    try:
        if not demo:
            clients = await list_clients(runtime)
            return _Start(sum(1 for client in clients if client.revoked_at is None))
        loaded = await load_demo(runtime, FIXTURES / "demo")
        credentials = await demo_credentials(runtime)
        return _Start(len(credentials), loaded, credentials)
    finally:
        await runtime.db.dispose()


def _print_loaded(loaded: Any) -> None:
    console.print(
        f"Demo: {loaded.properties} properties, {loaded.members} members and "
        f"{loaded.stays} stays added."
    )


def _print_credentials(credentials: list[Any]) -> None:
    console.print("Demo credentials (development only; new ones at every start):")
    for credential in credentials:
        console.print(f"# {credential.label}", highlight=False)
        console.print(f"{credential.variable}={credential.secret}", soft_wrap=True, highlight=False)


def _load_demo(runtime: Runtime) -> None:
    from staytier.services.demo import load_demo

    async def load() -> Any:
        try:
            return await load_demo(runtime, FIXTURES / "demo")
        finally:
            await runtime.db.dispose()

    _print_loaded(asyncio.run(load()))


@app.command("load-demo")
def load_demo_command(database: DatabaseOption = None, program: ProgramOption = None) -> None:
    """Load the demo properties and members (members already present are kept)."""
    settings = _settings(database_url=database, program=program)
    _migrate(settings)
    _load_demo(_runtime(settings))


@app.command("load-properties")
def load_properties_command(
    path: Path, database: DatabaseOption = None, program: ProgramOption = None
) -> None:
    """Register or update the properties listed in a TOML or JSON file (all or none)."""
    from staytier.services.properties import load_property_file

    settings = _settings(database_url=database, program=program)
    _migrate(settings)
    runtime = _runtime(settings)
    try:
        loaded = asyncio.run(load_property_file(runtime, path))
    except ProgramFileError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"{path}: {loaded.added} properties added, {loaded.updated} updated.")
