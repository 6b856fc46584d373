"""redeemAwardStay and cancelAwardStay: nights paid with points, priced by the property's
category and the dates, debited at once and refunded as a ledger entry."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from staytier.services.runtime import Runtime
from staytier.store.models import LedgerEntry, Member, Stay
from tests.privilege_support import CANCEL_AWARD, REDEEM, give_points, redeem, redeem_input
from tests.support import GraphQLClient, enroll, guest, new_key, record

D = dt.date
APRIL = D(2026, 4, 1)
CATEGORY_6_NIGHT = 50_000  # NYCTS


async def test_a_guest_with_enough_points_books_four_nights_and_is_debited_at_once(
    client: GraphQLClient, runtime: Runtime
) -> None:
    number = await enroll(client)
    await give_points(client, number, 250_000)

    payload = await redeem(client, number, APRIL, 4)

    assert payload["userErrors"] == []
    stay = payload["awardStay"]
    assert stay["status"] == "BOOKED" and stay["nights"] == 4
    assert stay["points"] == 4 * CATEGORY_6_NIGHT and stay["freeNights"] == 0
    assert stay["confirmationNumber"].startswith("AWD-")
    assert payload["guest"]["points"]["balance"] == 50_000
    ledger = (await guest(client, number))["ledger"]["edges"]
    assert ledger[0]["node"]["kind"] == "REDEEM"
    assert ledger[0]["node"]["points"] == -200_000
    async with runtime.db.reading() as session:
        row = await session.scalar(
            select(Stay).where(Stay.confirmation_number == stay["confirmationNumber"])
        )
    assert row is not None and row.rate_code == "AWARD"


async def test_the_fifth_night_of_an_award_stay_is_free(client: GraphQLClient) -> None:
    number = await enroll(client)
    await give_points(client, number, 200_000)

    payload = await redeem(client, number, APRIL, 5)

    assert payload["awardStay"]["points"] == 4 * CATEGORY_6_NIGHT
    assert payload["awardStay"]["freeNights"] == 1
    assert payload["guest"]["points"]["balance"] == 0


async def test_without_enough_points_nothing_is_booked_and_the_balance_is_untouched(
    client: GraphQLClient, runtime: Runtime
) -> None:
    number = await enroll(client)
    await give_points(client, number, 49_999)

    payload = await redeem(client, number, APRIL, 1)

    assert payload["awardStay"] is None
    assert [e["code"] for e in payload["userErrors"]] == ["NOT_ENOUGH_POINTS"]
    assert (await guest(client, number))["points"]["balance"] == 49_999
    async with runtime.db.reading() as session:
        assert list(await session.scalars(select(Stay))) == []


async def test_an_arrival_already_past_at_the_property_is_refused(client: GraphQLClient) -> None:
    number = await enroll(client)
    await give_points(client, number, 100_000)

    payload = await redeem(client, number, D(2026, 3, 1), 1)

    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID_DATES", "arrivalDate")
    ]


async def test_an_unknown_property_or_member_is_refused(client: GraphQLClient) -> None:
    number = await enroll(client)
    unknown_hotel = await redeem(client, number, APRIL, 1, property_code="NOPE")
    assert [e["code"] for e in unknown_hotel["userErrors"]] == ["PROPERTY_NOT_FOUND"]
    unknown_member = await client(REDEEM, input=redeem_input("9999999999", APRIL, 1))
    assert [e["code"] for e in unknown_member["redeemAwardStay"]["userErrors"]] == [
        "MEMBER_NOT_FOUND"
    ]


async def test_the_same_key_sent_again_books_and_debits_once(client: GraphQLClient) -> None:
    number = await enroll(client)
    await give_points(client, number, 120_000)
    fields = redeem_input(number, APRIL, 2)

    first = (await client(REDEEM, input=fields))["redeemAwardStay"]
    again = (await client(REDEEM, input=fields))["redeemAwardStay"]

    assert again["awardStay"] == first["awardStay"]
    assert (await guest(client, number))["points"]["balance"] == 20_000
    other = await client(REDEEM, input={**fields, "departureDate": "2026-04-04"})
    assert [e["code"] for e in other["redeemAwardStay"]["userErrors"]] == ["IDEMPOTENCY_KEY_REUSED"]


async def test_cancelling_an_award_stay_refunds_its_points_as_a_reversal(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await give_points(client, number, 100_000)
    booked = (await redeem(client, number, APRIL, 2))["awardStay"]
    fields = {
        "idempotencyKey": new_key(),
        "memberNumber": number,
        "propertyCode": "NYCTS",
        "confirmationNumber": booked["confirmationNumber"],
    }

    payload = (await client(CANCEL_AWARD, input=fields))["cancelAwardStay"]

    assert payload["userErrors"] == []
    assert payload["awardStay"]["status"] == "CANCELLED" and payload["awardStay"]["refunded"]
    assert payload["guest"]["points"]["balance"] == 100_000
    top = (await guest(client, number))["ledger"]["edges"][0]["node"]
    assert (top["kind"], top["points"]) == ("REVERSAL", 100_000)
    # Cancelling again (a new key) is harmless: the stay stays cancelled, refunded once.
    twice = await client(CANCEL_AWARD, input={**fields, "idempotencyKey": new_key()})
    assert twice["cancelAwardStay"]["userErrors"] == []
    assert (await guest(client, number))["points"]["balance"] == 100_000


async def test_a_paid_stay_cannot_be_cancelled_as_an_award(client: GraphQLClient) -> None:
    number = await enroll(client)
    await record(
        client,
        member_number=number,
        arrival=APRIL,
        nights=1,
        status="BOOKED",
        confirmation="PAID-1",
    )

    payload = await client(
        CANCEL_AWARD,
        input={
            "idempotencyKey": new_key(),
            "memberNumber": number,
            "propertyCode": "NYCTS",
            "confirmationNumber": "PAID-1",
        },
    )

    assert [e["code"] for e in payload["cancelAwardStay"]["userErrors"]] == ["NOT_AN_AWARD_STAY"]


async def test_a_property_cancelling_an_award_stay_through_record_stay_refunds_it_too(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await give_points(client, number, 50_000)
    booked = (await redeem(client, number, APRIL, 1))["awardStay"]

    payload = await record(
        client, member_number=number, arrival=APRIL, nights=1, status="CANCELLED",
        confirmation=booked["confirmationNumber"], rate_code="AWARD", room="0",
    )  # fmt: skip

    assert payload["userErrors"] == []
    assert payload["guest"]["points"]["balance"] == 50_000


async def test_a_completed_award_stay_counts_its_nights_for_tier_and_earns_nothing(
    client: GraphQLClient, runtime: Runtime
) -> None:
    number = await enroll(client)
    await give_points(client, number, 100_000)
    booked = (await redeem(client, number, D(2026, 3, 3), 2))["awardStay"]
    async with runtime.db.reading() as session:
        member_id = await session.scalar(select(Member.id).where(Member.member_number == number))
    runtime.clock.set(dt.datetime(2026, 3, 5, 17, tzinfo=dt.UTC))  # type: ignore[attr-defined]

    payload = await record(
        client, member_number=number, arrival=D(2026, 3, 3), nights=2, status="COMPLETED",
        confirmation=booked["confirmationNumber"], rate_code="AWARD", room="0",
    )  # fmt: skip

    assert payload["userErrors"] == []
    found = await guest(client, number)
    assert found["tierProgress"]["qualifyingNights"] == 2
    assert found["tierProgress"]["qualifyingStays"] == 1
    assert found["points"]["balance"] == 0
    async with runtime.db.reading() as session:
        kinds = list(
            await session.scalars(
                select(LedgerEntry.kind).where(LedgerEntry.member_id == member_id)
            )
        )
    assert kinds == ["ADJUSTMENT", "REDEEM"]
