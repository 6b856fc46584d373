"""Issue 13, points 1 to 3, as an attacker with ordinary keys tried them on the served app:
a front desk taking over a member with a fake booking, a partner cancelling or rewriting a
stay the hotel recorded, and confirmation numbers told to strangers. Each answer is now the
one a client that may not touch the member or the stay must get."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from staytier.services.runtime import Runtime
from tests.e2e.access import forbidden
from tests.e2e.trust import EMAIL, HOTEL_STAY, NOTE, SERVED_VIEW, Scene, trust_scene

# The test clock stands at 2026-03-02 15:00 UTC: 10:00 in New York, past midnight in Tokyo.
NEXT_WEEK = dt.date(2026, 3, 9)


@pytest.fixture
async def scene(runtime: Runtime) -> AsyncIterator[Scene]:
    async with trust_scene(runtime) as scene:
        yield scene


def codes(payload: dict[str, object]) -> list[object]:
    return [error["code"] for error in payload["userErrors"]]  # type: ignore[attr-defined,index]


async def test_a_front_desk_cannot_take_over_a_member_with_a_fake_booking(scene: Scene) -> None:
    points = (await scene.hotel_view())["points"]["balance"]
    assert (await scene.tyogz.body(SERVED_VIEW, n=scene.ada))["data"]["guest"] is None
    assert await scene.found_by(scene.tyogz, "Lovelace") == []

    # Without her name the booking is refused and nothing is written.
    wrong = await scene.record(
        scene.tyogz,
        property_code="TYOGZ",
        status="BOOKED",
        arrival=NEXT_WEEK,
        nights=2,
        last_name="Smith",
    )
    assert codes(wrong) == ["GUEST_NAME_MISMATCH"]
    assert (await scene.tyogz.body(SERVED_VIEW, n=scene.ada))["data"]["guest"] is None

    # With it (names are not secret), the fake booking shows what serving needs, no more.
    fake = await scene.record(
        scene.tyogz,
        property_code="TYOGZ",
        status="BOOKED",
        arrival=NEXT_WEEK,
        nights=2,
        confirmation="TY-FAKE",
    )
    assert codes(fake) == []
    email = await scene.tyogz.body(
        "query($n: String!) { guest(memberNumber: $n) { email } }", n=scene.ada
    )
    assert forbidden(email) and EMAIL not in str(email)
    ledger = await scene.tyogz.body(
        "query($n: String!) { guest(memberNumber: $n) { ledger { edges { cursor } } } }",
        n=scene.ada,
    )
    assert forbidden(ledger)
    seen = await scene.tyogz.body(SERVED_VIEW, n=scene.ada)
    assert "errors" not in seen
    ada = seen["data"]["guest"]
    assert (ada["lastName"], ada["tier"]["code"]) == ("Lovelace", "MEMBER")
    assert [e["node"]["confirmationNumber"] for e in ada["stays"]["edges"]] == ["TY-FAKE"]
    assert ada["staffNotes"]["edges"] == []  # NYCTS's notes are NYCTS's
    assert ada["specialDates"] == []  # her May birthday is not during this stay
    assert NOTE not in str(seen) and HOTEL_STAY not in str(seen)
    assert await scene.found_by(scene.tyogz, "Lovelace") == [scene.ada]

    # Cancelling the fake booking ends what it showed.
    assert codes(await scene.cancel(scene.tyogz, "TY-FAKE", hotel="TYOGZ")) == []
    assert (await scene.tyogz.body(SERVED_VIEW, n=scene.ada))["data"]["guest"] is None
    assert await scene.found_by(scene.tyogz, "Lovelace") == []
    assert (await scene.hotel_view())["points"]["balance"] == points


async def test_a_booking_far_ahead_shows_nothing_until_the_serving_window(scene: Scene) -> None:
    far = await scene.record(
        scene.tyogz,
        property_code="TYOGZ",
        status="BOOKED",
        arrival=dt.date(2026, 9, 1),
        nights=2,
    )
    assert codes(far) == [] and far["guest"] is None
    assert (await scene.tyogz.body(SERVED_VIEW, n=scene.ada))["data"]["guest"] is None
    arrivals = await scene.tyogz.body(
        '{ arrivals(propertyCode: "TYOGZ", date: "2026-09-01") '
        "{ edges { node { memberNumber } } } }"
    )
    assert arrivals["data"]["arrivals"]["edges"] == []


async def test_the_hotels_own_desk_sees_its_guest_but_not_her_contact(scene: Scene) -> None:
    seen = await scene.nycts.body(SERVED_VIEW, n=scene.ada)
    ada = seen["data"]["guest"]
    assert [e["node"]["text"] for e in ada["staffNotes"]["edges"]] == [NOTE]
    assert [e["node"]["confirmationNumber"] for e in ada["stays"]["edges"]] == [HOTEL_STAY]
    email = await scene.nycts.body(
        "query($n: String!) { guest(memberNumber: $n) { email } }", n=scene.ada
    )
    assert forbidden(email) and EMAIL not in str(email)


async def test_a_second_partner_cannot_cancel_a_stay_the_hotel_recorded(scene: Scene) -> None:
    before = await scene.hotel_view()
    # A fake booking of its own gives the partner no hold on the hotel's stay.
    own = await scene.record(
        scene.other, status="BOOKED", arrival=NEXT_WEEK, nights=1, confirmation="OT-1"
    )
    assert codes(own) == []

    refused = await scene.cancel(scene.other, HOTEL_STAY)
    missing = await scene.cancel(scene.other, "NY-NONE")

    assert codes(refused) == ["STAY_NOT_FOUND"]
    assert refused["userErrors"][0]["message"].replace(HOTEL_STAY, "#") == (
        missing["userErrors"][0]["message"].replace("NY-NONE", "#")
    )
    after = await scene.hotel_view()
    assert after["points"] == before["points"]
    hotels = [
        e["node"] for e in after["stays"]["edges"] if e["node"]["confirmationNumber"] == HOTEL_STAY
    ]
    assert [(s["status"], Decimal(s["roomRevenue"])) for s in hotels] == [("COMPLETED", 820)]
    # Nor may one partner cancel another's booking.
    assert codes(await scene.cancel(scene.site, "OT-1")) == ["STAY_NOT_FOUND"]


async def test_a_stranger_cannot_overwrite_the_hotels_folio(scene: Scene) -> None:
    before = await scene.hotel_view()
    for stranger in (scene.site, scene.other):
        zeroed = await scene.record(
            stranger, arrival=dt.date(2026, 2, 23), nights=2, confirmation=HOTEL_STAY, room="0"
        )
        assert codes(zeroed) == ["STAY_CHANGE_NOT_ALLOWED"]
        rebooked = await scene.record(
            stranger, status="BOOKED", arrival=NEXT_WEEK, nights=2, confirmation=HOTEL_STAY
        )
        assert codes(rebooked) == ["DUPLICATE_CONFIRMATION"]
    other_desk = await scene.tyogz.body(
        "mutation($i: RecordStayInput!) { recordStay(input: $i) { userErrors { code } } }",
        i={
            "idempotencyKey": "tyogz-1",
            "memberNumber": scene.ada,
            "guestLastName": "Lovelace",
            "propertyCode": "NYCTS",
            "confirmationNumber": HOTEL_STAY,
            "status": "COMPLETED",
            "arrivalDate": "2026-02-23",
            "departureDate": "2026-02-25",
            "roomRevenue": "0",
        },
    )
    assert forbidden(other_desk)
    assert await scene.hotel_view() == before


async def test_a_confirmation_number_is_never_told_to_a_stranger(scene: Scene) -> None:
    bob_body = await scene.admin.body(
        'mutation { enrollGuest(input: {firstName: "Bob", lastName: "Kahn"}) '
        "{ guest { memberNumber } } }"
    )
    bob = bob_body["data"]["enrollGuest"]["guest"]["memberNumber"]
    answers = []
    for number in (HOTEL_STAY, "NY-NONE"):
        booked = await scene.record(
            scene.site,
            member_number=bob,
            last_name="Kahn",
            status="CANCELLED",
            arrival=NEXT_WEEK,
            nights=1,
            confirmation=number,
        )
        cancelled = await scene.cancel(scene.site, number)
        answers.append(str([booked, cancelled]).replace(number, "#"))
    assert answers[0] == answers[1]
    taken = await scene.record(
        scene.site,
        member_number=bob,
        last_name="Kahn",
        status="BOOKED",
        arrival=NEXT_WEEK,
        nights=1,
        confirmation=HOTEL_STAY,
    )
    assert codes(taken) == ["DUPLICATE_CONFIRMATION"]
    assert "member" not in taken["userErrors"][0]["message"]


async def test_the_hotel_checks_in_a_partners_booking_which_the_partner_then_cannot_touch(
    scene: Scene,
) -> None:
    booked = await scene.record(
        scene.site, status="BOOKED", arrival=dt.date(2026, 3, 3), nights=2, confirmation="SI-1"
    )
    assert codes(booked) == []
    assert codes(
        await scene.record(
            scene.site,
            status="IN_HOUSE",
            arrival=dt.date(2026, 3, 3),
            nights=2,
            confirmation="SI-1",
        )
    ) == ["STAY_CHANGE_NOT_ALLOWED"]
    checked_in = await scene.record(
        scene.nycts,
        status="IN_HOUSE",
        arrival=dt.date(2026, 3, 3),
        nights=2,
        confirmation="SI-1",
    )
    assert codes(checked_in) == [] and checked_in["stay"]["status"] == "IN_HOUSE"
    late = await scene.cancel(scene.site, "SI-1")
    assert codes(late) == ["STAY_CHANGE_NOT_ALLOWED"]
