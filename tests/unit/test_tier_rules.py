"""Tier rules: thresholds by any path, progress, validity, soft landing, lifetime."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from staytier.domain.calendar import add_months, status_valid_through
from staytier.domain.points import points_expire_on, reversal_of, tier_bonus
from staytier.domain.tiers import (
    QualifyingPath,
    StatusPeriod,
    YearTotals,
    held_period,
    lifetime_tier,
    qualified_tier,
    soft_landing_rank,
    tier_progress,
)
from staytier.program.loader import default_program_path, load_program

RULES = load_program(default_program_path()).versions[-1]
D = dt.date


@pytest.mark.parametrize(
    ("totals", "tier", "path"),
    [
        (YearTotals(nights=9, stays=3, base_points=9_999), "MEMBER", None),
        (YearTotals(nights=10), "SILVER", QualifyingPath.NIGHTS),
        (YearTotals(stays=4), "SILVER", QualifyingPath.STAYS),
        (YearTotals(base_points=30_000), "GOLD", QualifyingPath.BASE_POINTS),
        (YearTotals(nights=24, stays=10), "GOLD", QualifyingPath.STAYS),
        (YearTotals(nights=50), "PLATINUM", QualifyingPath.NIGHTS),
    ],
)
def test_the_highest_tier_reached_by_any_path(
    totals: YearTotals, tier: str, path: QualifyingPath | None
) -> None:
    reached, by = qualified_tier(RULES, totals)
    assert (reached.code, by) == (tier, path)


def test_progress_says_what_is_left_on_each_path() -> None:
    silver = RULES.tier("SILVER")
    assert silver is not None
    progress = tier_progress(
        RULES, 2026, YearTotals(nights=22, stays=7, base_points=25_880), silver
    )
    assert progress.next_tier is not None and progress.next_tier.code == "GOLD"
    assert progress.remaining_on(QualifyingPath.NIGHTS) == 3
    assert progress.remaining_on(QualifyingPath.STAYS) == 3
    assert progress.remaining_on(QualifyingPath.BASE_POINTS) == 4_120


def test_no_next_tier_at_the_top() -> None:
    top = RULES.tier("PLATINUM")
    assert top is not None
    progress = tier_progress(RULES, 2026, YearTotals(nights=80), top)
    assert progress.next_tier is None and progress.paths == ()


def test_status_lasts_through_the_next_year_and_the_grace() -> None:
    assert status_valid_through(2026, RULES) == D(2028, 2, 28)
    assert status_valid_through(2027, RULES) == D(2029, 2, 28)


def test_the_highest_covering_status_is_held() -> None:
    periods = [
        StatusPeriod("GOLD", 2, D(2026, 3, 1), D(2028, 2, 28)),
        StatusPeriod("SILVER", 1, D(2027, 1, 1), D(2029, 2, 28)),
    ]
    assert held_period(periods, D(2028, 2, 28)).tier_code == "GOLD"  # type: ignore[union-attr]
    assert held_period(periods, D(2028, 2, 29)).tier_code == "SILVER"  # type: ignore[union-attr]
    assert held_period(periods, D(2029, 3, 1)) is None


def test_soft_landing_drops_one_tier_at_most() -> None:
    assert soft_landing_rank(RULES, held_rank=3, earned_rank=0) == 2
    assert soft_landing_rank(RULES, held_rank=2, earned_rank=1) == 1
    assert soft_landing_rank(RULES, held_rank=1, earned_rank=0) == 0
    hard = msgspec.structs.replace(
        RULES, qualification=msgspec.structs.replace(RULES.qualification, soft_landing_max_drop=3)
    )
    assert soft_landing_rank(hard, held_rank=3, earned_rank=0) == 0


def test_lifetime_needs_both_years_and_nights() -> None:
    assert lifetime_tier(RULES, {"PLATINUM": 10, "GOLD": 10}, 599).code == "GOLD"  # type: ignore[union-attr]
    assert lifetime_tier(RULES, {"PLATINUM": 10, "GOLD": 10}, 600).code == "PLATINUM"  # type: ignore[union-attr]
    assert lifetime_tier(RULES, {"GOLD": 4}, 1_000) is None


def test_tier_bonus_is_rounded_down() -> None:
    gold = RULES.tier("GOLD")
    assert gold is not None
    assert tier_bonus(1_003, gold) == 250


def test_a_reversal_takes_back_no_more_than_the_balance() -> None:
    assert reversal_of(1_000, 1_500) == reversal_of(1_000, 1_000)
    taken = reversal_of(1_000, 300)
    assert (taken.points, taken.uncollected) == (300, 700)


@pytest.mark.parametrize(
    ("last", "expires"),
    [
        (D(2026, 1, 31), D(2028, 1, 31)),
        (D(2028, 2, 29), D(2030, 2, 28)),
        (D(2026, 8, 31), D(2028, 8, 31)),
    ],
)
def test_points_expire_24_months_after_the_last_activity(last: dt.date, expires: dt.date) -> None:
    assert points_expire_on(last, RULES) == expires


def test_add_months_lands_on_the_last_day_of_a_shorter_month() -> None:
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2028, 3, 31), -1) == D(2028, 2, 29)
