"""Tools around the program and the schema: ``check-program``, ``export-schema`` and
``generate`` (a realistic database for load tests)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from staytier.cli_app import (
    DatabaseOption,
    ProgramOption,
    _date_option,
    _migrate,
    _progress,
    _runtime,
    _settings,
    app,
    console,
)
from staytier.program.loader import ProgramFileError, load_program


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
    from staytier.generator import GenerationPlan, ModelsChanged, NotEmpty
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
        except (NotEmpty, ModelsChanged) as exc:
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
