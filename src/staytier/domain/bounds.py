"""Bounds on what one report may claim: amounts, points and dates.

Every figure a client sends is checked against the program's ``limits`` (and against what
the service can store and serve at all) before anything is computed from it, so an absurd
report is refused with a typed error naming its field, never credited, capped in silence,
or left to fail deep inside a computation. Pure rules: the dates "today" and the program's
first day are passed in.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.program.model import MAX_INT_FIGURE, Limits

# Amounts are stored as NUMERIC(18,4) on PostgreSQL: at most 14 digits before the point
# and 4 after. Anything of 13 digits or more, or finer than 4 places, is refused before it
# is converted or stored (and before it is written out in full, digit by digit).
MAX_AMOUNT_EXPONENT = 12
AMOUNT_PLACES = Decimal("0.0001")


def amount_mistake(amount: Decimal, field: str, what: str = "Revenue") -> BusinessRuleError | None:
    """INVALID_AMOUNT unless ``amount`` is a finite, non-negative, storable decimal."""
    if not amount.is_finite() or amount < 0:
        return BusinessRuleError(
            ErrorCode.INVALID_AMOUNT, f"{what} must be a non-negative amount.", field
        )
    if amount and amount.adjusted() > MAX_AMOUNT_EXPONENT:
        return BusinessRuleError(
            ErrorCode.INVALID_AMOUNT,
            f"{what} must be less than 10^{MAX_AMOUNT_EXPONENT + 1}.",
            field,
        )
    if amount != amount.quantize(AMOUNT_PLACES):
        return BusinessRuleError(
            ErrorCode.INVALID_AMOUNT, f"{what} has at most 4 decimal places.", field
        )
    return None


def stay_revenue_mistakes(
    revenue_usd: Decimal, nights: int, limits: Limits, field: str
) -> list[BusinessRuleError]:
    """A stay's revenue (every line, in USD) against the per-stay and per-night bounds."""
    mistakes = []
    if revenue_usd > limits.max_revenue_per_stay_usd:
        mistakes.append(
            BusinessRuleError(
                ErrorCode.INVALID_AMOUNT,
                f"A stay's revenue may be at most {limits.max_revenue_per_stay_usd:,} USD; "
                f"this one is {revenue_usd:,} USD.",
                field,
            )
        )
    elif nights > 0 and revenue_usd > limits.max_revenue_per_night_usd * nights:
        mistakes.append(
            BusinessRuleError(
                ErrorCode.INVALID_AMOUNT,
                f"A stay's revenue may be at most {limits.max_revenue_per_night_usd:,} USD a "
                f"night; this one is {revenue_usd:,} USD for {nights} night(s).",
                field,
            )
        )
    return mistakes


def date_mistake(
    day: dt.date,
    field: str,
    *,
    starts_on: dt.date,
    today: dt.date,
    limits: Limits,
    not_after_today: bool = False,
) -> BusinessRuleError | None:
    """INVALID_DATES for a day before the program's life, beyond its horizon, or (for what
    has already happened: a completed stay, a card payment) after ``today``."""
    if day < starts_on:
        return BusinessRuleError(
            ErrorCode.INVALID_DATES,
            f"{day.isoformat()} is before the program began ({starts_on.isoformat()}).",
            field,
        )
    if not_after_today and day > today:
        return BusinessRuleError(
            ErrorCode.INVALID_DATES,
            f"{day.isoformat()} has not come yet (today is {today.isoformat()}).",
            field,
        )
    if (day - today).days > limits.horizon_days:
        return BusinessRuleError(
            ErrorCode.INVALID_DATES,
            f"{day.isoformat()} is more than {limits.horizon_days} days ahead.",
            field,
        )
    return None


def points_mistake(points: int, limits: Limits, field: str | None) -> BusinessRuleError | None:
    """INVALID_AMOUNT for one ledger posting larger than the program allows."""
    if abs(points) > limits.max_points_per_transaction:
        return BusinessRuleError(
            ErrorCode.INVALID_AMOUNT,
            f"One posting may move at most {limits.max_points_per_transaction:,} points; "
            f"this one would move {abs(points):,}.",
            field,
        )
    return None


def activity_points_mistake(points: int, limits: Limits, field: str) -> BusinessRuleError | None:
    """INVALID_AMOUNT for a partner activity worth more points than the program allows."""
    if points > limits.max_points_per_activity:
        return BusinessRuleError(
            ErrorCode.INVALID_AMOUNT,
            f"One activity may credit at most {limits.max_points_per_activity:,} points; "
            f"this one would credit {points:,}.",
            field,
        )
    return None


def balance_mistake(balance: int, points: int) -> BusinessRuleError | None:
    """INVALID_AMOUNT for a posting that would take a balance or a ledger figure past what
    the API serves (``Int``, 32-bit): the member must stay readable."""
    if abs(points) > MAX_INT_FIGURE or balance + points > MAX_INT_FIGURE:
        return BusinessRuleError(
            ErrorCode.INVALID_AMOUNT,
            f"A points balance is at most {MAX_INT_FIGURE:,}; this posting would exceed it.",
        )
    return None
