"""A guest's value to the brand, as the staff see it (see docs/insight.md, "Member value")."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from staytier.api.graphql.copying import copy_fields
from staytier.domain.insight import MemberValue


@strawberry.type(
    description="Recency, frequency and monetary value over the program's window, the "
    "segment, the lifetime value and the goodwill points still open to the guest; money in "
    "`currency`."
)
class GuestValue:
    recency: int | None = strawberry.field(
        description="Days since the last completed stay; null without one."
    )
    frequency: int = strawberry.field(description="Completed stays in the window.")
    monetary: Decimal = strawberry.field(description="Their revenue.")
    segment: str | None = strawberry.field(description="The first program segment met.")
    lifetime_value: Decimal
    recognition_allowance: int | None = strawberry.field(
        description="Points of goodwill and complimentary upgrades (at their points-equivalent) "
        "a property may still grant; null: the program sets no allowance."
    )
    currency: str

    @classmethod
    def of(cls, value: MemberValue, currency: str) -> GuestValue:
        return copy_fields(cls, value, recency=value.recency_days, currency=currency)
