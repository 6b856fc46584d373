"""Redemption arithmetic: award night prices, free-night certificates, miles, donations and
the room-guarantee window. Pure functions of the program's rules and dates; no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from staytier.domain.calendar import add_months
from staytier.program.engagement import CertificateAward
from staytier.program.model import (
    Awards,
    AwardSeason,
    GuaranteeCompensation,
    Milestone,
    MilesTransfer,
    SeasonKind,
)


@dataclass(frozen=True)
class AwardNight:
    """One night of an award stay: its date, the season it falls in, and what it costs."""

    night_of: dt.date
    season: SeasonKind | None
    price: int
    free: bool

    @property
    def points(self) -> int:
        return 0 if self.free else self.price


@dataclass(frozen=True)
class AwardQuote:
    """What an award stay costs, night by night."""

    category: int
    nights: tuple[AwardNight, ...]

    @property
    def points(self) -> int:
        return sum(night.points for night in self.nights)

    @property
    def free_nights(self) -> int:
        return sum(1 for night in self.nights if night.free)


def _as_month_day(text: str) -> tuple[int, int]:
    month, day = text.split("-")
    return int(month), int(day)


def in_season(season: AwardSeason, night_of: dt.date) -> bool:
    """Whether ``night_of`` falls inside the yearly span (which may wrap the new year)."""
    starts, ends, day = (
        _as_month_day(season.starts),
        _as_month_day(season.ends),
        (
            night_of.month,
            night_of.day,
        ),
    )
    if starts <= ends:
        return starts <= day <= ends
    return day >= starts or day <= ends


def season_of(awards: Awards, night_of: dt.date) -> SeasonKind | None:
    """The season a night is priced in: the first listed season holding it, else None."""
    return next((s.kind for s in awards.seasons if in_season(s, night_of)), None)


def price_award_stay(
    awards: Awards, category: int, arrival: dt.date, departure: dt.date
) -> AwardQuote | None:
    """Prices the nights from ``arrival`` to ``departure``; None when the category has no
    award price.

    Each night is priced by the season it falls in (a category without a peak or off-peak
    price charges its standard price there). Every ``free_night_every``-th night of the
    stay, counted in date order, is free whatever its season: the 5th night of a stay that
    crosses into the peak season is free even though it is a peak night.
    """
    price = awards.price(category)
    if price is None:
        return None
    nights: list[AwardNight] = []
    for index in range((departure - arrival).days):
        night_of = arrival + dt.timedelta(days=index)
        season = season_of(awards, night_of)
        cost = {"PEAK": price.peak, "OFF_PEAK": price.off_peak}.get(season or "") or price.standard
        every = awards.free_night_every
        free = every > 0 and (index + 1) % every == 0
        nights.append(AwardNight(night_of=night_of, season=season, price=cost, free=free))
    return AwardQuote(category=category, nights=tuple(nights))


def milestones_crossed(
    milestones: list[Milestone], nights_before: int, nights_after: int
) -> list[Milestone]:
    """The milestones a credit reaches: more than ``nights_before``, at most ``nights_after``."""
    return [m for m in milestones if nights_before < m.nights <= nights_after]


def certificate_expires_on(issued_on: dt.date, milestone: Milestone | CertificateAward) -> dt.date:
    """The last day a certificate can be used: ``valid_months`` after the day it was issued
    (a certificate issued on 31 March with 12 months lasts through 31 March next year)."""
    return add_months(issued_on, milestone.valid_months)


def certificate_usable_on(expires_on: dt.date, today: dt.date) -> bool:
    """A certificate is usable through its expiry day, and not the day after."""
    return today <= expires_on


def miles_for(points: int, rules: MilesTransfer) -> int:
    """Miles for ``points`` transferred in one go: the ratio, plus the bonus for each whole
    block (demo: 60,000 points make 20,000 miles and 5,000 bonus miles)."""
    if rules.points_per_mile <= 0:
        return 0
    bonus = (
        points // rules.bonus_block_points * rules.bonus_miles if rules.bonus_block_points else 0
    )
    return points // rules.points_per_mile + bonus


def transfer_mistake(points: int, rules: MilesTransfer) -> str | None:
    """Why ``points`` cannot be transferred, or None. Only whole miles are bought, so the
    points must be a multiple of the ratio: no point is taken for nothing."""
    if rules.points_per_mile <= 0:
        return "This program does not transfer points to miles."
    if points < rules.minimum_points:
        return f"At least {rules.minimum_points:,} points can be transferred."
    if points % rules.points_per_mile:
        return f"Transfer a multiple of {rules.points_per_mile} points (whole miles)."
    return None


def donation_mistake(points: int, minimum: int, step: int) -> str | None:
    """Why a donation of ``points`` is refused by a charity's minimum and step, or None."""
    if points < minimum:
        return f"At least {minimum:,} points can be donated."
    if step > 0 and (points - minimum) % step:
        return f"Donate in steps of {step:,} points above {minimum:,}."
    return None


def guarantee_deadline(arrival: dt.date, time_zone: str, window_hours: int) -> dt.datetime:
    """The last instant a room guarantee may be requested: ``window_hours`` before the start
    (local midnight) of the arrival day in the property's time zone, in UTC.

    Midnight rather than the check-in hour: it is the earliest a guest can arrive, so the
    property always has the full window to find the room.
    """
    local_midnight = dt.datetime.combine(arrival, dt.time(0), ZoneInfo(time_zone))
    # In UTC before subtracting: the window is elapsed hours, across a clock change too.
    return local_midnight.astimezone(dt.UTC) - dt.timedelta(hours=window_hours)


def guarantee_in_time(
    now: dt.datetime, arrival: dt.date, time_zone: str, window_hours: int
) -> bool:
    """Whether a request made at ``now`` is at least the window ahead of arrival."""
    return now <= guarantee_deadline(arrival, time_zone, window_hours)


def guarantee_compensation_points(
    awards: Awards, compensation: GuaranteeCompensation, category: int
) -> int:
    """Points for a guarantee a property could not honour: the standard award price of
    its category for the program's number of nights, plus the program's fixed points."""
    price = awards.price(category)
    per_night = price.standard if price is not None else 0
    return compensation.award_nights * per_night + compensation.points
