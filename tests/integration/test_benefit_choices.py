"""chooseWelcomeGift (once per stay), chooseAnnualChoiceBenefit (once per year) and
recordBenefitUsage: eligibility from the benefits engine, cost recorded for the brand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.privilege_support import make_platinum, set_clock
from tests.support import GraphQLClient, enroll, guest, new_key, record

D = dt.date
USE_FIELDS = "benefitCode option costUsd guest { points { balance } } userErrors { code field }"
WELCOME = f"""
mutation Welcome($input: ChooseWelcomeGiftInput!) {{
  chooseWelcomeGift(input: $input) {{ {USE_FIELDS} }}
}}
"""
ANNUAL = f"""
mutation Annual($input: ChooseAnnualChoiceBenefitInput!) {{
  chooseAnnualChoiceBenefit(input: $input) {{ {USE_FIELDS} }}
}}
"""
USAGE = f"""
mutation Usage($input: RecordBenefitUsageInput!) {{
  recordBenefitUsage(input: $input) {{ {USE_FIELDS} }}
}}
"""
REPORT = """
query Report($start: Date!, $end: Date!) {
  benefitCostReport(start: $start, end: $end) { month benefitCode uses costUsd }
}
"""


async def platinum_with_a_booking(client: GraphQLClient) -> str:
    number = await enroll(client)
    await make_platinum(client, number, arrival=D(2026, 1, 5))
    booked = await record(
        client, member_number=number, arrival=D(2026, 3, 10), nights=2, status="BOOKED",
        confirmation="NEXT-1",
    )  # fmt: skip
    assert booked["userErrors"] == []
    return number


def gift(number: str, option: str, confirmation: str = "NEXT-1") -> dict[str, Any]:
    return {
        "idempotencyKey": new_key(),
        "memberNumber": number,
        "propertyCode": "NYCTS",
        "confirmationNumber": confirmation,
        "option": option,
    }


async def test_a_platinum_guest_takes_1000_points_as_welcome_gift_once_per_stay(
    client: GraphQLClient,
) -> None:
    number = await platinum_with_a_booking(client)
    balance = (await guest(client, number))["points"]["balance"]

    chosen = (await client(WELCOME, input=gift(number, "POINTS")))["chooseWelcomeGift"]
    again = (await client(WELCOME, input=gift(number, "BREAKFAST")))["chooseWelcomeGift"]

    assert chosen["userErrors"] == []
    assert (chosen["benefitCode"], chosen["option"], chosen["costUsd"]) == (
        "WELCOME_GIFT",
        "POINTS",
        "10.00",
    )
    assert chosen["guest"]["points"]["balance"] == balance + 1_000
    top = (await guest(client, number))["ledger"]["edges"][0]["node"]
    assert (top["kind"], top["points"]) == ("BONUS", 1_000)
    assert [e["code"] for e in again["userErrors"]] == ["BENEFIT_ALREADY_CHOSEN"]


async def test_a_welcome_gift_sent_again_with_its_key_is_credited_once_and_answered_the_same(
    client: GraphQLClient,
) -> None:
    number = await platinum_with_a_booking(client)
    balance = (await guest(client, number))["points"]["balance"]
    fields = gift(number, "POINTS")

    first = (await client(WELCOME, input=fields))["chooseWelcomeGift"]
    again = (await client(WELCOME, input=fields))["chooseWelcomeGift"]

    assert first["userErrors"] == [] and first["option"] == "POINTS"
    assert again == first
    assert (await guest(client, number))["points"]["balance"] == balance + 1_000


async def test_a_gift_option_the_tier_does_not_offer_is_refused(client: GraphQLClient) -> None:
    number = await platinum_with_a_booking(client)

    payload = (await client(WELCOME, input=gift(number, "CHAMPAGNE")))["chooseWelcomeGift"]

    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("UNKNOWN_OPTION", "option")
    ]


async def test_a_member_without_status_has_no_welcome_gift(client: GraphQLClient) -> None:
    number = await enroll(client)
    await record(
        client, member_number=number, arrival=D(2026, 3, 10), nights=1, status="BOOKED",
        confirmation="NEXT-1",
    )  # fmt: skip

    payload = (await client(WELCOME, input=gift(number, "POINTS")))["chooseWelcomeGift"]

    assert [e["code"] for e in payload["userErrors"]] == ["TIER_NOT_ELIGIBLE"]


async def test_a_gift_for_someone_elses_stay_is_refused(client: GraphQLClient) -> None:
    number = await platinum_with_a_booking(client)

    payload = (await client(WELCOME, input=gift(number, "POINTS", "NOT-MINE")))["chooseWelcomeGift"]

    assert [e["code"] for e in payload["userErrors"]] == ["STAY_NOT_FOUND"]


async def test_the_annual_choice_is_made_once_a_year_and_again_the_next(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    await make_platinum(client, number, arrival=D(2026, 1, 5))

    def annual(option: str) -> dict[str, Any]:
        return {"idempotencyKey": new_key(), "memberNumber": number, "option": option}

    first = await client(ANNUAL, input=annual("SUITE_NIGHT_UPGRADES"))
    second = await client(ANNUAL, input=annual("GIFT"))
    await set_clock(client, dt.datetime(2027, 1, 2, 12, tzinfo=dt.UTC))
    next_year = await client(ANNUAL, input=annual("GIFT"))

    assert first["chooseAnnualChoiceBenefit"]["userErrors"] == []
    assert first["chooseAnnualChoiceBenefit"]["costUsd"] == "200.00"
    assert [e["code"] for e in second["chooseAnnualChoiceBenefit"]["userErrors"]] == [
        "BENEFIT_ALREADY_CHOSEN"
    ]
    assert next_year["chooseAnnualChoiceBenefit"]["userErrors"] == []


async def test_front_desk_usage_is_recorded_once_per_stay_and_reported_with_its_cost(
    client: GraphQLClient,
) -> None:
    number = await platinum_with_a_booking(client)
    await client(WELCOME, input=gift(number, "AMENITY"))

    def used(benefit: str) -> dict[str, Any]:
        return {
            "idempotencyKey": new_key(),
            "memberNumber": number,
            "benefitCode": benefit,
            "propertyCode": "NYCTS",
            "confirmationNumber": "NEXT-1",
        }

    lounge = (await client(USAGE, input=used("LOUNGE_ACCESS")))["recordBenefitUsage"]
    late = (await client(USAGE, input=used("LATE_CHECKOUT")))["recordBenefitUsage"]
    twice = (await client(USAGE, input=used("LATE_CHECKOUT")))["recordBenefitUsage"]
    unknown = (await client(USAGE, input=used("SPA")))["recordBenefitUsage"]

    assert lounge["userErrors"] == [] and late["userErrors"] == []
    assert [e["code"] for e in twice["userErrors"]] == ["BENEFIT_ALREADY_CHOSEN"]
    assert [e["code"] for e in unknown["userErrors"]] == ["TIER_NOT_ELIGIBLE"]
    report = (await client(REPORT, start="2026-03-01", end="2026-03-31"))["benefitCostReport"]
    assert report == [
        {"month": "2026-03", "benefitCode": "LATE_CHECKOUT", "uses": 1, "costUsd": "15.00"},
        {"month": "2026-03", "benefitCode": "LOUNGE_ACCESS", "uses": 1, "costUsd": "25.00"},
        {"month": "2026-03", "benefitCode": "WELCOME_GIFT", "uses": 1, "costUsd": "10.00"},
    ]
