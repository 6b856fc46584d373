"""The program owner's side of a program file: what the reports value (points, award
nights), the member-value segments, and the recognition allowance (see docs/insight.md)."""

from __future__ import annotations

from decimal import Decimal

import msgspec


class AwardNightReimbursement(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What the brand pays a property of ``category`` for each night of an award stay, in the
    program's currency (``insight.currency``)."""

    category: int
    per_night: Decimal


class Segment(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A member segment by recency, frequency and monetary value; the first that matches
    names the member. A threshold left out does not apply."""

    name: str
    max_recency_days: int | None = None
    min_stays: int = 0
    min_revenue: Decimal = Decimal(0)


class MemberValueRules(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How a member's value is measured (recency, frequency, monetary over a window) and
    estimated for the years ahead (see docs/insight.md, "Member value")."""

    window_months: int = 24
    # The share of member revenue the brand keeps as profit.
    margin: Decimal = Decimal("0.3")
    # The chance an active member stays another year, and the yearly discount rate.
    retention_rate: Decimal = Decimal("0.6")
    discount_rate: Decimal = Decimal("0.1")
    # A member whose last stay is older than this is lost: lifetime value 0.
    lapse_days: int = 730
    segments: list[Segment] = msgspec.field(default_factory=list)


class Recognition(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The goodwill points and complimentary upgrades a property may grant a guest: a share
    of the guest's lifetime value, in points at the value per point, capped, per ``months``
    running months; an upgrade spends its points-equivalent."""

    share_of_lifetime_value: Decimal = Decimal(0)
    max_points: int = 0
    months: int = 12
    # What one complimentary upgrade spends of the allowance, in points; None: the upgrade
    # benefit's cost_usd in the insight currency at ``value_per_point``, rounded up.
    points_per_upgrade: int | None = None
    # The benefit codes whose use is a complimentary upgrade; None: ROOM_UPGRADE.
    upgrade_benefits: list[str] | None = None


class Insight(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What the program's reports value points and costs at. Every field is optional: a
    program without this section reports in USD at half a cent a point."""

    # The currency every money figure of the reports is stated in (ISO code, in the rates file).
    currency: str = "USD"
    # What one outstanding point is worth to finance (its redemption cost), in ``currency``.
    value_per_point: Decimal = Decimal("0.005")
    # The breakage assumed while the history has no settled points to estimate it from.
    default_breakage_rate: Decimal = Decimal(0)
    # A member is active with a stay or activity within this many months of the period end.
    active_months: int = 12
    # What the brand pays an airline for one mile bought for a member, in ``currency``.
    cost_per_mile: Decimal = Decimal("0.01")
    # What a donated point costs the brand (paid to the charity), in ``currency``; None: the
    # value per point.
    donation_value_per_point: Decimal | None = None
    award_night_reimbursements: list[AwardNightReimbursement] = msgspec.field(default_factory=list)
    value: MemberValueRules = msgspec.field(default_factory=MemberValueRules)
    # None: goodwill is bounded by the reasons' max_points only.
    recognition: Recognition | None = None

    def reimbursement(self, category: int) -> Decimal:
        """Paid per award night at a property of ``category``; 0 where the program sets none."""
        found = next((r for r in self.award_night_reimbursements if r.category == category), None)
        return found.per_night if found else Decimal(0)

    @property
    def donation_cost_per_point(self) -> Decimal:
        if self.donation_value_per_point is None:
            return self.value_per_point
        return self.donation_value_per_point
