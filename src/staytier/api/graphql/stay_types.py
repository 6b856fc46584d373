"""Where and how a member stayed: the brand's properties and the stays recorded there."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry
from strawberry import relay

from staytier.api.graphql.copying import copy_fields
from staytier.domain.stays import StayStatus
from staytier.services.arrivals import ArrivingStay
from staytier.store import models

StayStatusType = strawberry.enum(StayStatus, name="StayStatus")


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
        return copy_fields(cls, row, property_id=row.id)


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
    def of(cls, row: models.Stay | ArrivingStay, hotel: models.Property) -> Stay:
        return copy_fields(
            cls,
            row,
            stay_id=row.id,
            property_code=hotel.code,
            property_name=hotel.name,
            status=StayStatus(row.status),
            nights=(row.departure_date - row.arrival_date).days,
        )
