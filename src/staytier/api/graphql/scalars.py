"""Scalars whose parsing errors become userErrors rather than request failures."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import strawberry
from strawberry.scalars import JSON

# No amount is written with more characters than this; a longer text is not one.
MAX_DECIMAL_TEXT = 100
NOT_A_NUMBER = Decimal("NaN")


def parse_decimal(value: object) -> Decimal:
    """A finite decimal, or a quiet NaN for anything else.

    Whatever cannot be an amount (text that is not a number, ``NaN``, ``sNaN``,
    ``Infinity``, a JSON number that overflowed to infinity, a megabyte of digits) parses to
    a quiet NaN, so the mutation answers INVALID_AMOUNT on its own field; a finite number of
    any size is kept for the mutation's bounds to judge. ``-0`` is zero.
    """
    if isinstance(value, bool):
        return NOT_A_NUMBER
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float | str):
        text = repr(value) if isinstance(value, float) else value.strip()
        if len(text) > MAX_DECIMAL_TEXT:
            return NOT_A_NUMBER
        try:
            number = Decimal(text)
        except InvalidOperation:
            return NOT_A_NUMBER
    else:
        return NOT_A_NUMBER
    if not number.is_finite():
        return NOT_A_NUMBER
    return number.copy_abs() if number.is_zero() else number


DecimalScalar = strawberry.scalar(
    name="Decimal",
    description='An exact decimal amount, written as a string: "1250.00".',
    serialize=lambda value: format(value, "f"),
    parse_value=parse_decimal,
)


def json_or_null(document: object | None) -> JSON | None:
    """A stored JSON document (or none) as the value of a ``JSON`` field.

    Strawberry's ``JSON`` is a ``NewType`` of ``object``: wrapping costs nothing at run time
    and tells the type checker the value is meant to reach the client as it is.
    """
    return None if document is None else JSON(document)
