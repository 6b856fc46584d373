"""Where and how a member stayed: the brand's properties and the stays recorded there."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry
from strawberry import relay

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
