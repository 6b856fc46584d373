"""Checks a decoded program for mistakes a type checker cannot see.

Every mistake found is reported, each in one sentence that names where it is, so that a
program manager fixes a file in one pass instead of one error per restart.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Iterator

from staytier.program.model import Program, ProgramVersion, Tier

PATHS = ("qualifying_nights", "qualifying_stays", "qualifying_base_points")


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
    codes = Counter(rate.code for rate in version.rate_codes)
    mistakes.extend(
        f"rate_codes: {code!r} is listed {count} times"
        for code, count in codes.items()
        if count > 1
    )
    mistakes.extend(
        f"rate_codes: {rate.code!r} must be upper case"
        for rate in version.rate_codes
        if rate.code != rate.code.upper()
    )
    mistakes.extend(_activity_mistakes(version))
    return mistakes


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
    if qualification.status_grace_days < 0:
        yield "qualification.status_grace_days must not be negative"
    if qualification.max_stay_nights < 1:
        yield "qualification.max_stay_nights must be at least 1"
    if qualification.soft_landing_max_drop < 0:
        yield "qualification.soft_landing_max_drop must not be negative"
    if version.earning.base_points_per_usd < 0:
        yield "earning.base_points_per_usd must not be negative"
    if not version.earning.eligible_revenue:
        yield "earning.eligible_revenue must name at least one revenue line"
    if version.points.expiry_months < 0:
        yield "points.expiry_months must not be negative (0 means points never expire)"


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
