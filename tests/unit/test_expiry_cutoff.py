"""The expiry cut-off turns "add_months(last activity, months) is before today" into the plain
date comparison "last activity < cut-off" that the expiry run gives the database."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from staytier.domain.calendar import add_months
from staytier.services.expiry import expires_after, expiry_cutoff

D = dt.date


def expired(last_activity: dt.date, months: int, as_of: dt.date) -> bool:
    """The rule as the program states it: points last through add_months(last, months)."""
    return add_months(last_activity, months) < as_of


@pytest.mark.parametrize(
    ("as_of", "months", "cutoff"),
    [
        # Activity on 31 Jan 2025: valid through 31 Jan 2027, gone on 1 Feb 2027.
        (D(2027, 1, 31), 24, D(2025, 1, 31)),
        (D(2027, 2, 1), 24, D(2025, 2, 1)),
        # 29 Feb 2024 plus 24 months is 28 Feb 2026: kept that day, gone on 1 March.
        (D(2026, 2, 28), 24, D(2024, 2, 28)),
        (D(2026, 3, 1), 24, D(2024, 3, 1)),
        # 29, 30 and 31 January plus one month all end on 28 February.
        (D(2025, 2, 28), 1, D(2025, 1, 28)),
        (D(2025, 3, 1), 1, D(2025, 2, 1)),
        # 31 March plus one month is 30 April; 1 May is the first day it is gone.
        (D(2025, 4, 30), 1, D(2025, 3, 30)),
        (D(2025, 5, 1), 1, D(2025, 4, 1)),
        # Into a leap February: 29 to 31 Jan 2024 plus one month end on 29 Feb 2024.
        (D(2024, 3, 1), 1, D(2024, 2, 1)),
        (D(2024, 2, 29), 1, D(2024, 1, 29)),
    ],
)
def test_cutoff_at_the_month_end_boundaries(as_of: dt.date, months: int, cutoff: dt.date) -> None:
    assert expiry_cutoff(as_of, months) == cutoff


@pytest.mark.parametrize("last", [D(2024, 1, 29), D(2024, 1, 30), D(2024, 1, 31)])
def test_last_days_of_january_expire_together_after_a_leap_february(last: dt.date) -> None:
    assert not expired(last, 1, D(2024, 2, 29))
    assert last >= expiry_cutoff(D(2024, 2, 29), 1)
    assert last < expiry_cutoff(D(2024, 3, 1), 1)
    assert expires_after(last, 1) == D(2024, 3, 1)


def test_points_earned_on_29_february_expire_on_1_march_two_years_later() -> None:
    assert expires_after(D(2024, 2, 29), 24) == D(2026, 3, 1)
    assert D(2024, 2, 29) >= expiry_cutoff(D(2026, 2, 28), 24)
    assert D(2024, 2, 29) < expiry_cutoff(D(2026, 3, 1), 24)


@given(
    as_of=st.dates(min_value=D(2001, 1, 1), max_value=D(2099, 12, 31)),
    months=st.sampled_from([1, 2, 3, 6, 11, 12, 13, 18, 24, 36, 48]),
    offset=st.integers(min_value=-40, max_value=40),
)
def test_cutoff_agrees_with_the_rule_around_it(as_of: dt.date, months: int, offset: int) -> None:
    cutoff = expiry_cutoff(as_of, months)
    last = cutoff + dt.timedelta(days=offset)
    assert expired(last, months, as_of) == (last < cutoff)


def test_cutoff_agrees_with_the_rule_every_day_of_a_leap_cycle() -> None:
    for months in (1, 12, 24):
        as_of = D(2027, 1, 1)
        while as_of < D(2029, 1, 1):
            cutoff = expiry_cutoff(as_of, months)
            assert expired(cutoff - dt.timedelta(days=1), months, as_of)
            assert not expired(cutoff, months, as_of)
            as_of += dt.timedelta(days=1)


def test_an_expiry_day_follows_the_last_valid_day() -> None:
    assert expires_after(D(2025, 1, 31), 24) == D(2027, 2, 1)
    assert expires_after(D(2025, 3, 31), 1) == D(2025, 5, 1)
