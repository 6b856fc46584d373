"""Program insight: the rules that turn the books into what a brand measures.

Everything here is arithmetic over figures the services read: how ledger kinds add up to
points issued, redeemed, expired and reversed; how a change of tier between two days is
named; which earn-month cohort each spent or expired point came from (first in, first out);
the breakage those cohorts show; and the liability of the points still outstanding.
See docs/insight.md for the method in words.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from staytier.domain.benefits import ROOM_UPGRADE
from staytier.domain.calendar import add_months
from staytier.domain.points import MOVE_KINDS, LedgerKind
from staytier.program.insight import MemberValueRules, Recognition, Segment

CENT = Decimal("0.01")
RATE = Decimal("0.0001")


class Flow(enum.Enum):
    """Where a ledger entry's points go in the report."""

    ISSUED = "ISSUED"  # earned: EARN, BONUS
    REDEEMED = "REDEEMED"  # spent by the member: REDEEM, TRANSFER_OUT, DONATE
    EXPIRED = "EXPIRED"
    REVERSED = "REVERSED"  # taken back (or, when positive, refunded)
    ADJUSTED = "ADJUSTED"  # manual adjustments, either sign


FLOW_OF_KIND = {
    LedgerKind.EARN: Flow.ISSUED,
    LedgerKind.BONUS: Flow.ISSUED,
    LedgerKind.REDEEM: Flow.REDEEMED,
    LedgerKind.TRANSFER_OUT: Flow.REDEEMED,
    LedgerKind.DONATE: Flow.REDEEMED,
    LedgerKind.EXPIRE: Flow.EXPIRED,
    LedgerKind.REVERSAL: Flow.REVERSED,
    LedgerKind.ADJUSTMENT: Flow.ADJUSTED,
    # Moves between members (transfers, pools, merges) come in pairs that sum to zero, so
    # over the program they change nothing; per member they read as adjustments.
    **{kind: Flow.ADJUSTED for kind in MOVE_KINDS},
}


@dataclass(frozen=True)
class PointsFlows:
    """A period's points, each a positive figure in the direction its name says, so that
    ``opening + issued - redeemed - expired - reversed + adjusted == closing`` exactly.

    ``reversed`` is net: points taken back by corrections less points refunded (a cancelled
    award stay, a refused donation); ``adjusted`` keeps its sign.
    """

    opening: int = 0
    issued: int = 0
    redeemed: int = 0
    expired: int = 0
    reversed: int = 0
    adjusted: int = 0

    @property
    def closing(self) -> int:
        spent = self.redeemed + self.expired + self.reversed
        return self.opening + self.issued - spent + self.adjusted


def points_flows(opening: int, sums_by_kind: dict[str, int]) -> PointsFlows:
    """The flows of a period from the signed sum of its ledger entries per kind."""
    by_flow: dict[Flow, int] = defaultdict(int)
    for kind, points in sums_by_kind.items():
        by_flow[FLOW_OF_KIND[LedgerKind(kind)]] += points
    return PointsFlows(
        opening=opening,
        issued=by_flow[Flow.ISSUED],
        redeemed=-by_flow[Flow.REDEEMED],
        expired=-by_flow[Flow.EXPIRED],
        reversed=-by_flow[Flow.REVERSED],
        adjusted=by_flow[Flow.ADJUSTED],
    )


class Movement(enum.Enum):
    """How a member's tier at the period end compares with the day before it began."""

    NEW = "NEW"  # enrolled during the period
    UPGRADED = "UPGRADED"
    SOFT_LANDED = "SOFT_LANDED"  # dropped, but still above the base tier
    LAPSED = "LAPSED"  # dropped to the base tier
    UNCHANGED = "UNCHANGED"


def movement(*, new: bool, rank_before: int, rank_after: int, base_rank: int) -> Movement:
    """Names the change of tier of one member over a period."""
    if new:
        return Movement.NEW
    if rank_after > rank_before:
        return Movement.UPGRADED
    if rank_after < rank_before:
        return Movement.LAPSED if rank_after <= base_rank else Movement.SOFT_LANDED
    return Movement.UNCHANGED


def ratio(part: int | Decimal, whole: int | Decimal) -> Decimal:
    """``part / whole`` to four places; 0 when there is no whole."""
    if not whole:
        return Decimal(0)
    return (Decimal(part) / Decimal(whole)).quantize(RATE, ROUND_HALF_EVEN)


def money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_EVEN)


# --- earn-month cohorts ------------------------------------------------------------------


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(month: dt.date) -> dt.date:
    return add_months(month_of(month), 1) - dt.timedelta(days=1)


@dataclass(frozen=True)
class Posting:
    """One ledger entry as the cohort book reads it (in the order the ledger was written)."""

    kind: LedgerKind
    points: int
    effective_on: dt.date


# What consumes a cohort's points: spent by the member, expired, or taken back.
SPENT, EXPIRED, TAKEN_BACK = Flow.REDEEMED, Flow.EXPIRED, Flow.REVERSED


@dataclass
class CohortBook:
    """Which earn month every consumed point came from, first in, first out.

    Each positive entry opens a *lot* in the month it takes effect (a refund or a positive
    adjustment too: those points are the member's again from then on). Each negative entry
    consumes the oldest lots first, as expiry and spending do in the trade. What is recorded
    is the flow ``(earn month, month consumed, how) -> points``, so the state of every cohort
    can be read as of any month end from one pass over the ledger.
    """

    issued: dict[dt.date, int] = field(default_factory=lambda: defaultdict(int))
    consumed: dict[tuple[dt.date, dt.date, Flow], int] = field(
        default_factory=lambda: defaultdict(int)
    )
    # Points a negative entry found no lot for (none while balances never go below zero).
    unmatched: int = 0

    def add_member(self, postings: Iterable[Posting]) -> None:
        """Plays one member's ledger, oldest entry first."""
        lots: list[list[object]] = []  # [earn month, points left], oldest first
        head = 0
        for posting in postings:
            if posting.points > 0:
                month = month_of(posting.effective_on)
                self.issued[month] += posting.points
                lots.append([month, posting.points])
                continue
            how = consumption_of(posting.kind)
            wanted = -posting.points
            consumed_in = month_of(posting.effective_on)
            while wanted and head < len(lots):
                lot = lots[head]
                left = lot[1]
                assert isinstance(left, int)
                taken = min(left, wanted)
                earned = lot[0]
                assert isinstance(earned, dt.date)
                self.consumed[(earned, consumed_in, how)] += taken
                lot[1] = left - taken
                wanted -= taken
                if lot[1] == 0:
                    head += 1
            self.unmatched += wanted

    def cohorts_as_of(self, day: dt.date) -> list[Cohort]:
        """Every earn month up to ``day``'s month, with what had happened to it by then."""
        last = month_of(day)
        cohorts = {m: Cohort(month=m, issued=p) for m, p in self.issued.items() if m <= last}
        for (earned, consumed_in, how), points in self.consumed.items():
            if consumed_in > last or earned not in cohorts:
                continue
            cohort = cohorts[earned]
            if how is SPENT:
                cohort.redeemed += points
            elif how is EXPIRED:
                cohort.expired += points
            else:
                cohort.reversed += points
        return [cohorts[m] for m in sorted(cohorts)]


def consumption_of(kind: LedgerKind) -> Flow:
    """How a negative entry of ``kind`` consumes a cohort: spent, expired or taken back."""
    flow = FLOW_OF_KIND[kind]
    if flow in (Flow.REDEEMED, Flow.EXPIRED):
        return flow
    return TAKEN_BACK


@dataclass
class Cohort:
    """The points first credited in one month, and what became of them."""

    month: dt.date
    issued: int = 0
    redeemed: int = 0
    expired: int = 0
    reversed: int = 0

    @property
    def outstanding(self) -> int:
        return self.issued - self.redeemed - self.expired - self.reversed

    @property
    def settled(self) -> int:
        """Points whose fate is known: spent or expired (not those taken back)."""
        return self.redeemed + self.expired


@dataclass(frozen=True)
class BreakageEstimate:
    """The expected share of outstanding points that will never be redeemed, and how it
    was found: ``MATURE_COHORTS``, ``ALL_COHORTS`` or ``PROGRAM_DEFAULT``."""

    rate: Decimal
    method: str
    mature_cohorts: int

    def projected(self, cohort: Cohort) -> Decimal:
        """A cohort's breakage in the end: expired so far, plus ``rate`` of what is left,
        as a share of the points that were not taken back."""
        kept = cohort.issued - cohort.reversed
        if kept <= 0:
            return Decimal(0)
        expected = Decimal(cohort.expired) + Decimal(cohort.outstanding) * self.rate
        return (expected / kept).quantize(RATE, ROUND_HALF_EVEN)


def estimate_breakage(
    cohorts: list[Cohort], as_of: dt.date, expiry_months: int, default_rate: Decimal
) -> BreakageEstimate:
    """Breakage from the settled points of earn-month cohorts as of ``as_of``.

    A cohort is *mature* once ``expiry_months`` have passed since its month ended: its points
    have had the full chance to lapse, so the share of its settled points that expired
    (rather than being spent) is a fair guess for what open cohorts will do. Younger cohorts
    have had no time to expire, and would pull the guess toward zero. Without mature
    cohorts with settled points, every cohort's settled points are used; without any
    settled point (or when points never expire), the program's default rate.
    """
    if expiry_months > 0:
        mature = [c for c in cohorts if add_months(month_end(c.month), expiry_months) <= as_of]
        for group, method in ((mature, "MATURE_COHORTS"), (cohorts, "ALL_COHORTS")):
            settled = sum(c.settled for c in group)
            if settled > 0:
                expired = sum(c.expired for c in group)
                return BreakageEstimate(ratio(expired, settled), method, len(mature))
    return BreakageEstimate(default_rate.quantize(RATE), "PROGRAM_DEFAULT", 0)


def liability(outstanding: int, value_per_point: Decimal, breakage: Decimal) -> Decimal:
    """What the brand owes for points still to be redeemed: the outstanding points at their
    value, less the share expected never to be redeemed; to the cent."""
    return money(Decimal(max(outstanding, 0)) * value_per_point * (1 - breakage))


# --- member value -----------------------------------------------------------------------


@dataclass(frozen=True)
class MemberValue:
    """Recency (days since the last completed stay; None without one), frequency (stays)
    and monetary value (revenue) over the program's window, the segment they fall in, the
    lifetime value, and the goodwill points a property may still grant (None: no bound)."""

    recency_days: int | None
    frequency: int
    monetary: Decimal
    segment: str | None
    lifetime_value: Decimal
    recognition_allowance: int | None


def segment_of(
    segments: Iterable[Segment], recency_days: int | None, frequency: int, monetary: Decimal
) -> str | None:
    """The first segment whose thresholds the member meets, in the program's order."""
    for segment in segments:
        recent = segment.max_recency_days is None or (
            recency_days is not None and recency_days <= segment.max_recency_days
        )
        if recent and frequency >= segment.min_stays and monetary >= segment.min_revenue:
            return segment.name
    return None


def lifetime_value(rules: MemberValueRules, monetary: Decimal, recency_days: int | None) -> Decimal:
    """The simple retention model of customer lifetime value (Gupta and Lehmann):

        yearly margin * r / (1 + d - r)

    the margin the member brings in a year (revenue over the window, per year, times the
    program's margin), summed over the years they are expected to stay (retention ``r`` a
    year) and discounted at ``d`` a year. A member with no stay within ``lapse_days`` is
    lost: 0."""
    if recency_days is None or recency_days > rules.lapse_days:
        return Decimal(0)
    yearly = monetary * 12 / rules.window_months * rules.margin
    r, d = rules.retention_rate, rules.discount_rate
    return money(yearly * r / (1 + d - r))


def recognition_allowance(
    recognition: Recognition | None, clv: Decimal, value_per_point: Decimal, granted: int
) -> int | None:
    """Points of recognition still open to the guest: the share of lifetime value in points,
    capped, less what was granted in the running months (goodwill points, and upgrades at
    their :func:`upgrade_points`); None when the program sets none."""
    if recognition is None:
        return None
    if value_per_point <= 0:
        whole = recognition.max_points
    else:
        share = clv * recognition.share_of_lifetime_value / value_per_point
        whole = min(int(share), recognition.max_points)
    return max(whole - granted, 0)


def upgrade_benefit_codes(recognition: Recognition) -> frozenset[str]:
    """The benefits whose use is a complimentary upgrade (ROOM_UPGRADE unless the program
    lists others)."""
    if recognition.upgrade_benefits is None:
        return frozenset({ROOM_UPGRADE})
    return frozenset(recognition.upgrade_benefits)


def upgrade_points(recognition: Recognition, cost: Decimal, value_per_point: Decimal) -> int:
    """What one complimentary upgrade spends of the recognition allowance: the program's
    ``points_per_upgrade``, or else the upgrade's ``cost`` (in the insight currency) in
    points at ``value_per_point``, rounded up (0 when points are valued at nothing)."""
    if recognition.points_per_upgrade is not None:
        return recognition.points_per_upgrade
    if value_per_point <= 0:
        return 0
    return math.ceil(cost / value_per_point)
