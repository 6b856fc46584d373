"""Milestone certificates: issued when a year's nights cross 50 and 75, used with
redeemCertificate for one night up to category 6, expired by the test clock."""

from __future__ import annotations

import datetime as dt

from tests.engagement_support import certificate_input, use
from tests.privilege_support import (
    CANCEL_AWARD,
    certificates,
    make_platinum,
    set_clock,
)
from tests.support import GraphQLClient, enroll, guest, new_key, record

D = dt.date
JANUARY = D(2026, 1, 5)  # 50 nights from here check out on 24 February 2026


async def test_crossing_50_nights_issues_a_certificate_valid_for_12_months(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)

    await make_platinum(client, number, arrival=JANUARY)

    assert await certificates(client, number) == [
        {
            "number": 1,
            "milestoneNights": 50,
            "maxCategory": 6,
            "issuedOn": "2026-02-24",
            "expiresOn": "2027-02-24",
            "status": "ISSUED",
        }
    ]


async def test_75_nights_issue_a_second_certificate_and_a_resent_stay_no_third(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await record(client, member_number=number, arrival=JANUARY, nights=40, confirmation="A")
    await set_clock(client, dt.datetime(2026, 3, 26, 12, tzinfo=dt.UTC))  # stay B has ended
    key = new_key()
    await record(
        client, member_number=number, arrival=D(2026, 2, 14), nights=40, confirmation="B", key=key
    )
    # The same stay corrected (more revenue): reversed and credited again, no new certificate.
    await record(
        client, member_number=number, arrival=D(2026, 2, 14), nights=40, confirmation="B",
        room="120",
    )  # fmt: skip

    found = await certificates(client, number)
    assert sorted(c["milestoneNights"] for c in found) == [50, 75]


async def test_a_certificate_pays_for_one_night_at_a_category_6_hotel_or_lower(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await make_platinum(client, number, arrival=JANUARY)
    balance = (await guest(client, number))["points"]["balance"]

    payload = await use(client, certificate_input(number, 1, D(2026, 4, 10)))

    assert payload["userErrors"] == []
    stay = payload["awardStay"]
    assert (stay["nights"], stay["points"], stay["paidWithCertificate"]) == (1, 0, 1)
    assert payload["guest"]["points"]["balance"] == balance
    assert (await certificates(client, number))[0]["status"] == "USED"
    again = await use(client, certificate_input(number, 1, D(2026, 5, 10)))
    assert [e["code"] for e in again["userErrors"]] == ["CERTIFICATE_ALREADY_USED"]


async def test_a_category_7_hotel_is_not_covered(client: GraphQLClient) -> None:
    number = await enroll(client)
    await make_platinum(client, number, arrival=JANUARY)

    payload = await use(client, certificate_input(number, 1, D(2026, 4, 10), "LONKX"))

    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("CATEGORY_NOT_COVERED", "propertyCode")
    ]
    assert (await certificates(client, number))[0]["status"] == "ISSUED"


async def test_another_members_certificate_is_not_found(client: GraphQLClient) -> None:
    owner = await enroll(client)
    await make_platinum(client, owner, arrival=JANUARY)
    other = await enroll(client, "Eve")

    payload = await use(client, certificate_input(other, 1, D(2026, 4, 10)))

    assert [e["code"] for e in payload["userErrors"]] == ["CERTIFICATE_NOT_FOUND"]


async def test_cancelling_a_certificate_stay_makes_the_certificate_usable_again(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await make_platinum(client, number, arrival=JANUARY)
    stay = (await use(client, certificate_input(number, 1, D(2026, 4, 10))))["awardStay"]

    cancelled = await client(
        CANCEL_AWARD,
        input={
            "idempotencyKey": new_key(),
            "memberNumber": number,
            "propertyCode": "PAROP",
            "confirmationNumber": stay["confirmationNumber"],
        },
    )

    assert cancelled["cancelAwardStay"]["userErrors"] == []
    assert (await certificates(client, number))[0]["status"] == "ISSUED"


async def test_a_certificate_is_usable_on_its_expiry_day(client: GraphQLClient) -> None:
    number = await enroll(client)
    await make_platinum(client, number, arrival=JANUARY)

    await set_clock(client, dt.datetime(2027, 2, 24, 23, 30, tzinfo=dt.UTC))
    payload = await use(client, certificate_input(number, 1, D(2027, 3, 10)))

    assert payload["userErrors"] == []


async def test_the_day_after_its_expiry_the_clock_expires_it_and_it_is_refused(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await make_platinum(client, number, arrival=JANUARY)

    moved = await set_clock(client, dt.datetime(2027, 2, 25, 0, 30, tzinfo=dt.UTC))
    payload = await use(client, certificate_input(number, 1, D(2027, 3, 10)))

    expired = {"certificates_expired": 1, "already_ran": False}
    assert {"job": "expire-certificates", "runKey": "2027-02-25", "summary": expired} in (
        moved["jobsRun"]
    )
    assert [e["code"] for e in payload["userErrors"]] == ["CERTIFICATE_EXPIRED"]
    assert (await certificates(client, number))[0]["status"] == "EXPIRED"
