"""Reads program and exchange-rate files (TOML or JSON) into checked, typed data."""

from __future__ import annotations

import tomllib
import typing
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from staytier.program.model import ExchangeRates, Program, ProgramVersion
from staytier.program.validation import program_mistakes, version_mistakes

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
    except UnicodeDecodeError as exc:
        raise ProgramFileError(path, [f"not UTF-8 text: {exc.reason}"]) from exc
    except msgspec.ValidationError as exc:
        if path.suffix == ".json":
            document = msgspec.json.decode(raw)
        raise ProgramFileError(
            path, type_mistakes(document, into) or [_readable(str(exc))]
        ) from exc
    except msgspec.DecodeError as exc:
        raise ProgramFileError(path, [_readable(str(exc))]) from exc


def type_mistakes(document: Any, into: Any, *, where: str = "") -> list[str]:
    """Every place where ``document`` does not fit the type ``into``, one sentence each.

    msgspec stops at the first mismatch; a program manager wants the whole list at once. So
    when a struct does not convert, each of its fields is converted on its own, and a field
    holding structs (or a list of them) is searched the same way, so each mistake is named
    where it is.
    """
    try:
        msgspec.convert(document, type=into)
        return []
    except msgspec.ValidationError as exc:
        whole = [_readable(str(exc), where)]
    if isinstance(into, type) and issubclass(into, msgspec.Struct) and isinstance(document, dict):
        return _struct_mistakes(document, into, where) or whole
    item = _list_item_struct(into)
    if item is not None and isinstance(document, list):
        found = []
        for index, element in enumerate(document):
            found.extend(type_mistakes(element, item, where=f"{where}[{index}]"))
        return found or whole
    return whole


def _struct_mistakes(document: dict[str, Any], into: type[msgspec.Struct], where: str) -> list[str]:
    fields = {field.encode_name: field for field in msgspec.structs.fields(into)}
    found = []
    prefix = f"{where}." if where else ""
    for name, field in fields.items():
        if name in document:
            found.extend(type_mistakes(document[name], field.type, where=prefix + name))
        elif field.required:
            found.append(f"{where or '(top)'}: Object missing required field `{name}`")
    if into.__struct_config__.forbid_unknown_fields:
        found.extend(
            f"{where or '(top)'}: Object contains unknown field `{name}`"
            for name in document
            if name not in fields
        )
    return found


def _list_item_struct(into: Any) -> Any:
    """``S`` when ``into`` is ``list[S]`` of a struct ``S``, else None."""
    if typing.get_origin(into) is list:
        (item,) = typing.get_args(into)
        if isinstance(item, type) and issubclass(item, msgspec.Struct):
            return item
    return None


def _readable(message: str, where: str = "") -> str:
    # msgspec says "Expected `int`, got `str` - at `$.versions[0].tiers[1].rank`".
    if " - at `$" in message:
        text, inner = message.split(" - at `$", 1)
        inner = inner.rstrip("`")
        if where and inner and not inner.startswith("["):
            inner = "." + inner.lstrip(".")
        return f"{(where + inner).lstrip('.') or '(top)'}: {text}"
    return f"{where}: {message}" if where else message


def load_program(path: Path | str) -> Program:
    """Loads and validates a program file; raises :class:`ProgramFileError` listing mistakes."""
    path = Path(path)
    try:
        program = decode_file(path, Program)
    except ProgramFileError as exc:
        # Types are wrong somewhere: the rules of every version that does decode are still
        # checked, so the file is mended in one pass.
        raise ProgramFileError(path, exc.mistakes + _rule_mistakes_of_sound_versions(path)) from exc
    mistakes = program_mistakes(program)
    if mistakes:
        raise ProgramFileError(path, mistakes)
    return program


def _rule_mistakes_of_sound_versions(path: Path) -> list[str]:
    try:
        raw = path.read_bytes()
        document = (
            msgspec.json.decode(raw)
            if path.suffix == ".json"
            else tomllib.loads(raw.decode(), parse_float=Decimal)
        )
    except (OSError, ValueError, msgspec.DecodeError):
        return []
    versions = document.get("versions") if isinstance(document, dict) else None
    mistakes: list[str] = []
    for index, raw_version in enumerate(versions if isinstance(versions, list) else []):
        try:
            version = msgspec.convert(raw_version, type=ProgramVersion)
        except msgspec.ValidationError:
            continue
        where = f"versions[{index}] ({version.version})"
        mistakes.extend(f"{where}: {mistake}" for mistake in version_mistakes(version))
    return mistakes


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
