"""Promotions: whether a stay or an activity earns a promotion's reward, and how much.

Pure rules on program data (:mod:`staytier.program.promotions`). The service reads the
member's standing in the promotion (registered when, rewards so far), asks
:func:`promotion_reward`, and then claims the reward's points from the promotion's budget
with a conditional update, so concurrent stays never spend more than the budget.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.stays import StayCredit
from staytier.program.promotions import Promotion

FIELD = "promotionCode"


@dataclass(frozen=True)
class PromotionEvent:
    """A completed stay (``activity_source`` empty) or a partner activity, as a promotion
    sees it; ``on`` is the checkout or activity date."""

    on: dt.date
    tier_code: str
    nights: int = 0
    eligible_usd: Decimal = Decimal(0)
    base_points: int = 0
    property_code: str = ""
    brand: str = ""
    country: str = ""
    rate_code: str = ""
    activity_source: str = ""
    activity_kind: str = ""

    @property
    def is_stay(self) -> bool:
        return not self.activity_source


def stay_event(
    credit: StayCredit,
    tier_code: str,
    *,
    property_code: str,
    brand: str,
    country: str,
    rate_code: str,
) -> PromotionEvent:
    """What the promotions in force at checkout judge a stay on: its credit, the tier held
    at checkout and its property. Crediting and the what-if's replay both ask this, so a
    replayed stay meets the promotions exactly as the credited one did."""
    return PromotionEvent(
        on=credit.checkout,
        tier_code=tier_code,
        nights=sum(part.nights for part in credit.years),
        eligible_usd=credit.eligible_usd,
        base_points=credit.base_points,
        property_code=property_code,
        brand=brand,
        country=country,
        rate_code=rate_code,
    )


@dataclass(frozen=True)
class Standing:
    """A member in one promotion before this event: when they enrolled and registered
    (None: not registered), how many triggers counted so far, points and rewards so far."""

    enrolled_on: dt.date
    registered_on: dt.date | None = None
    triggers_before: int = 0
    points_before: int = 0
    rewards_before: int = 0


@dataclass(frozen=True)
class Reward:
    """What one event earns: ``triggers`` counted toward every-nth, of which ``rewarded``
    earn; the points (before the budget), extra qualifying nights and certificates."""

    triggers: int
    rewarded: int = 0
    points: int = 0
    extra_nights: int = 0
    certificates: int = 0

    @property
    def gives_anything(self) -> bool:
        return bool(self.points or self.extra_nights or self.certificates)


def _whole(amount: Decimal) -> int:
    return int(amount.to_integral_value(rounding=ROUND_FLOOR))


def is_eligible(promotion: Promotion, event: PromotionEvent, standing: Standing) -> bool:
    """Whether the event counts for the promotion at all: its dates, registration,
    eligibility, and the trigger's kind and minimums."""
    if not promotion.starts_on <= event.on <= promotion.ends_on:
        return False
    registration = promotion.registration
    if registration.required:
        if standing.registered_on is None:
            return False
        if not registration.retroactive and event.on < standing.registered_on:
            return False
    rules = promotion.eligibility
    within = rules.new_members_within_days
    if within is not None and standing.enrolled_on < promotion.starts_on - dt.timedelta(
        days=within
    ):
        return False
    for allowed, value in (
        (rules.tiers, event.tier_code),
        (rules.properties, event.property_code),
        (rules.brands, event.brand),
        (rules.rate_codes, event.rate_code.upper()),
        (rules.countries, event.country),
    ):
        if allowed and value not in allowed:
            return False
    trigger = promotion.trigger
    if trigger.kind == "ACTIVITY":
        return (event.activity_source, event.activity_kind) == (
            trigger.activity_source,
            trigger.activity_kind,
        )
    if not event.is_stay or event.nights < trigger.min_nights:
        return False
    return trigger.kind != "SPEND" or event.eligible_usd >= trigger.min_spend_usd


def promotion_reward(promotion: Promotion, event: PromotionEvent, standing: Standing) -> Reward:
    """The reward of ``event`` under ``promotion``, within the per-stay and per-member
    limits (the total budget is claimed by the caller). ``Reward.triggers`` is 0 when the
    event does not count at all."""
    if not is_eligible(promotion, event, standing):
        return Reward(triggers=0)
    trigger, effects, limits = promotion.trigger, promotion.effects, promotion.limits
    triggers = event.nights if trigger.kind == "NIGHT" else 1
    nth = trigger.every_nth
    before = standing.triggers_before
    rewarded = (before + triggers) // nth - before // nth
    if limits.max_rewards_per_member is not None:
        rewarded = max(0, min(rewarded, limits.max_rewards_per_member - standing.rewards_before))
    if rewarded == 0:
        return Reward(triggers=triggers)
    points = effects.points * rewarded
    points += effects.points_per_night * event.nights
    points += _whole(effects.points_per_usd * event.eligible_usd)
    points += _whole((effects.base_points_multiplier - 1) * event.base_points)
    if limits.max_points_per_stay is not None:
        points = min(points, limits.max_points_per_stay)
    if limits.max_points_per_member is not None:
        points = max(0, min(points, limits.max_points_per_member - standing.points_before))
    return Reward(
        triggers=triggers,
        rewarded=rewarded,
        points=points,
        extra_nights=effects.extra_qualifying_nights * rewarded,
        certificates=rewarded if effects.certificate_max_category else 0,
    )


def within_budget(points: int, budget: int | None, spent: int) -> int:
    """The points of a reward the budget still covers: all of them, or what is left."""
    if budget is None:
        return points
    return max(0, min(points, budget - spent))


def registration_refusal(
    promotion: Promotion | None,
    code: str,
    *,
    today: dt.date,
    enrolled_on: dt.date,
    registered: bool,
    budget_left: int | None,
) -> BusinessRuleError | None:
    """Why a member may not register for ``promotion`` today, or None.

    Unknown codes and promotions without registration are PROMOTION_NOT_FOUND; a second
    registration PROMOTION_ALREADY_REGISTERED; after the deadline (or the end)
    PROMOTION_REGISTRATION_CLOSED; a member outside new-member eligibility
    PROMOTION_NOT_ELIGIBLE; a spent budget PROMOTION_BUDGET_EXHAUSTED.
    """
    if promotion is None or not promotion.registration.required:
        return BusinessRuleError(
            ErrorCode.PROMOTION_NOT_FOUND, f"No promotion {code} to register for.", FIELD
        )
    if registered:
        return BusinessRuleError(
            ErrorCode.PROMOTION_ALREADY_REGISTERED,
            f"Already registered for {promotion.code}.",
            FIELD,
        )
    if today > promotion.registration_deadline:
        return BusinessRuleError(
            ErrorCode.PROMOTION_REGISTRATION_CLOSED,
            f"Registration for {promotion.code} closed on {promotion.registration_deadline}.",
            FIELD,
        )
    within = promotion.eligibility.new_members_within_days
    if within is not None and enrolled_on < promotion.starts_on - dt.timedelta(days=within):
        return BusinessRuleError(
            ErrorCode.PROMOTION_NOT_ELIGIBLE,
            f"{promotion.code} is for members who enrolled from "
            f"{promotion.starts_on - dt.timedelta(days=within)} on.",
            FIELD,
        )
    if budget_left is not None and budget_left <= 0:
        return BusinessRuleError(
            ErrorCode.PROMOTION_BUDGET_EXHAUSTED,
            f"{promotion.code} has given all it may give.",
            FIELD,
        )
    return None
