"""Points between members: the program's bounds on pools and transfers. Pure rules over
the program's ``pooling`` and ``transfers`` sections; counts and totals come in as
arguments."""

from __future__ import annotations

import enum

from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.program.sharing import PoolingRules, TransferRules


class PoolState(enum.Enum):
    INVITED = "INVITED"
    ACTIVE = "ACTIVE"
    LEFT = "LEFT"


def pooling_offered(rules: PoolingRules) -> None:
    """POOLING_NOT_OFFERED when the program turns pooling off."""
    if rules.max_members == 0:
        raise BusinessRuleError(
            ErrorCode.POOLING_NOT_OFFERED, "The program offers no points pools."
        )


def join_refusal(rules: PoolingRules, joins_this_year: int, year: int, field: str | None) -> None:
    """POOL_JOIN_LIMIT_REACHED when the member has created or joined as many pools this
    qualification year as the program allows."""
    if joins_this_year >= rules.joins_per_year:
        raise BusinessRuleError(
            ErrorCode.POOL_JOIN_LIMIT_REACHED,
            f"A member may create or join {rules.joins_per_year} pool(s) a year; "
            f"the limit for {year} is reached.",
            field,
        )


def seat_refusal(rules: PoolingRules, seats_taken: int, field: str) -> None:
    """POOL_FULL when the pool's active and invited members already fill it."""
    if seats_taken >= rules.max_members:
        raise BusinessRuleError(
            ErrorCode.POOL_FULL,
            f"A pool holds at most {rules.max_members} members, the owner included.",
            field,
        )


def contribution_refusal(rules: PoolingRules, points: int, pooled_this_year: int) -> None:
    """INVALID_AMOUNT below the least contribution; POOL_LIMIT_REACHED past what the pool
    may take this year."""
    if points < rules.min_contribution:
        raise BusinessRuleError(
            ErrorCode.INVALID_AMOUNT,
            f"A contribution is at least {rules.min_contribution} points.",
            "points",
        )
    limit = rules.max_points_per_year
    if limit and pooled_this_year + points > limit:
        raise BusinessRuleError(
            ErrorCode.POOL_LIMIT_REACHED,
            f"A pool takes at most {limit} points a year; {limit - pooled_this_year} remain.",
            "points",
        )


def transfer_refusal(
    rules: TransferRules, points: int, sent_this_year: int, received_this_year: int
) -> None:
    """TRANSFERS_NOT_OFFERED, INVALID_AMOUNT below the least transfer, or
    TRANSFER_LIMIT_REACHED past the sender's or the recipient's yearly limit."""
    if not rules.enabled:
        raise BusinessRuleError(
            ErrorCode.TRANSFERS_NOT_OFFERED, "The program offers no transfers between members."
        )
    if points < rules.min_points:
        raise BusinessRuleError(
            ErrorCode.INVALID_AMOUNT, f"A transfer is at least {rules.min_points} points.", "points"
        )
    if sent_this_year + points > rules.max_sent_per_year:
        left = max(rules.max_sent_per_year - sent_this_year, 0)
        raise BusinessRuleError(
            ErrorCode.TRANSFER_LIMIT_REACHED,
            f"A member sends at most {rules.max_sent_per_year} points a year; {left} remain.",
            "points",
        )
    if received_this_year + points > rules.max_received_per_year:
        left = max(rules.max_received_per_year - received_this_year, 0)
        raise BusinessRuleError(
            ErrorCode.TRANSFER_LIMIT_REACHED,
            f"A member receives at most {rules.max_received_per_year} points a year; "
            f"the recipient can take {left} more.",
            "points",
        )
