"""Which what-if candidates the database can replay: pure rules over two programs (see
:mod:`staytier.services.set_replay`, which replays them, and :mod:`staytier.domain.simulation`,
the exact replay every other candidate gets)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import msgspec

from staytier.program.insight import Insight
from staytier.program.model import ProgramVersion

Rules = Callable[[dt.date], ProgramVersion]


def set_based_version(
    served: Rules, candidate: Rules, start: dt.date, end: dt.date
) -> ProgramVersion | None:
    """The candidate's version when the period can be replayed in the database: each program
    has one version in force from ``start`` to ``end``, and they differ only in the tiers'
    thresholds and bonuses (or in what the replay does not read), and none of its
    promotions running then is for some tiers only (the tier held at a checkout may differ
    under the candidate); None otherwise."""
    actual, proposed = served(start), candidate(start)
    if served(end) != actual or candidate(end) != proposed:
        return None
    if any(
        p.eligibility.tiers
        for p in proposed.promotions
        if p.starts_on <= end and p.ends_on >= start
    ):
        return None
    return proposed if _replayed(actual) == _replayed(proposed) else None


def _replayed(version: ProgramVersion) -> ProgramVersion:
    """The version with what may differ set aside: names and dates, the tiers' thresholds and
    bonuses, and the figures the comparison values things at (insight, benefits)."""
    tiers = [
        msgspec.structs.replace(
            tier,
            bonus_percent=0,
            qualifying_nights=None,
            qualifying_stays=None,
            qualifying_base_points=None,
        )
        for tier in version.tiers_by_rank()
    ]
    return msgspec.structs.replace(
        version,
        version="",
        effective_from=dt.date.min,
        effective_until=None,
        announced_on=None,
        tiers=tiers,
        insight=Insight(),
        benefits=[],
    )
