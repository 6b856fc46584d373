"""The date-bound jobs run by hand: ``requalify``, ``expire-points``,
``expire-certificates`` and ``credit-birthdays`` (the scheduler runs them when due)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Annotated, Any

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


def _run_job(job: Coroutine[Any, Any, object]) -> object:
    try:
        return asyncio.run(job)
    except NotDueYet as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


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
