"""Privileges: which of the program's benefits a tier is granted, and their conditions.

The program file lists each benefit once with a grant per tier (see ``Benefit`` in
``program/model.py``); this module turns that data into what applies to one guest. It is the
single engine behind ``guest { benefits }``, the arrivals view and the redemption services, so a
benefit means the same thing wherever it is shown or used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from staytier.program.model import ProgramVersion

# The codes whose parameters the service reads; a program may list others, which are shown
# to clients as they are but drive no behaviour.
LATE_CHECKOUT = "LATE_CHECKOUT"
ROOM_UPGRADE = "ROOM_UPGRADE"
WELCOME_GIFT = "WELCOME_GIFT"
LOUNGE_ACCESS = "LOUNGE_ACCESS"
ROOM_GUARANTEE = "ROOM_GUARANTEE"
ANNUAL_CHOICE = "ANNUAL_CHOICE"


@dataclass(frozen=True)
class GrantedBenefit:
    """One benefit as granted to one tier."""

    code: str
    name: str
    detail: str
    cost_usd: Decimal
    params: Mapping[str, int | str | bool]

    def number(self, key: str) -> int | None:
        value = self.params.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def text(self, key: str) -> str | None:
        value = self.params.get(key)
        return value if isinstance(value, str) else None

    def flag(self, key: str) -> bool:
        return self.params.get(key) is True

    def options(self, key: str = "options") -> tuple[str, ...]:
        """A comma-separated choice list (``"POINTS,AMENITY"``) as a tuple of codes."""
        raw = self.text(key) or ""
        return tuple(part.strip() for part in raw.split(",") if part.strip())


def benefits_for(rules: ProgramVersion, tier_code: str) -> list[GrantedBenefit]:
    """The benefits a member holding ``tier_code`` enjoys under ``rules``, in program order.

    Grants are per tier, not inherited: a program that gives Platinum late checkout lists a
    Platinum grant. A tier with no grant for a benefit does not get it.
    """
    granted: list[GrantedBenefit] = []
    for benefit in rules.benefits:
        for grant in benefit.grants:
            if grant.tier == tier_code:
                granted.append(
                    GrantedBenefit(
                        code=benefit.code,
                        name=benefit.name,
                        detail=grant.detail,
                        cost_usd=benefit.cost_usd,
                        params=dict(grant.params),
                    )
                )
                break
    return granted


def benefit_for(rules: ProgramVersion, tier_code: str, code: str) -> GrantedBenefit | None:
    """One benefit for a tier, or None when the tier is not granted it."""
    return next((b for b in benefits_for(rules, tier_code) if b.code == code), None)


def listed_benefit(rules: ProgramVersion, code: str) -> GrantedBenefit | None:
    """The benefit as the program lists it, whatever the tier: for costing a use the brand
    already committed to (a guarantee honoured after the member's status lapsed)."""
    benefit = next((b for b in rules.benefits if b.code == code), None)
    if benefit is None:
        return None
    return GrantedBenefit(
        code=benefit.code, name=benefit.name, detail="", cost_usd=benefit.cost_usd, params={}
    )
