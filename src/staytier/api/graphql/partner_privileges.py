"""Privileges a partner delivers: room guarantees (the property's system), donations
(charities) and miles transfers (airlines). Each mutation records the change and its partner
request in one transaction (see :mod:`staytier.services.outbox`); the types show the state
the partner's answer left it in."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import strawberry
from strawberry import relay
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.errors import UserError
from staytier.api.graphql.guest_approvals import APPROVAL_HELP
from staytier.api.graphql.mutations import (
    MemberRequestInput,
    attempt_for,
    attempt_spending,
    member_payload,
    member_request,
)
from staytier.api.graphql.pagination import Page, read_page
from staytier.api.graphql.permissions import (
    MemberScoped,
    OwnProperty,
    RolePermission,
    StaffOnly,
)
from staytier.api.graphql.privilege_types import (
    Donation,
    DonationReportLine,
    MilesTransfer,
    RoomGuarantee,
)
from staytier.api.graphql.privileges import (
    BrandReports,
    PointSpenders,
    code_of,
)
from staytier.api.graphql.types import Guest
from staytier.domain.access import Role
from staytier.services import donations, guarantees, miles
from staytier.store.queries import property_by_code

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


class OwnPoints(RolePermission):
    """Points leaving the program (donations, miles): the guest themself, a front desk
    with the guest's approval code, or an admin."""

    roles = (Role.ADMIN, Role.FRONT_DESK, Role.GUEST)


@strawberry.type
class RequestRoomGuaranteePayload:
    room_guarantee: RoomGuarantee | None = None
    guest: Guest | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def of(cls, result: guarantees.Requested, guest: Guest | None) -> RequestRoomGuaranteePayload:
        return cls(room_guarantee=RoomGuarantee.of(*result.view), guest=guest)


@strawberry.type
class DonatePointsPayload:
    donation: Donation | None = None
    guest: Guest | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def of(cls, result: donations.Donated, guest: Guest | None) -> DonatePointsPayload:
        return cls(donation=Donation.of(result.donation), guest=guest)


@strawberry.type
class TransferPointsToMilesPayload:
    miles_transfer: MilesTransfer | None = None
    guest: Guest | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def of(cls, result: miles.Transferred, guest: Guest | None) -> TransferPointsToMilesPayload:
        return cls(miles_transfer=MilesTransfer.of(result.transfer), guest=guest)


@strawberry.input
class RequestRoomGuaranteeInput(MemberRequestInput):
    property_code: str
    arrival_date: dt.date
    departure_date: dt.date


@strawberry.input
class DonatePointsInput(MemberRequestInput):
    charity: str = strawberry.field(description="A charity of the partners file, e.g. GREENTREES.")
    points: int
    guest_approval: str | None = strawberry.field(default=None, description=APPROVAL_HELP)


@strawberry.input
class TransferPointsToMilesInput(MemberRequestInput):
    airline: str = strawberry.field(description="An airline of the partners file, e.g. SKYWAYS.")
    frequent_flyer_number: str
    points: int
    guest_approval: str | None = strawberry.field(default=None, description=APPROVAL_HELP)


@strawberry.type
class PartnerPrivilegesQuery:
    @strawberry.field(
        description="Donations per charity and month, for the brand.",
        permission_classes=[BrandReports],
    )
    async def donation_report(
        self, info: Info[Context, None], start: dt.date, end: dt.date
    ) -> list[DonationReportLine]:
        async with info.context.runtime.db.reading() as session:
            lines = await donations.donation_report(session, start, end)
        return [DonationReportLine(**vars(line)) for line in lines]

    @strawberry.field(
        description="A property's room guarantees, newest first; status "
        "DECLINED lists the guarantees it failed to honour.",
        permission_classes=[StaffOnly, OwnProperty],
    )
    async def room_guarantees_at(
        self,
        info: Info[Context, None],
        property_code: str,
        status: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> relay.Connection[RoomGuarantee]:
        async def fetch(session: AsyncSession, page: Page[int]) -> list[guarantees.GuaranteeView]:
            hotel = await property_by_code(session, code_of(property_code))
            if hotel is None:
                return []
            return await guarantees.guarantees_page(
                session, first=page.size, before_id=page.after, property_id=hotel.id, status=status
            )

        return await read_page(
            info.context,
            "property-guarantees",
            first,
            after,
            fetch,
            lambda r: r[0].id,
            lambda r: RoomGuarantee.of(*r),
        )


@strawberry.type
class PartnerPrivilegesMutation:
    @strawberry.mutation(
        description="Platinum: a room guaranteed, sent to the property's system.",
        extensions=[MemberScoped(PointSpenders, OwnProperty)],
    )
    async def request_room_guarantee(
        self, info: Info[Context, None], input: RequestRoomGuaranteeInput
    ) -> RequestRoomGuaranteePayload:
        context = info.context
        command = guarantees.RequestRoomGuarantee(
            **member_request(input),
            property_code=code_of(input.property_code),
            arrival=input.arrival_date,
            departure=input.departure_date,
        )
        return await member_payload(
            info,
            RequestRoomGuaranteePayload,
            attempt_for(context, guarantees.request_room_guarantee, command),
        )

    @strawberry.mutation(
        description="Gives points to a charity; refunded if it refuses them.",
        extensions=[MemberScoped(OwnPoints)],
    )
    async def donate_points(
        self, info: Info[Context, None], input: DonatePointsInput
    ) -> DonatePointsPayload:
        context = info.context
        command = donations.DonatePoints(
            **member_request(input),
            charity=code_of(input.charity),
            points=input.points,
            guest_approval=input.guest_approval,
        )
        return await member_payload(
            info,
            DonatePointsPayload,
            attempt_spending(context, donations.donate_points, command),
        )

    @strawberry.mutation(
        description="Sends points to an airline as miles.",
        extensions=[MemberScoped(OwnPoints)],
    )
    async def transfer_points_to_miles(
        self, info: Info[Context, None], input: TransferPointsToMilesInput
    ) -> TransferPointsToMilesPayload:
        context = info.context
        command = miles.TransferPointsToMiles(
            **member_request(input),
            airline=code_of(input.airline),
            frequent_flyer_number=input.frequent_flyer_number.strip().upper(),
            points=input.points,
            guest_approval=input.guest_approval,
        )
        return await member_payload(
            info,
            TransferPointsToMilesPayload,
            attempt_spending(context, miles.transfer_points_to_miles, command),
        )
