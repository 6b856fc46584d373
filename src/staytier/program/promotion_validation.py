"""Mistakes in a version's promotions and referral rules, one sentence each (see
:mod:`staytier.program.validation`, which reports them with the version's name)."""

from __future__ import annotations

from collections.abc import Iterator

from staytier.program.checks import at_least_one, is_code, listed_twice, not_negative, out_of_range
from staytier.program.model import MAX_INT_FIGURE, ProgramVersion
from staytier.program.promotions import Promotion

# Whole-number figures a promotion gives (0: none) and its limits (left out: none).
EFFECT_FIGURES = (
    "points",
    "points_per_night",
    "extra_qualifying_nights",
    "certificate_max_category",
)
LIMIT_FIGURES = (
    "max_points_per_stay",
    "max_points_per_member",
    "max_rewards_per_member",
    "budget_points",
)


def promotion_mistakes(version: ProgramVersion) -> Iterator[str]:
    """Every mistake in ``version.promotions`` and ``version.referrals``."""
    yield from listed_twice("promotions", (rule.code for rule in version.promotions))
    tiers = {tier.code for tier in version.tiers}
    activities = {(rule.source, rule.kind) for rule in version.activities}
    for index, promotion in enumerate(version.promotions):
        where = f"promotions[{index}] ({promotion.code})"
        yield from (f"{where}: {m}" for m in _one_promotion(promotion, tiers, activities))
    yield from _referral_mistakes(version)


def _one_promotion(
    promotion: Promotion, tiers: set[str], activities: set[tuple[str, str]]
) -> Iterator[str]:
    if not is_code(promotion.code):
        yield "the code must be non-empty and upper case"
    if len(promotion.code) > 40:
        yield "the code is at most 40 characters"
    if not promotion.name.strip():
        yield "give the promotion's name"
    if promotion.ends_on < promotion.starts_on:
        yield "ends_on is before starts_on"
    deadline = promotion.registration.deadline
    if deadline is not None and deadline > promotion.ends_on:
        yield "registration.deadline is after ends_on"
    if (deadline is not None or promotion.registration.retroactive) and not (
        promotion.registration.required
    ):
        yield "registration.deadline and retroactive apply only when registration.required"
    eligibility = promotion.eligibility
    for tier in eligibility.tiers:
        if tier not in tiers:
            yield f"eligibility.tiers: unknown tier {tier!r}"
    for name, codes in (
        ("properties", eligibility.properties),
        ("rate_codes", eligibility.rate_codes),
        ("countries", eligibility.countries),
    ):
        for code in codes:
            if not is_code(code):
                yield f"eligibility.{name}: {code!r} must be a non-empty upper-case code"
    if any(len(country) != 2 for country in eligibility.countries):
        yield "eligibility.countries: use two-letter ISO country codes"
    if eligibility.new_members_within_days is not None and eligibility.new_members_within_days < 0:
        yield "eligibility.new_members_within_days must not be negative"
    yield from _trigger_mistakes(promotion, activities)
    yield from _effect_mistakes(promotion)
    yield from _limit_mistakes(promotion)


def _trigger_mistakes(promotion: Promotion, activities: set[tuple[str, str]]) -> Iterator[str]:
    trigger = promotion.trigger
    yield from at_least_one("trigger", every_nth=trigger.every_nth, min_nights=trigger.min_nights)
    yield from not_negative("trigger", min_spend_usd=trigger.min_spend_usd)
    if trigger.kind == "ACTIVITY":
        if (trigger.activity_source, trigger.activity_kind) not in activities:
            yield (
                f"trigger: the program credits no activity "
                f"{trigger.activity_source}/{trigger.activity_kind}"
            )
        stay_only = promotion.effects
        if stay_only.base_points_multiplier != 1 or stay_only.points_per_night:
            yield "effects: an ACTIVITY trigger has no nights or base points to multiply"
    elif trigger.activity_source or trigger.activity_kind:
        yield "trigger.activity_source and activity_kind apply only to kind ACTIVITY"


def _effect_mistakes(promotion: Promotion) -> Iterator[str]:
    effects = promotion.effects
    yield from out_of_range("effects", effects, EFFECT_FIGURES, 0, MAX_INT_FIGURE)
    yield from not_negative("effects", points_per_usd=effects.points_per_usd)
    if not 1 <= effects.base_points_multiplier <= 20:
        yield "effects.base_points_multiplier must be between 1 and 20"
    if effects.certificate_max_category > 8:
        yield "effects.certificate_max_category is a property category, 1 to 8 (0: none)"
    yield from at_least_one("effects", certificate_valid_months=effects.certificate_valid_months)
    if not (
        effects.points
        or effects.points_per_night
        or effects.points_per_usd
        or effects.base_points_multiplier > 1
        or effects.extra_qualifying_nights
        or effects.certificate_max_category
    ):
        yield (
            "effects: the promotion gives nothing (set points, a multiplier, nights or a "
            "certificate)"
        )


def _limit_mistakes(promotion: Promotion) -> Iterator[str]:
    limits = promotion.limits
    yield from out_of_range(
        "limits", limits, LIMIT_FIGURES, 1, MAX_INT_FIGURE, " (leave it out: none)"
    )


def _referral_mistakes(version: ProgramVersion) -> Iterator[str]:
    rules = version.referrals
    yield from out_of_range(
        "referrals", rules, ("referrer_points", "friend_points"), 0, MAX_INT_FIGURE
    )
    yield from at_least_one(
        "referrals",
        window_days=rules.window_days,
        max_per_year=rules.max_per_year,
        min_nights=rules.min_nights,
    )
