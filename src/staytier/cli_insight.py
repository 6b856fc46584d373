"""The insight commands of ``staytier``: ``what-if`` and ``report``. Kept apart from cli.py,
which registers them, so neither module grows past what a reader holds at once."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from staytier.cli_app import DatabaseOption, _progress, _runtime, _settings, app, console
from staytier.domain.errors import BusinessRuleError, InvalidInput

if TYPE_CHECKING:
    from staytier.services.runtime import Runtime

FromOption = Annotated[str, typer.Option("--from", help="First day of the period (YYYY-MM-DD).")]
ToOption = Annotated[str, typer.Option("--to", help="Last day of the period (YYYY-MM-DD).")]


def _day(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        console.print(f"[red]{option} {text!r} is not a date written YYYY-MM-DD.[/red]")
        raise typer.Exit(2) from exc


def _refused(error: BusinessRuleError) -> typer.Exit:
    for mistake in error.errors if isinstance(error, InvalidInput) else [error]:
        where = f"{mistake.field}: " if mistake.field else ""
        console.print(f"[red]{mistake.code.value}[/red] {where}{mistake.message}")
    return typer.Exit(1)


@app.command("what-if")
def what_if(
    candidate_file: Annotated[
        Path, typer.Option("--program", help="The candidate program file (TOML or JSON).")
    ],
    start: FromOption,
    end: ToOption,
    moves: Annotated[
        Path | None,
        typer.Option("--moves", help="Also write the members who would change tier (CSV)."),
    ] = None,
    database: DatabaseOption = None,
    served: Annotated[
        Path | None,
        typer.Option("--served-program", help="The served program (env STAYTIER_PROGRAM)."),
    ] = None,
) -> None:
    """Replay a candidate program over a period's real stays (nothing is written to the
    books) and print the comparison with what happened as CSV."""
    from staytier.services import simulation

    runtime = _runtime(_settings(database_url=database, program=served))
    first, last = _day(start, "--from"), _day(end, "--to")
    try:
        candidate = simulation.candidate_from_file(candidate_file.read_text())
    except OSError as exc:
        console.print(f"[red]Cannot read {candidate_file}: {exc.strerror}[/red]")
        raise typer.Exit(2) from exc
    except BusinessRuleError as error:
        raise _refused(error) from error

    async def run() -> tuple[Any, list[tuple[Any, str]]]:
        simulation_id = await simulation.create_simulation(
            runtime, candidate, first, last, "command line"
        )
        with _progress() as bar:
            task = bar.add_task("Simulating", total=None)
            await simulation.run_simulation(
                runtime,
                simulation_id,
                candidate,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        row = await simulation.simulation_by_id(runtime, simulation_id)
        moved = await _all_moves(runtime, simulation_id) if moves is not None else []
        await runtime.db.dispose()
        return row, moved

    try:
        row, moved = asyncio.run(run())
    except BusinessRuleError as error:
        raise _refused(error) from error
    if row.status != "DONE":
        console.print(f"[red]The simulation {row.status}: {row.message}[/red]")
        raise typer.Exit(1)
    write_comparison(sys.stdout, row.summary)
    if moves is not None:
        with moves.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["member_number", "actual_tier", "simulated_tier"])
            writer.writerows((number, m.actual_tier, m.simulated_tier) for m, number in moved)
        console.print(f"{len(moved)} members who would change tier written to {moves}.")


async def _all_moves(runtime: Runtime, simulation_id: int) -> list[tuple[Any, str]]:
    """Every member the simulation moved, with their number, read a thousand at a time."""
    from staytier.services import simulation

    moved: list[tuple[Any, str]] = []
    after: int | None = None
    while True:
        page = await simulation.moves_page(
            runtime, simulation_id, first=1_000, after_id=after, up=None
        )
        moved += page[:1_000]
        if len(page) <= 1_000:
            return moved
        after = page[999][0].id


def write_comparison(out: TextIO, summary: dict[str, Any]) -> None:
    """The comparison of a finished simulation as CSV: figure, actual, simulated."""
    writer = csv.writer(out)
    writer.writerow(["figure", "actual", "simulated"])
    for tier in summary["tiers"]:
        writer.writerow([f"members_{tier['code'].lower()}", tier["actual"], tier["simulated"]])
    writer.writerow(["moved_up", 0, summary["moved_up"]])
    writer.writerow(["moved_down", 0, summary["moved_down"]])
    writer.writerow(["points_issued", summary["actual_points"], summary["simulated_points"]])
    currency = summary["currency"].lower()
    writer.writerow(
        [f"liability_{currency}", summary["actual_liability"], summary["simulated_liability"]]
    )
    writer.writerow(
        [
            "benefit_cost_usd",
            summary["actual_benefit_cost_usd"],
            summary["simulated_benefit_cost_usd"],
        ]
    )
    if "actual_promotion_points" in summary:  # not in a summary stored before they counted
        writer.writerow(
            [
                "promotion_points",
                summary["actual_promotion_points"],
                summary["simulated_promotion_points"],
            ]
        )
        writer.writerow(
            [
                f"promotion_cost_{currency}",
                summary["actual_promotion_cost"],
                summary["simulated_promotion_cost"],
            ]
        )


@app.command()
def report(
    start: FromOption,
    end: ToOption,
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write.")],
    property_code: Annotated[
        str | None, typer.Option("--property", help="Only the guests of this property.")
    ] = None,
    database: DatabaseOption = None,
    program: Annotated[
        Path | None, typer.Option("--program", help="Program file (env STAYTIER_PROGRAM).")
    ] = None,
) -> None:
    """Write the program report of a period as one self-contained HTML page with charts."""
    from staytier.report_page import render
    from staytier.services.insight import ReportPeriod
    from staytier.services.program_report import program_report

    runtime = _runtime(_settings(database_url=database, program=program))
    period = ReportPeriod(
        _day(start, "--from"),
        _day(end, "--to"),
        property_code.strip().upper() if property_code else None,
    )

    async def run() -> Any:
        try:
            return await program_report(runtime, period)
        finally:
            await runtime.db.dispose()

    try:
        made = asyncio.run(run())
    except BusinessRuleError as error:
        raise _refused(error) from error
    out.write_text(render(made, runtime.program.name))
    console.print(f"Program report {period.start} to {period.end} written to {out}.")
