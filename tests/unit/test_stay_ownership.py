"""A stay belongs to where it happens: who may report and change which stay."""

from __future__ import annotations

import datetime as dt

import pytest

from staytier.domain.errors import ErrorCode
from staytier.domain.stay_ownership import (
    StayActor,
    StayActorKind,
    StoredStay,
    may_touch,
    partner_change_refusal,
    report_refusal,
)
from staytier.domain.stays import StayStatus

TODAY = dt.date(2026, 3, 2)
TOMORROW = TODAY + dt.timedelta(days=1)
ADMIN = StayActor(StayActorKind.ADMIN, "client:admin")
NYCTS = StayActor(StayActorKind.PROPERTY, "client:desk", property_codes=frozenset({"NYCTS"}))
EVERY_PMS = StayActor(StayActorKind.PROPERTY, "partner:PMS", every_property=True)
SITE = StayActor(StayActorKind.BOOKING_PARTNER, "client:site", partner_code="SITE")
OTHER_SITE = StayActor(StayActorKind.BOOKING_PARTNER, "client:other", partner_code="OTHER")

HOTELS_STAY = StoredStay(StayStatus.COMPLETED, dt.date(2026, 2, 1), booking_partner=None)
SITES_BOOKING = StoredStay(StayStatus.BOOKED, TOMORROW, booking_partner="SITE")


def refusal(
    actor: StayActor,
    stored: StoredStay | None,
    status: StayStatus = StayStatus.BOOKED,
    arrival: dt.date = TOMORROW,
    property_code: str = "NYCTS",
) -> ErrorCode | None:
    found = report_refusal(
        actor,
        property_code=property_code,
        confirmation_number="C-1",
        stored=stored,
        status=status,
        arrival=arrival,
        property_today=TODAY,
    )
    return None if found is None else found.code


def test_the_property_owns_every_stay_at_it_and_no_other() -> None:
    assert may_touch(NYCTS, "NYCTS", SITES_BOOKING)
    assert may_touch(NYCTS, "NYCTS", HOTELS_STAY)
    assert not may_touch(NYCTS, "LONKX", HOTELS_STAY)
    assert may_touch(EVERY_PMS, "LONKX", HOTELS_STAY)
    for status in StayStatus:
        assert refusal(NYCTS, SITES_BOOKING, status) is None
    assert refusal(NYCTS, None, StayStatus.COMPLETED, property_code="LONKX") is (
        ErrorCode.STAY_CHANGE_NOT_ALLOWED
    )


def test_an_admin_may_do_anything() -> None:
    for status in StayStatus:
        assert refusal(ADMIN, SITES_BOOKING, status, arrival=TODAY) is None


@pytest.mark.parametrize("status", [StayStatus.IN_HOUSE, StayStatus.COMPLETED, StayStatus.NO_SHOW])
def test_a_booking_partner_never_checks_in_or_out(status: StayStatus) -> None:
    assert refusal(SITE, None, status) is ErrorCode.STAY_CHANGE_NOT_ALLOWED
    assert refusal(SITE, SITES_BOOKING, status) is ErrorCode.STAY_CHANGE_NOT_ALLOWED


def test_a_booking_partner_books_amends_and_cancels_its_own_before_arrival() -> None:
    assert refusal(SITE, None) is None
    assert refusal(SITE, SITES_BOOKING, arrival=TOMORROW + dt.timedelta(days=3)) is None
    assert refusal(SITE, SITES_BOOKING, StayStatus.CANCELLED) is None


def test_a_booking_partner_does_not_book_on_or_after_the_arrival_day() -> None:
    assert refusal(SITE, None, arrival=TODAY) is ErrorCode.STAY_CHANGE_NOT_ALLOWED
    assert refusal(SITE, SITES_BOOKING, arrival=TODAY) is ErrorCode.STAY_CHANGE_NOT_ALLOWED
    arrived = StoredStay(StayStatus.BOOKED, TODAY, booking_partner="SITE")
    assert refusal(SITE, arrived, StayStatus.CANCELLED) is ErrorCode.STAY_CHANGE_NOT_ALLOWED
    checked_in = StoredStay(StayStatus.IN_HOUSE, TOMORROW, booking_partner="SITE")
    assert partner_change_refusal(checked_in, TODAY) is not None


def test_another_clients_stay_is_answered_like_a_missing_one() -> None:
    # Cancelling: a stay the hotel recorded, another partner's booking and no stay at all
    # get the same answer.
    for stored in (HOTELS_STAY, SITES_BOOKING, None):
        found = report_refusal(
            OTHER_SITE,
            property_code="NYCTS",
            confirmation_number="C-1",
            stored=stored,
            status=StayStatus.CANCELLED,
            arrival=TOMORROW,
            property_today=TODAY,
        )
        assert found is not None
        assert (found.code, found.field, found.message) == (
            ErrorCode.STAY_NOT_FOUND,
            "confirmationNumber",
            "No stay C-1 at NYCTS.",
        )
    assert not may_touch(OTHER_SITE, "NYCTS", SITES_BOOKING)
    assert not may_touch(SITE, "NYCTS", HOTELS_STAY)


def test_booking_over_a_number_in_use_never_overwrites_it() -> None:
    assert refusal(OTHER_SITE, HOTELS_STAY) is ErrorCode.DUPLICATE_CONFIRMATION
    assert refusal(OTHER_SITE, SITES_BOOKING) is ErrorCode.DUPLICATE_CONFIRMATION
