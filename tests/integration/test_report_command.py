"""``staytier report``: the program report as one self-contained HTML page.

Given the demo loaded into a database, when an operator writes this year's report, then the
page holds the four charts as inline SVG and fetches nothing; a bad period is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from typer.testing import CliRunner

from staytier.cli import app


def test_the_report_is_one_page_with_inline_charts_and_no_network_assets(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'report.db'}"
    runner = CliRunner()
    assert runner.invoke(app, ["load-demo", "--database", database]).exit_code == 0
    today = dt.datetime.now(dt.UTC).date()  # the demo's stays are dated from the load day
    out = tmp_path / "report.html"

    ran = runner.invoke(
        app,
        ["report", "--from", f"{today.year}-01-01", "--to", today.isoformat(), "--out", str(out),
         "--database", database],
    )  # fmt: skip

    assert ran.exit_code == 0, ran.output
    page = out.read_text()
    assert page.count("<svg") == 4
    for title in ("Members by tier", "Points by month", "Liability and breakage", "cost against"):
        assert title in page
    # Nothing fetched: no script, stylesheet link or image; the only URL is SVG's namespace.
    assert "<script" not in page and "<link" not in page and "<img" not in page
    assert set(re.findall(r"https?://[^\"' )]+", page)) == {"http://www.w3.org/2000/svg"}


def test_a_reversed_period_is_refused(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'report.db'}"
    runner = CliRunner()
    assert runner.invoke(app, ["migrate", "--database", database]).exit_code == 0

    ran = runner.invoke(
        app,
        ["report", "--from", "2026-02-01", "--to", "2026-01-01", "--out",
         str(tmp_path / "r.html"), "--database", database],
    )  # fmt: skip

    assert ran.exit_code == 1
    assert "INVALID_DATES to: The period ends before it starts." in ran.output
    assert not (tmp_path / "r.html").exists()
