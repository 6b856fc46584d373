"""The command line's output reads the same whatever the terminal's width.

Operators pipe ``staytier`` into logs and scripts; a message folded at 80 columns (rich's
default when not writing to a terminal) breaks a ``grep`` and made a test depend on the
length of its temporary path.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from staytier.cli import app

LONG_NAME = "Front desk of the Staytier Grand Hotel and Residences, night audit system"


def test_a_long_message_stays_on_one_line_when_piped(tmp_path: Path) -> None:
    folder = tmp_path / ("a-folder-with-a-rather-long-name-" * 4)
    folder.mkdir()
    properties = folder / "properties.toml"
    properties.write_text(
        'properties = [{ code = "MILDU", name = "Staytier Milano Duomo", brand = "Staytier", '
        'time_zone = "Europe/Rome", category = 5, currency = "EUR" }]\n'
    )
    database = f"sqlite+aiosqlite:///{folder / 'cli.db'}"
    loaded = CliRunner().invoke(
        app, ["load-properties", str(properties), "--database", database], env={"COLUMNS": "40"}
    )
    assert loaded.exit_code == 0, loaded.output
    assert f"{properties}: 1 properties added, 0 updated." in loaded.output.splitlines()


def test_a_piped_client_list_keeps_each_client_on_one_row(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'clients.db'}"
    runner = CliRunner()
    assert runner.invoke(app, ["migrate", "--database", database]).exit_code == 0
    created = runner.invoke(
        app,
        [
            "clients",
            "create",
            "--role",
            "admin",
            "--name",
            LONG_NAME,
            "--database",
            database,
        ],
    )
    assert created.exit_code == 0, created.output
    listed = runner.invoke(app, ["clients", "list", "--database", database], env={"COLUMNS": "40"})
    assert listed.exit_code == 0, listed.output
    rows = [line for line in listed.output.splitlines() if "admin" in line]
    assert len(rows) == 1 and LONG_NAME in rows[0], listed.output
