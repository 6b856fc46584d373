"""The checks the program's validators make again and again, each worded one way: a list
that names something twice, a code that is not an upper-case code, a figure below its floor.
Each yields sentences in the validators' form (``"<where>: <what is wrong>"``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Iterator
from decimal import Decimal


def listed_twice(where: str, values: Iterable[Hashable]) -> Iterator[str]:
    """``<where>: <value> is listed <n> times`` for every value listed more than once."""
    for value, count in Counter(values).items():
        if count > 1:
            yield f"{where}: {value!r} is listed {count} times"


def is_code(text: str) -> bool:
    """Whether ``text`` is a code the program accepts: not blank, all upper case."""
    return bool(text.strip()) and text == text.upper()


def at_least_one(section: str, **figures: int) -> Iterator[str]:
    """``<section>.<name> must be at least 1`` for every figure below 1, in order."""
    for name, value in figures.items():
        if value < 1:
            yield f"{section}.{name} must be at least 1"


def not_negative(section: str, **figures: int | Decimal) -> Iterator[str]:
    """``<section>.<name> must not be negative`` for every figure below 0, in order."""
    for name, value in figures.items():
        if value < 0:
            yield f"{section}.{name} must not be negative"


def out_of_range(
    section: str, record: object, names: Iterable[str], low: int, high: int, note: str = ""
) -> Iterator[str]:
    """``<section>.<name> must be between <low> and <high><note>`` for every figure of
    ``record`` named in ``names`` that lies outside the range; one left out (``None``) passes."""
    for name in names:
        value = getattr(record, name)
        if value is not None and not low <= value <= high:
            yield f"{section}.{name} must be between {low} and {high:,}{note}"
