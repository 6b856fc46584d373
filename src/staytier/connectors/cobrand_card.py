"""The co-brand credit card issuer: the spend feed (qualifying card spend) comes in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import msgspec

# The program activity kind the feed credits, of the partner's activity source.
ACTIVITY_KIND = "SPEND"


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
