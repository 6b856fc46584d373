"""A stay's lifecycle and what a completed stay credits.

Pure rules: given the folio and the rules in force at checkout, :func:`stay_credit` says how
many nights fall in each qualification year, which year the stay and its spend count in, and
how many base points it earns. The service layer posts (and reverses) that credit.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from staytier.domain.bounds import amount_mistake, stay_revenue_mistakes
from staytier.domain.calendar import qualification_year
from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.program.model import ProgramVersion


class StayStatus(enum.Enum):
    BOOKED = "BOOKED"
    IN_HOUSE = "IN_HOUSE"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    NO_SHOW = "NO_SHOW"


# A stay moves forward only. A completed stay may be corrected (recorded COMPLETED again with
# a changed folio) or cancelled late; both reverse its credit.
_NEXT: dict[StayStatus, frozenset[StayStatus]] = {
    StayStatus.BOOKED: frozenset(StayStatus),
    StayStatus.IN_HOUSE: frozenset(
        {StayStatus.IN_HOUSE, StayStatus.COMPLETED, StayStatus.CANCELLED}
    ),
    StayStatus.COMPLETED: frozenset({StayStatus.COMPLETED, StayStatus.CANCELLED}),
    StayStatus.CANCELLED: frozenset({StayStatus.CANCELLED}),
    StayStatus.NO_SHOW: frozenset({StayStatus.NO_SHOW}),
}


def check_transition(current: StayStatus | None, new: StayStatus) -> None:
    """Refuses a status that would move a stay backwards (COMPLETED → BOOKED, ...)."""
    if current is None or new in _NEXT[current]:
        return
    raise BusinessRuleError(
        ErrorCode.INVALID_STATUS_TRANSITION,
        f"A {current.value} stay cannot become {new.value}.",
        "status",
    )


REVENUE_FIELDS = {
    "room": "roomRevenue",
    "food_and_beverage": "foodAndBeverageRevenue",
    "other": "otherRevenue",
}


@dataclass(frozen=True)
class Folio:
    """What a property reports about a stay, in the property's local dates and currency."""

    arrival: dt.date
    departure: dt.date
    rate_code: str
    currency: str
    room_revenue: Decimal = Decimal(0)
    food_and_beverage_revenue: Decimal = Decimal(0)
    other_revenue: Decimal = Decimal(0)

    @property
    def nights(self) -> int:
        return (self.departure - self.arrival).days

    @property
    def checkout(self) -> dt.date:
        return self.departure

    def revenue(self, line: str) -> Decimal:
        return {
            "room": self.room_revenue,
            "food_and_beverage": self.food_and_beverage_revenue,
            "other": self.other_revenue,
        }[line]


def folio_mistakes(
    folio: Folio, rules: ProgramVersion, currencies: frozenset[str]
) -> list[BusinessRuleError]:
    """Every reason the folio cannot be recorded, each naming its input field."""
    mistakes: list[BusinessRuleError] = []
    if folio.departure <= folio.arrival:
        mistakes.append(
            BusinessRuleError(
                ErrorCode.INVALID_DATES,
                "The departure date must be after arrival.",
                "departureDate",
            )
        )
    elif folio.nights > rules.qualification.max_stay_nights:
        mistakes.append(
            BusinessRuleError(
                ErrorCode.STAY_TOO_LONG,
                f"A stay may last at most {rules.qualification.max_stay_nights} nights; "
                f"this one lasts {folio.nights}.",
                "departureDate",
            )
        )
    for line, field in REVENUE_FIELDS.items():
        wrong = amount_mistake(folio.revenue(line), field)
        if wrong is not None:
            mistakes.append(wrong)
    if folio.currency not in currencies:
        mistakes.append(
            BusinessRuleError(
                ErrorCode.UNKNOWN_CURRENCY,
                f"No exchange rate is known for currency {folio.currency!r}.",
                "currency",
            )
        )
    return mistakes


def folio_bound_mistakes(
    folio: Folio, rules: ProgramVersion, usd_per_unit: Decimal
) -> list[BusinessRuleError]:
    """The folio's revenue against the program's limits, in USD at the checkout rate; for a
    folio whose amounts :func:`folio_mistakes` accepted."""
    total = sum((folio.revenue(line) for line in REVENUE_FIELDS), Decimal(0))
    return stay_revenue_mistakes(
        usd(total, usd_per_unit), folio.nights, rules.limits, _largest_line(folio)
    )


def _largest_line(folio: Folio) -> str:
    """The revenue field a refusal of the whole folio names: its largest line."""
    return max(REVENUE_FIELDS.items(), key=lambda item: folio.revenue(item[0]))[1]


@dataclass(frozen=True)
class YearCredit:
    """Qualifying credit that lands in one qualification year."""

    year: int
    nights: int = 0
    stays: int = 0
    base_points: int = 0


@dataclass(frozen=True)
class StayCredit:
    """What a completed stay is worth under the rules in force at its checkout."""

    checkout: dt.date
    program_version: str
    eligible_usd: Decimal
    base_points: int
    years: tuple[YearCredit, ...]

    @property
    def is_empty(self) -> bool:
        return self.base_points == 0 and not any(y.nights or y.stays for y in self.years)


def usd(amount: Decimal, usd_per_unit: Decimal) -> Decimal:
    return (amount * usd_per_unit).quantize(Decimal("0.01"))


def points_for(usd_amount: Decimal, points_per_usd: Decimal | int) -> int:
    """Whole points for an amount; fractions of a point are never awarded."""
    return int((usd_amount * Decimal(points_per_usd)).to_integral_value(ROUND_FLOOR))


def stay_credit(folio: Folio, rules: ProgramVersion, usd_per_unit: Decimal) -> StayCredit:
    """The credit of a completed stay.

    Each night counts in the qualification year it falls in; the stay itself and its base
    points count in the year of checkout. The rate code decides what counts at all.
    """
    start_month = rules.qualification.year_start_month
    rate = rules.rate_code(folio.rate_code)
    eligible = sum((folio.revenue(line) for line in rules.earning.eligible_revenue), Decimal(0))
    eligible_usd = usd(eligible, usd_per_unit)
    base_points = (
        points_for(eligible_usd, rules.earning.base_points_per_usd) if rate.earns_points else 0
    )
    nights_by_year: Counter[int] = Counter()
    if rate.counts_nights:
        for offset in range(folio.nights):
            night = folio.arrival + dt.timedelta(days=offset)
            nights_by_year[qualification_year(night, start_month)] += 1
    checkout_year = qualification_year(folio.checkout, start_month)
    years = sorted(set(nights_by_year) | {checkout_year})
    return StayCredit(
        checkout=folio.checkout,
        program_version=rules.version,
        eligible_usd=eligible_usd,
        base_points=base_points,
        years=tuple(
            YearCredit(
                year=year,
                nights=nights_by_year[year],
                stays=int(rate.counts_stays and year == checkout_year),
                base_points=base_points if year == checkout_year else 0,
            )
            for year in years
        ),
    )
