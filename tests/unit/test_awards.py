"""Redemption arithmetic read from the demo program: award prices, certificates, miles,
donations and the guarantee window."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from staytier.domain import awards
from staytier.program.loader import FIXTURES, load_program
from staytier.program.model import Awards, AwardSeason, MilesTransfer
from staytier.program.validation import version_mistakes

PROGRAM = load_program(FIXTURES / "programs" / "demo.toml")
V2025, V2026 = PROGRAM.versions
D = dt.date


def test_a_four_night_category_6_stay_in_spring_costs_four_standard_nights() -> None:
    quote = awards.price_award_stay(V2026.awards, 6, D(2026, 4, 1), D(2026, 4, 5))
    assert quote is not None
    assert [n.price for n in quote.nights] == [50_000] * 4
    assert quote.points == 200_000 and quote.free_nights == 0


def test_the_fifth_and_tenth_award_nights_are_free() -> None:
    quote = awards.price_award_stay(V2026.awards, 1, D(2026, 4, 1), D(2026, 4, 11))
    assert quote is not None
    assert [n.free for n in quote.nights] == [False] * 4 + [True] + [False] * 4 + [True]
    assert quote.points == 8 * 7_500


def test_the_fifth_night_is_free_even_when_it_is_a_peak_night() -> None:
    # 16 to 21 December: four standard nights, then the 20th is the first peak night.
    quote = awards.price_award_stay(V2026.awards, 4, D(2026, 12, 16), D(2026, 12, 21))
    assert quote is not None
    assert [(n.season, n.price, n.free) for n in quote.nights] == [
        (None, 25_000, False),
        (None, 25_000, False),
        (None, 25_000, False),
        (None, 25_000, False),
        ("PEAK", 30_000, True),
    ]
    assert quote.points == 100_000


def test_a_stay_across_the_new_year_is_peak_on_both_sides() -> None:
    quote = awards.price_award_stay(V2026.awards, 2, D(2026, 12, 30), D(2027, 1, 5))
    assert quote is not None
    seasons = [n.season for n in quote.nights]
    assert seasons == ["PEAK", "PEAK", "PEAK", "PEAK", "PEAK", None]
    # Six nights: five peak (the fifth free) and one standard.
    assert quote.points == 4 * 15_000 + 12_500


def test_off_peak_nights_cost_less_and_2025_rules_have_no_seasons() -> None:
    winter = awards.price_award_stay(V2026.awards, 8, D(2026, 2, 1), D(2026, 2, 3))
    assert winter is not None and winter.points == 2 * 80_000
    old_rules = awards.price_award_stay(V2025.awards, 8, D(2026, 2, 1), D(2026, 2, 3))
    assert old_rules is not None and old_rules.points == 2 * 100_000


def test_a_category_without_a_price_cannot_be_booked_with_points() -> None:
    assert awards.price_award_stay(V2026.awards, 9, D(2026, 4, 1), D(2026, 4, 2)) is None


def test_a_season_on_29_february_exists_only_in_leap_years() -> None:
    leap_day = AwardSeason(kind="PEAK", starts="02-29", ends="02-29")
    assert awards.in_season(leap_day, D(2028, 2, 29))
    assert not awards.in_season(leap_day, D(2027, 2, 28))


@pytest.mark.parametrize(
    ("points", "miles"),
    [(3_000, 1_000), (59_997, 19_999), (60_000, 25_000), (120_000, 50_000), (150_000, 60_000)],
)
def test_three_points_make_a_mile_and_each_60000_in_one_go_adds_5000(
    points: int, miles: int
) -> None:
    assert awards.miles_for(points, V2026.miles) == miles


def test_transfers_below_the_minimum_or_in_part_miles_are_refused() -> None:
    assert (
        awards.transfer_mistake(2_999, V2026.miles) == "At least 3,000 points can be transferred."
    )
    assert awards.transfer_mistake(3_001, V2026.miles) is not None
    assert awards.transfer_mistake(3_003, V2026.miles) is None
    assert awards.transfer_mistake(3_000, MilesTransfer()) is not None


@given(st.integers(min_value=0, max_value=10_000_000))
def test_more_points_never_buy_fewer_miles(points: int) -> None:
    assert awards.miles_for(points + 3, V2026.miles) >= awards.miles_for(points, V2026.miles)


def test_donations_follow_the_minimum_and_the_step() -> None:
    assert awards.donation_mistake(999, 1_000, 1_000) is not None
    assert awards.donation_mistake(1_000, 1_000, 1_000) is None
    assert awards.donation_mistake(2_500, 1_000, 1_000) is not None
    assert awards.donation_mistake(7_000, 1_000, 1_000) is None


def test_milestones_are_crossed_once_each_even_by_one_big_credit() -> None:
    crossed = awards.milestones_crossed(V2026.milestones, 45, 80)
    assert [m.nights for m in crossed] == [50, 75]
    assert awards.milestones_crossed(V2026.milestones, 50, 60) == []
    assert [m.nights for m in awards.milestones_crossed(V2026.milestones, 49, 50)] == [50]


def test_a_certificate_is_usable_on_its_expiry_day_and_not_the_day_after() -> None:
    milestone = V2026.milestones[0]
    expires = awards.certificate_expires_on(D(2026, 3, 31), milestone)
    assert expires == D(2027, 3, 31)
    assert awards.certificate_usable_on(expires, D(2027, 3, 31))
    assert not awards.certificate_usable_on(expires, D(2027, 4, 1))


def test_the_guarantee_window_is_measured_to_midnight_of_arrival_at_the_property() -> None:
    # Arrival 10 March in Tokyo (UTC+9): local midnight is 9 March 15:00 UTC.
    deadline = awards.guarantee_deadline(D(2026, 3, 10), "Asia/Tokyo", 48)
    assert deadline == dt.datetime(2026, 3, 7, 15, 0, tzinfo=dt.UTC)
    just_in_time = deadline - dt.timedelta(minutes=1)
    assert awards.guarantee_in_time(just_in_time, D(2026, 3, 10), "Asia/Tokyo", 48)
    too_late = deadline + dt.timedelta(minutes=1)
    assert not awards.guarantee_in_time(too_late, D(2026, 3, 10), "Asia/Tokyo", 48)


def test_the_window_follows_daylight_saving_at_the_property() -> None:
    # New York springs forward on 8 March 2026: midnight of the 9th is 04:00 UTC.
    deadline = awards.guarantee_deadline(D(2026, 3, 9), "America/New_York", 48)
    assert deadline == dt.datetime(2026, 3, 7, 4, 0, tzinfo=dt.UTC)


def test_a_declined_guarantee_is_compensated_with_one_standard_night_of_the_category() -> None:
    points = awards.guarantee_compensation_points(V2026.awards, V2026.guarantee_compensation, 6)
    assert points == 50_000


def _with_awards(**changes: object) -> list[str]:
    version = msgspec.structs.replace(
        V2026, awards=msgspec.structs.replace(V2026.awards, **changes)
    )
    return version_mistakes(version)


def test_program_mistakes_in_award_rules_are_each_named() -> None:
    assert _with_awards(free_night_every=1) == [
        "awards.free_night_every must be 0 (no free nights) or at least 2"
    ]
    bad_season = [AwardSeason(kind="PEAK", starts="13-01", ends="12-31")]
    assert _with_awards(seasons=bad_season) == [
        "awards.seasons[0]: starts '13-01' is not a day of the year written \"MM-DD\""
    ]
    assert _with_awards(rate_code="FREE") == ["awards.rate_code 'FREE' is not listed in rate_codes"]
    assert Awards().prices == []


def test_program_mistakes_in_miles_and_milestones_are_each_named() -> None:
    version = msgspec.structs.replace(
        V2026,
        miles=MilesTransfer(points_per_mile=3, minimum_points=1, bonus_miles=10),
        milestones=list(reversed(V2026.milestones)),
    )
    assert version_mistakes(version) == [
        "milestones[1]: nights must be positive and increase down the list",
        "miles: bonus_miles needs bonus_block_points (the block that earns them)",
        "miles.minimum_points must be at least points_per_mile (one mile)",
    ]
