"""Object types of privileges: award stays, and those sent to partners (room guarantees,
donations and miles transfers, each with the state its partner left it in)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay

from staytier.api.graphql.copying import copy_fields
from staytier.domain.stays import StayStatus
from staytier.services import award_stays
from staytier.store import models


@strawberry.type(description="A room guarantee: REQUESTED, then HONOURED or DECLINED.")
class RoomGuarantee(relay.Node):
    guarantee_id: relay.NodeID[int]
    number: int
    property_code: str
    arrival_date: dt.date
    departure_date: dt.date
    status: str
    confirmation_number: str | None = strawberry.field(
        description="The booked stay's confirmation number, once HONOURED."
    )
    compensation_points: int | None = strawberry.field(description="Points credited when DECLINED.")
    note: str
    reason: str
    requested_at: dt.datetime

    @classmethod
    def of(
        cls,
        row: models.RoomGuarantee,
        property_code: str,
        confirmation: str | None,
        compensation: int | None,
    ) -> RoomGuarantee:
        return copy_fields(
            cls,
            row,
            guarantee_id=row.id,
            number=row.id,
            property_code=property_code,
            confirmation_number=confirmation,
            compensation_points=compensation,
        )


@strawberry.type(description="Points given to a charity: PENDING, CONFIRMED or REFUNDED.")
class Donation(relay.Node):
    donation_id: relay.NodeID[int]
    number: int
    charity: str
    points: int
    status: str
    donated_on: dt.date
    reason: str

    @classmethod
    def of(cls, row: models.Donation) -> Donation:
        return copy_fields(cls, row, donation_id=row.id, number=row.id)


@strawberry.type(description="Points sent as airline miles: PENDING, CONFIRMED or REFUNDED.")
class MilesTransfer(relay.Node):
    transfer_id: relay.NodeID[int]
    number: int
    airline: str
    frequent_flyer_number: str
    points: int
    miles: int
    status: str
    reason: str

    @classmethod
    def of(cls, row: models.MilesTransfer) -> MilesTransfer:
        return copy_fields(cls, row, transfer_id=row.id, number=row.id)


@strawberry.type(description="Donations to one charity in one month, by state, for the brand.")
class DonationReportLine:
    month: str
    charity: str
    donations: int
    confirmed_points: int
    pending_points: int
    refunded_points: int


@strawberry.type
class AwardNight:
    night_of: dt.date
    season: str | None = strawberry.field(description="PEAK, OFF_PEAK or null (standard).")
    price: int
    free: bool


@strawberry.type(description="What an award stay costs, night by night.")
class AwardQuote:
    property_code: str
    category: int
    points: int
    free_nights: int
    nights: list[AwardNight]


@strawberry.type(description="A stay paid with points or a free-night certificate.")
class AwardStay:
    confirmation_number: str
    property_code: str
    property_name: str
    status: StayStatus
    arrival_date: dt.date
    departure_date: dt.date
    nights: int
    points: int
    free_nights: int
    paid_with_certificate: int | None = strawberry.field(
        description="The certificate's number, when a certificate paid for it."
    )
    refunded: bool

    @classmethod
    def of(cls, awarded: award_stays.Awarded) -> AwardStay:
        stay, hotel, award = awarded.stay, awarded.hotel, awarded.award
        return cls(
            confirmation_number=stay.confirmation_number,
            property_code=hotel.code,
            property_name=hotel.name,
            status=StayStatus(stay.status),
            arrival_date=stay.arrival_date,
            departure_date=stay.departure_date,
            nights=award.nights,
            points=award.points,
            free_nights=award.free_nights,
            paid_with_certificate=award.certificate_id,
            refunded=award.cancelled_at is not None,
        )
