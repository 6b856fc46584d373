"""What partners send us: the payloads of the inbound feeds (webhooks).

These belong to the services that apply them (:mod:`staytier.services.partner_webhooks`),
not to a connector: a feed's payload is the shape a use case accepts, whichever partner
sends it (a PMS and a booking site send the same checkout). The HTTP edge decodes a
webhook's body into one of these and hands it to the service.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import msgspec

# The program activity kinds the card-spend and rental feeds credit, of the partner's
# activity source.
CARD_SPEND_ACTIVITY_KIND = "SPEND"
RENTAL_ACTIVITY_KIND = "RENTAL"


class Checkout(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The stay feed: a property reports a guest's stay at checkout (or a correction).

    Amounts are decimal strings in the property's currency unless ``currency`` says
    otherwise, e.g. ``"412.50"``.
    """

    member_number: str
    property_code: str
    confirmation_number: str
    arrival_date: dt.date
    departure_date: dt.date
    rate_code: str
    room_revenue: Decimal
    # The guest's name on it; credited only when it is the member's (name match).
    guest_last_name: str
    food_and_beverage_revenue: Decimal = Decimal(0)
    other_revenue: Decimal = Decimal(0)
    currency: str | None = None
    room_type: str | None = None
    guest_first_name: str | None = None


class CardSpend(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Card spend the issuer reports, credited by the program's ``SPEND`` activity rule
    of the partner's activity source. ``amount`` is a decimal string, e.g. ``"129.90"``."""

    member_number: str
    transaction_id: str
    spent_on: dt.date
    amount: Decimal
    # The guest's name on it; credited only when it is the member's (name match).
    guest_last_name: str
    currency: str = "USD"
    description: str = ""
    guest_first_name: str | None = None


class Rental(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A completed rental, credited by the program's ``RENTAL`` activity rule of the
    partner's activity source. ``amount`` is a decimal string, e.g. ``"240.00"``."""

    member_number: str
    rental_agreement: str
    returned_on: dt.date
    amount: Decimal
    # The guest's name on it; credited only when it is the member's (name match).
    guest_last_name: str
    currency: str = "USD"
    description: str = ""
    guest_first_name: str | None = None


class Review(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A review the guest posted about one of their completed stays."""

    member_number: str
    # The guest's name on the review; credited only when it is the member's (name match).
    guest_last_name: str
    property_code: str
    confirmation_number: str
    review_id: str
    rating: int
    posted_on: dt.date
    guest_first_name: str | None = None
