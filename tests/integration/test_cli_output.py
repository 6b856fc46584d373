"""The command line's output reads the same whatever the terminal's width.

Operators pipe ``staytier`` into logs and scripts; a message folded at 80 columns (rich's
default when not writing to a terminal) breaks a ``grep`` and made a test depend on the
length of its temporary path.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
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


def commands(help_text: str) -> list[str]:
    """The command names a ``--help`` lists, in its order."""
    return re.findall(r"^│ ([a-z][a-z-]+) ", help_text, flags=re.MULTILINE)


def test_run_as_a_module_the_command_line_has_every_command() -> None:
    # `python -m staytier.cli` is how the end-to-end tests, the benchmarks and a container
    # without the console script start it.
    environment = {**os.environ, "COLUMNS": "200"}
    as_module = subprocess.run(
        [sys.executable, "-m", "staytier.cli", "--help"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    installed = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert commands(as_module.stdout) == commands(installed.output)
    assert {"serve", "requalify", "verify-draw", "what-if", "import-stays", "clients"} <= set(
        commands(as_module.stdout)
    )
