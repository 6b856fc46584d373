"""The ``staytier`` app and what its commands share: options, the console, settings, the
runtime, progress bars and refusals. The commands live in the ``cli_*`` modules, which
register themselves on :data:`app`; :mod:`staytier.cli` imports them all and runs it."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
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

from staytier.observability.tracing import TracingUnavailable
from staytier.program.loader import ProgramFileError
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

DatabaseOption = Annotated[
    str | None, typer.Option("--database", help="SQLAlchemy URL (env STAYTIER_DATABASE_URL).")
]
ProgramOption = Annotated[
    Path | None, typer.Option("--program", help="Program file (env STAYTIER_PROGRAM).")
]


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


def _runtime(settings: Settings, *, migrated: bool = True) -> Runtime:
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


def _migrate(settings: Settings) -> None:
    from staytier.store.migrate import upgrade

    upgrade(settings.database_url)


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


def _report(title: str, summary: Any) -> None:
    from staytier.services.job_runs import describe

    console.print(f"{title}: {describe(summary)}.", highlight=False)
