"""The program and a member's standing in it: tiers, the progress towards the next one,
the statuses granted and the benefits a tier brings."""

from __future__ import annotations

import datetime as dt

import strawberry

from staytier.api.graphql.copying import copy_fields
from staytier.domain import benefits as benefit_rules
from staytier.domain import tiers as tier_rules
from staytier.program import model as program
from staytier.store import models

QualifyingPathType = strawberry.enum(tier_rules.QualifyingPath, name="QualifyingPath")


@strawberry.type
class TierDefinition:
    code: str
    name: str
    rank: int
    qualifying_nights: int | None
    qualifying_stays: int | None
    qualifying_base_points: int | None
    bonus_percent: int

    @classmethod
    def of(cls, tier: program.Tier) -> TierDefinition:
        return copy_fields(cls, tier)


@strawberry.type
class Program:
    code: str
    name: str
    version: str
    effective_from: dt.date
    effective_until: dt.date | None
    tiers: list[TierDefinition]

    @classmethod
    def of(cls, loaded: program.Program, version: program.ProgramVersion) -> Program:
        return copy_fields(
            cls,
            version,
            code=loaded.code,
            name=loaded.name,
            tiers=[TierDefinition.of(tier) for tier in version.tiers_by_rank()],
        )


@strawberry.type
class GuestTier:
    code: str
    name: str
    rank: int
    valid_through: dt.date | None = strawberry.field(
        description="Last day the status is held (grace included); null for the base tier "
        "and for lifetime status."
    )
    lifetime: bool

    @classmethod
    def of(cls, tier: program.Tier, valid_through: dt.date | None, lifetime: bool) -> GuestTier:
        return copy_fields(cls, tier, valid_through=valid_through, lifetime=lifetime)


@strawberry.type
class PathProgress:
    """Progress on one way of reaching the next tier."""

    path: tier_rules.QualifyingPath
    current: int
    required: int
    remaining: int


@strawberry.type
class TierProgress:
    year: int
    qualifying_nights: int
    qualifying_stays: int
    qualifying_base_points: int
    next_tier: TierDefinition | None
    nights_to_next_tier: int | None
    stays_to_next_tier: int | None
    base_points_to_next_tier: int | None
    paths: list[PathProgress] = strawberry.field(
        description="Each path to the next tier with what is left on it; any one suffices."
    )

    @classmethod
    def of(cls, progress: tier_rules.TierProgress) -> TierProgress:
        path = tier_rules.QualifyingPath
        return cls(
            year=progress.year,
            qualifying_nights=progress.totals.nights,
            qualifying_stays=progress.totals.stays,
            qualifying_base_points=progress.totals.base_points,
            next_tier=TierDefinition.of(progress.next_tier) if progress.next_tier else None,
            nights_to_next_tier=progress.remaining_on(path.NIGHTS),
            stays_to_next_tier=progress.remaining_on(path.STAYS),
            base_points_to_next_tier=progress.remaining_on(path.BASE_POINTS),
            paths=[
                PathProgress(
                    path=p.path, current=p.current, required=p.required, remaining=p.remaining
                )
                for p in progress.paths
            ],
        )


@strawberry.type
class TierStatus:
    """A status the member was granted: by qualifying, requalifying, soft landing, for life."""

    tier_code: str
    cause: str
    detail: str
    qualification_year: int | None
    valid_from: dt.date
    valid_through: dt.date | None
    granted_at: dt.datetime
    revoked_at: dt.datetime | None
    revoked_reason: str | None

    @classmethod
    def of(cls, row: models.StatusPeriod) -> TierStatus:
        return copy_fields(cls, row, granted_at=row.created_at)


@strawberry.type(description="A privilege a tier is granted, with its conditions from the program.")
class Benefit:
    code: str
    name: str
    detail: str
    params: strawberry.scalars.JSON = strawberry.field(
        description="The program's parameters, e.g. {hour: 16} for late checkout."
    )
    options: list[str] = strawberry.field(
        description="The choices a guest picks from (welcome gift, annual choice), if any."
    )

    @classmethod
    def of(cls, granted: benefit_rules.GrantedBenefit) -> Benefit:
        return copy_fields(
            cls,
            granted,
            params=strawberry.scalars.JSON(dict(granted.params)),
            options=list(granted.options()),
        )
