"""Every mistake an operator makes on the command line is one or two lines saying what to do,
and a non-zero exit; never a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from staytier.cli import app
from staytier.program.loader import FIXTURES

runner = CliRunner()


def run(*args: str) -> Result:
    return runner.invoke(app, list(args), env={"COLUMNS": "60"})


def said(result: Result) -> list[str]:
    """The lines the command printed, without the progress bar's."""
    return [line for line in result.output.splitlines() if line.strip()]


def assert_short_refusal(result: Result, status: int) -> str:
    assert result.exit_code == status, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = said(result)
    assert 1 <= len(lines) <= 2, result.output
    return " ".join(lines)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "not-a-url",
            "'not-a-url' is not a database URL; use sqlite+aiosqlite:///staytier.db or "
            "postgresql+asyncpg://user:password@host:5432/staytier.",
        ),
        (
            "mysql://app@db.internal/staytier",
            "staytier runs on SQLite or PostgreSQL, not mysql; use sqlite+aiosqlite:///"
            "staytier.db or postgresql+asyncpg://user:password@host:5432/staytier.",
        ),
        (
            "postgresql://app:secret@db.internal:5432/staytier",
            "postgresql://app:***@db.internal:5432/staytier: staytier needs the asyncpg "
            "driver; use postgresql+asyncpg:// "
            "(postgresql+asyncpg://app:***@db.internal:5432/staytier).",
        ),
        (
            "sqlite:///staytier.db",
            "sqlite:///staytier.db: staytier needs the aiosqlite driver; use "
            "sqlite+aiosqlite:// (sqlite+aiosqlite:///staytier.db).",
        ),
        (
            "sqlite://",
            "sqlite:// is an in-memory database, which vanishes with each connection; name a "
            "file: sqlite+aiosqlite:///staytier.db.",
        ),
    ],
)
def test_a_mistyped_database_url_says_which_url_to_write(url: str, expected: str) -> None:
    for command in (["migrate"], ["clients", "list"], ["expire-points"]):
        assert assert_short_refusal(run(*command, "--database", url), 2) == expected


def test_a_database_server_that_refuses_connections_is_named_with_the_fix() -> None:
    # Nothing listens on port 1.
    result = run("clients", "list", "--database", "postgresql+asyncpg://app@127.0.0.1:1/db")
    assert assert_short_refusal(result, 1) == (
        "Cannot reach the database at postgresql+asyncpg://app@127.0.0.1:1/db: connection "
        "refused. Is the server running, and are the host and port right?"
    )


def test_an_sqlite_file_that_cannot_be_opened_says_why(tmp_path: Path) -> None:
    missing_folder = tmp_path / "no-such-folder" / "staytier.db"
    message = assert_short_refusal(
        run("migrate", "--database", f"sqlite+aiosqlite:///{missing_folder}"), 2
    )
    assert message.startswith("Cannot open the SQLite database ")
    assert message.endswith("no-such-folder does not exist.")
    a_folder = assert_short_refusal(
        run("migrate", "--database", f"sqlite+aiosqlite:///{tmp_path}"), 2
    )
    assert a_folder.endswith(": it is a folder, not a file.")


def test_an_unmigrated_database_says_to_run_migrate(blank_database_url: str) -> None:
    for command in (["clients", "list"], ["expire-points"], ["requalify", "--year", "2025"]):
        message = assert_short_refusal(run(*command, "--database", blank_database_url), 1)
        assert message.startswith("The database at ")
        assert message.endswith(
            "has no staytier tables yet: run `staytier migrate` (or `staytier init` for a "
            "first run)."
        )


def test_a_date_that_is_not_a_date_is_refused_before_anything_is_opened() -> None:
    for command in ("expire-points", "expire-certificates", "credit-birthdays"):
        result = run(command, "--as-of", "notadate", "--database", "sqlite+aiosqlite:///x.db")
        assert assert_short_refusal(result, 2) == (
            "--as-of 'notadate' is not a date; write it as YYYY-MM-DD, e.g. 2026-12-31."
        )


def test_an_unknown_file_is_named(tmp_path: Path) -> None:
    checked = assert_short_refusal(run("check-program", "no-such-program.toml"), 1)
    assert checked == (
        "no-such-program.toml has 1 mistake(s):   - cannot read the file: No such file or directory"
    )
    database = f"sqlite+aiosqlite:///{tmp_path / 'staytier.db'}"
    served = run("expire-points", "--program", "no-such-program.toml", "--database", database)
    assert assert_short_refusal(served, 2) == (
        "Cannot load the program files: no-such-program.toml has 1 mistake(s):   - cannot "
        "read the file: No such file or directory"
    )
    properties = assert_short_refusal(
        run("load-properties", "no-such-file.toml", "--database", database), 1
    )
    assert properties == (
        "no-such-file.toml has 1 mistake(s):   - cannot read the file: No such file or directory"
    )


def test_check_program_lists_every_mistake_of_every_kind_at_once(tmp_path: Path) -> None:
    text = (FIXTURES / "programs" / "demo.toml").read_text()
    # Two wrong types in the first version, a missing field, and a rule mistake (Gold
    # needing fewer nights than Silver) in the last version, which decodes.
    text = text.replace("bonus_percent = 10", 'bonus_percent = "ten"', 1)
    text = text.replace("expiry_months = 24", 'expiry_months = "never"', 1)
    last = text.rindex("qualifying_nights = 25")
    text = text[:last] + "qualifying_nights = 5" + text[last + len("qualifying_nights = 25") :]
    path = tmp_path / "program.toml"
    path.write_text(text)

    result = run("check-program", str(path))

    assert result.exit_code == 1
    mistakes = [line.strip() for line in said(result) if line.strip().startswith("- ")]
    assert "- versions[0].tiers[1].bonus_percent: Expected `int`, got `str`" in mistakes
    assert "- versions[0].points.expiry_months: Expected `int`, got `str`" in mistakes
    assert any(re.match(r"- versions\[1\] \(.+\): .*GOLD", m) for m in mistakes), mistakes


def test_the_version_is_printed() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert re.fullmatch(r"staytier \d+\.\d+\.\d+\S*", result.output.strip())


def test_job_commands_print_a_sentence_not_a_repr(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'staytier.db'}"
    assert run("migrate", "--database", database).exit_code == 0
    expiry = run("expire-points", "--as-of", "2026-03-01", "--database", database)
    assert (
        said(expiry)[-1] == "Points expiry as of 2026-03-01: members expired 0, points expired 0."
    )
    again = run("expire-points", "--as-of", "2026-03-01", "--database", database)
    assert said(again)[-1] == (
        "Points expiry as of 2026-03-01: members expired 0, points expired 0 "
        "(it had already run: nothing changed)."
    )
    birthdays = run("credit-birthdays", "--as-of", "2026-03-01", "--database", database)
    assert said(birthdays)[-1] == (
        "Birthday bonus for 2026-03-01: members credited 0, points credited 0."
    )
    certificates = run("expire-certificates", "--as-of", "2026-03-01", "--database", database)
    assert said(certificates)[-1] == "Certificate expiry as of 2026-03-01: certificates expired 0."
    requalified = run("requalify", "--year", "2025", "--database", database)
    assert said(requalified)[-1] == (
        "Requalification of 2025: members considered 0, requalified 0, soft landed 0, "
        "lifetime granted 0, rollover credited 0, unchanged 0."
    )
    assert "Summary(" not in expiry.output + birthdays.output + requalified.output


def test_a_job_that_is_not_due_yet_says_when_it_is(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'staytier.db'}"
    assert run("migrate", "--database", database).exit_code == 0
    early = run("requalify", "--year", "2999", "--database", database)
    assert_short_refusal(early, 1)
    assert said(early)[0] == (
        "Qualification year 2999 ends on 2999-12-31; requalify it on 3000-01-01 or later."
    )


def test_init_migrates_and_prints_the_first_admin_key_once(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'first.db'}"
    first = run("init", "--database", database)
    assert first.exit_code == 0, first.output
    keys = [line for line in said(first) if line.startswith("stk_")]
    assert len(keys) == 1
    assert re.fullmatch(r"stk_[0-9a-f]{12}_[A-Za-z0-9_-]+", keys[0])
    listed = run("clients", "list", "--database", database)
    assert [line for line in said(listed) if " admin " in line and keys[0][4:16] in line]

    again = run("init", "--database", database)
    assert "stk_" not in again.output
    assert assert_short_refusal(again, 1).endswith(
        "already has API clients; add more with `staytier clients create`."
    )
