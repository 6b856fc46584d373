"""The program report: standing, points economics and cost against value for a period.

Read-only and set-based: a dozen grouped statements whatever the number of members, plus one
streamed pass over the ledger for the earn-month cohorts (see :class:`domain.insight.CohortBook`).
Figures are effective-dated (a tier on the days its status period covers, points on the
day their entry takes effect), so a report for a past month end reads the same every time.
It reads one snapshot through :meth:`Database.snapshot` (a :meth:`Database.reading` session),
so its figures agree with each other and the API's queries go to the read replica when one
is configured. The figures are explained in docs/insight.md.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.calendar import add_months
from staytier.domain.errors import BusinessRuleError, ErrorCode, InvalidInput
from staytier.domain.insight import (
    CohortBook,
    Movement,
    PointsFlows,
    estimate_breakage,
    liability,
    money,
    month_end,
    month_of,
    movement,
    points_flows,
)
from staytier.program.model import ProgramVersion
from staytier.services import cohort_sql
from staytier.services.insight import (
    CohortLine,
    MonthFigures,
    ProgramReport,
    ReportPeriod,
    TierLine,
    converted,
    day_after,
    period_mistakes,
    ranks_on,
)
from staytier.services.runtime import Runtime
from staytier.store import models as m
from staytier.store.queries import property_by_code

STREAM_ROWS = 10_000
OPENING = "OPENING"


async def program_report(runtime: Runtime, period: ReportPeriod) -> ProgramReport:
    """The report for ``period``; refuses (``InvalidInput``) a reversed or future period,
    an unknown property, or a program currency the rates file does not know."""
    rules = runtime.rules_on(period.end)
    async with runtime.db.analysis() as session:
        property_id = await _checked(runtime, session, period, rules)
        reader = _Reader(runtime, rules, period, property_id)
        return await reader.report(session)


async def _checked(
    runtime: Runtime, session: AsyncSession, period: ReportPeriod, rules: ProgramVersion
) -> int | None:
    mistakes = list(period_mistakes(period.start, period.end, runtime.today()))
    if runtime.rates.usd_per_unit(rules.insight.currency, period.end) is None:
        mistakes.append(
            BusinessRuleError(
                ErrorCode.UNKNOWN_CURRENCY,
                f"The program reports in {rules.insight.currency}, which has no exchange rate.",
            )
        )
    property_id = None
    if period.property_code is not None:
        hotel = await property_by_code(session, period.property_code)
        if hotel is None:
            mistakes.append(
                BusinessRuleError(
                    ErrorCode.PROPERTY_NOT_FOUND,
                    f"No property {period.property_code}.",
                    "propertyCode",
                )
            )
        else:
            property_id = hotel.id
    if mistakes:
        raise InvalidInput(mistakes)
    return property_id


class _Reader:
    """The statements of one report."""

    def __init__(
        self, runtime: Runtime, rules: ProgramVersion, period: ReportPeriod, property_id: int | None
    ) -> None:
        self.runtime, self.rules, self.period = runtime, rules, period
        self.property_id = property_id
        self.insight = rules.insight
        self.base = rules.base_tier.rank
        self.end_ranks = ranks_on(period.end, "end_ranks")
        self.end_rank = func.coalesce(self.end_ranks.c.rank, self.base)
        self.lines = {tier.rank: TierLine(tier.code, tier.name, tier.rank) for tier in rules.tiers}

    def line(self, rank: int) -> TierLine:
        return self.lines[self.rules.tier_of_rank(int(rank)).rank]

    def population(self, member_id: Any) -> ColumnElement[bool]:
        """The members the report is about: those enrolled by the period end, or of them
        the guests who completed a stay at the property in the period."""
        members = select(m.Member.id).where(m.Member.enrolled_on <= self.period.end)
        if self.property_id is not None:
            stayed = select(m.Stay.member_id).where(
                m.Stay.property_id == self.property_id,
                m.Stay.status == "COMPLETED",
                m.Stay.departure_date.between(self.period.start, self.period.end),
            )
            members = members.where(m.Member.id.in_(stayed))
        enrolled: ColumnElement[bool] = member_id.in_(members)
        return enrolled

    def by_end_tier(self, query: Any, member_id: Any) -> Any:
        return query.outerjoin(self.end_ranks, self.end_ranks.c.member_id == member_id).where(
            self.population(member_id)
        )

    def to_currency(self, amount: Decimal, currency: str, on: dt.date) -> Decimal:
        return converted(self.runtime.rates, amount, currency, self.insight.currency, on)

    async def report(self, session: AsyncSession) -> ProgramReport:
        await self.standing(session)
        await self.qualifying(session)
        await self.revenue(session)
        await self.points(session)
        await self.costs(session)
        book, months_flows = await self.cohort_book(session)
        expiry = self.rules.points.expiry_months
        default = self.insight.default_breakage_rate
        cohorts = book.cohorts_as_of(self.period.end)
        breakage = estimate_breakage(cohorts, self.period.end, expiry, default)
        outstanding = sum(cohort.outstanding for cohort in cohorts)
        total = PointsFlows(
            **{
                name: sum(getattr(line.points, name) for line in self.lines.values())
                for name in ("opening", "issued", "redeemed", "expired", "reversed", "adjusted")
            }
        )
        return ProgramReport(
            period=self.period,
            currency=self.insight.currency,
            value_per_point=self.insight.value_per_point,
            tiers=sorted(self.lines.values(), key=lambda line: line.rank),
            points=total,
            breakage=breakage,
            outstanding=outstanding,
            liability=liability(outstanding, self.insight.value_per_point, breakage.rate),
            months=self.months(book, months_flows),
            cohorts=[CohortLine(c, breakage.projected(c)) for c in cohorts],
        )

    # --- standing ---------------------------------------------------------------------------

    async def standing(self, session: AsyncSession) -> None:
        period, months = self.period, self.insight.active_months
        window_start = add_months(period.end, -months) + dt.timedelta(days=1)
        active = (
            select(m.Stay.member_id.label("member_id"))
            .where(m.Stay.status == "COMPLETED")
            .where(m.Stay.departure_date.between(window_start, period.end))
            .union(
                select(m.Activity.member_id).where(
                    m.Activity.occurred_on.between(window_start, period.end)
                )
            )
            .subquery("active")
        )
        start_ranks = ranks_on(period.start - dt.timedelta(days=1), "start_ranks")
        new = case((m.Member.enrolled_on >= period.start, 1), else_=0)
        is_active = case((active.c.member_id.is_not(None), 1), else_=0)
        before = func.coalesce(start_ranks.c.rank, self.base)
        query = (
            self.by_end_tier(
                select(self.end_rank, before, new, is_active, func.count()), m.Member.id
            )
            .outerjoin(start_ranks, start_ranks.c.member_id == m.Member.id)
            .outerjoin(active, active.c.member_id == m.Member.id)
            .where(m.Member.enrolled_on <= period.end)
            .group_by(self.end_rank, before, new, is_active)
        )
        for after, rank_before, is_new, was_active, count in await session.execute(query):
            line = self.line(after)
            line.members += count
            line.active_members += count if was_active else 0
            moved = movement(
                new=bool(is_new),
                rank_before=self.line(rank_before).rank,
                rank_after=line.rank,
                base_rank=self.base,
            )
            if moved is Movement.NEW:
                line.new_members += count
            elif moved is Movement.UPGRADED:
                line.upgraded += count
            elif moved is Movement.SOFT_LANDED:
                line.soft_landed += count
            elif moved is Movement.LAPSED:
                line.lapsed += count

    async def qualifying(self, session: AsyncSession) -> None:
        """Qualifying nights and stays credited in the period (net of reversals, without the
        nights rolled over from a year, which were counted in it)."""
        qc, credit = m.QualifyingCredit, m.Credit
        query = (
            select(self.end_rank, func.sum(qc.nights), func.sum(qc.stays))
            .select_from(qc)
            .join(credit, credit.id == qc.credit_id)
            .where(credit.credit_date.between(self.period.start, self.period.end))
            .where(credit.kind != "ROLLOVER")
        )
        if self.property_id is not None:
            query = query.join(m.Stay, m.Stay.id == credit.stay_id).where(
                m.Stay.property_id == self.property_id
            )
        query = self.by_end_tier(query, qc.member_id).group_by(self.end_rank)
        for rank, nights, stays in await session.execute(query):
            line = self.line(rank)
            line.qualifying_nights += int(nights or 0)
            line.qualifying_stays += int(stays or 0)

    async def revenue(self, session: AsyncSession) -> None:
        """Room, food and beverage and other revenue of the stays completed in the period,
        each converted at the rates of its checkout day."""
        stay = m.Stay
        total = func.sum(stay.room_revenue + stay.food_and_beverage_revenue + stay.other_revenue)
        query = select(self.end_rank, stay.currency, stay.departure_date, total).where(
            stay.status == "COMPLETED",
            stay.departure_date.between(self.period.start, self.period.end),
        )
        if self.property_id is not None:
            query = query.where(stay.property_id == self.property_id)
        query = self.by_end_tier(query, stay.member_id).group_by(
            self.end_rank, stay.currency, stay.departure_date
        )
        for rank, currency, day, amount in await session.execute(query):
            self.line(rank).member_revenue += self.to_currency(Decimal(amount), currency, day)
        for line in self.lines.values():
            line.member_revenue = money(line.member_revenue)

    # --- points -----------------------------------------------------------------------------

    async def points(self, session: AsyncSession) -> None:
        """The period's points by kind, and the balance before it, per tier: one statement."""
        entry = m.LedgerEntry
        # Entries before the period are summed as one "kind": the opening balance.
        kind = case((entry.effective_on >= self.period.start, entry.kind), else_=literal(OPENING))
        query = self.by_end_tier(
            select(self.end_rank, kind, func.sum(entry.points)).where(
                entry.effective_on <= self.period.end
            ),
            entry.member_id,
        ).group_by(self.end_rank, kind)
        opening_by_rank: dict[int, int] = defaultdict(int)
        kinds_by_rank: dict[int, dict[str, int]] = defaultdict(dict)
        for rank, kind, points in await session.execute(query):
            tier_rank = self.line(rank).rank
            if kind == OPENING:
                opening_by_rank[tier_rank] += int(points or 0)
            else:
                sums = kinds_by_rank[tier_rank]
                sums[kind] = sums.get(kind, 0) + int(points or 0)
        for rank, line in self.lines.items():
            line.points = points_flows(opening_by_rank[rank], kinds_by_rank[rank])

    async def cohort_book(
        self, session: AsyncSession
    ) -> tuple[CohortBook, dict[tuple[dt.date, str], int]]:
        """The cohort book of the ledger up to the period end (first in, first out, in the
        database: services.cohort_sql), and the period's points by month and kind."""
        book = await cohort_sql.cohort_book(session, self.period.end, self.population)
        entry = m.LedgerEntry
        month = cohort_sql.month_start(entry.effective_on, session.get_bind().dialect.name)
        query = (
            select(month, entry.kind, func.sum(entry.points))
            .where(entry.effective_on.between(self.period.start, self.period.end))
            .where(self.population(entry.member_id))
            .group_by(month, entry.kind)
        )
        by_month: dict[tuple[dt.date, str], int] = defaultdict(int)
        for earned, kind, points in await session.execute(query):
            by_month[(cohort_sql.as_date(earned), kind)] += int(points or 0)
        return book, by_month

    def months(self, book: CohortBook, flows: dict[tuple[dt.date, str], int]) -> list[MonthFigures]:
        figures = []
        expiry, default = self.rules.points.expiry_months, self.insight.default_breakage_rate
        month = month_of(self.period.start)
        while month <= self.period.end:
            last_day = min(month_end(month), self.period.end)
            cohorts = book.cohorts_as_of(last_day)
            breakage = estimate_breakage(cohorts, last_day, expiry, default)
            outstanding = sum(c.outstanding for c in cohorts)
            sums = {kind: points for (when, kind), points in flows.items() if when == month}
            moved = points_flows(0, sums)
            figures.append(
                MonthFigures(
                    month=month,
                    month_end=last_day,
                    issued=moved.issued,
                    redeemed=moved.redeemed,
                    expired=moved.expired,
                    reversed=moved.reversed,
                    adjusted=moved.adjusted,
                    outstanding=outstanding,
                    breakage_rate=breakage.rate,
                    liability=liability(outstanding, self.insight.value_per_point, breakage.rate),
                )
            )
            month = add_months(month, 1)
        return figures

    # --- cost against value -----------------------------------------------------------------

    async def costs(self, session: AsyncSession) -> None:
        await self.benefit_costs(session)
        await self.award_nights(session)
        await self.donations_and_miles(session)
        for line in self.lines.values():
            for name in ("benefit_cost", "award_night_cost", "donation_cost", "miles_cost"):
                setattr(line, name, money(getattr(line, name)))

    async def benefit_costs(self, session: AsyncSession) -> None:
        usage = m.BenefitUsage
        query = select(self.end_rank, usage.used_on, func.sum(usage.cost_usd)).where(
            usage.used_on.between(self.period.start, self.period.end)
        )
        if self.property_id is not None:
            query = query.where(usage.property_id == self.property_id)
        query = self.by_end_tier(query, usage.member_id).group_by(self.end_rank, usage.used_on)
        for rank, day, cost in await session.execute(query):
            self.line(rank).benefit_cost += self.to_currency(Decimal(cost), "USD", day)

    async def award_nights(self, session: AsyncSession) -> None:
        """Award nights of the stays that ended in the period and were not cancelled, each
        reimbursed to the property at the program's rate for its category."""
        award, stay, hotel = m.AwardRedemption, m.Stay, m.Property
        query = (
            select(self.end_rank, hotel.category, func.sum(award.nights))
            .select_from(award)
            .join(stay, stay.id == award.stay_id)
            .join(hotel, hotel.id == stay.property_id)
            .where(award.cancelled_at.is_(None), stay.status.not_in(("CANCELLED", "NO_SHOW")))
            .where(stay.departure_date.between(self.period.start, self.period.end))
        )
        if self.property_id is not None:
            query = query.where(stay.property_id == self.property_id)
        query = self.by_end_tier(query, award.member_id).group_by(self.end_rank, hotel.category)
        for rank, category, nights in await session.execute(query):
            line = self.line(rank)
            line.award_nights += int(nights or 0)
            line.award_night_cost += self.insight.reimbursement(category) * int(nights or 0)

    async def donations_and_miles(self, session: AsyncSession) -> None:
        donation, transfer = m.Donation, m.MilesTransfer
        donated = self.by_end_tier(
            select(self.end_rank, func.sum(donation.points)).where(
                donation.status != "REFUNDED",
                donation.donated_on.between(self.period.start, self.period.end),
            ),
            donation.member_id,
        ).group_by(self.end_rank)
        for rank, points in await session.execute(donated):
            line = self.line(rank)
            line.donated_points += int(points or 0)
            line.donation_cost += self.insight.donation_cost_per_point * int(points or 0)
        bought = self.by_end_tier(
            select(self.end_rank, func.sum(transfer.miles)).where(
                transfer.status != "REFUNDED",
                and_(
                    transfer.created_at >= day_after(self.period.start - dt.timedelta(days=1)),
                    transfer.created_at < day_after(self.period.end),
                ),
            ),
            transfer.member_id,
        ).group_by(self.end_rank)
        for rank, miles in await session.execute(bought):
            line = self.line(rank)
            line.miles_bought += int(miles or 0)
            line.miles_cost += self.insight.cost_per_mile * int(miles or 0)
