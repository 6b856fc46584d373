"""Program insight's figures and what its reads share: the program report's typed result
(built by :mod:`services.program_report`), the liability on a day (what the what-if
compares against), the period check, currency conversion and the tier held on a day in SQL.
The figures are explained in docs/insight.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.sql.selectable import Subquery

from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.insight import (
    BreakageEstimate,
    Cohort,
    PointsFlows,
    estimate_breakage,
    liability,
    ratio,
)
from staytier.program.model import ExchangeRates
from staytier.services import cohort_sql
from staytier.services.runtime import Runtime
from staytier.store import models as m

ZERO = Decimal(0)


@dataclass(frozen=True)
class ReportPeriod:
    """What a report covers: ``start`` to ``end`` inclusive, the whole brand or the guests
    of one property."""

    start: dt.date
    end: dt.date
    property_code: str | None = None


@dataclass
class TierLine:
    """One tier's figures: its members at the period end and what they did in the period."""

    code: str
    name: str
    rank: int
    members: int = 0
    active_members: int = 0
    new_members: int = 0
    upgraded: int = 0
    soft_landed: int = 0
    lapsed: int = 0
    qualifying_nights: int = 0
    qualifying_stays: int = 0
    member_revenue: Decimal = ZERO
    points: PointsFlows = field(default_factory=PointsFlows)
    benefit_cost: Decimal = ZERO
    award_nights: int = 0
    award_night_cost: Decimal = ZERO
    donated_points: int = 0
    donation_cost: Decimal = ZERO
    miles_bought: int = 0
    miles_cost: Decimal = ZERO

    @property
    def active_rate(self) -> Decimal:
        return ratio(self.active_members, self.members)

    @property
    def program_cost(self) -> Decimal:
        return self.benefit_cost + self.award_night_cost + self.donation_cost + self.miles_cost

    @property
    def cost_to_revenue(self) -> Decimal:
        return ratio(self.program_cost, self.member_revenue)


@dataclass(frozen=True)
class MonthFigures:
    """A month of the period (to the period end if it ends first)."""

    month: dt.date
    month_end: dt.date
    issued: int
    redeemed: int
    expired: int
    reversed: int
    adjusted: int
    outstanding: int
    breakage_rate: Decimal
    liability: Decimal


@dataclass(frozen=True)
class CohortLine:
    cohort: Cohort
    projected_breakage: Decimal


@dataclass(frozen=True)
class ProgramReport:
    period: ReportPeriod
    currency: str
    value_per_point: Decimal
    tiers: list[TierLine]
    points: PointsFlows
    breakage: BreakageEstimate
    # Points not yet spent, expired or taken back at the period end, from the cohort book
    # (each lot less what consumed it): counted apart from ``points``, which it must match.
    outstanding: int
    liability: Decimal
    months: list[MonthFigures]
    cohorts: list[CohortLine]

    def total(self, name: str) -> Any:
        values = [getattr(line, name) for line in self.tiers]
        return sum(values, ZERO if isinstance(values[0], Decimal) else 0)

    @property
    def members(self) -> int:
        return int(self.total("members"))

    @property
    def active_rate(self) -> Decimal:
        return ratio(self.total("active_members"), self.members)


@dataclass(frozen=True)
class Liability:
    """The report's points liability on one day, without the rest of the report."""

    currency: str
    outstanding: int
    breakage: BreakageEstimate
    liability: Decimal


async def liability_on(runtime: Runtime, day: dt.date) -> Liability:
    """The liability ``program_report`` states for a period ending ``day`` (every member
    enrolled by then), from the cohort book alone: what the what-if compares against."""
    rules = runtime.rules_on(day)
    insight = rules.insight

    def enrolled(member_id: Any) -> ColumnElement[bool]:
        found: ColumnElement[bool] = member_id.in_(
            select(m.Member.id).where(m.Member.enrolled_on <= day)
        )
        return found

    async with runtime.db.analysis() as session:
        book = await cohort_sql.cohort_book(session, day, enrolled)
    cohorts = book.cohorts_as_of(day)
    breakage = estimate_breakage(
        cohorts, day, rules.points.expiry_months, insight.default_breakage_rate
    )
    outstanding = sum(cohort.outstanding for cohort in cohorts)
    return Liability(
        currency=insight.currency,
        outstanding=outstanding,
        breakage=breakage,
        liability=liability(outstanding, insight.value_per_point, breakage.rate),
    )


def period_mistakes(start: dt.date, end: dt.date, today: dt.date) -> Iterable[BusinessRuleError]:
    """A period must run forwards and be over by today (the figures of days still to come
    would change)."""
    if end < start:
        yield BusinessRuleError(ErrorCode.INVALID_DATES, "The period ends before it starts.", "to")
    if start > today:
        yield BusinessRuleError(
            ErrorCode.INVALID_DATES, f"The period starts after today ({today}).", "from"
        )
    if end > today:
        yield BusinessRuleError(
            ErrorCode.INVALID_DATES, f"The period must end by today ({today}).", "to"
        )


def converted(
    rates: ExchangeRates, amount: Decimal, currency: str, target: str, on: dt.date
) -> Decimal:
    """``amount`` of ``currency`` in ``target`` at the rates of ``on``; 0 for a currency the
    rates file no longer knows (a stay recorded before it was removed)."""
    if currency == target:
        return amount
    usd, per_target = rates.usd_per_unit(currency, on), rates.usd_per_unit(target, on)
    if usd is None or per_target is None:
        return ZERO
    return amount * usd / per_target


def day_after(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` ends (UTC), for comparing timestamps with a day."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.UTC)


def ranks_on(day: dt.date, name: str, members: Callable[[Any], Any] | None = None) -> Subquery:
    """Per member holding status on ``day``, the highest rank held (domain.tiers.held_period:
    a member's tier is the highest of the periods covering the day). A period revoked after
    the day still counted on it. ``members``, a condition on the member id column, limits
    it to some members (a batch's: the database then reads only their periods)."""
    sp = m.StatusPeriod
    query = (
        select(sp.member_id, func.max(sp.rank).label("rank"))
        .where(sp.valid_from <= day, or_(sp.valid_through.is_(None), sp.valid_through >= day))
        .where(or_(sp.revoked_at.is_(None), sp.revoked_at >= day_after(day)))
        .group_by(sp.member_id)
    )
    if members is not None:
        query = query.where(members(sp.member_id))
    return query.subquery(name)
