"""The date-bound jobs run by hand: ``requalify``, ``expire-points``,
``expire-certificates`` and ``credit-birthdays`` (the scheduler runs them when due).

Every job command builds the runtime, then hands its job to :func:`_run_job`, which runs it
under a progress bar and prints the summary the scheduler prints too. The dated ones are
declared with :func:`_dated_job`, which gives each the same ``--as-of``, ``--database`` and
``--program`` options.
"""

# No ``from __future__ import annotations`` here: the options of a dated job are declared in
# a closure (:func:`_dated_job`), and Typer reads a command's annotations by evaluating them
# in the module's globals, where the closure's names are not; evaluated now, they need not be.

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Annotated

import typer

from staytier.cli_app import (
    DatabaseOption,
    ProgramOption,
    _date_option,
    _progress,
    _report,
    _runtime,
    _settings,
    app,
    console,
)
from staytier.domain.errors import NotDueYet
from staytier.services.runtime import Runtime

# ``progress(done, total)``: how many members a job has been through, of how many.
Progressed = Callable[[int, int], None]
# A dated job: the work of one day, reporting its progress.
DatedJob = Callable[[Runtime, dt.date, Progressed], Awaitable[object]]


def _run_job(
    runtime: Runtime, doing: str, done: str, job: Callable[[Progressed], Awaitable[object]]
) -> None:
    """Runs ``job`` (given the progress callback) under a bar captioned ``doing``, then
    prints its summary after ``done``. A job that is not due yet exits 1 saying why."""

    async def run(progress: Progressed) -> object:
        try:
            return await job(progress)
        finally:
            await runtime.db.dispose()

    with _progress() as bar:
        task = bar.add_task(doing, total=None)
        try:
            summary = asyncio.run(
                run(lambda count, total: bar.update(task, completed=count, total=total))
            )
        except NotDueYet as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from exc
    _report(done, summary)


def _dated_job(
    name: str,
    doing: str,
    done: str,
    as_of_help: str = "Date to expire as of (default: today, UTC).",
) -> Callable[[DatedJob], DatedJob]:
    """Registers the decorated job as the command ``name``, its docstring as the command's
    help. The job runs as of ``--as-of`` (``as_of_help``), else today (UTC); ``doing`` and
    ``done``, followed by that day, caption its progress bar and its summary."""

    def register(job: DatedJob) -> DatedJob:
        def command(
            as_of: Annotated[str | None, typer.Option("--as-of", help=as_of_help)] = None,
            database: DatabaseOption = None,
            program: ProgramOption = None,
        ) -> None:
            given = _date_option(as_of)
            runtime = _runtime(_settings(database_url=database, program=program))
            day = given or runtime.today()
            _run_job(
                runtime,
                f"{doing} {day}",
                f"{done} {day}",
                lambda progress: job(runtime, day, progress),
            )

        app.command(name, help=job.__doc__)(command)
        return job

    return register


@app.command()
def requalify(
    year: Annotated[int, typer.Option(help="The qualification year that just ended.")],
    database: DatabaseOption = None,
    program: ProgramOption = None,
) -> None:
    """Year-end requalification over all members, with the soft landing."""
    from staytier.services.requalification import requalify as run

    runtime = _runtime(_settings(database_url=database, program=program))
    _run_job(
        runtime,
        f"Requalifying {year}",
        f"Requalification of {year}",
        lambda progress: run(runtime, year, progress=progress),
    )


@_dated_job("expire-points", "Expiring points as of", "Points expiry as of")
async def expire_points(runtime: Runtime, day: dt.date, _: Progressed) -> object:
    """Expire the points of members without activity for the program's period."""
    from staytier.services.expiry import expire_points as run

    return await run(runtime, day)


@_dated_job("expire-certificates", "Expiring certificates as of", "Certificate expiry as of")
async def expire_certificates(runtime: Runtime, day: dt.date, _: Progressed) -> object:
    """Mark free-night certificates past their last valid day as expired."""
    from staytier.services.certificates import expire_certificates as run

    return await run(runtime, day)


@_dated_job(
    "credit-birthdays",
    "Crediting birthdays of",
    "Birthday bonus for",
    as_of_help="UTC day to credit (default: today, UTC).",
)
async def credit_birthdays(runtime: Runtime, day: dt.date, progress: Progressed) -> object:
    """Credit the birthday bonus to members whose birthday it is, in their time zone."""
    from staytier.services.birthdays import credit_birthdays as run

    return await run(runtime, day, day, progress=progress)
