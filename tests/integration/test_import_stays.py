"""``staytier import-stays``: a night audit file through the bulk path, with a summary.

Given the demo loaded, when an operator imports a CSV or a JSON lines file holding one bad
row, then the good rows are recorded and credited, the bad one is listed with its line,
code and message, and importing the same file again credits nothing twice.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from staytier.cli import app

HEADER = (
    "member_number,guest_last_name,property_code,confirmation_number,status,"
    "arrival_date,departure_date,room_revenue"
)


def demo(tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "audit.db"
    database = f"sqlite+aiosqlite:///{path}"
    loaded = CliRunner().invoke(app, ["load-demo", "--database", database])
    assert loaded.exit_code == 0, loaded.output
    return database, path


def member(path: Path, last_name: str) -> tuple[str, int]:
    """A demo member's number and points balance."""
    with sqlite3.connect(path) as connection:
        number, balance = connection.execute(
            "SELECT member_number, points_balance FROM members WHERE last_name = ?", (last_name,)
        ).fetchone()
    return number, balance


def ledger_sum(path: Path, number: str) -> int:
    with sqlite3.connect(path) as connection:
        (total,) = connection.execute(
            "SELECT COALESCE(SUM(points), 0) FROM ledger_entries JOIN members "
            "ON members.id = ledger_entries.member_id WHERE member_number = ?",
            (number,),
        ).fetchone()
    return int(total)


def days_ago(days: int) -> str:
    return (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=days)).isoformat()


def run(database: str, *args: str) -> tuple[int, list[str]]:
    ran = CliRunner().invoke(app, ["import-stays", *args, "--database", database])
    return ran.exit_code, ran.output.splitlines()


def test_a_csv_audit_is_recorded_with_its_bad_row_listed(tmp_path: Path) -> None:
    database, path = demo(tmp_path)
    ada, before = member(path, "Lovelace")
    alan, _ = member(path, "Turing")
    audit = tmp_path / "audit.csv"
    audit.write_text(
        "\n".join(
            [
                HEADER,
                f"{ada},Lovelace,NYCTS,IMP-1,COMPLETED,{days_ago(5)},{days_ago(3)},400.00",
                f"{alan},Byron,NYCTS,IMP-2,COMPLETED,{days_ago(5)},{days_ago(4)},200.00",
                f"{alan},Turing,NYCTS,IMP-3,BOOKED,{days_ago(-30)},{days_ago(-32)},0",
            ]
        )
        + "\n"
    )

    status, lines = run(database, str(audit))

    assert status == 0, lines
    assert lines[-2:] == [
        "line 3: GUEST_NAME_MISMATCH (guestLastName) The guest's last name does not match the "
        "member's.",
        "audit.csv: 3 rows, 2 recorded (1 credited), 1 refused.",
    ], lines
    after = member(path, "Lovelace")[1]
    assert after > before and after == ledger_sum(path, ada)

    again_status, again = run(database, str(audit), "--batch-size", "1")
    assert again_status == 0 and again[-1] == lines[-1]
    assert member(path, "Lovelace")[1] == after


def test_a_jsonl_audit_as_one_property_refuses_another_propertys_row(tmp_path: Path) -> None:
    database, path = demo(tmp_path)
    ada, before = member(path, "Lovelace")
    stay = {
        "member_number": ada,
        "guest_last_name": "Lovelace",
        "confirmation_number": "J-1",
        "status": "COMPLETED",
        "arrival_date": days_ago(6),
        "departure_date": days_ago(4),
        "room_revenue": "350.00",
    }
    audit = tmp_path / "audit.jsonl"
    audit.write_text(
        json.dumps(stay)
        + "\n\n"
        + json.dumps({**stay, "confirmation_number": "J-2", "property_code": "PAROP"})
        + "\n"
    )

    status, lines = run(database, str(audit), "--property", "NYCTS")

    assert status == 0, lines
    assert lines[-2:] == [
        "line 3: STAY_CHANGE_NOT_ALLOWED (propertyCode) PAROP is not one of this client's "
        "properties.",
        "audit.jsonl: 2 rows, 1 recorded (1 credited), 1 refused.",
    ], lines
    assert member(path, "Lovelace")[1] > before


def test_a_file_with_an_unknown_column_is_refused_whole(tmp_path: Path) -> None:
    database, _ = demo(tmp_path)
    audit = tmp_path / "audit.csv"
    audit.write_text("member_number,nights\n1,2\n")

    status, lines = run(database, str(audit))

    assert status == 2
    assert "unknown field nights" in lines[-1]
