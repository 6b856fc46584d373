"""Checks a decoded program for mistakes a type checker cannot see.

Every mistake found is reported, each in one sentence that names where it is, so that a
program manager fixes a file in one pass instead of one error per restart.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Iterator

from staytier.program.checks import at_least_one, is_code, listed_twice, not_negative, out_of_range
from staytier.program.engagement_validation import engagement_mistakes
from staytier.program.insight import Recognition
from staytier.program.model import MAX_INT_FIGURE, AwardSeason, Program, ProgramVersion, Tier
from staytier.program.promotion_validation import promotion_mistakes

PATHS = ("qualifying_nights", "qualifying_stays", "qualifying_base_points")
# A serving window longer than a year would let a booking made today reveal a guest for good.
MAX_SERVING_DAYS = 366


def program_mistakes(program: Program) -> list[str]:
    """All the mistakes in ``program``, as sentences; empty when it is sound."""
    mistakes: list[str] = []
    if not program.code.strip():
        mistakes.append("code: must not be empty")
    if not program.versions:
        mistakes.append("versions: a program needs at least one version")
    mistakes.extend(_version_order_mistakes(program.versions))
    for index, version in enumerate(program.versions):
        where = f"versions[{index}] ({version.version})"
        mistakes.extend(f"{where}: {mistake}" for mistake in version_mistakes(version))
    return mistakes


def _version_order_mistakes(versions: list[ProgramVersion]) -> Iterator[str]:
    names = Counter(version.version for version in versions)
    for name, count in names.items():
        if count > 1:
            yield f"versions: version {name!r} appears {count} times"
    ordered = sorted(versions, key=lambda version: version.effective_from)
    for earlier, later in itertools.pairwise(ordered):
        if earlier.effective_from == later.effective_from:
            yield (
                f"versions: {earlier.version!r} and {later.version!r} overlap: both take "
                f"effect on {later.effective_from}"
            )
        elif earlier.effective_until is not None and earlier.effective_until >= (
            later.effective_from
        ):
            yield (
                f"versions: {earlier.version!r} (until {earlier.effective_until}) overlaps "
                f"{later.version!r} (from {later.effective_from})"
            )
        elif earlier.effective_until is not None and (
            earlier.effective_until + dt.timedelta(days=1) < later.effective_from
        ):
            yield (
                f"versions: no rules are in force between {earlier.version!r} (until "
                f"{earlier.effective_until}) and {later.version!r} (from {later.effective_from})"
            )
    if ordered and ordered[-1].effective_until is not None:
        yield (
            f"versions: the newest version {ordered[-1].version!r} must not have "
            "effective_until: some rules must always be in force"
        )
    if versions != ordered:
        yield "versions: list the versions oldest first, by effective_from"
    for version in versions:
        if version.effective_until is not None and version.effective_until < (
            version.effective_from
        ):
            yield f"versions: {version.version!r} ends before it takes effect"
        if version.announced_on is not None and version.announced_on > version.effective_from:
            yield f"versions: {version.version!r} is announced after it takes effect"


def version_mistakes(version: ProgramVersion) -> list[str]:
    """All the mistakes inside one rule set."""
    mistakes = list(_tier_mistakes(version.tiers))
    mistakes.extend(_rule_mistakes(version))
    tier_codes = {tier.code for tier in version.tiers}
    for index, lifetime in enumerate(version.lifetime):
        if lifetime.tier not in tier_codes:
            mistakes.append(f"lifetime[{index}]: unknown tier {lifetime.tier!r}")
        if lifetime.years_at_tier < 1 or lifetime.lifetime_nights < 0:
            mistakes.append(
                f"lifetime[{index}]: years_at_tier must be at least 1 and lifetime_nights "
                "not negative"
            )
    for index, benefit in enumerate(version.benefits):
        if benefit.cost_usd < 0:
            mistakes.append(f"benefits[{index}] ({benefit.code}): negative cost_usd")
        for grant in benefit.grants:
            if grant.tier not in tier_codes:
                mistakes.append(f"benefits[{index}] ({benefit.code}): unknown tier {grant.tier!r}")
    mistakes.extend(listed_twice("rate_codes", (rate.code for rate in version.rate_codes)))
    mistakes.extend(
        f"rate_codes: {rate.code!r} must be upper case"
        for rate in version.rate_codes
        if rate.code != rate.code.upper()
    )
    mistakes.extend(_activity_mistakes(version))
    mistakes.extend(_award_mistakes(version))
    mistakes.extend(_privilege_mistakes(version))
    mistakes.extend(_limit_mistakes(version))
    mistakes.extend(_insight_mistakes(version))
    mistakes.extend(engagement_mistakes(version))
    mistakes.extend(promotion_mistakes(version))
    return mistakes


# A horizon past this is no longer "bookings ahead" but no bound at all.
MAX_HORIZON_DAYS = 3_660
# A batch past this is one transaction holding its members' locks for too long.
MAX_STAYS_PER_BATCH = 10_000


def _limit_mistakes(version: ProgramVersion) -> Iterator[str]:
    limits = version.limits
    for name in ("max_revenue_per_night_usd", "max_revenue_per_stay_usd"):
        value = getattr(limits, name)
        if not value.is_finite() or value <= 0:
            yield f"limits.{name} must be a positive amount"
    if limits.max_revenue_per_night_usd > limits.max_revenue_per_stay_usd:
        yield "limits.max_revenue_per_night_usd must not exceed max_revenue_per_stay_usd"
    points = ("max_points_per_transaction", "max_points_per_activity")
    yield from out_of_range("limits", limits, points, 1, MAX_INT_FIGURE, " (2^31 - 1)")
    if not 1 <= limits.horizon_days <= MAX_HORIZON_DAYS:
        yield f"limits.horizon_days must be between 1 and {MAX_HORIZON_DAYS}"
    if not 1 <= limits.max_stays_per_batch <= MAX_STAYS_PER_BATCH:
        yield f"limits.max_stays_per_batch must be between 1 and {MAX_STAYS_PER_BATCH:,}"
    for index, reason in enumerate(version.goodwill_reasons):
        if reason.max_points > limits.max_points_per_transaction:
            yield (
                f"goodwill_reasons[{index}] ({reason.code}): max_points is above "
                "limits.max_points_per_transaction"
            )
    for index, rule in enumerate(version.activities):
        if rule.max_points_from_partner > limits.max_points_per_activity:
            yield (
                f"activities[{index}] ({rule.source}/{rule.kind}): max_points_from_partner is "
                "above limits.max_points_per_activity"
            )


def _tier_mistakes(tiers: list[Tier]) -> Iterator[str]:
    if not tiers:
        yield "tiers: a program needs at least one tier"
        return
    for label, counter in (
        ("code", Counter(tier.code for tier in tiers)),
        ("rank", Counter(tier.rank for tier in tiers)),
    ):
        for value, count in counter.items():
            if count > 1:
                yield f"tiers: {label} {value!r} is used by {count} tiers"
    ordered = sorted(tiers, key=lambda tier: tier.rank)
    base = ordered[0]
    if any(getattr(base, path) is not None for path in PATHS):
        yield f"tiers: the base tier {base.code!r} is held without qualifying; give it no paths"
    for tier in ordered:
        if tier.bonus_percent < 0:
            yield f"tiers: {tier.code!r} has a negative bonus_percent"
        for path in PATHS:
            value = getattr(tier, path)
            if value is not None and value <= 0:
                yield f"tiers: {tier.code!r} has {path} {value}; thresholds must be positive"
        if tier is not base and all(getattr(tier, path) is None for path in PATHS):
            yield f"tiers: {tier.code!r} has no qualifying path; give it at least one threshold"
    for path in PATHS:
        previous: Tier | None = None
        for tier in ordered:
            value = getattr(tier, path)
            if value is None:
                continue
            if previous is not None and value <= getattr(previous, path):
                yield (
                    f"tiers: {path} must increase with rank, but {tier.code!r} needs {value} "
                    f"and the lower {previous.code!r} needs {getattr(previous, path)}"
                )
            previous = tier


def _rule_mistakes(version: ProgramVersion) -> Iterator[str]:
    qualification = version.qualification
    if not 1 <= qualification.year_start_month <= 12:
        yield "qualification.year_start_month must be between 1 and 12"
    yield from not_negative("qualification", status_grace_days=qualification.status_grace_days)
    yield from at_least_one("qualification", max_stay_nights=qualification.max_stay_nights)
    yield from not_negative(
        "qualification", soft_landing_max_drop=qualification.soft_landing_max_drop
    )
    yield from not_negative("earning", base_points_per_usd=version.earning.base_points_per_usd)
    if not version.earning.eligible_revenue:
        yield "earning.eligible_revenue must name at least one revenue line"
    if version.points.expiry_months < 0:
        yield "points.expiry_months must not be negative (0 means points never expire)"
    if version.birthday.bonus_points < 0:
        yield "birthday.bonus_points must not be negative (0 means no birthday bonus)"
    for key in ("days_before_arrival", "days_after_departure"):
        days = getattr(version.serving, key)
        if not 0 <= days <= MAX_SERVING_DAYS:
            yield f"serving.{key} must be between 0 and {MAX_SERVING_DAYS} days (it is {days})"
    approval = version.guest_approval
    if not 1 <= approval.code_minutes <= 1440:
        yield "guest_approval.code_minutes must be between 1 and 1440 (a day)"
    if not 6 <= approval.code_digits <= 12:
        yield "guest_approval.code_digits must be between 6 and 12"
    if not 1 <= approval.max_attempts <= 20:
        yield "guest_approval.max_attempts must be between 1 and 20"


def _activity_mistakes(version: ProgramVersion) -> Iterator[str]:
    keys = Counter((rule.source, rule.kind) for rule in version.activities)
    for (source, kind), count in keys.items():
        if count > 1:
            yield f"activities: {source}/{kind} is listed {count} times"
    for index, rule in enumerate(version.activities):
        where = f"activities[{index}] ({rule.source}/{rule.kind})"
        if rule.source != rule.source.upper() or rule.kind != rule.kind.upper():
            yield f"{where}: source and kind must be upper case (requests are matched so)"
        if rule.points_per_usd < 0:
            yield f"{where}: negative points_per_usd"
        if rule.usd_per_qualifying_night is not None and rule.usd_per_qualifying_night <= 0:
            yield f"{where}: usd_per_qualifying_night must be positive"
        if rule.qualifying_nights < 0 or rule.qualifying_stays < 0:
            yield f"{where}: qualifying nights and stays must not be negative"
        if rule.max_points_from_partner < 0:
            yield f"{where}: negative max_points_from_partner"
        if rule.max_per_year is not None and rule.max_per_year < 1:
            yield f"{where}: max_per_year must be at least 1"


def _month_day(text: str) -> tuple[int, int] | None:
    """``"MM-DD"`` as (month, day) if it names a day of some year (29 February included)."""
    parts = text.split("-")
    if len(parts) != 2 or not all(part.isdigit() and len(part) == 2 for part in parts):
        return None
    month, day = int(parts[0]), int(parts[1])
    try:
        dt.date(2024, month, day)  # a leap year, so 02-29 is a day
    except ValueError:
        return None
    return month, day


def _season_mistakes(index: int, season: AwardSeason) -> Iterator[str]:
    for key in ("starts", "ends"):
        if _month_day(getattr(season, key)) is None:
            yield (
                f"awards.seasons[{index}]: {key} {getattr(season, key)!r} is not a day of the "
                'year written "MM-DD"'
            )


def _award_mistakes(version: ProgramVersion) -> Iterator[str]:
    awards = version.awards
    categories = Counter(price.category for price in awards.prices)
    for category, count in categories.items():
        if count > 1:
            yield f"awards.prices: category {category} is priced {count} times"
    for price in awards.prices:
        where = f"awards.prices (category {price.category})"
        if price.category < 1:
            yield f"{where}: categories start at 1"
        for label in ("standard", "peak", "off_peak"):
            value = getattr(price, label)
            if value is not None and value <= 0:
                yield f"{where}: the {label} price must be positive"
    for index, season in enumerate(awards.seasons):
        yield from _season_mistakes(index, season)
    if awards.free_night_every < 0 or awards.free_night_every == 1:
        yield "awards.free_night_every must be 0 (no free nights) or at least 2"
    if awards.prices:
        rate = next((r for r in version.rate_codes if r.code == awards.rate_code), None)
        if rate is None:
            yield f"awards.rate_code {awards.rate_code!r} is not listed in rate_codes"
        elif rate.earns_points:
            yield (
                f"rate_codes: {awards.rate_code!r} is the award rate, so earns_points must be false"
            )


def _privilege_mistakes(version: ProgramVersion) -> Iterator[str]:
    previous = 0
    for index, milestone in enumerate(version.milestones):
        where = f"milestones[{index}]"
        if milestone.nights <= previous:
            yield f"{where}: nights must be positive and increase down the list"
        previous = max(previous, milestone.nights)
        if milestone.max_category < 1:
            yield f"{where}: max_category must be at least 1"
        if milestone.valid_months < 1:
            yield f"{where}: valid_months must be at least 1"
    miles = version.miles
    if min(miles.points_per_mile, miles.minimum_points, miles.bonus_block_points) < 0:
        yield "miles: points_per_mile, minimum_points and bonus_block_points must not be negative"
    yield from not_negative("miles", bonus_miles=miles.bonus_miles)
    if miles.bonus_miles and not miles.bonus_block_points:
        yield "miles: bonus_miles needs bonus_block_points (the block that earns them)"
    if miles.points_per_mile and miles.minimum_points < miles.points_per_mile:
        yield "miles.minimum_points must be at least points_per_mile (one mile)"
    compensation = version.guarantee_compensation
    if compensation.award_nights < 0 or compensation.points < 0:
        yield "guarantee_compensation: award_nights and points must not be negative"
    if compensation.award_nights and not version.awards.prices:
        yield "guarantee_compensation.award_nights needs award prices to value the nights"
    yield from listed_twice(
        "goodwill_reasons", (reason.code for reason in version.goodwill_reasons)
    )
    for reason in version.goodwill_reasons:
        if not is_code(reason.code):
            yield f"goodwill_reasons: {reason.code!r} must be a non-empty upper-case code"
        if reason.max_points <= 0:
            yield f"goodwill_reasons: {reason.code!r} needs a positive max_points"


def _insight_mistakes(version: ProgramVersion) -> Iterator[str]:
    insight = version.insight
    if len(insight.currency) != 3 or not insight.currency.isupper():
        yield f"insight.currency {insight.currency!r} must be a three-letter ISO code"
    yield from not_negative("insight", value_per_point=insight.value_per_point)
    if not 0 <= insight.default_breakage_rate < 1:
        yield "insight.default_breakage_rate must be at least 0 and below 1"
    yield from at_least_one("insight", active_months=insight.active_months)
    yield from not_negative("insight", cost_per_mile=insight.cost_per_mile)
    if insight.donation_value_per_point is not None and insight.donation_value_per_point < 0:
        yield "insight.donation_value_per_point must not be negative"
    yield from _value_mistakes(version)
    categories = Counter(r.category for r in insight.award_night_reimbursements)
    for category, count in categories.items():
        if count > 1:
            yield f"insight.award_night_reimbursements: category {category} is listed {count} times"
    for reimbursement in insight.award_night_reimbursements:
        if reimbursement.category < 1 or reimbursement.per_night < 0:
            yield (
                f"insight.award_night_reimbursements (category {reimbursement.category}): "
                "categories start at 1 and per_night must not be negative"
            )


def _value_mistakes(version: ProgramVersion) -> Iterator[str]:
    value, recognition = version.insight.value, version.insight.recognition
    if value.window_months < 1 or value.lapse_days < 1:
        yield "insight.value: window_months and lapse_days must be at least 1"
    if not 0 <= value.margin <= 1 or not 0 <= value.retention_rate < 1:
        yield "insight.value: margin must be 0 to 1 and retention_rate at least 0 and below 1"
    yield from not_negative("insight.value", discount_rate=value.discount_rate)
    names = Counter(segment.name for segment in value.segments)
    for name, count in names.items():
        if count > 1 or not name.strip():
            yield f"insight.value.segments: {name!r} must be a name used once"
    for segment in value.segments:
        if (
            segment.min_stays < 0
            or segment.min_revenue < 0
            or (segment.max_recency_days is not None and segment.max_recency_days < 0)
        ):
            yield f"insight.value.segments ({segment.name}): thresholds must not be negative"
    if recognition is not None and (
        not 0 <= recognition.share_of_lifetime_value <= 1
        or recognition.max_points < 0
        or recognition.months < 1
    ):
        yield (
            "insight.recognition: share_of_lifetime_value must be 0 to 1, max_points not "
            "negative and months at least 1"
        )
    if recognition is not None:
        yield from _upgrade_mistakes(version, recognition)


def _upgrade_mistakes(version: ProgramVersion, recognition: Recognition) -> Iterator[str]:
    if recognition.points_per_upgrade is not None and recognition.points_per_upgrade < 0:
        yield "insight.recognition.points_per_upgrade must not be negative"
    codes = {benefit.code for benefit in version.benefits}
    for code in recognition.upgrade_benefits or []:
        if code not in codes:
            yield f"insight.recognition.upgrade_benefits: {code!r} is not a benefit of the program"
