"""Status: which tier a year's activity earns, what is left to the next one, and what a
member holds on a given day.

A member's status is a set of *status periods* (tier, from, through). The tier held on a day
is the highest tier of the periods covering it, so an upgrade never shortens a longer status
and a soft landing takes effect only when the higher status runs out.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from staytier.program.model import LifetimeRule, ProgramVersion, Tier


class QualifyingPath(enum.Enum):
    NIGHTS = "NIGHTS"
    STAYS = "STAYS"
    BASE_POINTS = "BASE_POINTS"


_TIER_FIELD = {
    QualifyingPath.NIGHTS: "qualifying_nights",
    QualifyingPath.STAYS: "qualifying_stays",
    QualifyingPath.BASE_POINTS: "qualifying_base_points",
}


@dataclass(frozen=True)
class YearTotals:
    """A member's qualifying activity in one qualification year."""

    nights: int = 0
    stays: int = 0
    base_points: int = 0

    def on(self, path: QualifyingPath) -> int:
        return {
            QualifyingPath.NIGHTS: self.nights,
            QualifyingPath.STAYS: self.stays,
            QualifyingPath.BASE_POINTS: self.base_points,
        }[path]


def threshold(tier: Tier, path: QualifyingPath) -> int | None:
    value: int | None = getattr(tier, _TIER_FIELD[path])
    return value


def met_path(tier: Tier, totals: YearTotals) -> QualifyingPath | None:
    """The first path by which ``totals`` reach ``tier``, or None."""
    for path in QualifyingPath:
        required = threshold(tier, path)
        if required is not None and totals.on(path) >= required:
            return path
    return None


def qualified_tier(rules: ProgramVersion, totals: YearTotals) -> tuple[Tier, QualifyingPath | None]:
    """The highest tier the year's totals reach by any path, and the path that reached it."""
    reached, reached_by = rules.base_tier, None
    for tier in rules.tiers_by_rank()[1:]:
        path = met_path(tier, totals)
        if path is not None:
            reached, reached_by = tier, path
    return reached, reached_by


@dataclass(frozen=True)
class PathProgress:
    path: QualifyingPath
    current: int
    required: int

    @property
    def remaining(self) -> int:
        return max(0, self.required - self.current)


@dataclass(frozen=True)
class TierProgress:
    """How far a member is in a qualification year, and what is left to the next tier."""

    year: int
    totals: YearTotals
    next_tier: Tier | None
    paths: tuple[PathProgress, ...]

    def remaining_on(self, path: QualifyingPath) -> int | None:
        found = next((p for p in self.paths if p.path is path), None)
        return None if found is None else found.remaining


def tier_progress(rules: ProgramVersion, year: int, totals: YearTotals, held: Tier) -> TierProgress:
    """Progress toward the tier above the one held (none at the top tier)."""
    above = [tier for tier in rules.tiers_by_rank() if tier.rank > held.rank]
    next_tier = above[0] if above else None
    paths: list[PathProgress] = []
    if next_tier is not None:
        for path in QualifyingPath:
            required = threshold(next_tier, path)
            if required is not None:
                paths.append(PathProgress(path, totals.on(path), required))
    return TierProgress(year=year, totals=totals, next_tier=next_tier, paths=tuple(paths))


@dataclass(frozen=True)
class StatusPeriod:
    """A tier held from one day through another (``None``: for life)."""

    tier_code: str
    rank: int
    valid_from: dt.date
    valid_through: dt.date | None

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_through is None or day <= self.valid_through)


def held_period(periods: Iterable[StatusPeriod], day: dt.date) -> StatusPeriod | None:
    """The period that sets the tier on ``day``: highest rank, then the longest lasting."""
    covering = [period for period in periods if period.covers(day)]
    if not covering:
        return None
    return max(
        covering,
        key=lambda p: (p.rank, p.valid_through is None, p.valid_through or dt.date.max),
    )


def soft_landing_rank(rules: ProgramVersion, held_rank: int, earned_rank: int) -> int:
    """The rank kept at requalification: what was earned, or at most ``soft_landing_max_drop``
    tiers below what was held, whichever is higher."""
    ranks = [tier.rank for tier in rules.tiers_by_rank()]
    held_index = max((i for i, rank in enumerate(ranks) if rank <= held_rank), default=0)
    floor_index = max(0, held_index - rules.qualification.soft_landing_max_drop)
    return max(earned_rank, ranks[floor_index])


def lifetime_tier(
    rules: ProgramVersion, years_at_or_above: dict[str, int], lifetime_nights: int
) -> Tier | None:
    """The highest lifetime status the member's record earns, if any."""
    earned: list[Tier] = []
    for rule in rules.lifetime:
        tier = rules.tier(rule.tier)
        if tier is not None and _meets(rule, years_at_or_above.get(rule.tier, 0), lifetime_nights):
            earned.append(tier)
    return max(earned, key=lambda tier: tier.rank) if earned else None


def _meets(rule: LifetimeRule, years: int, nights: int) -> bool:
    return years >= rule.years_at_tier and nights >= rule.lifetime_nights
