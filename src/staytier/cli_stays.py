"""``staytier import-stays``: a night audit file (CSV or JSON lines) through the bulk path of
``recordStays`` (:mod:`staytier.services.bulk_stays`). Kept apart from cli.py, which
registers it.

A row holds the fields of ``RecordStayInput`` in snake_case (``member_number``,
``guest_last_name``, ``arrival_date``...), as a CSV header or as a JSON object's keys. A row
without an ``idempotency_key`` gets one from the file's content and its line, so importing
the same file again credits nothing twice, however it is split into batches.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import enum
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape

from staytier.cli_app import (
    DatabaseOption,
    ProgramOption,
    _progress,
    _runtime,
    _settings,
    app,
    console,
)
from staytier.domain.errors import BusinessRuleError, ErrorCode, InvalidInput
from staytier.domain.stay_ownership import SYSTEM, StayActor, StayActorKind
from staytier.domain.stays import Folio, StayStatus
from staytier.services.bulk_stays import RecordStays, record_stays
from staytier.services.runtime import Runtime
from staytier.services.stays import RecordStay

REQUIRED = (
    "member_number",
    "guest_last_name",
    "confirmation_number",
    "status",
    "arrival_date",
    "departure_date",
)
OPTIONAL = (
    "property_code",
    "guest_first_name",
    "idempotency_key",
    "rate_code",
    "room_type",
    "floor",
    "room_revenue",
    "food_and_beverage_revenue",
    "other_revenue",
    "currency",
)
FIELDS = frozenset((*REQUIRED, *OPTIONAL))
DEFAULT_BATCH = 500
T = TypeVar("T")


class FileFormat(enum.StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


class UnreadableFile(Exception):
    """The file cannot be imported at all: unreadable, not the format, a bad header."""


@dataclass(frozen=True)
class Row:
    """A row as read: its line in the file, and its stay or why it cannot be one."""

    line: int
    stay: RecordStay | None
    mistake: BusinessRuleError | None = None


@dataclass(frozen=True)
class Refusal:
    line: int
    code: str
    field: str | None
    message: str


@dataclass
class Summary:
    rows: int = 0
    recorded: int = 0
    credited: int = 0
    refused: int = 0
    # One per mistake of each refused row, in line order.
    refusals: list[Refusal] = field(default_factory=list)


def file_format(path: Path, given: FileFormat | None) -> FileFormat:
    if given is not None:
        return given
    if path.suffix.lower() == ".csv":
        return FileFormat.CSV
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return FileFormat.JSONL
    raise UnreadableFile(f"{path}: say --format csv or --format jsonl.")


def read_rows(text: str, form: FileFormat, *, digest: str, property_code: str | None) -> list[Row]:
    """Every row of the file, each a stay or a mistake (raises only for the whole file)."""
    records = _csv_records(text) if form is FileFormat.CSV else _json_records(text)
    return [_row(line, fields, digest, property_code) for line, fields in records]


def _csv_records(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    _check_names(header, "the header")
    reader.fieldnames = header
    for record in reader:
        if None in record:
            raise UnreadableFile(f"line {reader.line_num}: more values than the header names.")
        yield reader.line_num, {k: v for k, v in record.items() if v not in (None, "")}


def _json_records(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for line, content in enumerate(text.splitlines(), start=1):
        if not content.strip():
            continue
        try:
            record = json.loads(content)
        except json.JSONDecodeError as exc:
            raise UnreadableFile(f"line {line}: not a JSON object ({exc.msg}).") from exc
        if not isinstance(record, dict):
            raise UnreadableFile(f"line {line}: not a JSON object.")
        _check_names(list(record), f"line {line}")
        yield line, {k: v for k, v in record.items() if v not in (None, "")}


def _check_names(names: list[str], where: str) -> None:
    unknown = [name for name in names if name not in FIELDS]
    if unknown:
        raise UnreadableFile(
            f"{where}: unknown field {', '.join(unknown)}; the fields are "
            f"{', '.join((*REQUIRED, *OPTIONAL))} (snake_case)."
        )


def _row(line: int, fields: dict[str, Any], digest: str, property_code: str | None) -> Row:
    try:
        return Row(line, _stay(fields, f"import-{digest}:{line}", property_code))
    except BusinessRuleError as mistake:
        return Row(line, None, mistake)


def _stay(fields: dict[str, Any], key: str, property_code: str | None) -> RecordStay:
    missing = [name for name in REQUIRED if name not in fields]
    if "property_code" not in fields and property_code is None:
        missing.append("property_code")
    if missing:
        raise BusinessRuleError(
            ErrorCode.INVALID_INPUT, f"Missing {', '.join(missing)}.", _camel(missing[0])
        )
    text = {name: str(value).strip() for name, value in fields.items()}
    return RecordStay(
        idempotency_key=text.get("idempotency_key", key),
        member_number=text["member_number"],
        property_code=text.get("property_code", property_code or "").upper(),
        confirmation_number=text["confirmation_number"],
        status=_read("status", text, _status),
        room_type=text.get("room_type"),
        floor=_read("floor", text, int) if "floor" in text else None,
        guest_last_name=text["guest_last_name"],
        guest_first_name=text.get("guest_first_name"),
        folio=Folio(
            arrival=_read("arrival_date", text, dt.date.fromisoformat),
            departure=_read("departure_date", text, dt.date.fromisoformat),
            rate_code=text.get("rate_code", "BAR").upper(),
            currency=text.get("currency", "").upper(),
            room_revenue=_amount("room_revenue", text),
            food_and_beverage_revenue=_amount("food_and_beverage_revenue", text),
            other_revenue=_amount("other_revenue", text),
        ),
    )


def _status(text: str) -> StayStatus:
    return StayStatus(text.upper())


def _amount(name: str, text: dict[str, str]) -> Decimal:
    if name not in text:
        return Decimal(0)
    value = _read(name, text, Decimal)
    if not value.is_finite():
        raise BusinessRuleError(ErrorCode.INVALID_INPUT, f"{text[name]!r} is not an amount.")
    return value


def _read(name: str, text: dict[str, str], parse: Callable[[str], T]) -> T:
    try:
        return parse(text[name])
    except (ValueError, InvalidOperation) as exc:
        raise BusinessRuleError(
            ErrorCode.INVALID_INPUT, f"{text[name]!r} is not a valid {name}.", _camel(name)
        ) from exc


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _batches(rows: list[Row], size: int) -> Iterator[list[Row]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def import_rows(
    runtime: Runtime,
    rows: list[Row],
    *,
    digest: str,
    batch_size: int,
    actor: StayActor,
    advance: Callable[[int], None],
) -> Summary:
    """Sends the rows' stays in batches through :func:`record_stays`; rows that are no
    stay are refused here with their mistake."""
    summary = Summary(rows=len(rows))
    for number, batch in enumerate(_batches(rows, batch_size)):
        for row in batch:
            if row.mistake is not None:
                summary.refused += 1
                summary.refusals += _refusals(row.line, row.mistake)
        sent = [row for row in batch if row.stay is not None]
        if sent:
            outcome = await record_stays(
                runtime,
                RecordStays(
                    idempotency_key=f"import-{digest}:{batch_size}:{number}",
                    stays=tuple(row.stay for row in sent if row.stay is not None),
                ),
                actor=actor,
            )
            summary.recorded += outcome.recorded
            summary.credited += outcome.credited
            summary.refused += outcome.refused
            for row, result in zip(sent, outcome.results, strict=True):
                for error in result.errors:
                    summary.refusals += _refusals(row.line, error)
        advance(len(batch))
    summary.refusals.sort(key=lambda refusal: refusal.line)
    return summary


def _refusals(line: int, error: BusinessRuleError) -> list[Refusal]:
    mistakes = error.errors if isinstance(error, InvalidInput) else [error]
    return [Refusal(line, m.code.value, m.field, m.message) for m in mistakes]


@app.command("import-stays")
def import_stays(
    file: Annotated[Path, typer.Argument(help="The stays: CSV with a header, or JSON lines.")],
    form: Annotated[
        FileFormat | None,
        typer.Option("--format", help="csv or jsonl (default: from the file's extension)."),
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Stays per transaction.", min=1)
    ] = DEFAULT_BATCH,
    property_code: Annotated[
        str | None,
        typer.Option(
            "--property",
            help="Import as this property's system: rows may omit property_code, and rows "
            "at another property are refused.",
        ),
    ] = None,
    database: DatabaseOption = None,
    program: ProgramOption = None,
) -> None:
    """Record a night audit's stays from a file: each row credited or refused under
    recordStay's rules; prints the refused rows and a summary. Exit status 0 once the file
    is read (refused rows are listed), 2 for a file that cannot be read."""
    code = property_code.strip().upper() if property_code else None
    rows, digest = _read_file(file, form, code)
    settings = _settings(database_url=database, program=program)
    runtime = _runtime(settings)
    actor = (
        StayActor(StayActorKind.PROPERTY, "import-stays", property_codes=frozenset({code}))
        if code
        else SYSTEM
    )

    async def run(advance: Callable[[int], None]) -> Summary:
        try:
            return await import_rows(
                runtime,
                rows,
                digest=digest,
                batch_size=batch_size,
                actor=actor,
                advance=advance,
            )
        finally:
            await runtime.db.dispose()

    from staytier.api.http.app import heap_settled  # as _runtime does: the CLI starts light

    with _progress() as bar, heap_settled(settings.gc_threshold):
        task = bar.add_task(f"Importing {file.name}", total=len(rows))
        try:
            summary = asyncio.run(run(lambda done: bar.advance(task, done)))
        except BusinessRuleError as exc:
            console.print(f"[red]{exc.code.value}[/red] {escape(exc.message)}")
            raise typer.Exit(1) from exc
    _print_summary(file, summary)


def _read_file(file: Path, form: FileFormat | None, code: str | None) -> tuple[list[Row], str]:
    """The file's rows and the digest of its content (their keys are made of it); exit
    status 2 for a file that cannot be read."""
    try:
        content = file.read_bytes()
        digest = hashlib.sha256(content).hexdigest()[:16]
        rows = read_rows(
            content.decode("utf-8-sig"),
            file_format(file, form),
            digest=digest,
            property_code=code,
        )
    except (OSError, UnicodeDecodeError, csv.Error, UnreadableFile) as exc:
        console.print(f"[red]Cannot import {escape(str(file))}: {escape(str(exc))}[/red]")
        raise typer.Exit(2) from exc
    return rows, digest


def _print_summary(file: Path, summary: Summary) -> None:
    """One line per mistake of each refused row, then the counts."""
    for refusal in summary.refusals:
        where = f" ({refusal.field})" if refusal.field else ""
        console.print(
            f"line {refusal.line}: {refusal.code}{where} {escape(refusal.message)}",
            highlight=False,
        )
    console.print(
        f"{file.name}: {summary.rows} rows, {summary.recorded} recorded "
        f"({summary.credited} credited), {summary.refused} refused.",
        highlight=False,
    )
