"""A review site: reviews of stays come in, each credited once per stay when the program
pays for reviews (``surveys.review_points``)."""

from __future__ import annotations

import datetime as dt

import msgspec


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
