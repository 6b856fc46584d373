"""The ``staytier`` command line: serve, migrate, load the demo, run the year-end jobs."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import make_url

from staytier.domain.errors import NotDueYet
from staytier.program.loader import FIXTURES, ProgramFileError, load_program
from staytier.settings import Settings

app = typer.Typer(
    help="staytier: tiered status, points and guest personalization for hotels.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)

DEMO_DATABASE = "sqlite+aiosqlite:///staytier-demo.db"
DatabaseOption = Annotated[
    str | None, typer.Option("--database", help="SQLAlchemy URL (env STAYTIER_DATABASE_URL).")
]
ProgramOption = Annotated[
    Path | None, typer.Option("--program", help="Program file (env STAYTIER_PROGRAM).")
]


def _settings(**overrides: Any) -> Settings:
    if isinstance(overrides.get("program"), Path):
        overrides["program"] = str(overrides["program"])
    try:
        return Settings.load(os.environ, **overrides)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


def _runtime(settings: Settings) -> Any:
    from staytier.api.http.app import build_runtime

    try:
        return build_runtime(settings)
    except ProgramFileError as exc:
        console.print(f"[red]Cannot load the program files.[/red]\n{exc}")
        raise typer.Exit(2) from exc


def _shown(url: str) -> str:
    """A database URL fit for a terminal or a log: the password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def _run_job(job: Coroutine[Any, Any, object]) -> object:
    try:
        return asyncio.run(job)
    except NotDueYet as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


def _migrate(settings: Settings) -> None:
    from staytier.store.migrate import upgrade

    upgrade(settings.database_url)


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
    )
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    runtime = _runtime(settings)
    if settings.development or demo:
        _migrate(settings)
    if demo:
        _load_demo(runtime)
    url = f"http://{settings.host}:{settings.port}/graphql"
    console.print(
        f"staytier serving program {runtime.program.code} on {_shown(settings.database_url)}"
    )
    if settings.development:
        console.print(f"GraphiQL: [bold]{url}[/bold]")
    if settings.test_clock:
        console.print("Test clock enabled: setTestClock moves time and runs due jobs.")
    companions = []
    if demo:
        from staytier.connectors.demo import simulated_partners

        companions.append(lambda: simulated_partners(runtime, os.environ))
        console.print("Partner simulators and a delivery worker run beside the demo.")
    uvicorn.run(
        create_app(settings, runtime, companions=companions),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
    )


@app.command()
def migrate(database: DatabaseOption = None) -> None:
    """Apply the database migrations."""
    settings = _settings(database_url=database)
    _migrate(settings)
    console.print(f"Database at {_shown(settings.database_url)} is up to date.")


def _load_demo(runtime: Any) -> None:
    from staytier.services.demo import load_demo

    loaded = asyncio.run(load_demo(runtime, FIXTURES / "demo"))
    console.print(
        f"Demo: {loaded.properties} properties, {loaded.members} members and "
        f"{loaded.stays} stays added."
    )


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


@app.command()
def requalify(
    year: Annotated[int, typer.Option(help="The qualification year that just ended.")],
    database: DatabaseOption = None,
    program: ProgramOption = None,
) -> None:
    """Year-end requalification over all members, with the soft landing."""
    from staytier.services.requalification import requalify as run

    runtime = _runtime(_settings(database_url=database, program=program))
    with _progress() as bar:
        task = bar.add_task(f"Requalifying {year}", total=None)
        summary = _run_job(
            run(
                runtime,
                year,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        )
    console.print(summary)


@app.command("expire-points")
def expire_points(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date to expire as of (default: today, UTC).")
    ] = None,
    database: DatabaseOption = None,
    program: ProgramOption = None,
) -> None:
    """Expire the points of members without activity for the program's period."""
    from staytier.services.expiry import expire_points as run

    runtime = _runtime(_settings(database_url=database, program=program))
    day = dt.date.fromisoformat(as_of) if as_of else runtime.today()
    console.print(_run_job(run(runtime, day)))


@app.command()
def worker(
    database: DatabaseOption = None,
    program: ProgramOption = None,
    partners: Annotated[
        Path | None, typer.Option("--partners", help="Partners file (env STAYTIER_PARTNERS).")
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Requests claimed per pass.")] = 20,
    idle_seconds: Annotated[float, typer.Option(help="Rest when nothing is due.")] = 1.0,
    once: Annotated[bool, typer.Option("--once", help="Deliver what is due, then exit.")] = False,
) -> None:
    """Deliver the outbox's partner requests (run as many workers as you like)."""
    settings = _settings(
        database_url=database,
        program=program,
        partners=str(partners) if partners else None,
    )
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    runtime = _runtime(settings)
    asyncio.run(_work(runtime, batch_size=batch_size, idle_seconds=idle_seconds, once=once))


async def _work(runtime: Any, *, batch_size: int, idle_seconds: float, once: bool) -> None:
    import signal

    from staytier.connectors.worker import DeliveryWorker

    delivery = DeliveryWorker(runtime, batch_size=batch_size)
    console.print(f"Worker {delivery.name} delivering partner requests.")
    try:
        if once:
            while await delivery.deliver_due():
                pass
            return
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await delivery.run(stop, idle_seconds=idle_seconds)
    finally:
        await delivery.aclose()
        await runtime.db.dispose()


@app.command("check-program")
def check_program(path: Path) -> None:
    """Validate a program file and list every mistake in it."""
    try:
        loaded = load_program(path)
    except ProgramFileError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    versions = ", ".join(f"{v.version} from {v.effective_from}" for v in loaded.versions)
    console.print(f"{path}: program {loaded.code} is valid ({versions}).")


@app.command("export-schema")
def export_schema(
    output: Annotated[Path, typer.Option(help="Where to write the SDL.")] = Path(
        "graphql/schema.graphql"
    ),
) -> None:
    """Write the GraphQL schema (SDL) that clients are built against."""
    from staytier.api.graphql.schema import schema_sdl

    output.write_text(schema_sdl())
    console.print(f"Wrote {output}.")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    )


def main() -> None:
    app(prog_name="staytier")


if __name__ == "__main__":
    sys.exit(main())
