"""The arithmetic of program insight: cohorts first in, first out; breakage from mature
cohorts; liability; and the optional program section that values it all."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import msgspec

from staytier.domain.insight import (
    CohortBook,
    Movement,
    Posting,
    estimate_breakage,
    liability,
    movement,
    upgrade_benefit_codes,
    upgrade_points,
)
from staytier.domain.points import LedgerKind
from staytier.program.insight import Insight, Recognition
from staytier.program.loader import FIXTURES, load_program
from staytier.program.model import ProgramVersion
from staytier.program.validation import version_mistakes

D = dt.date
EARN, REDEEM, EXPIRE, REVERSAL = (
    LedgerKind.EARN,
    LedgerKind.REDEEM,
    LedgerKind.EXPIRE,
    LedgerKind.REVERSAL,
)


def test_spending_takes_the_oldest_points_first_and_expiry_the_rest() -> None:
    book = CohortBook()
    book.add_member(
        [
            Posting(EARN, 1_000, D(2023, 1, 15)),
            Posting(EARN, 500, D(2023, 2, 10)),
            Posting(REDEEM, -1_200, D(2023, 3, 1)),  # all of January, 200 of February
            Posting(EXPIRE, -300, D(2025, 3, 1)),  # the rest of February lapses
        ]
    )

    january, february = book.cohorts_as_of(D(2025, 3, 31))

    assert (january.issued, january.redeemed, january.expired) == (1_000, 1_000, 0)
    assert (february.issued, february.redeemed, february.expired) == (500, 200, 300)
    assert february.outstanding == 0 and book.unmatched == 0
    # As of the end of 2024 the expiry had not happened: February still had 300 points.
    assert [c.outstanding for c in book.cohorts_as_of(D(2024, 12, 31))] == [0, 300]


def test_breakage_comes_from_mature_cohorts_only() -> None:
    book = CohortBook()
    book.add_member([Posting(EARN, 1_000, D(2023, 1, 5)), Posting(EXPIRE, -1_000, D(2025, 2, 1))])
    book.add_member([Posting(EARN, 3_000, D(2023, 1, 9)), Posting(REDEEM, -3_000, D(2023, 6, 1))])
    # A young cohort, all spent: it would pull the estimate toward zero if it counted.
    book.add_member([Posting(EARN, 9_000, D(2025, 1, 9)), Posting(REDEEM, -9_000, D(2025, 2, 1))])

    estimate = estimate_breakage(book.cohorts_as_of(D(2025, 3, 31)), D(2025, 3, 31), 24, Decimal(0))

    # January 2023 (mature): 1,000 expired and 3,000 redeemed of the settled 4,000.
    assert (estimate.method, estimate.rate, estimate.mature_cohorts) == (
        "MATURE_COHORTS",
        Decimal("0.2500"),
        1,
    )


def test_without_settled_points_the_program_default_applies() -> None:
    book = CohortBook()
    book.add_member([Posting(EARN, 1_000, D(2026, 1, 5))])

    estimate = estimate_breakage(
        book.cohorts_as_of(D(2026, 2, 28)), D(2026, 2, 28), 24, Decimal("0.2")
    )

    assert (estimate.method, estimate.rate) == ("PROGRAM_DEFAULT", Decimal("0.2000"))


def test_a_reversal_is_neither_redeemed_nor_expired() -> None:
    book = CohortBook()
    book.add_member([Posting(EARN, 1_000, D(2026, 1, 5)), Posting(REVERSAL, -400, D(2026, 1, 9))])

    (cohort,) = book.cohorts_as_of(D(2026, 1, 31))

    assert (cohort.reversed, cohort.settled, cohort.outstanding) == (400, 0, 600)


def test_liability_is_outstanding_at_value_less_expected_breakage() -> None:
    assert liability(100_000, Decimal("0.006"), Decimal("0.25")) == Decimal("450.00")


def test_a_drop_to_the_base_tier_is_a_lapse_and_above_it_a_soft_landing() -> None:
    assert movement(new=False, rank_before=2, rank_after=1, base_rank=0) is Movement.SOFT_LANDED
    assert movement(new=False, rank_before=1, rank_after=0, base_rank=0) is Movement.LAPSED
    assert movement(new=True, rank_before=0, rank_after=3, base_rank=0) is Movement.NEW


def test_a_program_without_an_insight_section_reports_in_usd_at_half_a_cent() -> None:
    version = load_program(FIXTURES / "programs" / "demo.toml").versions[-1]
    bare = msgspec.structs.replace(version, insight=Insight())

    assert bare.insight.currency == "USD" and bare.insight.value_per_point == Decimal("0.005")
    assert bare.insight.reimbursement(4) == Decimal(0)
    assert version_mistakes(bare) == []


def test_every_insight_mistake_is_named() -> None:
    version: ProgramVersion = load_program(FIXTURES / "programs" / "demo.toml").versions[-1]
    wrong = msgspec.convert(
        {
            "currency": "usd",
            "value_per_point": "-1",
            "default_breakage_rate": "1",
            "active_months": 0,
            "award_night_reimbursements": [
                {"category": 2, "per_night": "10"},
                {"category": 2, "per_night": "-1"},
            ],
        },
        type=Insight,
        strict=False,
    )

    mistakes = version_mistakes(msgspec.structs.replace(version, insight=wrong))

    assert [m.split(" ")[0] for m in mistakes] == [
        "insight.currency",
        "insight.value_per_point",
        "insight.default_breakage_rate",
        "insight.active_months",
        "insight.award_night_reimbursements:",
        "insight.award_night_reimbursements",
    ]


def test_an_upgrade_spends_its_cost_in_points_unless_the_program_prices_it() -> None:
    derived = Recognition(share_of_lifetime_value=Decimal("0.05"), max_points=10_000)
    priced = msgspec.structs.replace(derived, points_per_upgrade=2_000)

    # 40 USD at 0.6 cents a point is 6,666.67 points: rounded up, never under the cost.
    assert upgrade_points(derived, Decimal(40), Decimal("0.006")) == 6_667
    assert upgrade_points(derived, Decimal(40), Decimal(0)) == 0
    assert upgrade_points(priced, Decimal(40), Decimal("0.006")) == 2_000
    assert upgrade_benefit_codes(derived) == {"ROOM_UPGRADE"}


def test_every_upgrade_mistake_of_the_recognition_is_named() -> None:
    version: ProgramVersion = load_program(FIXTURES / "programs" / "demo.toml").versions[-1]
    recognition = Recognition(points_per_upgrade=-1, upgrade_benefits=["ROOM_UPGRADE", "SPA"])
    insight = msgspec.structs.replace(version.insight, recognition=recognition)

    mistakes = version_mistakes(msgspec.structs.replace(version, insight=insight))

    assert mistakes == [
        "insight.recognition.points_per_upgrade must not be negative",
        "insight.recognition.upgrade_benefits: 'SPA' is not a benefit of the program",
    ]
