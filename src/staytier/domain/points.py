"""Points arithmetic: bonuses, reversals that never overdraw, and when points expire."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from staytier.domain.calendar import add_months
from staytier.program.model import ProgramVersion, Tier


class LedgerKind(enum.Enum):
    EARN = "EARN"
    BONUS = "BONUS"
    REDEEM = "REDEEM"
    TRANSFER_OUT = "TRANSFER_OUT"
    DONATE = "DONATE"
    EXPIRE = "EXPIRE"
    REVERSAL = "REVERSAL"
    ADJUSTMENT = "ADJUSTMENT"
    # Points moving between members: each move is a pair of entries that sum to zero.
    POINTS_SENT = "POINTS_SENT"
    POINTS_RECEIVED = "POINTS_RECEIVED"
    POOL_OUT = "POOL_OUT"
    POOL_IN = "POOL_IN"
    MERGE_OUT = "MERGE_OUT"
    MERGE_IN = "MERGE_IN"


# Kinds that only move points from one member to another: the program as a whole neither
# issues nor spends anything by them.
MOVE_KINDS = frozenset(
    {
        LedgerKind.POINTS_SENT,
        LedgerKind.POINTS_RECEIVED,
        LedgerKind.POOL_OUT,
        LedgerKind.POOL_IN,
        LedgerKind.MERGE_OUT,
        LedgerKind.MERGE_IN,
    }
)


# Kinds that count as activity and so restart the expiry clock.
ACTIVITY_KINDS = frozenset(
    {
        LedgerKind.EARN,
        LedgerKind.BONUS,
        LedgerKind.REDEEM,
        LedgerKind.TRANSFER_OUT,
        LedgerKind.DONATE,
        # Giving points away is the sender's own act, like spending them.
        LedgerKind.POINTS_SENT,
        LedgerKind.POOL_OUT,
    }
)


def tier_bonus(base_points: int, tier: Tier) -> int:
    """The tier's bonus on top of base points, rounded down."""
    return base_points * tier.bonus_percent // 100


@dataclass(frozen=True)
class Reversal:
    """How much of an earlier credit is taken back now, and how much could not be."""

    points: int
    uncollected: int


def reversal_of(credited: int, balance: int) -> Reversal:
    """Takes back ``credited`` points without taking the balance below zero.

    Points already spent cannot be taken back; the shortfall is recorded on the entry so
    the brand sees it, instead of leaving the member with a negative balance.
    """
    taken = min(credited, max(balance, 0))
    return Reversal(points=taken, uncollected=credited - taken)


def points_expire_on(last_activity: dt.date | None, rules: ProgramVersion) -> dt.date | None:
    """The last day points are valid without further activity; None if they never expire."""
    if last_activity is None or rules.points.expiry_months == 0:
        return None
    return add_months(last_activity, rules.points.expiry_months)
