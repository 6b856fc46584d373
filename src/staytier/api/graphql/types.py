"""The GraphQL object types: what clients read."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry
from strawberry import relay
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.pagination import Page, read_page
from staytier.api.graphql.partner_types import PartnerRequest
from staytier.api.graphql.permissions import (
    ContactReaders,
    HistoryReaders,
    ServiceReaders,
    StaffOnly,
)
from staytier.api.graphql.privilege_types import Donation, MilesTransfer, RoomGuarantee
from staytier.api.graphql.profile_types import (
    Consent,
    Preference,
    ProfileChange,
    SpecialDate,
    StaffNote,
)
from staytier.api.graphql.value_types import GuestValue
from staytier.domain import benefits as benefit_rules
from staytier.domain import tiers as tier_rules
from staytier.domain.access import Role
from staytier.domain.points import LedgerKind
from staytier.domain.stays import StayStatus
from staytier.program import model as program
from staytier.services import guarantees, guests, partner_views, profile_views
from staytier.store import models

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from staytier.api.graphql.complaints import Complaint
    from staytier.api.graphql.promotions import GuestPromotion
    from staytier.api.graphql.sharing import PointsPool
    from staytier.api.graphql.surveys import SurveyInvitation
    from staytier.api.graphql.sweepstakes import SweepstakesEntries

N = TypeVar("N", bound=relay.Node)

QualifyingPathType = strawberry.enum(tier_rules.QualifyingPath, name="QualifyingPath")
LedgerKindType = strawberry.enum(LedgerKind, name="LedgerKind")
StayStatusType = strawberry.enum(StayStatus, name="StayStatus")


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
        return cls(
            code=tier.code,
            name=tier.name,
            rank=tier.rank,
            qualifying_nights=tier.qualifying_nights,
            qualifying_stays=tier.qualifying_stays,
            qualifying_base_points=tier.qualifying_base_points,
            bonus_percent=tier.bonus_percent,
        )


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
        return cls(
            code=loaded.code,
            name=loaded.name,
            version=version.version,
            effective_from=version.effective_from,
            effective_until=version.effective_until,
            tiers=[TierDefinition.of(tier) for tier in version.tiers_by_rank()],
        )


@strawberry.type
class Property(relay.Node):
    """A hotel of the brand: local dates and revenue there follow its zone and currency."""

    property_id: relay.NodeID[int]
    code: str
    name: str
    brand: str
    time_zone: str
    category: int
    currency: str
    country: str

    @classmethod
    def of(cls, row: models.Property) -> Property:
        return cls(
            property_id=row.id,
            code=row.code,
            name=row.name,
            brand=row.brand,
            time_zone=row.time_zone,
            category=row.category,
            currency=row.currency,
            country=row.country,
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
    def of(cls, row: models.LedgerEntry) -> LedgerEntry:
        return cls(
            entry_id=row.id,
            kind=LedgerKind(row.kind),
            points=row.points,
            balance_after=row.balance_after,
            occurred_at=row.occurred_at,
            effective_on=row.effective_on,
            description=row.description,
            uncollected_points=row.uncollected_points,
        )


@strawberry.type
class Stay(relay.Node):
    stay_id: relay.NodeID[int]
    property_code: str
    property_name: str
    confirmation_number: str
    status: StayStatus
    arrival_date: dt.date
    departure_date: dt.date
    nights: int
    rate_code: str
    room_type: str | None
    floor: int | None
    currency: str
    room_revenue: Decimal
    food_and_beverage_revenue: Decimal
    other_revenue: Decimal

    @classmethod
    def of(cls, row: models.Stay, hotel: models.Property) -> Stay:
        return cls(
            stay_id=row.id,
            property_code=hotel.code,
            property_name=hotel.name,
            confirmation_number=row.confirmation_number,
            status=StayStatus(row.status),
            arrival_date=row.arrival_date,
            departure_date=row.departure_date,
            nights=(row.departure_date - row.arrival_date).days,
            rate_code=row.rate_code,
            room_type=row.room_type,
            floor=row.floor,
            currency=row.currency,
            room_revenue=row.room_revenue,
            food_and_beverage_revenue=row.food_and_beverage_revenue,
            other_revenue=row.other_revenue,
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
        return cls(
            tier_code=row.tier_code,
            cause=row.cause,
            detail=row.detail,
            qualification_year=row.qualification_year,
            valid_from=row.valid_from,
            valid_through=row.valid_through,
            granted_at=row.created_at,
            revoked_at=row.revoked_at,
            revoked_reason=row.revoked_reason,
        )


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
        return cls(
            code=granted.code,
            name=granted.name,
            detail=granted.detail,
            params=strawberry.scalars.JSON(dict(granted.params)),
            options=list(granted.options()),
        )


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
        return cls(
            certificate_id=row.id,
            number=row.id,
            description=row.description,
            qualification_year=row.qualification_year,
            source=row.source,
            milestone_nights=row.milestone_nights or 0,
            max_category=row.max_category,
            issued_on=row.issued_on,
            expires_on=row.expires_on,
            status=row.status,
        )


def _desk_properties(context: Context) -> frozenset[str] | None:
    """A front desk's properties, to which its view of a guest is bounded; ``None`` for
    the roles that read the whole of what they may read."""
    principal = context.principal
    return principal.property_codes if principal.role is Role.FRONT_DESK else None


@strawberry.type
class Guest:
    member_number: str
    first_name: str
    last_name: str
    email: str | None = strawberry.field(
        description="Contact: for the guest and the brand's operators only.",
        permission_classes=[ContactReaders],
    )
    language: str
    enrolled_on: dt.date
    member_id: strawberry.Private[int]
    _row: strawberry.Private[models.Member]
    _standing: strawberry.Private[asyncio.Future[guests.GuestStanding] | None] = None

    @classmethod
    def of(cls, row: models.Member) -> Guest:
        return cls(
            member_number=row.member_number,
            first_name=row.first_name,
            last_name=row.last_name,
            email=row.email,
            language=row.language,
            enrolled_on=row.enrolled_on,
            member_id=row.id,
            _row=row,
        )

    async def _page(
        self,
        info: Info[Context, None],
        kind: str,
        first: int | None,
        after: str | None,
        read: Callable[..., Awaitable[Sequence[Any]]],
        node: Callable[[Any], N],
    ) -> relay.Connection[N]:
        """A page of one of the guest's lists keyed by row id, newest first: ``read`` takes
        the session and the member id, then ``first`` and ``before_id``."""
        member_id = self.member_id
        return await read_page(
            info.context,
            kind,
            first,
            after,
            lambda session, page: read(session, member_id, first=page.size, before_id=page.after),
            lambda row: row.id,
            node,
        )

    async def standing(self, info: Info[Context, None]) -> guests.GuestStanding:
        # tier, tierProgress and points share one computation per request.
        if self._standing is None:
            self._standing = asyncio.ensure_future(self._load_standing(info.context))
        return await self._standing

    async def _load_standing(self, context: Context) -> guests.GuestStanding:
        # A page of guests loads its standings together (Context.standing_of).
        return await context.standing_of().load(self._row)

    @strawberry.field
    async def tier(self, info: Info[Context, None]) -> GuestTier:
        held = (await self.standing(info)).held
        return GuestTier(
            code=held.tier.code,
            name=held.tier.name,
            rank=held.tier.rank,
            valid_through=held.valid_through,
            lifetime=held.lifetime,
        )

    @strawberry.field(description="Activity in the current qualification year.")
    async def tier_progress(self, info: Info[Context, None]) -> TierProgress:
        return TierProgress.of((await self.standing(info)).progress)

    @strawberry.field
    async def points(self, info: Info[Context, None]) -> Points:
        standing = await self.standing(info)
        return Points(balance=standing.balance, expires_on=standing.points_expire_on)

    @strawberry.field(description="The privileges the guest's tier is granted today.")
    async def benefits(self, info: Info[Context, None]) -> list[Benefit]:
        standing = await self.standing(info)
        rules = info.context.runtime.rules_on(standing.today)
        return [Benefit.of(b) for b in benefit_rules.benefits_for(rules, standing.held.tier.code)]

    @strawberry.field(description="Newest first.", permission_classes=[HistoryReaders])
    async def ledger(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> relay.Connection[LedgerEntry]:
        return await self._page(info, "ledger", first, after, guests.ledger_page, LedgerEntry.of)

    @strawberry.field(
        description="Most recently recorded first.", permission_classes=[ServiceReaders]
    )
    async def stays(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> relay.Connection[Stay]:
        codes = _desk_properties(info.context)
        return await read_page(
            info.context,
            "stays",
            first,
            after,
            lambda s, p: guests.stays_page(
                s, self.member_id, first=p.size, before_id=p.after, property_codes=codes
            ),
            lambda r: r[0].id,
            lambda r: Stay.of(*r),
        )

    @strawberry.field(
        description="Free-night certificates, newest first.", permission_classes=[ServiceReaders]
    )
    async def certificates(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> relay.Connection[Certificate]:
        return await self._page(
            info, "certificates", first, after, guests.certificates_page, Certificate.of
        )

    @strawberry.field(
        description="Room guarantees requested, newest first.", permission_classes=[HistoryReaders]
    )
    async def room_guarantees(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> relay.Connection[RoomGuarantee]:
        return await read_page(
            info.context,
            "room-guarantees",
            first,
            after,
            lambda s, p: guarantees.guarantees_page(
                s, first=p.size, before_id=p.after, member_id=self.member_id
            ),
            lambda r: r[0].id,
            lambda r: RoomGuarantee.of(*r),
        )

    @strawberry.field(
        description="Donations to charities, newest first.", permission_classes=[HistoryReaders]
    )
    async def donations(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> relay.Connection[Donation]:
        return await self._page(info, "donations", first, after, guests.donations_page, Donation.of)

    @strawberry.field(
        description="Points sent as airline miles, newest first.",
        permission_classes=[HistoryReaders],
    )
    async def miles_transfers(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> relay.Connection[MilesTransfer]:
        return await self._page(
            info, "miles-transfers", first, after, guests.miles_transfers_page, MilesTransfer.of
        )

    @strawberry.field(
        description="Every status granted, with its cause; revoked ones too.",
        permission_classes=[HistoryReaders],
    )
    async def tier_history(self, info: Info[Context, None]) -> list[TierStatus]:
        async with info.context.runtime.db.reading() as session:
            rows = await guests.tier_history(session, self.member_id)
        return [TierStatus.of(row) for row in rows]

    @strawberry.field(
        description="Complaints about the guest's stays, newest first: all of them for an "
        "administrator, those at its own properties for a front desk.",
        permission_classes=[StaffOnly],
    )
    async def complaints(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> relay.Connection[Annotated[Complaint, strawberry.lazy("staytier.api.graphql.complaints")]]:
        from staytier.api.graphql.complaints import complaints_connection

        return await complaints_connection(
            info.context,
            property_code=None,
            open_only=None,
            first=first,
            after=after,
            member_id=self.member_id,
        )

    @strawberry.field(
        description="Surveys the guest is invited to and may still answer, soonest closing first.",
        permission_classes=[ServiceReaders],
    )
    async def surveys(
        self, info: Info[Context, None]
    ) -> list[Annotated[SurveyInvitation, strawberry.lazy("staytier.api.graphql.surveys")]]:
        from staytier.api.graphql.surveys import open_surveys_of

        return await open_surveys_of(info.context, self._row)

    @strawberry.field(
        description="Promotions the member may take part in (not yet over), with their "
        "registration and progress.",
        permission_classes=[ServiceReaders],
    )
    async def promotions(
        self, info: Info[Context, None]
    ) -> list[Annotated[GuestPromotion, strawberry.lazy("staytier.api.graphql.promotions")]]:
        from staytier.api.graphql.promotions import promotions_of

        return await promotions_of(info.context, self._row)

    @strawberry.field(
        description="The code the guest gives friends to enrol with (enrollGuest "
        "referralCode); null for a member who has none.",
        permission_classes=[ContactReaders],
    )
    async def referral_code(self, info: Info[Context, None]) -> str | None:
        from staytier.services.referrals import referral_code_of

        async with info.context.runtime.db.reading() as session:
            return await referral_code_of(session, self.member_id)

    @strawberry.field(
        description="The guest's entries in each sweepstakes they entered, with any prize won.",
        permission_classes=[ServiceReaders],
    )
    async def sweepstakes_entries(
        self, info: Info[Context, None]
    ) -> list[Annotated[SweepstakesEntries, strawberry.lazy("staytier.api.graphql.sweepstakes")]]:
        from staytier.api.graphql.sweepstakes import entries_of

        return await entries_of(info.context, self._row)

    @strawberry.field(
        description="Requests to partners on the guest's behalf, newest first.",
        permission_classes=[HistoryReaders],
    )
    async def partner_requests(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> relay.Connection[PartnerRequest]:
        return await self._page(
            info,
            "partnerRequests",
            first,
            after,
            partner_views.member_requests_page,
            PartnerRequest.of,
        )

    @strawberry.field(
        description="Stated and inferred preferences, in catalog order. Never for partners "
        "or analysts.",
        permission_classes=[ServiceReaders],
    )
    async def preferences(self, info: Info[Context, None]) -> list[Preference]:
        rows = await info.context.preferences_of().load(self.member_id)
        return [Preference.of(row) for row in rows]

    @strawberry.field(
        description="The guest's value to the brand and recognition allowance; for the "
        "brand's staff only.",
        permission_classes=[StaffOnly],
    )
    async def value(self, info: Info[Context, None]) -> GuestValue:
        found = await info.context.value_of().load(self.member_id)
        runtime = info.context.runtime
        return GuestValue.of(found, runtime.rules_on(runtime.today()).insight.currency)

    @strawberry.field(
        description="Notes from staff, newest first; for the brand's staff only.",
        permission_classes=[StaffOnly],
    )
    async def staff_notes(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> relay.Connection[StaffNote]:
        codes = _desk_properties(info.context)
        return await read_page(
            info.context,
            "staffNotes",
            first,
            after,
            lambda s, p: profile_views.staff_notes_page(
                s, self.member_id, first=p.size, before_id=p.after, property_codes=codes
            ),
            lambda r: r.id,
            StaffNote.of,
        )

    @strawberry.field(
        description="Birthday and anniversary, with the greeting flag.",
        permission_classes=[ServiceReaders],
    )
    async def special_dates(self, info: Info[Context, None]) -> list[SpecialDate]:
        rows = await info.context.special_dates_of().load(self.member_id)
        return [SpecialDate.of(row) for row in rows]

    @strawberry.field(
        description="The points pool the guest is in now.", permission_classes=[HistoryReaders]
    )
    async def points_pool(
        self, info: Info[Context, None]
    ) -> Annotated[PointsPool, strawberry.lazy("staytier.api.graphql.sharing")] | None:
        from staytier.api.graphql.sharing import pool_of_member

        return await pool_of_member(info.context, self.member_id)

    @strawberry.field(
        description="Open pools that invited the guest.", permission_classes=[HistoryReaders]
    )
    async def points_pool_invitations(
        self, info: Info[Context, None]
    ) -> list[Annotated[PointsPool, strawberry.lazy("staytier.api.graphql.sharing")]]:
        from staytier.api.graphql.sharing import invitations_of_member

        return await invitations_of_member(info.context, self.member_id)

    @strawberry.field(
        description="The consent in force per purpose (given or withdrawn).",
        permission_classes=[ServiceReaders],
    )
    async def consents(self, info: Info[Context, None]) -> list[Consent]:
        rows = await info.context.consents_of().load(self.member_id)
        return [Consent.of(row) for row in rows]

    @strawberry.field(
        description="Every consent given or withdrawn, newest first.",
        permission_classes=[HistoryReaders],
    )
    async def consent_history(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> relay.Connection[Consent]:
        return await self._page(
            info, "consentHistory", first, after, profile_views.consent_history_page, Consent.of
        )

    @strawberry.field(
        description="Changes to preferences, special dates and consent, newest first; "
        "`since` or `sinceLastStay` (since the last stay was checked out) keep the recent ones.",
        permission_classes=[HistoryReaders],
    )
    async def profile_history(
        self,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        since: dt.datetime | None = None,
        since_last_stay: bool = False,
    ) -> relay.Connection[ProfileChange]:
        member_id = self.member_id

        async def fetch(session: AsyncSession, page: Page[int]) -> list[models.ProfileChange]:
            begin = since
            if since_last_stay:
                begin = await profile_views.last_checkout_recorded(session, member_id)
            return await profile_views.profile_history_page(
                session, member_id, first=page.size, before_id=page.after, since=begin
            )

        return await read_page(
            info.context, "profileHistory", first, after, fetch, lambda r: r.id, ProfileChange.of
        )


@strawberry.type
class Clock:
    now: dt.datetime
    is_test_clock: bool


@strawberry.type
class JobReport:
    job: str
    run_key: str
    due_on: dt.date
    summary: strawberry.scalars.JSON
