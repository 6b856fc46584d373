"""What a member holds: the points balance, the ledger behind it and free-night
certificates."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay

from staytier.api.graphql.copying import copy_fields
from staytier.domain.points import LedgerKind
from staytier.services.guests import LedgerEntryView
from staytier.store import models

LedgerKindType = strawberry.enum(LedgerKind, name="LedgerKind")


@strawberry.type
class Points:
    balance: int
    expires_on: dt.date | None = strawberry.field(
        description="Last day the points are valid without further activity; null if they "
        "do not expire."
    )


@strawberry.type
class LedgerEntry(relay.Node):
    entry_id: relay.NodeID[int]
    kind: LedgerKind
    points: int
    balance_after: int
    occurred_at: dt.datetime
    effective_on: dt.date
    description: str
    uncollected_points: int = strawberry.field(
        description="On a reversal: points that could not be taken back, already spent."
    )

    @classmethod
    def of(cls, row: models.LedgerEntry | LedgerEntryView) -> LedgerEntry:
        return copy_fields(cls, row, entry_id=row.id, kind=LedgerKind(row.kind))


@strawberry.type(
    description="A free-night certificate: issued at a night milestone or by a promotion, "
    "won in a sweepstakes or given as goodwill on a complaint."
)
class Certificate(relay.Node):
    certificate_id: relay.NodeID[int]
    number: int = strawberry.field(description="Give this as certificateId to redeem it.")
    description: str
    source: str = strawberry.field(
        description="Why it was given: MILESTONE, PROMOTION, SWEEPSTAKES or GOODWILL."
    )
    qualification_year: int = strawberry.field(
        description="The qualification year of its milestone; else the year it was issued."
    )
    milestone_nights: int = strawberry.field(
        description="The night milestone that issued it; 0 when it was not a milestone."
    )
    max_category: int
    issued_on: dt.date
    expires_on: dt.date = strawberry.field(description="Last day it can be used.")
    status: str = strawberry.field(
        description="ISSUED, USED, EXPIRED or CANCELLED (a promotion's certificate whose "
        "stay was reversed before it was used)."
    )

    @classmethod
    def of(cls, row: models.Certificate) -> Certificate:
        return copy_fields(
            cls,
            row,
            certificate_id=row.id,
            number=row.id,
            milestone_nights=row.milestone_nights or 0,
        )
