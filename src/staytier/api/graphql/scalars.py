"""Scalars whose parsing errors become userErrors rather than request failures."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import strawberry


def _parse_decimal(value: object) -> Decimal:
    # Non-numeric input parses to NaN so the mutation can answer INVALID_AMOUNT on its field.
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal("NaN")


DecimalScalar = strawberry.scalar(
    name="Decimal",
    description='An exact decimal amount, written as a string: "1250.00".',
    serialize=lambda value: format(value, "f"),
    parse_value=_parse_decimal,
)
