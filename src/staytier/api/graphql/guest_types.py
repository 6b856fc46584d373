"""A member as clients read them: who they are, their standing, then each of their lists."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Annotated, TypeVar

import strawberry
from strawberry import relay
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.copying import copy_fields
from staytier.api.graphql.pagination import Page, read_member_page, read_page
from staytier.api.graphql.partner_types import PartnerRequest
from staytier.api.graphql.permissions import (
    ContactReaders,
    HistoryReaders,
    ServiceReaders,
    StaffOnly,
)
from staytier.api.graphql.points_types import Certificate, LedgerEntry, Points
from staytier.api.graphql.privilege_types import Donation, MilesTransfer, RoomGuarantee
from staytier.api.graphql.profile_types import (
    Consent,
    Preference,
    ProfileChange,
    SpecialDate,
    StaffNote,
)
from staytier.api.graphql.stay_types import Stay
from staytier.api.graphql.tier_types import Benefit, GuestTier, TierProgress, TierStatus
from staytier.api.graphql.value_types import GuestValue
from staytier.domain import benefits as benefit_rules
from staytier.domain.access import Role
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
R = TypeVar("R")


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
        # The standing is loaded when a field first asks for it (see :meth:`standing`).
        return copy_fields(cls, row, member_id=row.id, _row=row, _standing=None)

    async def _page(
        self,
        info: Info[Context, None],
        kind: str,
        first: int | None,
        after: str | None,
        read: Callable[..., Awaitable[Sequence[R]]],
        node: Callable[[R], N],
        key: Callable[[R], object] | None = None,
        **filters: object,
    ) -> relay.Connection[N]:
        """A page of the guest's list ``kind``, read as :func:`read_member_page` says."""
        return await read_member_page(
            info.context, kind, self.member_id, first, after, read, node, key=key, **filters
        )

    async def standing(self, info: Info[Context, None]) -> guests.GuestStanding:
        # tier, tierProgress and points share one computation per request.
        # A page of guests loads its standings together (Context.standing_of).
        if self._standing is None:
            self._standing = asyncio.ensure_future(info.context.standing_of().load(self._row))
        return await self._standing

    @strawberry.field
    async def tier(self, info: Info[Context, None]) -> GuestTier:
        held = (await self.standing(info)).held
        return GuestTier.of(held.tier, held.valid_through, held.lifetime)

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
        return await self._page(
            info,
            "stays",
            first,
            after,
            guests.stays_page,
            lambda r: Stay.of(*r),
            key=lambda r: r[0].id,
            property_codes=codes,
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
        return await self._page(
            info,
            "room-guarantees",
            first,
            after,
            guarantees.guarantees_page,
            lambda r: RoomGuarantee.of(*r),
            key=lambda r: r[0].id,
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
        return await self._page(
            info,
            "staffNotes",
            first,
            after,
            profile_views.staff_notes_page,
            StaffNote.of,
            property_codes=codes,
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
