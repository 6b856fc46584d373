"""``staytier what-if``: the what-if from the command line, with the comparison as CSV.

Given the demo loaded into a database, when an operator replays a program file over this
year, then the comparison comes out as CSV on standard output; a broken program file is
refused with every mistake and nothing is simulated.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from typer.testing import CliRunner

from staytier.cli import app
from staytier.program.loader import default_program_path


def _this_year() -> list[str]:
    # The demo's stays are dated from the day it is loaded: this year, up to today (UTC).
    today = dt.datetime.now(dt.UTC).date()
    return ["--from", dt.date(today.year, 1, 1).isoformat(), "--to", today.isoformat()]


def test_replaying_the_served_program_prints_an_unchanged_comparison(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'what-if.db'}"
    runner = CliRunner()
    assert runner.invoke(app, ["load-demo", "--database", database]).exit_code == 0
    moves = tmp_path / "moves.csv"

    ran = runner.invoke(
        app,
        ["what-if", "--program", str(default_program_path()), *_this_year(),
         "--database", database, "--moves", str(moves)],
    )  # fmt: skip

    assert ran.exit_code == 0, ran.output
    rows = list(csv.reader(io.StringIO(ran.stdout)))
    assert rows[0] == ["figure", "actual", "simulated"]
    figures = {row[0]: (row[1], row[2]) for row in rows[1:]}
    assert figures["moved_up"] == figures["moved_down"] == ("0", "0")
    actual, simulated = figures["points_issued"]
    assert actual == simulated
    actual, simulated = figures["promotion_points"]
    assert actual == simulated
    assert figures["promotion_cost_usd"][0] == figures["promotion_cost_usd"][1]
    assert moves.read_text().splitlines() == ["member_number,actual_tier,simulated_tier"]


def test_a_broken_candidate_is_refused_with_every_mistake(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'what-if.db'}"
    runner = CliRunner()
    assert runner.invoke(app, ["migrate", "--database", database]).exit_code == 0
    broken = tmp_path / "broken.toml"
    broken.write_text(
        default_program_path().read_text().replace("bonus_percent = 10\n", "bonus_percent = -1\n")
    )

    ran = runner.invoke(
        app, ["what-if", "--program", str(broken), *_this_year(), "--database", database]
    )

    assert ran.exit_code == 1
    refusals = [line for line in ran.output.splitlines() if line.startswith("INVALID_PROGRAM")]
    assert len(refusals) == 2  # the same mistake in both versions
    assert all("negative bonus_percent" in line for line in refusals)
