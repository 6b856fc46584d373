"""The program file, as typed data.

A program is a list of *versions*; each version is a complete rule set with an effective
date. Nothing in the code knows a threshold or a rate: everything a brand may change lives
here and is checked by :mod:`staytier.program.validation` when the file is loaded.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

import msgspec

from staytier.program.engagement import (
    ComplaintRules,
    StatusGrantRules,
    SurveyRules,
    SweepstakesRule,
)
from staytier.program.insight import Insight
from staytier.program.promotions import Promotion, ReferralRules
from staytier.program.sharing import PoolingRules, TransferRules

RevenueLine = Literal["room", "food_and_beverage", "other"]
LedgerEarnKind = Literal["EARN", "BONUS"]


class Qualification(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How status is earned and how long it lasts."""

    # First month of the qualification year; 1 makes it the calendar year.
    year_start_month: int = 1
    # Status earned in year Y is valid to the end of year Y+1 plus this many days.
    status_grace_days: int = 0
    # A stay longer than this is refused (a folio error or a long-stay contract).
    max_stay_nights: int = 90
    # Nights above the threshold of the tier reached carry into the next year.
    rollover_nights: bool = False
    # At requalification a member who fell short drops by at most this many tiers.
    soft_landing_max_drop: int = 1


class Earning(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How stays turn into base points."""

    base_points_per_usd: int = 10
    eligible_revenue: list[RevenueLine] = msgspec.field(
        default_factory=lambda: ["room", "food_and_beverage"]
    )


class PointsRules(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How points age."""

    # Points expire after this many months without earning or redeeming; 0 means never.
    expiry_months: int = 24


class BirthdayRules(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The birthday bonus: credited once a year on the member's birthday, in their time zone."""

    # Points credited as a BONUS entry; 0 means no birthday bonus.
    bonus_points: int = 0


class ServingRules(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How long a stay lets the property (or the booking partner that made it) see its guest.

    Serving is not owning: a front desk or a booking partner sees a member only around the
    stays it serves, from this many days before arrival to this many days after departure.
    """

    days_before_arrival: int = 30
    days_after_departure: int = 7


class Tier(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One status level. A path left out (None) cannot be used to reach the tier."""

    code: str
    name: str
    rank: int
    bonus_percent: int = 0
    qualifying_nights: int | None = None
    qualifying_stays: int | None = None
    qualifying_base_points: int | None = None


class LifetimeRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Status for life after enough years at a tier and enough nights in all."""

    tier: str
    years_at_tier: int
    lifetime_nights: int


class RateCode(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A rate code with its own crediting; codes not listed qualify and earn in full."""

    code: str
    description: str = ""
    counts_nights: bool = True
    counts_stays: bool = True
    earns_points: bool = True


class ActivityRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What one kind of activity from a named source credits.

    ``points_per_usd`` and ``usd_per_qualifying_night`` apply to the activity's USD amount;
    the nights per USD are counted on the member's running total for the year, so ten
    card payments of 500 USD earn the same night as one of 5,000.
    """

    source: str
    kind: str
    description: str = ""
    ledger_kind: LedgerEarnKind = "EARN"
    points_per_usd: Decimal = Decimal(0)
    # Base points earned here also count toward the spend path.
    counts_as_base_points: bool = False
    usd_per_qualifying_night: Decimal | None = None
    qualifying_nights: int = 0
    qualifying_stays: int = 0
    # Points stated by the partner in the request (promotions); at most this many.
    max_points_from_partner: int = 0
    # At most this many of these activities per member and qualification year.
    max_per_year: int | None = None


class BenefitGrant(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A benefit as it applies to one tier."""

    tier: str
    detail: str = ""
    params: dict[str, int | str | bool] = msgspec.field(default_factory=dict)


class Benefit(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A privilege granted by tier, with what it costs the brand each time it is used."""

    code: str
    name: str
    cost_usd: Decimal = Decimal(0)
    grants: list[BenefitGrant] = msgspec.field(default_factory=list)


class AwardPrice(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Points per award night at properties of one category; peak and off-peak prices apply
    on the nights inside the program's seasons, the standard price on every other night."""

    category: int
    standard: int
    peak: int | None = None
    off_peak: int | None = None


SeasonKind = Literal["PEAK", "OFF_PEAK"]


class AwardSeason(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A yearly span of nights, ``"MM-DD"`` to ``"MM-DD"`` inclusive, that may wrap the new
    year (``"12-20"`` to ``"01-03"``)."""

    kind: SeasonKind
    starts: str
    ends: str
    name: str = ""


class Awards(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Award nights: stays paid with points. No prices means the program offers none."""

    prices: list[AwardPrice] = msgspec.field(default_factory=list)
    seasons: list[AwardSeason] = msgspec.field(default_factory=list)
    # Every Nth night of one award stay is free; 0 means none is.
    free_night_every: int = 0
    # Award stays are recorded with this rate code; its entry in rate_codes says whether the
    # nights count for tier (award nights never earn points).
    rate_code: str = "AWARD"

    def price(self, category: int) -> AwardPrice | None:
        return next((price for price in self.prices if price.category == category), None)


class Milestone(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Reaching ``nights`` qualifying nights in a year issues a free-night certificate."""

    nights: int
    max_category: int
    valid_months: int = 12
    description: str = ""


class MilesTransfer(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Points to airline miles. 0 ``points_per_mile`` means the program offers no transfers."""

    points_per_mile: int = 0
    minimum_points: int = 0
    # ``bonus_miles`` for each whole block of ``bonus_block_points`` in one transfer.
    bonus_block_points: int = 0
    bonus_miles: int = 0


class GuaranteeCompensation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What a guest gets when a property cannot honour a room guarantee: points worth
    ``award_nights`` standard award nights at that property, plus ``points``, and a note."""

    award_nights: int = 0
    points: int = 0
    note: str = ""


class GoodwillReason(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A reason staff may give goodwill points for, with the most one posting may give."""

    code: str
    description: str = ""
    max_points: int = 0


# The contract serves balances and ledger figures as GraphQL ``Int`` (32-bit signed).
MAX_INT_FIGURE = 2**31 - 1


class Limits(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The most one report may claim. Beyond a bound the request is refused with a typed
    error, never capped in silence: a folio of a million dollars is a mistake or an attack,
    and the brand decides where the line is."""

    # Revenue of a stay (every line, in USD at the checkout date's rate), per night and in all.
    max_revenue_per_night_usd: Decimal = Decimal(25_000)
    max_revenue_per_stay_usd: Decimal = Decimal(250_000)
    # Points of any single ledger posting: earn, bonus, goodwill, adjustment, activity.
    max_points_per_transaction: int = 5_000_000
    # Points one partner activity (card spend, a rental, a promotion) may credit.
    max_points_per_activity: int = 1_000_000
    # Stays and activity may be dated at most this many days after today (bookings ahead).
    horizon_days: int = 731
    # Stays one night-audit batch (recordStays, import-stays) may carry; more is refused.
    max_stays_per_batch: int = 1_000


class GuestApprovalRules(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The code a guest gives staff to approve one spending of their points: how long it
    lives, how many digits it has, how many wrong tries void it."""

    code_minutes: int = 10
    code_digits: int = 8
    max_attempts: int = 5


class ProgramVersion(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A complete rule set, in force from ``effective_from`` (to ``effective_until``)."""

    version: str
    effective_from: dt.date
    tiers: list[Tier]
    effective_until: dt.date | None = None
    announced_on: dt.date | None = None
    qualification: Qualification = msgspec.field(default_factory=Qualification)
    earning: Earning = msgspec.field(default_factory=Earning)
    points: PointsRules = msgspec.field(default_factory=PointsRules)
    birthday: BirthdayRules = msgspec.field(default_factory=BirthdayRules)
    serving: ServingRules = msgspec.field(default_factory=ServingRules)
    lifetime: list[LifetimeRule] = msgspec.field(default_factory=list)
    rate_codes: list[RateCode] = msgspec.field(default_factory=list)
    activities: list[ActivityRule] = msgspec.field(default_factory=list)
    benefits: list[Benefit] = msgspec.field(default_factory=list)
    awards: Awards = msgspec.field(default_factory=Awards)
    milestones: list[Milestone] = msgspec.field(default_factory=list)
    miles: MilesTransfer = msgspec.field(default_factory=MilesTransfer)
    guarantee_compensation: GuaranteeCompensation = msgspec.field(
        default_factory=GuaranteeCompensation
    )
    goodwill_reasons: list[GoodwillReason] = msgspec.field(default_factory=list)
    limits: Limits = msgspec.field(default_factory=Limits)
    guest_approval: GuestApprovalRules = msgspec.field(default_factory=GuestApprovalRules)
    insight: Insight = msgspec.field(default_factory=Insight)
    complaints: ComplaintRules = msgspec.field(default_factory=ComplaintRules)
    status_grants: StatusGrantRules = msgspec.field(default_factory=StatusGrantRules)
    surveys: SurveyRules = msgspec.field(default_factory=SurveyRules)
    sweepstakes: list[SweepstakesRule] = msgspec.field(default_factory=list)
    pooling: PoolingRules = msgspec.field(default_factory=PoolingRules)
    transfers: TransferRules = msgspec.field(default_factory=TransferRules)
    promotions: list[Promotion] = msgspec.field(default_factory=list)
    referrals: ReferralRules = msgspec.field(default_factory=ReferralRules)

    def promotion(self, code: str) -> Promotion | None:
        return next((found for found in self.promotions if found.code == code), None)

    @property
    def base_tier(self) -> Tier:
        """The tier every member holds without status (the lowest rank)."""
        return min(self.tiers, key=lambda tier: tier.rank)

    def tiers_by_rank(self) -> list[Tier]:
        return sorted(self.tiers, key=lambda tier: tier.rank)

    def tier(self, code: str) -> Tier | None:
        return next((tier for tier in self.tiers if tier.code == code), None)

    def tier_of_rank(self, rank: int) -> Tier:
        """The highest tier at or below ``rank`` (ranks need not be contiguous)."""
        eligible = [tier for tier in self.tiers if tier.rank <= rank]
        return max(eligible, key=lambda tier: tier.rank) if eligible else self.base_tier

    def rate_code(self, code: str) -> RateCode:
        found = next((rate for rate in self.rate_codes if rate.code == code.upper()), None)
        return found or RateCode(code=code.upper())

    def goodwill_reason(self, code: str) -> GoodwillReason | None:
        return next((reason for reason in self.goodwill_reasons if reason.code == code), None)

    def activity_rule(self, source: str, kind: str) -> ActivityRule | None:
        return next(
            (rule for rule in self.activities if rule.source == source and rule.kind == kind),
            None,
        )


class Program(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A loyalty program: its identity and its versions, oldest first."""

    code: str
    name: str
    versions: list[ProgramVersion]

    @property
    def starts_on(self) -> dt.date:
        """The first day of the program's life: no stay or activity is dated before it."""
        return min(version.effective_from for version in self.versions)

    def all_sweepstakes(self) -> list[SweepstakesRule]:
        """Every sweepstakes of the program, each as the newest version listing its code
        defines it, in order of closing."""
        found: dict[str, SweepstakesRule] = {}
        for version in self.versions:
            for rule in version.sweepstakes:
                found[rule.code] = rule
        return sorted(found.values(), key=lambda rule: (rule.closes_on, rule.code))

    def sweepstakes(self, code: str) -> SweepstakesRule | None:
        return next((rule for rule in self.all_sweepstakes() if rule.code == code), None)

    def all_promotions(self) -> list[Promotion]:
        """Every promotion of the program, each as the newest version listing its code
        defines it, by start date."""
        found: dict[str, Promotion] = {}
        for version in self.versions:
            for promotion in version.promotions:
                found[promotion.code] = promotion
        return sorted(found.values(), key=lambda rule: (rule.starts_on, rule.code))

    def promotion(self, code: str) -> Promotion | None:
        return next((rule for rule in self.all_promotions() if rule.code == code), None)

    def version_on(self, day: dt.date) -> ProgramVersion:
        """The rules in force on ``day``; before the first version, the first one."""
        in_force = self.versions[0]
        for version in self.versions:
            if version.effective_from <= day:
                in_force = version
        return in_force


class ExchangeRate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The USD value of one unit of ``currency`` from ``effective_from`` on."""

    currency: str
    effective_from: dt.date
    usd_per_unit: Decimal


class ExchangeRates(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    rates: list[ExchangeRate]

    @property
    def currencies(self) -> frozenset[str]:
        return frozenset(rate.currency for rate in self.rates)

    def usd_per_unit(self, currency: str, on: dt.date) -> Decimal | None:
        """The rate in force on ``on``; the earliest known rate for older dates."""
        known = sorted(
            (rate for rate in self.rates if rate.currency == currency),
            key=lambda rate: rate.effective_from,
        )
        if not known:
            return None
        in_force = known[0]
        for rate in known:
            if rate.effective_from <= on:
                in_force = rate
        return in_force.usd_per_unit
