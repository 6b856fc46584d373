"""arrivals(propertyCode, date): the guests arriving on booked stays, with their tier on the
arrival date, the privileges to apply, preferences, special dates during the stay, staff
notes and whether they have stayed here before; served with a constant number of SQL
statements whatever the page size."""

from __future__ import annotations

import datetime as dt

from staytier.domain.benefits import benefits_for
from staytier.services.runtime import Runtime
from tests.desk import ARRIVALS, TONIGHT, arrivals, book, guests_arriving, nodes
from tests.profiles import consent, set_preference
from tests.support import GraphQLClient, counting_statements, enroll, new_key, record

D = dt.date


async def test_a_gold_guest_arriving_tonight_with_a_rich_profile(
    runtime: Runtime, client: GraphQLClient
) -> None:
    number = await enroll(client, "Grace", "Hopper")
    # 25 nights last month make her Gold at once.
    stayed = await record(
        client, member_number=number, arrival=D(2026, 1, 10), nights=25, room="150"
    )
    assert stayed["guest"]["tier"]["code"] == "GOLD"
    await consent(client, number, True)
    await set_preference(client, memberNumber=number, category="PILLOW", values=["FEATHER_FREE"])
    await set_preference(client, memberNumber=number, category="ALLERGIES", values=["peanuts"])
    await client(
        "mutation($i: SetSpecialDateInput!) { setSpecialDate(input: $i) { userErrors { code } } }",
        i={"memberNumber": number, "kind": "BIRTHDAY", "date": "1986-03-06"},
    )
    for hotel, author, text in (
        ("NYCTS", "Sam", "Likes a quiet corner table."),
        ("LONKX", "Ann", "Complained about the minibar prices."),
    ):
        await client(
            "mutation($i: AddStaffNoteInput!) { addStaffNote(input: $i) { userErrors { code } } }",
            i={"memberNumber": number, "propertyCode": hotel, "author": author, "text": text},
        )
    await book(client, number, confirmation="NY-777", nights=2)

    [arrival] = nodes(await arrivals(client))

    rules = runtime.rules_on(TONIGHT)
    assert arrival["memberNumber"] == number
    assert (arrival["firstName"], arrival["lastName"]) == ("Grace", "Hopper")
    assert arrival["tier"] == {
        "code": "GOLD",
        "name": "Gold",
        "validThrough": "2028-02-28",
        "lifetime": False,
    }
    assert [p["code"] for p in arrival["privileges"]] == [
        b.code for b in benefits_for(rules, "GOLD")
    ]
    late = next(p for p in arrival["privileges"] if p["code"] == "LATE_CHECKOUT")
    assert late["params"] == {"hour": 14, "guaranteed": True}
    gift = next(p for p in arrival["privileges"] if p["code"] == "WELCOME_GIFT")
    assert gift["options"] == ["POINTS", "AMENITY"]
    assert [(p["category"], p["value"], p["sensitive"]) for p in arrival["preferences"]] == [
        ("PILLOW", "FEATHER_FREE", False),
        ("ALLERGIES", "peanuts", True),
    ]
    assert arrival["specialDates"] == [
        {"kind": "BIRTHDAY", "date": "1986-03-06", "fallsOn": "2026-03-06", "greet": True}
    ]
    # The property's own notes only: London's are London's.
    assert arrival["staffNotes"] == [
        {"text": "Likes a quiet corner table.", "author": "Sam", "propertyCode": "NYCTS"}
    ]
    assert arrival["firstStayAtProperty"] is False  # January's 25 nights were at NYCTS
    assert arrival["earlierStaysAtProperty"] == 1
    assert arrival["stay"]["confirmationNumber"] == "NY-777"
    assert arrival["stay"]["nights"] == 2


async def test_a_new_member_with_no_stays_arrives_for_the_first_time(
    client: GraphQLClient,
) -> None:
    number = await enroll(client, "Alan", "Turing")
    await book(client, number, property_code="LONKX")

    [arrival] = nodes(await arrivals(client, "LONKX"))

    assert arrival["tier"]["code"] == "MEMBER"
    assert arrival["tier"]["validThrough"] is None
    assert arrival["privileges"] == []
    assert arrival["preferences"] == arrival["specialDates"] == arrival["staffNotes"] == []
    assert arrival["firstStayAtProperty"] is True


async def test_only_booked_stays_arriving_that_day_at_that_property_are_listed(
    client: GraphQLClient,
) -> None:
    booked = await enroll(client, "Booked", "Guest")
    await book(client, booked)
    cancelled = await enroll(client, "Cancelled", "Guest")
    await book(client, cancelled, confirmation="CX-1")
    await client(
        "mutation($i: CancelStayInput!) { cancelStay(input: $i) { userErrors { code } } }",
        i={"idempotencyKey": new_key(), "propertyCode": "NYCTS", "confirmationNumber": "CX-1"},
    )
    tomorrow = await enroll(client, "Tomorrow", "Guest")
    await book(client, tomorrow, arrival=TONIGHT + dt.timedelta(days=1))
    elsewhere = await enroll(client, "Paris", "Guest")
    await book(client, elsewhere, property_code="PAROP")

    listed = nodes(await arrivals(client))

    assert [a["memberNumber"] for a in listed] == [booked]


async def test_a_property_with_no_arrivals_gets_an_empty_list(client: GraphQLClient) -> None:
    page = await arrivals(client, "SINMB")

    assert page == {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}


async def test_an_unknown_property_is_refused(client: GraphQLClient) -> None:
    body = await client.raw(ARRIVALS, code="NOWHERE", date=TONIGHT.isoformat())

    assert body["errors"][0]["message"] == "No property NOWHERE."
    assert body["errors"][0]["extensions"]["code"] == "PROPERTY_NOT_FOUND"


async def test_a_birthday_on_29_february_falls_within_a_stay_on_28_february(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await client(
        "mutation($i: SetSpecialDateInput!) { setSpecialDate(input: $i) { userErrors { code } } }",
        i={"memberNumber": number, "kind": "BIRTHDAY", "date": "2004-02-29"},
    )
    day = D(2027, 2, 27)
    await book(client, number, arrival=day, nights=2)

    [arrival] = nodes(await arrivals(client, date=day.isoformat()))

    assert arrival["specialDates"] == [
        {"kind": "BIRTHDAY", "date": "2004-02-29", "fallsOn": "2027-02-28", "greet": True}
    ]


async def test_arrivals_come_in_pages_and_a_cursor_of_another_day_is_refused(
    client: GraphQLClient,
) -> None:
    numbers = [await enroll(client, f"Guest{n}", "Page") for n in range(3)]
    for number in numbers:
        await book(client, number)

    first = await arrivals(client, first=2)
    rest = await arrivals(client, first=2, after=first["pageInfo"]["endCursor"])
    other_day = await client.raw(
        ARRIVALS,
        code="NYCTS",
        date=(TONIGHT + dt.timedelta(days=1)).isoformat(),
        after=first["pageInfo"]["endCursor"],
    )

    assert first["pageInfo"]["hasNextPage"] is True
    assert [a["memberNumber"] for a in nodes(first) + nodes(rest)] == numbers
    assert rest["pageInfo"]["hasNextPage"] is False
    assert "does not belong to this list" in other_day["errors"][0]["message"]


# --- a constant number of statements ----------------------------------------------------------


async def test_arrivals_take_the_same_number_of_statements_for_5_and_100_guests(
    runtime: Runtime, client: GraphQLClient, backend: str
) -> None:
    small_day, big_day = D(2026, 3, 5), D(2026, 3, 6)
    await guests_arriving(runtime, 5, small_day)
    await guests_arriving(runtime, 100, big_day)

    with counting_statements(runtime.db) as for_five:
        five = await arrivals(client, date=small_day.isoformat(), first=100)
    with counting_statements(runtime.db) as for_hundred:
        hundred = await arrivals(client, date=big_day.isoformat(), first=100)

    with counting_statements(runtime.db) as for_first_page_of_five:
        page = await arrivals(client, date=big_day.isoformat(), first=5)

    assert len(five["edges"]) == 5 and len(hundred["edges"]) == 100
    assert len(page["edges"]) == 5 and page["pageInfo"]["hasNextPage"]
    assert len(for_first_page_of_five) == len(for_hundred)
    assert all(a["tier"]["code"] == "SILVER" for a in nodes(hundred))
    assert all(len(a["preferences"]) == 2 and a["staffNotes"] for a in nodes(hundred))
    assert all(a["specialDates"] and not a["firstStayAtProperty"] for a in nodes(hundred))
    print(f"\narrivals on {backend}: {len(for_five)} statements for 5, {len(for_hundred)} for 100")
    assert len(for_five) == len(for_hundred), (for_five, for_hundred)
    assert len(for_hundred) <= 8


async def test_the_tier_shown_is_the_one_held_on_the_arrival_date(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    stayed = await record(
        client, member_number=number, arrival=D(2026, 1, 10), nights=25, room="150"
    )
    assert stayed["guest"]["tier"] == {"code": "GOLD", "validThrough": "2028-02-28"}
    await book(client, number, arrival=D(2028, 2, 28), nights=1, confirmation="LAST-DAY")
    await book(client, number, arrival=D(2028, 2, 29), nights=1, confirmation="DAY-AFTER")

    [on_last_day] = nodes(await arrivals(client, date="2028-02-28"))
    [day_after] = nodes(await arrivals(client, date="2028-02-29"))

    assert on_last_day["tier"]["code"] == "GOLD"
    assert [p["code"] for p in on_last_day["privileges"]][:1] == ["LATE_CHECKOUT"]
    assert day_after["tier"] == {
        "code": "MEMBER",
        "name": "Member",
        "validThrough": None,
        "lifetime": False,
    }
    assert day_after["privileges"] == []
