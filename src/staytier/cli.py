"""The ``staytier`` command line: serve, migrate, load the demo, run the year-end jobs."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
from collections.abc import Coroutine
from contextvars import ContextVar
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from typer.core import TyperGroup

from staytier.domain.errors import NotDueYet
from staytier.observability.logs import configure_logging
from staytier.observability.tracing import TracingUnavailable
from staytier.program.loader import FIXTURES, ProgramFileError, load_program
from staytier.settings import Settings
from staytier.store.database_url import connection_problem, shown, url_mistake

if TYPE_CHECKING:
    # Typer (0.26 on) carries its own copy of Click and names the context type its
    # commands receive only there; the public typer.Context is a subclass of it.
    from typer._click import Context as CommandContext

    from staytier.services.runtime import Runtime

# The database URL the running command uses, to name it when it cannot be reached.
_database_url: ContextVar[str] = ContextVar("staytier_cli_database_url", default="")


class ExplainedGroup(TyperGroup):
    """Runs a command and turns a database that cannot be reached or opened into one
    sentence and exit status 1, instead of the driver's traceback. Anything else is a bug
    and keeps its traceback."""

    def invoke(self, ctx: CommandContext) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except TracingUnavailable as exc:
            _fail(str(exc), status=2, cause=exc)
        except Exception as exc:
            problem = connection_problem(exc, _database_url.get()) if _database_url.get() else None
            if problem is None:
                raise
            _fail(problem, status=1, cause=exc)


app = typer.Typer(
    cls=ExplainedGroup,
    help="staytier: tiered status, points and guest personalization for hotels.",
    no_args_is_help=True,
    add_completion=False,
)

# Wide enough for any table row; rich sizes a table to its content, so it is never padded.
_UNWRAPPED_WIDTH = 10_000


def _console(*, stderr: bool = False) -> Console:
    """A console whose output does not depend on the terminal's width.

    Messages are never wrapped (``soft_wrap``): a terminal folds long lines itself, and a
    pipe, a log file or a test gets each message on one line whatever ``COLUMNS`` says.
    Tables written to a pipe get the width they need instead of rich's default of 80
    columns, so a scripted ``clients list`` is never folded mid-cell.
    """
    printer = Console(stderr=stderr, soft_wrap=True)
    if not printer.is_terminal:
        printer.width = _UNWRAPPED_WIDTH
    return printer


console = _console(stderr=True)

DEMO_DATABASE = "sqlite+aiosqlite:///staytier-demo.db"
DatabaseOption = Annotated[
    str | None, typer.Option("--database", help="SQLAlchemy URL (env STAYTIER_DATABASE_URL).")
]
ProgramOption = Annotated[
    Path | None, typer.Option("--program", help="Program file (env STAYTIER_PROGRAM).")
]


clients_app = typer.Typer(
    help="API clients: create (prints the key once), list, rotate, revoke.",
    no_args_is_help=True,
)
app.add_typer(clients_app, name="clients")


def _fail(message: str, *, status: int, cause: BaseException | None = None) -> NoReturn:
    """Prints ``message`` (plain text, never read as markup) in red and exits."""
    console.print(escape(message), style="red", highlight=False)
    raise typer.Exit(status) from cause


def _show_version(wanted: bool) -> None:
    if wanted:
        console.print(f"staytier {installed_version('staytier')}", highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_show_version, is_eager=True
        ),
    ] = False,
) -> None:
    """staytier: tiered status, points and guest personalization for hotels."""


def _settings(**overrides: Any) -> Settings:
    if isinstance(overrides.get("program"), Path):
        overrides["program"] = str(overrides["program"])
    try:
        settings = Settings.load(os.environ, **overrides)
        settings.check_production()
    except ValueError as exc:
        _fail(str(exc), status=2, cause=exc)
    mistake = url_mistake(settings.database_url)
    if mistake is not None:
        _fail(mistake, status=2)
    _database_url.set(settings.database_url)
    return settings


def _date_option(value: str | None, option: str = "--as-of") -> dt.date | None:
    """A date option as given (None when not given), or a one-line refusal."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        _fail(
            f"{option} {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-12-31.",
            status=2,
            cause=exc,
        )


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


def _runtime(settings: Settings, *, migrated: bool = True) -> Any:
    """The runtime for ``settings``; with ``migrated``, only once the database holds every
    migration of this version (else: which command to run)."""
    from staytier.api.http.app import build_runtime

    try:
        runtime = build_runtime(settings)
    except ProgramFileError as exc:
        _fail(f"Cannot load the program files: {exc}", status=2, cause=exc)
    if migrated:
        _require_migrated(runtime)
    return runtime


def _require_migrated(runtime: Runtime) -> None:
    from staytier.store.migrate import pending_migrations

    async def pending() -> list[str]:
        try:
            return await pending_migrations(runtime.db.read_engine)
        finally:
            await runtime.db.dispose()

    missing = asyncio.run(pending())
    if not missing:
        return
    url = shown(runtime.db.url)
    from staytier.store.migrate import all_revisions

    if len(missing) == len(all_revisions()):
        _fail(
            f"The database at {url} has no staytier tables yet: run `staytier migrate` "
            "(or `staytier init` for a first run).",
            status=1,
        )
    _fail(
        f"The database at {url} lacks {len(missing)} migration(s) of this version "
        f"({', '.join(missing)}): run `staytier migrate`.",
        status=1,
    )


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
    start = asyncio.run(_starting(runtime, demo=demo))
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
    url = f"http://{settings.host}:{settings.port}/graphql"
    console.print(
        f"staytier serving program {runtime.program.code} on {shown(settings.database_url)}"
    )
    if settings.development:
        console.print(f"GraphiQL: [bold]{url}[/bold]")
    if settings.test_clock:
        console.print("Test clock enabled: setTestClock moves time and runs due jobs.")
    if workers > 1:
        if settings.test_clock or demo:
            console.print(
                "[red]The demo and a test clock live in one process: use --workers 1.[/red]"
            )
            raise typer.Exit(2)
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
        return
    companions = []
    if demo:
        from staytier.connectors.demo_partners import simulated_partners

        companions.append(lambda: simulated_partners(runtime, os.environ))
        console.print("Partner simulators and a delivery worker run beside the demo.")
    uvicorn.run(
        create_app(settings, runtime, companions=companions, serving=True),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # keep configure_logging's handler and format
    )


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


async def _starting(runtime: Any, *, demo: bool) -> _Start:
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


def _load_demo(runtime: Any) -> None:
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
    _report(f"Requalification of {year}", summary)


def _report(title: str, summary: Any) -> None:
    from staytier.services.job_runs import describe

    console.print(f"{title}: {describe(summary)}.", highlight=False)


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

    given = _date_option(as_of)
    runtime = _runtime(_settings(database_url=database, program=program))
    day = given or runtime.today()
    with _progress() as bar:
        bar.add_task(f"Expiring points as of {day}", total=None)
        summary = _run_job(run(runtime, day))
    _report(f"Points expiry as of {day}", summary)


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
    configure_logging(settings)
    runtime = _runtime(settings)
    asyncio.run(_work(runtime, batch_size=batch_size, idle_seconds=idle_seconds, once=once))


def _stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM, so a long-running command finishes what it is
    doing and exits cleanly."""
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


async def _work(runtime: Any, *, batch_size: int, idle_seconds: float, once: bool) -> None:
    from staytier.services.delivery import DeliveryWorker

    delivery = DeliveryWorker(runtime, batch_size=batch_size)
    console.print(f"Worker {delivery.name} delivering partner requests.")
    try:
        if once:
            while await delivery.deliver_due():
                pass
            return
        await delivery.run(_stop_on_signals(), idle_seconds=idle_seconds)
    finally:
        await delivery.aclose()
        await runtime.db.dispose()


@app.command()
def scheduler(
    database: DatabaseOption = None,
    program: ProgramOption = None,
    interval: Annotated[float, typer.Option(help="Seconds between passes.", min=1)] = 60.0,
    catch_up_days: Annotated[
        int, typer.Option(help="Days each pass looks back for jobs missed.", min=1)
    ] = 7,
    metrics_port: Annotated[
        int, typer.Option(help="Serve the job metrics on this port (0: not at all).")
    ] = 0,
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
) -> None:
    """Run requalification, expiry, birthdays and certificate expiry when due (no cron)."""
    settings = _settings(database_url=database, program=program)
    configure_logging(settings)
    runtime = _runtime(settings)
    asyncio.run(
        _schedule(
            runtime,
            interval=interval,
            catch_up=dt.timedelta(days=catch_up_days),
            metrics_port=metrics_port,
            once=once,
        )
    )


async def _schedule(
    runtime: Any, *, interval: float, catch_up: dt.timedelta, metrics_port: int, once: bool
) -> None:
    from prometheus_client import start_http_server

    from staytier.observability.metrics import JobMetrics
    from staytier.services.scheduler import Scheduler

    metrics = JobMetrics()
    if metrics_port:
        start_http_server(metrics_port, registry=metrics.registry)

    def reported(report: Any) -> None:
        again = bool(report.summary.get("already_ran"))
        metrics.runs.labels(report.job, "already_ran" if again else "ran").inc()
        if not again:
            metrics.seconds.labels(report.job).observe(report.seconds)
            metrics.last_success.labels(report.job).set_to_current_time()
            _report(f"{report.job} {report.run_key}", report.summary)

    def failed(_exc: BaseException) -> None:
        metrics.runs.labels("(pass)", "failed").inc()

    jobs = Scheduler(runtime, catch_up=catch_up, on_report=reported, on_failure=failed)
    console.print(f"Scheduler {jobs.name} running the date-bound jobs when due.")
    try:
        if once:
            done = await jobs.run_once()
            if not done.led:
                console.print("Another scheduler holds the lease; nothing run.")
            await jobs.release()
            return
        await jobs.run(_stop_on_signals(), interval_seconds=interval)
    finally:
        await runtime.db.dispose()


@app.command("expire-certificates")
def expire_certificates(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date to expire as of (default: today, UTC).")
    ] = None,
    database: DatabaseOption = None,
    program: ProgramOption = None,
) -> None:
    """Mark free-night certificates past their last valid day as expired."""
    from staytier.services.certificates import expire_certificates as run

    given = _date_option(as_of)
    runtime = _runtime(_settings(database_url=database, program=program))
    day = given or runtime.today()
    with _progress() as bar:
        bar.add_task(f"Expiring certificates as of {day}", total=None)
        summary = _run_job(run(runtime, day))
    _report(f"Certificate expiry as of {day}", summary)


@app.command("credit-birthdays")
def credit_birthdays(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="UTC day to credit (default: today, UTC).")
    ] = None,
    database: DatabaseOption = None,
    program: ProgramOption = None,
) -> None:
    """Credit the birthday bonus to members whose birthday it is, in their time zone."""
    from staytier.services.birthdays import credit_birthdays as run

    given = _date_option(as_of)
    runtime = _runtime(_settings(database_url=database, program=program))
    day = given or runtime.today()
    with _progress() as bar:
        task = bar.add_task(f"Crediting birthdays of {day}", total=None)
        summary = _run_job(
            run(
                runtime,
                day,
                day,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        )
    _report(f"Birthday bonus for {day}", summary)


@app.command()
def generate(
    members: Annotated[int, typer.Option(help="How many members to create.")],
    stays_per_member: Annotated[
        float, typer.Option(help="Average stays per member over the last three years.")
    ] = 10,
    seed: Annotated[int, typer.Option(help="Same seed and sizes: same rows.")] = 1,
    today: Annotated[
        str | None, typer.Option(help="The day the history ends (default: today, UTC).")
    ] = None,
    database: DatabaseOption = None,
    program: ProgramOption = None,
) -> None:
    """Fill an empty database with realistic members, stays, credits, ledgers and status."""
    from staytier.generator import GenerationPlan, NotEmpty
    from staytier.generator import generate as run

    settings = _settings(database_url=database, program=program)
    _migrate(settings)
    runtime = _runtime(settings)
    plan = GenerationPlan(
        members=members,
        stays_per_member=stays_per_member,
        seed=seed,
        today=_date_option(today, "--today") or runtime.today(),
    )
    with _progress() as bar:
        task = bar.add_task(f"Generating {members:,} members", total=members)
        try:
            report = asyncio.run(
                run(
                    settings.database_url,
                    runtime.program,
                    runtime.rates,
                    plan,
                    progress=lambda done: bar.update(task, completed=done),
                )
            )
        except NotEmpty as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from exc
    rows = sum(report.rows.values())
    console.print(
        f"{rows:,} rows in {report.seconds:.1f} s ({report.rows_per_second:,.0f} rows/s): "
        + ", ".join(f"{table} {count:,}" for table, count in report.rows.items())
    )
    console.print(
        "Tiers held today: "
        + ", ".join(f"{tier} {count:,}" for tier, count in sorted(report.tiers.items()))
    )


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


RoleOption = Annotated[
    str,
    typer.Option(
        "--role", help="front_desk, booking_partner, guest, analyst or admin.", show_default=False
    ),
]


def _client_call(job: Coroutine[Any, Any, Any]) -> Any:
    from staytier.domain.errors import BusinessRuleError

    try:
        return asyncio.run(job)
    except BusinessRuleError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc


def _show_key(issued: Any) -> None:
    console.print(
        f"Client {issued.client.name!r} ({issued.client.role}), key id {issued.client.key_id}."
    )
    console.print("The key is shown once; store it now:", style="bold")
    print(issued.key)


@clients_app.command("create")
def clients_create(
    role: RoleOption,
    name: Annotated[str, typer.Option("--name", help="Who uses the key, e.g. 'NYCTS PMS'.")],
    property_codes: Annotated[
        list[str] | None,
        typer.Option("--property", help="A property a front desk serves (repeat for more)."),
    ] = None,
    partner: Annotated[
        str | None, typer.Option("--partner", help="The partner code of a booking partner.")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Create an API client and print its key, once (only a hash of it is stored)."""
    from staytier.domain.access import Role
    from staytier.services.clients import create_client

    try:
        chosen = Role(role)
    except ValueError as exc:
        console.print(f"[red]Unknown role {role!r}: {', '.join(r.value for r in Role)}.[/red]")
        raise typer.Exit(2) from exc
    settings = _settings(database_url=database)
    runtime = _runtime(settings)
    issued = _client_call(
        create_client(runtime, role=chosen, name=name, properties=property_codes, partner=partner)
    )
    _show_key(issued)


@clients_app.command("list")
def clients_list(database: DatabaseOption = None) -> None:
    """List the API clients (never their keys)."""
    from rich.table import Table

    from staytier.services.clients import list_clients

    runtime = _runtime(_settings(database_url=database))
    table = Table("key id", "name", "role", "scope", "created", "rotated", "revoked")
    for client in asyncio.run(list_clients(runtime)):
        table.add_row(
            client.key_id,
            client.name,
            client.role,
            client.property_codes or client.partner_code or "",
            f"{client.created_at:%Y-%m-%d %H:%M}",
            f"{client.rotated_at:%Y-%m-%d %H:%M}" if client.rotated_at else "",
            f"{client.revoked_at:%Y-%m-%d %H:%M}" if client.revoked_at else "",
        )
    _console().print(table)


@clients_app.command("rotate")
def clients_rotate(
    key_id: Annotated[str, typer.Argument(help="The client's key id (see `clients list`).")],
    database: DatabaseOption = None,
) -> None:
    """Give a client a new key; the old key stops working at once."""
    from staytier.services.clients import rotate_client

    runtime = _runtime(_settings(database_url=database))
    _show_key(_client_call(rotate_client(runtime, key_id)))


@clients_app.command("revoke")
def clients_revoke(
    key_id: Annotated[str, typer.Argument(help="The client's key id (see `clients list`).")],
    database: DatabaseOption = None,
) -> None:
    """Revoke a client: its key stops working with the next request."""
    from staytier.services.clients import revoke_client

    runtime = _runtime(_settings(database_url=database))
    client = _client_call(revoke_client(runtime, key_id))
    console.print(f"Client {client.name!r} ({client.key_id}) is revoked.")


def _progress() -> Progress:
    """A progress bar on stderr (a spinner while the total is unknown); not drawn when
    stderr is not a terminal, so logs get only the summary."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


# The insight commands (what-if, report), verify-draw and import-stays register themselves
# on ``app``.
from staytier import cli_engagement, cli_insight, cli_stays  # noqa: E402, F401


def main() -> None:
    app(prog_name="staytier")


if __name__ == "__main__":
    main()
