"""The car-rental partner: the activity feed (completed rentals) comes in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import msgspec

# The program activity kind the feed credits, of the partner's activity source.
ACTIVITY_KIND = "RENTAL"


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
