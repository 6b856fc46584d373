"""Program insight for the brand: the program report (the what-if is in simulation.py).

A report that cannot be made (a reversed or future period, an unknown property) comes back
with ``userErrors`` and no figures, as a mutation payload would: the schema's one way of
saying "refused" to a client."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.copying import copy_fields
from staytier.api.graphql.errors import UserError
from staytier.api.graphql.mutations import attempt
from staytier.api.graphql.privileges import BrandReports, code_of
from staytier.services import insight
from staytier.services import program_report as reports
from staytier.services.insight import MonthFigures, ReportPeriod, TierLine


@strawberry.type(description="One tier in a program report: its members at the period end.")
class TierReport:
    tier_code: str
    tier_name: str
    rank: int
    members: int
    active_members: int
    active_rate: Decimal = strawberry.field(description="Active members / members, 0 to 1.")
    new_members: int = strawberry.field(description="Enrolled in the period.")
    upgraded: int = strawberry.field(description="Hold a higher tier than before the period.")
    soft_landed: int = strawberry.field(description="Dropped to this tier, above the base.")
    lapsed: int = strawberry.field(description="Dropped to the base tier.")
    qualifying_nights: int
    qualifying_stays: int
    member_revenue: Decimal
    points_opening: int
    points_issued: int
    points_redeemed: int
    points_expired: int
    points_reversed: int
    points_adjusted: int
    points_outstanding: int
    benefit_cost: Decimal
    award_nights: int
    award_night_cost: Decimal
    donated_points: int
    donation_cost: Decimal
    miles_bought: int
    miles_cost: Decimal
    program_cost: Decimal = strawberry.field(
        description="Benefits, award nights, donations and miles."
    )
    cost_to_revenue: Decimal = strawberry.field(description="Program cost / member revenue.")

    @classmethod
    def of(cls, line: TierLine) -> TierReport:
        flows = line.points
        return copy_fields(
            cls,
            line,
            tier_code=line.code,
            tier_name=line.name,
            points_opening=flows.opening,
            points_issued=flows.issued,
            points_redeemed=flows.redeemed,
            points_expired=flows.expired,
            points_reversed=flows.reversed,
            points_adjusted=flows.adjusted,
            points_outstanding=flows.closing,
        )


@strawberry.type(description="Changes of tier over the period, all tiers together.")
class TierMovements:
    new_members: int
    upgraded: int
    soft_landed: int
    lapsed: int


@strawberry.type(description="Points and liability for one month of the period.")
class PointsMonth:
    month: str = strawberry.field(description="YYYY-MM.")
    month_end: dt.date = strawberry.field(description="Its last day, or the period end.")
    issued: int
    redeemed: int
    expired: int
    reversed: int
    adjusted: int
    outstanding: int = strawberry.field(description="At the month end.")
    breakage_rate: Decimal
    liability: Decimal

    @classmethod
    def of(cls, month: MonthFigures) -> PointsMonth:
        return copy_fields(cls, month, month=month.month.strftime("%Y-%m"))


@strawberry.type(description="The points first credited in one month, as of the period end.")
class EarnCohort:
    month: str = strawberry.field(description="YYYY-MM.")
    issued: int
    redeemed: int
    expired: int
    reversed: int
    outstanding: int
    projected_breakage: Decimal = strawberry.field(
        description="Expired, plus the breakage rate of what is outstanding, over issued "
        "less reversed."
    )


@strawberry.type(
    description="The program's standing, points economics and cost against value for a "
    "period. Refused (userErrors, every figure null or empty) for a reversed or future "
    "period or an unknown property. Money is in `currency`; see docs/insight.md."
)
class ProgramReport:
    from_: dt.date | None = strawberry.field(name="from", default=None)
    to: dt.date | None = None
    property_code: str | None = None
    currency: str | None = None
    members: int | None = strawberry.field(default=None, description="At the period end.")
    active_rate: Decimal | None = None
    members_by_tier: list[TierReport] = strawberry.field(default_factory=list)
    movements: TierMovements | None = None
    points_opening: int | None = strawberry.field(
        default=None, description="Outstanding the day before the period."
    )
    points_issued: int | None = None
    points_redeemed: int | None = None
    points_expired: int | None = None
    points_reversed: int | None = strawberry.field(
        default=None, description="Taken back by corrections, less refunds."
    )
    points_adjusted: int | None = None
    points_outstanding: int | None = strawberry.field(
        default=None,
        description="At the period end: opening + issued - redeemed - expired - reversed "
        "+ adjusted.",
    )
    breakage_rate: Decimal | None = None
    breakage_method: str | None = strawberry.field(
        default=None, description="MATURE_COHORTS, ALL_COHORTS or PROGRAM_DEFAULT."
    )
    value_per_point: Decimal | None = None
    liability: Decimal | None = strawberry.field(
        default=None, description="Outstanding x value per point x (1 - breakage rate)."
    )
    benefit_cost: Decimal | None = None
    award_night_cost: Decimal | None = None
    donation_cost: Decimal | None = None
    miles_cost: Decimal | None = None
    member_revenue: Decimal | None = None
    months: list[PointsMonth] = strawberry.field(default_factory=list)
    cohorts: list[EarnCohort] = strawberry.field(default_factory=list)
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @strawberry.field(
        description="Points given by promotions in the period, net of reversals (at one "
        "property: its stays'); null when the report is refused."
    )
    async def promotion_points(self, info: Info[Context, None]) -> int | None:
        return await _promotion_points(info.context, self)

    @strawberry.field(
        description="promotionPoints x value per point, in `currency`: what the "
        "promotions cost the brand."
    )
    async def promotion_cost(self, info: Info[Context, None]) -> Decimal | None:
        points = await _promotion_points(info.context, self)
        if points is None or self.value_per_point is None:
            return None
        return Decimal(points) * self.value_per_point

    @classmethod
    def of(cls, report: insight.ProgramReport) -> ProgramReport:
        flows, period = report.points, report.period
        return cls(
            from_=period.start,
            to=period.end,
            property_code=period.property_code,
            currency=report.currency,
            members=report.members,
            active_rate=report.active_rate,
            members_by_tier=[TierReport.of(line) for line in report.tiers],
            movements=TierMovements(
                new_members=report.total("new_members"),
                upgraded=report.total("upgraded"),
                soft_landed=report.total("soft_landed"),
                lapsed=report.total("lapsed"),
            ),
            points_opening=flows.opening,
            points_issued=flows.issued,
            points_redeemed=flows.redeemed,
            points_expired=flows.expired,
            points_reversed=flows.reversed,
            points_adjusted=flows.adjusted,
            points_outstanding=report.outstanding,
            breakage_rate=report.breakage.rate,
            breakage_method=report.breakage.method,
            value_per_point=report.value_per_point,
            liability=report.liability,
            benefit_cost=report.total("benefit_cost"),
            award_night_cost=report.total("award_night_cost"),
            donation_cost=report.total("donation_cost"),
            miles_cost=report.total("miles_cost"),
            member_revenue=report.total("member_revenue"),
            months=[PointsMonth.of(month) for month in report.months],
            cohorts=[
                copy_fields(
                    EarnCohort,
                    line.cohort,
                    month=line.cohort.month.strftime("%Y-%m"),
                    projected_breakage=line.projected_breakage,
                )
                for line in report.cohorts
            ],
        )


async def _promotion_points(context: Context, report: ProgramReport) -> int | None:
    from staytier.services.promotions import promotion_points

    if report.from_ is None or report.to is None:
        return None
    async with context.runtime.db.reading() as session:
        return await promotion_points(session, report.from_, report.to, report.property_code)


@strawberry.type
class InsightQuery:
    @strawberry.field(
        description="Standing, points, breakage, liability and cost against revenue by tier "
        "for a period (inclusive), brand-wide or for the guests who stayed at one property.",
        permission_classes=[BrandReports],
    )
    async def program_report(
        self,
        info: Info[Context, None],
        from_: Annotated[dt.date, strawberry.argument(name="from")],
        to: dt.date,
        property_code: str | None = None,
    ) -> ProgramReport:
        code = code_of(property_code) if property_code is not None else None
        period = ReportPeriod(start=from_, end=to, property_code=code)
        report, errors = await attempt(reports.program_report(info.context.runtime, period))
        if report is None:
            return ProgramReport(user_errors=errors)
        return ProgramReport.of(report)
