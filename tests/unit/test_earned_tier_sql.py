"""The SQL that decides a tier from a year's totals (requalification and the set-based
what-if) is domain.tiers.qualified_tier: pinned on generated totals and ladders."""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from staytier.domain.tiers import YearTotals, qualified_tier
from staytier.program.loader import default_program_path, load_program
from staytier.program.model import ProgramVersion, Tier
from staytier.services.requalification_batch import earned_tier_case

DEMO = load_program(default_program_path()).versions[-1]
threshold = st.none() | st.integers(min_value=0, max_value=120)


@st.composite
def ladders(draw: st.DrawFn) -> ProgramVersion:
    """The demo's tiers with thresholds drawn at random (a path may be left out)."""
    tiers = [DEMO.base_tier] + [
        Tier(
            code=tier.code,
            name=tier.name,
            rank=tier.rank,
            qualifying_nights=draw(threshold),
            qualifying_stays=draw(threshold),
            qualifying_base_points=draw(threshold),
        )
        for tier in DEMO.tiers_by_rank()[1:]
    ]
    return ProgramVersion(version="x", effective_from=DEMO.effective_from, tiers=tiers)


@settings(max_examples=200, deadline=None)
@given(
    ladders(),
    st.integers(min_value=0, max_value=150),
    st.integers(min_value=0, max_value=150),
    st.integers(min_value=0, max_value=150),
)
def test_the_sql_tier_is_the_domains(
    rules: ProgramVersion, nights: int, stays: int, base_points: int
) -> None:
    totals = [sa.literal(nights), sa.literal(stays), sa.literal(base_points)]
    expression = earned_tier_case(rules.tiers_by_rank(), totals, lambda tier: tier.rank)
    with ENGINE.connect() as connection:
        in_sql = connection.execute(sa.select(expression)).scalar_one()

    expected, _ = qualified_tier(rules, YearTotals(nights, stays, base_points))
    assert in_sql == expected.rank


ENGINE = sa.create_engine("sqlite://")
