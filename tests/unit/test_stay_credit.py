"""What a completed stay is worth: pure rules, no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import msgspec
import pytest

from staytier.domain.errors import BusinessRuleError
from staytier.domain.stays import Folio, StayStatus, check_transition, stay_credit
from staytier.program.loader import default_program_path, load_program
from staytier.program.model import ProgramVersion

RULES = load_program(default_program_path()).versions[-1]
D = dt.date


def folio(arrival: dt.date, nights: int, **kwargs: object) -> Folio:
    fields: dict[str, object] = {
        "rate_code": "BAR",
        "currency": "USD",
        "room_revenue": Decimal(100),
    }
    fields.update(kwargs)
    return Folio(arrival=arrival, departure=arrival + dt.timedelta(days=nights), **fields)  # type: ignore[arg-type]


def test_nights_split_across_new_year_and_the_stay_counts_at_checkout() -> None:
    credit = stay_credit(folio(D(2026, 12, 30), 4), RULES, Decimal(1))
    years = {y.year: (y.nights, y.stays, y.base_points) for y in credit.years}
    assert years == {2026: (2, 0, 0), 2027: (2, 1, 1000)}


def test_a_leap_day_night_counts_like_any_other() -> None:
    credit = stay_credit(folio(D(2028, 2, 28), 3), RULES, Decimal(1))
    assert [(y.year, y.nights) for y in credit.years] == [(2028, 3)]


def test_a_qualification_year_starting_in_april_splits_on_april_first() -> None:
    april = msgspec.structs.replace(
        RULES, qualification=msgspec.structs.replace(RULES.qualification, year_start_month=4)
    )
    credit = stay_credit(folio(D(2026, 3, 30), 4), april, Decimal(1))
    assert [(y.year, y.nights) for y in credit.years] == [(2025, 2), (2026, 2)]


def test_base_points_are_whole_and_rounded_down() -> None:
    credit = stay_credit(folio(D(2026, 5, 1), 1, room_revenue=Decimal("99.99")), RULES, Decimal(1))
    assert credit.base_points == 999


def test_points_per_usd_follow_the_program_not_the_code() -> None:
    generous: ProgramVersion = msgspec.structs.replace(
        RULES, earning=msgspec.structs.replace(RULES.earning, base_points_per_usd=25)
    )
    assert stay_credit(folio(D(2026, 5, 1), 1), generous, Decimal(1)).base_points == 2500


def test_unlisted_rate_codes_qualify_and_listed_ones_follow_the_file() -> None:
    staff = stay_credit(folio(D(2026, 5, 1), 2, rate_code="STAFF"), RULES, Decimal(1))
    award = stay_credit(folio(D(2026, 5, 1), 2, rate_code="AWARD"), RULES, Decimal(1))
    assert staff.is_empty
    assert (award.base_points, award.years[0].nights, award.years[0].stays) == (0, 2, 1)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (StayStatus.COMPLETED, StayStatus.BOOKED),
        (StayStatus.COMPLETED, StayStatus.IN_HOUSE),
        (StayStatus.CANCELLED, StayStatus.COMPLETED),
        (StayStatus.NO_SHOW, StayStatus.COMPLETED),
        (StayStatus.IN_HOUSE, StayStatus.BOOKED),
    ],
)
def test_a_stay_never_moves_backwards(current: StayStatus, new: StayStatus) -> None:
    with pytest.raises(BusinessRuleError):
        check_transition(current, new)


def test_a_completed_stay_may_be_corrected_or_cancelled_late() -> None:
    check_transition(StayStatus.COMPLETED, StayStatus.COMPLETED)
    check_transition(StayStatus.COMPLETED, StayStatus.CANCELLED)
