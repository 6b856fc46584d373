"""What qualifying activity from a partner (card spend, meetings, promotions) credits."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.stays import points_for
from staytier.program.model import ActivityRule


@dataclass(frozen=True)
class ActivityCredit:
    points: int
    nights: int
    stays: int
    base_points: int


def activity_credit(
    rule: ActivityRule,
    amount_usd: Decimal,
    partner_points: int,
    *,
    year_amount_before: Decimal,
    year_count_before: int,
) -> ActivityCredit:
    """The credit of one activity, given what the member already did this year.

    Nights per USD are counted on the year's running total, so many small payments earn
    the same nights as one large one.
    """
    if rule.max_per_year is not None and year_count_before >= rule.max_per_year:
        raise BusinessRuleError(
            ErrorCode.ACTIVITY_LIMIT_REACHED,
            f"{rule.source}/{rule.kind} is credited at most {rule.max_per_year} time(s) a year.",
        )
    if partner_points > rule.max_points_from_partner:
        raise BusinessRuleError(
            ErrorCode.INVALID_AMOUNT,
            f"{rule.source}/{rule.kind} may state at most {rule.max_points_from_partner} points.",
            "points",
        )
    points = points_for(amount_usd, rule.points_per_usd) + partner_points
    nights = rule.qualifying_nights
    if rule.usd_per_qualifying_night is not None:
        nights += _whole(year_amount_before + amount_usd, rule.usd_per_qualifying_night) - _whole(
            year_amount_before, rule.usd_per_qualifying_night
        )
    base_points = points_for(amount_usd, rule.points_per_usd) if rule.counts_as_base_points else 0
    return ActivityCredit(
        points=points, nights=nights, stays=rule.qualifying_stays, base_points=base_points
    )


def _whole(amount: Decimal, per: Decimal) -> int:
    return int((amount / per).to_integral_value(ROUND_FLOOR))
