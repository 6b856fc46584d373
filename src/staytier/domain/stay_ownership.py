"""A stay belongs to where it happens: who may record, change and cancel which stay.

- The **property** (its front desk or PMS key, or a PMS partner serving it) owns every stay
  at it: it books, checks in, completes, marks no-shows, corrects folios and cancels, a
  booking partner's bookings included.
- A **booking partner** makes bookings (``BOOKED``), amends their dates and cancels them,
  only its own and only before the arrival date (the property's local date); it never
  checks a guest in or out, never marks a no-show and never touches a stay it did not book.
- An **admin** may do anything.

A stay the caller may not touch is answered exactly like a stay that does not exist, so a
confirmation number's existence is not revealed to a client that may not see the stay.
Pure: the caller, the stay as stored and the property's date are passed in.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from staytier.domain.access import Principal, Role
from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.stays import StayStatus


class StayActorKind(enum.StrEnum):
    ADMIN = "admin"
    PROPERTY = "property"
    BOOKING_PARTNER = "booking_partner"


@dataclass(frozen=True)
class StayActor:
    """Who reports a stay: ``client_id`` is recorded on the stays it creates."""

    kind: StayActorKind
    client_id: str
    # PROPERTY: the properties it is the system of; ``every_property`` for a PMS serving all.
    property_codes: frozenset[str] = field(default_factory=frozenset)
    every_property: bool = False
    # BOOKING_PARTNER: the partner whose bookings it makes.
    partner_code: str | None = None

    def is_property(self, property_code: str) -> bool:
        """Whether this actor is the system of ``property_code``."""
        return self.kind is StayActorKind.PROPERTY and (
            self.every_property or property_code in self.property_codes
        )


# Jobs, the demo loader and service-level callers act with an admin's powers.
SYSTEM = StayActor(StayActorKind.ADMIN, "system")


@dataclass(frozen=True)
class StoredStay:
    """What ownership needs to know of a stay already recorded."""

    status: StayStatus
    arrival: dt.date
    booking_partner: str | None


def may_touch(actor: StayActor, property_code: str, stored: StoredStay) -> bool:
    """Whether ``actor`` may see and change the stored stay at ``property_code`` at all."""
    if actor.kind is StayActorKind.ADMIN:
        return True
    if actor.kind is StayActorKind.PROPERTY:
        return actor.is_property(property_code)
    return actor.partner_code is not None and stored.booking_partner == actor.partner_code


def no_stay(property_code: str, confirmation_number: str) -> BusinessRuleError:
    """The answer for a stay that does not exist, or that the caller may not touch."""
    return BusinessRuleError(
        ErrorCode.STAY_NOT_FOUND,
        f"No stay {confirmation_number} at {property_code}.",
        "confirmationNumber",
    )


def report_refusal(
    actor: StayActor,
    *,
    property_code: str,
    confirmation_number: str,
    stored: StoredStay | None,
    status: StayStatus,
    arrival: dt.date,
    property_today: dt.date,
) -> BusinessRuleError | None:
    """Why ``actor`` may not report a stay with ``status`` and ``arrival`` at
    ``property_code`` over ``stored`` (``None``: no stay has that number there); ``None``
    when it may. A stored stay the actor may not touch is refused as
    :func:`no_stay` would answer a missing one, or, for a new booking over it, as a
    number already in use, without saying whose."""
    if actor.kind is StayActorKind.ADMIN:
        return None
    if actor.kind is StayActorKind.PROPERTY:
        if not actor.is_property(property_code):
            return BusinessRuleError(
                ErrorCode.STAY_CHANGE_NOT_ALLOWED,
                f"{property_code} is not one of this client's properties.",
                "propertyCode",
            )
        return None
    # A booking partner.
    if status not in (StayStatus.BOOKED, StayStatus.CANCELLED):
        return BusinessRuleError(
            ErrorCode.STAY_CHANGE_NOT_ALLOWED,
            "A booking partner makes and cancels bookings (BOOKED, CANCELLED); only the "
            f"property may record a stay as {status.value}.",
            "status",
        )
    own = stored is not None and may_touch(actor, property_code, stored)
    if status is StayStatus.CANCELLED and not own:
        return no_stay(property_code, confirmation_number)
    if stored is not None and not own:
        return BusinessRuleError(
            ErrorCode.DUPLICATE_CONFIRMATION,
            f"This confirmation number cannot be booked at {property_code}; choose another.",
            "confirmationNumber",
        )
    if stored is not None:
        refusal = partner_change_refusal(stored, property_today)
        if refusal is not None:
            return refusal
    if status is StayStatus.BOOKED and arrival <= property_today:
        return BusinessRuleError(
            ErrorCode.STAY_CHANGE_NOT_ALLOWED,
            f"A booking partner books before arrival: the arrival date must be after "
            f"{property_today.isoformat()}, today at {property_code}.",
            "arrivalDate",
        )
    return None


def partner_change_refusal(stored: StoredStay, property_today: dt.date) -> BusinessRuleError | None:
    """Why a booking partner may not amend or cancel its own booking ``stored`` today;
    ``None`` while it is still a booking and its arrival date has not come."""
    if stored.status not in (StayStatus.BOOKED, StayStatus.CANCELLED):
        return BusinessRuleError(
            ErrorCode.STAY_CHANGE_NOT_ALLOWED,
            f"The stay is {stored.status.value}: only the property changes it now.",
            "status",
        )
    if stored.arrival <= property_today:
        return BusinessRuleError(
            ErrorCode.STAY_CHANGE_NOT_ALLOWED,
            "The arrival date has come: only the property changes the stay now.",
            "arrivalDate",
        )
    return None


def actor_of(principal: Principal) -> StayActor:
    """The stay actor an API client is: an admin, a property (a front desk's properties),
    or a booking partner (its partner code; a key without one owns only what it books)."""
    if principal.role is Role.ADMIN:
        return StayActor(StayActorKind.ADMIN, principal.client_id)
    if principal.role is Role.FRONT_DESK:
        return StayActor(
            StayActorKind.PROPERTY, principal.client_id, property_codes=principal.property_codes
        )
    return StayActor(
        StayActorKind.BOOKING_PARTNER,
        principal.client_id,
        partner_code=principal.partner_code or principal.client_id,
    )
