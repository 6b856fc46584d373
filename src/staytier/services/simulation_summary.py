"""A what-if's comparison as :mod:`services.simulation` stores it on the simulation."""

from __future__ import annotations

from typing import Any

from staytier.domain.insight import liability, money
from staytier.domain.simulation import Comparison, ladder
from staytier.program.model import ProgramVersion
from staytier.services.insight import Liability


def summary(
    served: ProgramVersion, proposed: ProgramVersion, comparison: Comparison, report: Liability
) -> dict[str, Any]:
    """The comparison as stored. Liability: the report's outstanding points at the period
    end (from the cohort book alone, not the whole report), moved by the difference in
    points issued, valued by each program's value per point at the report's breakage rate
    (a first-order estimate: see docs/insight.md)."""
    extra = comparison.simulated_points - comparison.actual_points
    actual_value, simulated_value = served.insight.value_per_point, proposed.insight.value_per_point
    rate = report.breakage.rate
    tiers = [
        {
            "code": tier.code,
            "name": tier.name,
            "rank": tier.rank,
            "actual": comparison.actual_by_tier.get(tier.code, 0),
            "simulated": comparison.simulated_by_tier.get(tier.code, 0),
        }
        for tier in ladder(served, proposed)
    ]
    return {
        "members": comparison.members,
        "tiers": tiers,
        "moved_up": comparison.moved_up,
        "moved_down": comparison.moved_down,
        "actual_points": comparison.actual_points,
        "simulated_points": comparison.simulated_points,
        "currency": report.currency,
        "breakage_rate": str(rate),
        "actual_liability": str(report.liability),
        "simulated_liability": str(
            liability(report.outstanding + extra, proposed.insight.value_per_point, rate)
        ),
        "actual_benefit_cost_usd": str(money(comparison.actual_benefit_cost_usd)),
        "simulated_benefit_cost_usd": str(money(comparison.simulated_benefit_cost_usd)),
        "actual_promotion_points": comparison.actual_promotion_points,
        "simulated_promotion_points": comparison.simulated_promotion_points,
        "actual_promotion_cost": str(money(comparison.actual_promotion_points * actual_value)),
        "simulated_promotion_cost": str(
            money(comparison.simulated_promotion_points * simulated_value)
        ),
    }
