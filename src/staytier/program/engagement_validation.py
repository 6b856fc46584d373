"""Mistakes in a version's engagement rules (complaints and recovery, status grants,
surveys, sweepstakes) and in its pools and transfers, one sentence each (see
:mod:`staytier.program.validation`, which reports them with the version's name)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from staytier.program.checks import at_least_one, is_code, listed_twice
from staytier.program.engagement import CertificateAward
from staytier.program.model import ProgramVersion

# Roles a goodwill allowance may name (those that may resolve a complaint).
RESOLVING_ROLES = ("front_desk", "admin")


def engagement_mistakes(version: ProgramVersion) -> Iterator[str]:
    """Every mistake in the version's engagement, pooling and transfer sections."""
    yield from _complaint_mistakes(version)
    yield from _status_grant_mistakes(version)
    yield from _survey_mistakes(version)
    yield from _sweepstakes_mistakes(version)
    yield from _sharing_mistakes(version)


def _complaint_mistakes(version: ProgramVersion) -> Iterator[str]:
    rules = version.complaints
    if not rules.categories:
        yield "complaints.categories must name at least one category"
    yield from listed_twice("complaints.categories", rules.categories)
    for code in dict.fromkeys(rules.categories):
        if not is_code(code):
            yield f"complaints.categories: {code!r} must be a non-empty upper-case code"
    if rules.recent_days < 0:
        yield "complaints.recent_days must not be negative"
    if rules.goodwill_reason and version.goodwill_reason(rules.goodwill_reason) is None:
        yield (
            f"complaints.goodwill_reason {rules.goodwill_reason!r} is not listed in "
            "goodwill_reasons"
        )
    for role, points in rules.goodwill_allowance.items():
        if role not in RESOLVING_ROLES:
            yield (
                f"complaints.goodwill_allowance: {role!r} is not a role that resolves "
                f"complaints ({', '.join(RESOLVING_ROLES)})"
            )
        if points < 0:
            yield f"complaints.goodwill_allowance: {role!r} must not be negative"
    yield from listed_twice(
        "complaints.recovery_benefits", (b.code for b in rules.recovery_benefits)
    )
    for index, benefit in enumerate(rules.recovery_benefits):
        where = f"complaints.recovery_benefits[{index}] ({benefit.code})"
        if not is_code(benefit.code):
            yield f"{where}: the code must be non-empty and upper case"
        if benefit.allowance_points < 1:
            yield (
                f"{where}: allowance_points (what it counts against the goodwill and "
                "recognition allowances) must be at least 1"
            )
        yield from _certificate_award_mistakes(where, benefit.certificate)


def _certificate_award_mistakes(where: str, award: CertificateAward) -> Iterator[str]:
    if award.max_category < 1:
        yield f"{where}: certificate.max_category must be at least 1"
    if award.valid_months < 1:
        yield f"{where}: certificate.valid_months must be at least 1"


def _status_grant_mistakes(version: ProgramVersion) -> Iterator[str]:
    rules = version.status_grants
    base = version.base_tier.code if version.tiers else None
    yield from at_least_one("status_grants", match_max_days=rules.match_max_days)
    for code, count in Counter(rule.tier for rule in rules.challenges).items():
        if count > 1:
            yield f"status_grants.challenges: tier {code!r} has {count} challenges"
    for index, challenge in enumerate(rules.challenges):
        where = f"status_grants.challenges[{index}]"
        if version.tier(challenge.tier) is None or challenge.tier == base:
            yield f"{where}: {challenge.tier!r} is not a tier above the base tier"
        if challenge.nights < 1 or challenge.days < 1:
            yield f"{where}: nights and days must be at least 1"
    for index, gift in enumerate(rules.gifts):
        where = f"status_grants.gifts[{index}]"
        giver, given = version.tier(gift.giver_tier), version.tier(gift.gift_tier)
        if giver is None:
            yield f"{where}: unknown giver_tier {gift.giver_tier!r}"
        if given is None or gift.gift_tier == base:
            yield f"{where}: {gift.gift_tier!r} is not a tier above the base tier"
        if giver is not None and given is not None and given.rank >= giver.rank:
            yield f"{where}: gift_tier must be lower than giver_tier"
        if gift.per_year < 1 or gift.valid_days < 1:
            yield f"{where}: per_year and valid_days must be at least 1"


def _survey_mistakes(version: ProgramVersion) -> Iterator[str]:
    rules = version.surveys
    yield from at_least_one("surveys", window_days=rules.window_days)
    if rules.review_points < 0:
        yield "surveys.review_points must not be negative (0 means reviews earn nothing)"
    yield from listed_twice("surveys.questions", (q.code for q in rules.questions))
    if sum(1 for q in rules.questions if q.kind == "NPS") > 1:
        yield "surveys.questions: at most one question may be of kind NPS"
    for index, question in enumerate(rules.questions):
        where = f"surveys.questions[{index}]"
        if not is_code(question.code):
            yield f"{where}: {question.code!r} must be a non-empty upper-case code"
        if not question.text.strip():
            yield f"{where}: give the question's text"
        if question.points < 0:
            yield f"{where}: points must not be negative"


def _sweepstakes_mistakes(version: ProgramVersion) -> Iterator[str]:
    yield from listed_twice("sweepstakes", (rule.code for rule in version.sweepstakes))
    for index, rule in enumerate(version.sweepstakes):
        where = f"sweepstakes[{index}] ({rule.code})"
        if not is_code(rule.code):
            yield f"{where}: the code must be non-empty and upper case"
        if rule.closes_on < rule.starts_on:
            yield f"{where}: closes_on is before starts_on"
        if len(rule.seed_hash) != 64 or any(c not in "0123456789abcdef" for c in rule.seed_hash):
            yield f"{where}: seed_hash must be a SHA-256 in 64 lower-case hex digits"
        if rule.entries_per_night < 1 or rule.max_entries_per_member < 1:
            yield f"{where}: entries_per_night and max_entries_per_member must be at least 1"
        if not rule.prizes:
            yield f"{where}: give at least one prize"
        for prize in rule.prizes:
            if prize.count < 1:
                yield f"{where}: prize {prize.name!r} needs a count of at least 1"
            if prize.certificate is None and prize.points < 1:
                yield f"{where}: prize {prize.name!r} needs positive points or a certificate"
            elif prize.certificate is not None:
                if prize.points:
                    yield (
                        f"{where}: prize {prize.name!r} gives points or a certificate, not "
                        "both (list two prizes)"
                    )
                yield from _certificate_award_mistakes(
                    f"{where}: prize {prize.name!r}", prize.certificate
                )


def _sharing_mistakes(version: ProgramVersion) -> Iterator[str]:
    pooling, transfers = version.pooling, version.transfers
    if pooling.max_members < 0 or pooling.max_members == 1:
        yield "pooling.max_members must be 0 (no pooling) or at least 2 (the owner and one more)"
    yield from at_least_one(
        "pooling", joins_per_year=pooling.joins_per_year, min_contribution=pooling.min_contribution
    )
    if pooling.max_points_per_year < 0:
        yield "pooling.max_points_per_year must not be negative (0 means no limit)"
    yield from at_least_one("transfers", min_points=transfers.min_points)
    for name in ("max_sent_per_year", "max_received_per_year"):
        if getattr(transfers, name) < transfers.min_points:
            yield f"transfers.{name} must be at least transfers.min_points"
