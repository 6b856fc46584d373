"""recordStay: a stay's lifecycle, its credit at checkout and its corrections."""

from __future__ import annotations

import datetime as dt

from tests.support import RECORD_STAY, GraphQLClient, enroll, guest, record, stay_input

D = dt.date


async def test_new_member_starts_at_the_base_tier_with_no_points(client: GraphQLClient) -> None:
    number = await enroll(client)
    found = await guest(client, number)
    assert found["tier"] == {"code": "MEMBER", "validThrough": None, "lifetime": False}
    assert found["points"] == {"balance": 0, "expiresOn": None}
    assert found["tierProgress"]["nextTier"] == {"code": "SILVER"}
    assert found["tierProgress"]["nightsToNextTier"] == 10


async def test_booked_and_in_house_stays_credit_nothing_until_checkout(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    stay = {"member_number": number, "arrival": D(2026, 2, 10), "nights": 3, "room": "500"}
    await record(client, confirmation="NY1", status="BOOKED", **stay)
    await record(client, confirmation="NY1", status="IN_HOUSE", **stay)
    assert (await guest(client, number))["points"]["balance"] == 0
    done = await record(client, confirmation="NY1", status="COMPLETED", **stay)
    assert done["userErrors"] == []
    found = await guest(client, number)
    assert found["points"]["balance"] == 5_000  # 10 points a USD of room revenue
    assert found["tierProgress"]["qualifyingNights"] == 3
    assert found["tierProgress"]["qualifyingStays"] == 1
    assert found["tierProgress"]["qualifyingBasePoints"] == 5_000


async def test_food_and_beverage_earn_and_other_revenue_does_not(client: GraphQLClient) -> None:
    number = await enroll(client)
    await record(
        client,
        member_number=number,
        arrival=D(2026, 2, 1),
        nights=1,
        room="100",
        fb="50",
        other="999",
    )
    assert (await guest(client, number))["points"]["balance"] == 1_500


async def test_revenue_in_euros_is_valued_at_the_checkout_dates_rate(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    # 2025 rate 1.09, 2026 rate 1.10: the checkout on 2 January 2026 takes the 2026 one.
    await record(
        client,
        member_number=number,
        property_code="PAROP",
        arrival=D(2025, 12, 31),
        nights=2,
        room="1000",
    )
    assert (await guest(client, number))["points"]["balance"] == 11_000


async def test_revenue_in_yen_converts_without_fractions_of_points(client: GraphQLClient) -> None:
    number = await enroll(client)
    await record(
        client,
        member_number=number,
        property_code="TYOGZ",
        arrival=D(2026, 2, 1),
        nights=1,
        room="33333",
    )
    # 33,333 JPY x 0.0066 = 219.9978 USD -> 220.00 USD (to the cent) -> 2,200 points
    assert (await guest(client, number))["points"]["balance"] == 2_200


async def test_stay_across_new_year_counts_each_night_in_its_own_year(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await record(client, member_number=number, arrival=D(2025, 12, 30), nights=4, room="400")
    found = await guest(client, number)  # clock: 2 March 2026
    assert found["tierProgress"]["year"] == 2026
    assert found["tierProgress"]["qualifyingNights"] == 2  # the nights of 1 and 2 January
    assert found["tierProgress"]["qualifyingStays"] == 1  # the stay counts at checkout


async def test_crossing_ten_nights_makes_a_member_silver_at_once_until_the_grace_ends(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await record(client, member_number=number, arrival=D(2026, 1, 5), nights=6, room="100")
    payload = await record(client, member_number=number, arrival=D(2026, 2, 5), nights=4)
    assert payload["guest"]["tier"] == {"code": "SILVER", "validThrough": "2028-02-28"}


async def test_the_tier_bonus_is_paid_on_top_of_base_points_at_the_tier_held(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await record(client, member_number=number, arrival=D(2026, 1, 5), nights=10, room="1000")
    # Silver now (10 nights); the next stay earns +10%.
    payload = await record(
        client, member_number=number, arrival=D(2026, 2, 5), nights=1, room="200"
    )
    assert payload["guest"]["points"]["balance"] == 10_000 + 2_000 + 200
    kinds = [e["node"]["kind"] for e in (await guest(client, number))["ledger"]["edges"]]
    assert kinds == ["BONUS", "EARN", "EARN"]


async def test_spend_path_alone_reaches_gold(client: GraphQLClient) -> None:
    number = await enroll(client)
    payload = await record(
        client, member_number=number, arrival=D(2026, 1, 5), nights=2, room="3000"
    )
    assert payload["guest"]["tier"]["code"] == "GOLD"


async def test_correcting_a_completed_stay_reverses_the_credit_and_posts_the_new_one(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    first = {"member_number": number, "confirmation": "NY9", "arrival": D(2026, 2, 1)}
    await record(client, nights=3, room="300", **first)
    await record(client, nights=2, room="200", **first)
    found = await guest(client, number)
    entries = [(e["node"]["kind"], e["node"]["points"]) for e in found["ledger"]["edges"]]
    assert entries == [("EARN", 2_000), ("REVERSAL", -3_000), ("EARN", 3_000)]
    assert found["points"]["balance"] == 2_000
    assert found["tierProgress"]["qualifyingNights"] == 2
    assert found["tierProgress"]["qualifyingStays"] == 1


async def test_resending_an_unchanged_completed_stay_changes_nothing(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    stay = {"member_number": number, "confirmation": "NY7", "arrival": D(2026, 2, 1), "nights": 3}
    await record(client, **stay)
    await record(client, **stay)  # another key, same folio
    found = await guest(client, number)
    assert len(found["ledger"]["edges"]) == 1


async def test_late_cancellation_takes_back_points_nights_and_the_tier_they_earned(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    stay = {"member_number": number, "confirmation": "NY5", "arrival": D(2026, 1, 10), "nights": 12}
    assert (await record(client, **stay))["guest"]["tier"]["code"] == "SILVER"
    payload = await record(client, status="CANCELLED", **stay)
    assert payload["userErrors"] == []
    found = await guest(client, number)
    assert found["tier"]["code"] == "MEMBER"
    assert found["points"]["balance"] == 0
    assert found["tierProgress"]["qualifyingNights"] == 0
    history = await client(
        "query($n: String!) { guest(memberNumber: $n) { tierHistory { tierCode revokedAt "
        "revokedReason } } }",
        n=number,
    )
    (silver,) = history["guest"]["tierHistory"]
    assert silver["tierCode"] == "SILVER" and silver["revokedAt"] is not None


async def test_reversal_after_points_were_spent_never_takes_the_balance_below_zero(
    client: GraphQLClient, runtime: object
) -> None:
    from staytier.services.runtime import Runtime

    assert isinstance(runtime, Runtime)
    number = await enroll(client)
    stay = {
        "member_number": number,
        "confirmation": "NY6",
        "arrival": D(2026, 1, 10),
        "nights": 1,
        "room": "100",
    }
    await record(client, **stay)
    async with runtime.db.transaction() as session:  # points redeemed elsewhere
        from staytier.domain.points import LedgerKind
        from staytier.services.ledger import post_entry
        from staytier.store.queries import member_by_number

        member = await member_by_number(session, number, for_update=True)
        assert member is not None
        post_entry(
            session,
            member,
            kind=LedgerKind.REDEEM,
            points=-800,
            occurred_at=runtime.now(),
            effective_on=runtime.today(),
            description="Award night",
        )
    await record(client, status="CANCELLED", **stay)
    found = await guest(client, number)
    assert found["points"]["balance"] == 0
    reversal = found["ledger"]["edges"][0]["node"]
    assert (reversal["kind"], reversal["points"]) == ("REVERSAL", -200)


async def test_staff_rate_earns_nothing_and_award_rate_counts_nights_without_points(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await record(
        client, member_number=number, arrival=D(2026, 1, 5), nights=3, rate_code="STAFF", room="300"
    )
    await record(
        client, member_number=number, arrival=D(2026, 2, 5), nights=4, rate_code="award", room="0"
    )
    found = await guest(client, number)
    assert found["points"]["balance"] == 0
    assert found["tierProgress"]["qualifyingNights"] == 4
    assert found["tierProgress"]["qualifyingStays"] == 1


async def test_the_same_request_sent_twice_is_credited_once(client: GraphQLClient) -> None:
    number = await enroll(client)
    fields = stay_input(number, arrival=D(2026, 2, 1), nights=2, room="250.00")
    query = RECORD_STAY.replace("status nights", "status nights roomRevenue")
    first = await client(query, input=fields)
    again = await client(query, input=fields)
    assert again["recordStay"] == first["recordStay"]
    assert first["recordStay"]["stay"]["roomRevenue"] == "250"
    assert (await guest(client, number))["points"]["balance"] == 2_500
