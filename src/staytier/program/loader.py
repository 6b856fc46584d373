"""Reads program and exchange-rate files (TOML or JSON) into checked, typed data."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from staytier.program.model import ExchangeRates, Program
from staytier.program.validation import program_mistakes

T = TypeVar("T")


def _fixtures() -> Path:
    """The fixtures shipped in the package (an installed wheel), else the checkout's."""
    packaged = Path(__file__).resolve().parents[1] / "fixtures"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[3] / "fixtures"


FIXTURES = _fixtures()


class ProgramFileError(Exception):
    """A program or reference file that cannot be served, with every mistake found."""

    def __init__(self, path: Path | str, mistakes: list[str]) -> None:
        self.path = str(path)
        self.mistakes = mistakes
        listing = "\n".join(f"  - {mistake}" for mistake in mistakes)
        super().__init__(f"{path} has {len(mistakes)} mistake(s):\n{listing}")


def decode_file(path: Path, into: type[T]) -> T:
    """Decodes a TOML or JSON file into ``into``, or raises :class:`ProgramFileError` saying
    where the file is wrong."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProgramFileError(path, [f"cannot read the file: {exc.strerror}"]) from exc
    try:
        if path.suffix == ".json":
            return msgspec.json.decode(raw, type=into)
        document: Any = tomllib.loads(raw.decode(), parse_float=Decimal)
        return msgspec.convert(document, type=into)
    except tomllib.TOMLDecodeError as exc:
        raise ProgramFileError(path, [f"not valid TOML: {exc}"]) from exc
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise ProgramFileError(path, [_readable(str(exc))]) from exc


def _readable(message: str) -> str:
    # msgspec says "Expected `int`, got `str` - at `$.versions[0].tiers[1].rank`".
    if " - at `$" in message:
        text, where = message.split(" - at `$", 1)
        return f"{where.rstrip('`').lstrip('.') or '(top)'}: {text}"
    return message


def load_program(path: Path | str) -> Program:
    """Loads and validates a program file; raises :class:`ProgramFileError` listing mistakes."""
    path = Path(path)
    program = decode_file(path, Program)
    mistakes = program_mistakes(program)
    if mistakes:
        raise ProgramFileError(path, mistakes)
    return program


def load_exchange_rates(path: Path | str) -> ExchangeRates:
    """Loads the dated USD rates used to value revenue in other currencies."""
    path = Path(path)
    rates = decode_file(path, ExchangeRates)
    mistakes = [
        f"rates[{index}] ({rate.currency}): the rate must be positive"
        for index, rate in enumerate(rates.rates)
        if rate.usd_per_unit <= 0
    ]
    mistakes.extend(
        f"rates[{index}]: currency {rate.currency!r} must be a three-letter ISO code"
        for index, rate in enumerate(rates.rates)
        if len(rate.currency) != 3 or not rate.currency.isupper()
    )
    if mistakes:
        raise ProgramFileError(path, mistakes)
    return rates


def default_program_path() -> Path:
    return FIXTURES / "programs" / "demo.toml"


def default_exchange_rates_path() -> Path:
    return FIXTURES / "exchange_rates.toml"
