"""Status given rather than earned: a status match, a challenge on trial, a gift from a
member. Pure rules over the program's ``status_grants`` section; dates come in as
arguments."""

from __future__ import annotations

import datetime as dt
import enum

from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.program.engagement import TierGiftRule
from staytier.program.model import ProgramVersion, Tier


class GrantKind(enum.Enum):
    MATCH = "MATCH"
    CHALLENGE = "CHALLENGE"
    GIFT = "GIFT"


class GrantState(enum.Enum):
    GRANTED = "GRANTED"  # a match or a gift: in force for its period
    OPEN = "OPEN"  # a challenge still running
    MET = "MET"  # a challenge completed: the tier is earned status
    LAPSED = "LAPSED"  # a challenge whose days ran out short of its nights


# The cause each grant writes on its status period (status_periods.cause), and the cause of
# the earned status a met challenge becomes.
CAUSES = {
    GrantKind.MATCH: "STATUS_MATCH",
    GrantKind.CHALLENGE: "CHALLENGE",
    GrantKind.GIFT: "GIFT",
}
CHALLENGE_MET = "CHALLENGE_MET"
# The audit action of a met challenge whose nights were taken back (its period is revoked).
CHALLENGE_UNDONE = "CHALLENGE_UNDONE"


def tier_above_base(rules: ProgramVersion, code: str, field: str = "tierCode") -> Tier:
    """The tier ``code`` names, which must be above the base tier; else UNKNOWN_TIER."""
    tier = rules.tier(code)
    if tier is None or tier.rank <= rules.base_tier.rank:
        raise BusinessRuleError(
            ErrorCode.UNKNOWN_TIER,
            f"{code!r} is not a tier above {rules.base_tier.code} in the program.",
            field,
        )
    return tier


def match_period_mistakes(
    rules: ProgramVersion, valid_from: dt.date, valid_through: dt.date
) -> list[BusinessRuleError]:
    """A match runs forward, for at most ``status_grants.match_max_days`` days."""
    days = (valid_through - valid_from).days + 1
    if days < 1:
        return [
            BusinessRuleError(
                ErrorCode.INVALID_DATES, "validThrough is before validFrom.", "validThrough"
            )
        ]
    limit = rules.status_grants.match_max_days
    if days > limit:
        return [
            BusinessRuleError(
                ErrorCode.INVALID_DATES,
                f"A status match lasts at most {limit} days; this one lasts {days}.",
                "validThrough",
            )
        ]
    return []


def refuse_if_held(held: Tier, tier: Tier, field: str = "tierCode") -> None:
    """A challenge or gift for a tier the member already holds (or exceeds) is refused."""
    if held.rank >= tier.rank:
        raise BusinessRuleError(
            ErrorCode.TIER_ALREADY_HELD,
            f"The member already holds {held.name}, at or above {tier.name}.",
            field,
        )


def gift_rule(rules: ProgramVersion, giver: Tier, gift_tier: str) -> TierGiftRule:
    """The rule under which a member holding ``giver`` may gift ``gift_tier``; else
    GIFT_NOT_ALLOWED."""
    for rule in rules.status_grants.gifts:
        needed = rules.tier(rule.giver_tier)
        if rule.gift_tier == gift_tier and needed is not None and giver.rank >= needed.rank:
            return rule
    raise BusinessRuleError(
        ErrorCode.GIFT_NOT_ALLOWED,
        f"{giver.name} members may not gift {gift_tier!r}.",
        "tierCode",
    )


def challenge_ends(starts: dt.date, days: int) -> dt.date:
    """The last day of a challenge of ``days`` days starting on ``starts``."""
    return starts + dt.timedelta(days=days - 1)
