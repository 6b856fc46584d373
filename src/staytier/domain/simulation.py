"""The what-if replay: one member's qualification year under a candidate program.

Nothing here is new rule code. A stay is credited by :func:`domain.stays.stay_credit`, an
activity by :func:`domain.activity.activity_credit`, the bonus by
:func:`domain.points.tier_bonus`, the tier by :func:`domain.tiers.qualified_tier` and the
tier held on a day by :func:`domain.tiers.held_period`, and the candidate's promotions by
:func:`domain.promotions.promotion_reward` and :func:`domain.promotions.within_budget`,
exactly as the crediting path does at checkout. The replay only feeds them a member's real
history of one period, in order, with the rules of the candidate instead of the served
program.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from staytier.domain.activity import activity_credit
from staytier.domain.calendar import qualification_year, status_valid_through
from staytier.domain.errors import BusinessRuleError
from staytier.domain.points import tier_bonus
from staytier.domain.promotions import (
    PromotionEvent,
    Standing,
    promotion_reward,
    stay_event,
    within_budget,
)
from staytier.domain.stays import Folio, stay_credit
from staytier.domain.tiers import StatusPeriod, YearTotals, held_period, qualified_tier
from staytier.program.model import ProgramVersion, Tier
from staytier.program.promotions import Promotion

Rules = Callable[[dt.date], ProgramVersion]


@dataclass(frozen=True)
class ReplayedStay:
    """A completed stay as it stands, with the exchange rate of its checkout day."""

    folio: Folio
    usd_per_unit: Decimal
    # When it was credited, among the member's events (the credit's id): a stay reported
    # late is replayed late, as the books applied it.
    posted: int = 0
    # The property, as promotions' eligibility sees it.
    property_code: str = ""
    brand: str = ""
    country: str = ""

    @property
    def on(self) -> dt.date:
        return self.folio.checkout


@dataclass(frozen=True)
class ReplayedActivity:
    """A partner activity as it was recorded."""

    on: dt.date
    source: str
    kind: str
    amount_usd: Decimal
    partner_points: int
    posted: int = 0


@dataclass(frozen=True)
class KeptPeriod(StatusPeriod):
    """Status kept from outside the replayed year, held once the credit that gave it (if
    one did: ``after_credit``, its id) was posted. A stay that crosses the New Year can
    give status on its nights of the year before: the books judged that stay's own bonus
    before its credit gave it, and so does the replay."""

    after_credit: int | None = None

    def held_by(self, event: ReplayedStay | ReplayedActivity) -> bool:
        return self.after_credit is None or self.after_credit < event.posted


@dataclass
class MemberYear:
    """What the replay needs of one member: the status that does not come from this year's
    own qualifying activity (earlier years, requalification, lifetime, matches), the year's
    totals from credits outside the period, and the period's stays and activities."""

    year: int
    start: dt.date
    kept: list[KeptPeriod] = field(default_factory=list)
    totals_before: YearTotals = field(default_factory=YearTotals)
    # Per (source, kind): the USD amount and count credited earlier in the year.
    activity_before: dict[tuple[str, str], tuple[Decimal, int]] = field(default_factory=dict)
    events: list[ReplayedStay | ReplayedActivity] = field(default_factory=list)
    # For promotions: the enrolment date, the real registrations (code: day) and, per code,
    # the progress (triggers, rewards, points) from credits outside the period.
    enrolled_on: dt.date = dt.date.min
    registered: dict[str, dt.date] = field(default_factory=dict)
    promotion_progress: dict[str, tuple[int, int, int]] = field(default_factory=dict)


@dataclass
class PromotionBudgets:
    """What each promotion's budget has given so far (by code), shared by every member a
    replay goes through: a reward gets what the budget still covers, as the crediting path
    claims it (:func:`domain.promotions.within_budget`)."""

    spent: dict[str, int] = field(default_factory=dict)

    def claim(self, promotion: Promotion, points: int) -> int:
        spent = self.spent.get(promotion.code, 0)
        granted = within_budget(points, promotion.limits.budget_points, spent) if points else 0
        self.spent[promotion.code] = spent + granted
        return granted


class _Promotions:
    """One member's standing in each promotion as the replay goes, and what each event
    earns in the promotions of the rules in force on its date (services.promotions does
    the same at checkout, reading the standing from the books)."""

    def __init__(self, member: MemberYear, budgets: PromotionBudgets) -> None:
        self.member, self.budgets = member, budgets
        self.standings: dict[str, Standing] = {}
        self.points = 0

    def standing(self, code: str) -> Standing:
        found = self.standings.get(code)
        if found is None:
            triggers, rewards, points = self.member.promotion_progress.get(code, (0, 0, 0))
            found = Standing(
                enrolled_on=self.member.enrolled_on,
                registered_on=self.member.registered.get(code),
                triggers_before=triggers,
                rewards_before=rewards,
                points_before=points,
            )
        return found

    def earn(self, rules: ProgramVersion, event: PromotionEvent) -> int:
        """Adds the event's promotion points; returns its extra qualifying nights."""
        extra_nights = 0
        running = [p for p in rules.promotions if p.starts_on <= event.on <= p.ends_on]
        for promotion in sorted(running, key=lambda p: p.code):
            standing = self.standing(promotion.code)
            reward = promotion_reward(promotion, event, standing)
            if reward.triggers == 0:
                continue
            points = self.budgets.claim(promotion, reward.points)
            self.standings[promotion.code] = Standing(
                enrolled_on=standing.enrolled_on,
                registered_on=standing.registered_on,
                triggers_before=standing.triggers_before + reward.triggers,
                rewards_before=standing.rewards_before + reward.rewarded,
                points_before=standing.points_before + points,
            )
            self.points += points
            extra_nights += reward.extra_nights
        return extra_nights


@dataclass(frozen=True)
class Outcome:
    """The member at the period end under the rules replayed."""

    tier_code: str
    rank: int
    points: int  # base and bonus points of the period's stays and activities
    totals: YearTotals
    promotion_points: int = 0  # what the candidate's promotions gave them (not in points)


def _plus(totals: YearTotals, nights: int, stays: int, base_points: int) -> YearTotals:
    return YearTotals(
        nights=totals.nights + nights,
        stays=totals.stays + stays,
        base_points=totals.base_points + base_points,
    )


def replay(
    member: MemberYear, rules_on: Rules, end: dt.date, budgets: PromotionBudgets | None = None
) -> Outcome:
    """Credits the member's period in order under ``rules_on`` and says where they end.
    The candidate's promotions claim their points from ``budgets`` (none spent: a budget of
    the replay's own)."""
    periods: list[StatusPeriod] = list(member.kept)
    totals = member.totals_before
    best = _upgrade(periods, rules_on(member.start), member.year, totals, member.start, -1)
    points = 0
    promotions = _Promotions(member, budgets if budgets is not None else PromotionBudgets())
    amounts = dict(member.activity_before)
    # In the order the books credited them: upgrade at once depends on it (a stay reported
    # after a later one's upgrade does not move the upgrade's date back).
    for event in sorted(member.events, key=lambda e: (e.posted, e.on)):
        rules = rules_on(event.on)
        tier = _tier_held(_held_by(periods, event), event.on, rules)
        if isinstance(event, ReplayedStay):
            earned = _stay_earns(event, rules, tier, member.year, promotions)
        else:
            found = _activity_earns(event, rules, tier, promotions, amounts)
            if found is None:
                continue  # the candidate does not credit it, or would have refused it
            earned = found
        points += earned.points
        totals = _plus(totals, earned.nights, earned.stays, earned.base_points)
        totals = _with_extra_nights(totals, earned.extra_nights, event.on, rules, member.year)
        best = _upgrade(periods, rules, member.year, totals, event.on, best)
    tier = _tier_held(periods, end, rules_on(end))
    return Outcome(
        tier_code=tier.code,
        rank=tier.rank,
        points=points,
        totals=totals,
        promotion_points=promotions.points,
    )


@dataclass(frozen=True)
class _Earned:
    """What one event earns in the replay: points, and what it adds to the year's totals
    (a promotion's extra nights apart)."""

    points: int
    nights: int = 0
    stays: int = 0
    base_points: int = 0
    extra_nights: int = 0


def _held_by(
    periods: list[StatusPeriod], event: ReplayedStay | ReplayedActivity
) -> list[StatusPeriod]:
    """The periods that had been given by the time ``event`` was credited."""
    return [p for p in periods if not isinstance(p, KeptPeriod) or p.held_by(event)]


def _tier_held(periods: list[StatusPeriod], on: dt.date, rules: ProgramVersion) -> Tier:
    held = held_period(periods, on)
    return rules.tier_of_rank(held.rank) if held else rules.base_tier


def _stay_earns(
    event: ReplayedStay, rules: ProgramVersion, tier: Tier, year: int, promotions: _Promotions
) -> _Earned:
    """A stay's base points and tier bonus, its nights and stay in the replayed year, and
    the extra nights the candidate's promotions give it."""
    credit = stay_credit(event.folio, rules, event.usd_per_unit)
    promoted = stay_event(
        credit,
        tier.code,
        property_code=event.property_code,
        brand=event.brand,
        country=event.country,
        rate_code=event.folio.rate_code,
    )
    extra = promotions.earn(rules, promoted)
    parts = [part for part in credit.years if part.year == year]
    return _Earned(
        points=credit.base_points + tier_bonus(credit.base_points, tier),
        nights=sum(part.nights for part in parts),
        stays=sum(part.stays for part in parts),
        base_points=sum(part.base_points for part in parts),
        extra_nights=extra,
    )


def _activity_earns(
    event: ReplayedActivity,
    rules: ProgramVersion,
    tier: Tier,
    promotions: _Promotions,
    amounts: dict[tuple[str, str], tuple[Decimal, int]],
) -> _Earned | None:
    """What an activity earns under the candidate's rule for it, counted in the year's
    ``amounts``; None when the candidate has no such rule or its limits refuse it."""
    rule = rules.activity_rule(event.source, event.kind)
    if rule is None:
        return None
    amount, count = amounts.get((event.source, event.kind), (Decimal(0), 0))
    try:
        earned = activity_credit(
            rule,
            event.amount_usd,
            event.partner_points,
            year_amount_before=amount,
            year_count_before=count,
        )
    except BusinessRuleError:
        return None
    amounts[(event.source, event.kind)] = (amount + event.amount_usd, count + 1)
    promoted = PromotionEvent(
        on=event.on,
        tier_code=tier.code,
        eligible_usd=event.amount_usd,
        activity_source=rule.source,
        activity_kind=rule.kind,
    )
    return _Earned(
        points=earned.points,
        nights=earned.nights,
        stays=earned.stays,
        base_points=earned.base_points,
        extra_nights=promotions.earn(rules, promoted),
    )


def _with_extra_nights(
    totals: YearTotals, nights: int, on: dt.date, rules: ProgramVersion, year: int
) -> YearTotals:
    """A promotion's extra qualifying nights count in the year of the event's date
    (services.promotions.with_extra_nights)."""
    if not nights or qualification_year(on, rules.qualification.year_start_month) != year:
        return totals
    return _plus(totals, nights, 0, 0)


def _upgrade(
    periods: list[StatusPeriod],
    rules: ProgramVersion,
    year: int,
    totals: YearTotals,
    on: dt.date,
    best: int,
) -> int:
    """Upgrade at once: a period from ``on`` when the totals reach a higher tier than the
    year has earned so far (as services.status.refresh_status writes it)."""
    earned, path = qualified_tier(rules, totals)
    if path is None or earned.rank <= best:
        return best
    through = status_valid_through(year, rules)
    periods.append(StatusPeriod(earned.code, earned.rank, on, through))
    return earned.rank


@dataclass
class Comparison:
    """What the job adds up, batch by batch: actual against simulated."""

    members: int = 0
    actual_by_tier: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    simulated_by_tier: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    moved_up: int = 0
    moved_down: int = 0
    actual_points: int = 0
    simulated_points: int = 0
    actual_benefit_cost_usd: Decimal = Decimal(0)
    simulated_benefit_cost_usd: Decimal = Decimal(0)
    # Promotion points (also part of the points above): actually given, under the candidate.
    actual_promotion_points: int = 0
    simulated_promotion_points: int = 0
    # What the candidate's promotions' budgets have given, from before the period on.
    budgets: PromotionBudgets = field(default_factory=PromotionBudgets)


def candidate_promotions_run(
    rules_on: Callable[[dt.date], ProgramVersion], start: dt.date, end: dt.date
) -> bool:
    """Whether the rules in force on some day of ``start``..``end`` run a promotion then."""
    day = start
    while day <= end:
        if any(p.starts_on <= day <= p.ends_on for p in rules_on(day).promotions):
            return True
        day += dt.timedelta(days=1)
    return False


def ladder(served: ProgramVersion, proposed: ProgramVersion) -> list[Tier]:
    """The tiers of both programs, by rank, each code once (the candidate may add or drop)."""
    seen: dict[str, Tier] = {}
    for tier in [*served.tiers_by_rank(), *proposed.tiers_by_rank()]:
        seen.setdefault(tier.code, tier)
    return sorted(seen.values(), key=lambda tier: tier.rank)
