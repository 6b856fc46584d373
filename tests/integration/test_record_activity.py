"""recordActivity: qualifying activity from partners -- co-brand card spend and membership,
promotions, meetings and events -- credited by the program's rules, once per key."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.support import GraphQLClient, enroll, guest, new_key, record

D = dt.date
IN_FEBRUARY = D(2026, 2, 15)

RECORD_ACTIVITY = """
mutation RecordActivity($input: RecordActivityInput!) {
  recordActivity(input: $input) {
    guest {
      memberNumber
      tier { code validThrough }
      tierProgress { qualifyingNights qualifyingStays qualifyingBasePoints }
      points { balance }
    }
    userErrors { code field message }
  }
}
"""


def activity_input(
    member_number: str,
    source: str,
    kind: str,
    *,
    amount: str = "0",
    points: int = 0,
    currency: str = "USD",
    occurred_on: dt.date = IN_FEBRUARY,
    key: str | None = None,
    last_name: str = "Guest",
) -> dict[str, Any]:
    return {
        "idempotencyKey": key or new_key(),
        "memberNumber": member_number,
        "guestLastName": last_name,
        "source": source,
        "kind": kind,
        "occurredOn": occurred_on.isoformat(),
        "amount": amount,
        "currency": currency,
        "points": points,
    }


async def credit(client: GraphQLClient, fields: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = (await client(RECORD_ACTIVITY, input=fields))["recordActivity"]
    return payload


async def accepted(client: GraphQLClient, fields: dict[str, Any]) -> dict[str, Any]:
    payload = await credit(client, fields)
    assert payload["userErrors"] == []
    found: dict[str, Any] = payload["guest"]
    return found


async def refused(client: GraphQLClient, fields: dict[str, Any]) -> list[tuple[str, str | None]]:
    payload = await credit(client, fields)
    assert payload["guest"] is None
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


def ledger(found: dict[str, Any]) -> list[tuple[str, int]]:
    return [(e["node"]["kind"], e["node"]["points"]) for e in found["ledger"]["edges"]]


async def test_card_spend_earns_a_point_a_dollar_and_a_night_per_5000_dollars_in_the_year(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    for _ in range(9):
        await accepted(client, activity_input(number, "COBRAND_CARD", "SPEND", amount="500"))
    found = await guest(client, number)
    assert found["points"]["balance"] == 4_500
    assert found["tierProgress"]["qualifyingNights"] == 0  # 4,500 USD so far
    # The tenth payment of 500 takes the year to 5,000 USD: the night is earned on the total.
    after = await accepted(client, activity_input(number, "COBRAND_CARD", "SPEND", amount="500"))
    assert after["points"]["balance"] == 5_000
    assert after["tierProgress"] == {
        "qualifyingNights": 1,
        "qualifyingStays": 0,
        "qualifyingBasePoints": 0,  # card spend is not hotel spend
    }
    assert ledger(await guest(client, number)) == [("EARN", 500)] * 10


async def test_card_spend_in_another_currency_is_valued_in_dollars(client: GraphQLClient) -> None:
    number = await enroll(client)
    found = await accepted(
        client, activity_input(number, "COBRAND_CARD", "SPEND", amount="1000", currency="EUR")
    )
    assert found["points"]["balance"] == 1_100  # 1,000 EUR at 1.10 in 2026


async def test_holding_the_card_gives_fifteen_nights_once_a_year(client: GraphQLClient) -> None:
    number = await enroll(client)
    found = await accepted(client, activity_input(number, "COBRAND_CARD", "CARD_MEMBERSHIP"))
    assert found["tierProgress"]["qualifyingNights"] == 15
    assert found["tier"]["code"] == "SILVER"  # 15 nights cross Silver's 10
    before = await guest(client, number)

    again = activity_input(number, "COBRAND_CARD", "CARD_MEMBERSHIP", occurred_on=D(2026, 2, 20))
    assert await refused(client, again) == [("ACTIVITY_LIMIT_REACHED", None)]
    assert await guest(client, number) == before

    # Another year is another allowance.
    last_year = activity_input(number, "COBRAND_CARD", "CARD_MEMBERSHIP", occurred_on=D(2025, 6, 1))
    await accepted(client, last_year)


async def test_a_promotion_credits_the_points_it_states_as_a_bonus(client: GraphQLClient) -> None:
    number = await enroll(client)
    found = await accepted(client, activity_input(number, "PROMOTION", "BONUS", points=2_500))
    assert found["points"]["balance"] == 2_500
    assert found["tierProgress"]["qualifyingBasePoints"] == 0
    assert ledger(await guest(client, number)) == [("BONUS", 2_500)]


async def test_a_promotion_may_state_up_to_its_cap_and_not_a_point_more(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    too_many = activity_input(number, "PROMOTION", "BONUS", points=50_001)
    assert await refused(client, too_many) == [("INVALID_AMOUNT", "points")]
    assert ledger(await guest(client, number)) == []
    found = await accepted(client, activity_input(number, "PROMOTION", "BONUS", points=50_000))
    assert found["points"]["balance"] == 50_000


async def test_meetings_and_events_count_toward_the_spend_path(client: GraphQLClient) -> None:
    number = await enroll(client)
    found = await accepted(client, activity_input(number, "MEETINGS", "EVENT", amount="12000"))
    assert found["points"]["balance"] == 12_000
    assert found["tierProgress"]["qualifyingBasePoints"] == 12_000
    assert found["tier"]["code"] == "SILVER"  # 10,000 base points


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"source": "AIRLINE"}, ("UNKNOWN_ACTIVITY", "kind")),
        ({"kind": "CASHBACK"}, ("UNKNOWN_ACTIVITY", "kind")),
        ({"amount": "-500"}, ("INVALID_AMOUNT", "amount")),
        ({"currency": "XXX"}, ("UNKNOWN_CURRENCY", "currency")),
        ({"memberNumber": "9999999999"}, ("MEMBER_NOT_FOUND", "memberNumber")),
    ],
)
async def test_an_activity_the_program_cannot_credit_is_refused_and_changes_nothing(
    client: GraphQLClient, change: dict[str, Any], expected: tuple[str, str]
) -> None:
    number = await enroll(client)
    fields = activity_input(number, "COBRAND_CARD", "SPEND", amount="500") | change
    assert expected in await refused(client, fields)
    found = await guest(client, number)
    assert found["points"]["balance"] == 0 and ledger(found) == []
    assert found["tierProgress"]["qualifyingNights"] == 0
    # Nothing was counted toward the year either: 5,000 USD still earns the night.
    after = await accepted(client, activity_input(number, "COBRAND_CARD", "SPEND", amount="5000"))
    assert after["tierProgress"]["qualifyingNights"] == 1


async def test_a_partner_retrying_with_the_same_key_is_credited_once(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    fields = activity_input(number, "COBRAND_CARD", "CARD_MEMBERSHIP")
    first = await credit(client, fields)
    again = await credit(client, fields)  # not ACTIVITY_LIMIT_REACHED: it is the same one
    assert again == first
    assert first["userErrors"] == []
    found = await guest(client, number)
    assert found["tierProgress"]["qualifyingNights"] == 15


async def test_the_same_key_with_another_amount_is_refused(client: GraphQLClient) -> None:
    number = await enroll(client)
    key = new_key()
    await accepted(client, activity_input(number, "COBRAND_CARD", "SPEND", amount="500", key=key))
    other = activity_input(number, "COBRAND_CARD", "SPEND", amount="600", key=key)
    assert await refused(client, other) == [("IDEMPOTENCY_KEY_REUSED", "idempotencyKey")]
    assert ledger(await guest(client, number)) == [("EARN", 500)]


async def test_card_nights_and_a_stay_together_reach_gold(client: GraphQLClient) -> None:
    number = await enroll(client)
    await record(client, member_number=number, arrival=D(2026, 1, 10), nights=10, room="100")
    found = await accepted(client, activity_input(number, "COBRAND_CARD", "CARD_MEMBERSHIP"))
    assert found["tierProgress"]["qualifyingNights"] == 25
    assert found["tier"] == {"code": "GOLD", "validThrough": "2028-02-28"}


async def test_spend_under_another_guests_name_is_not_credited(client: GraphQLClient) -> None:
    number = await enroll(client, "Zoë", "Brontë")
    spend = {"amount": "5000.00", "key": "card-zoe-1"}

    assert await refused(
        client, activity_input(number, "COBRAND_CARD", "SPEND", last_name="Smith", **spend)
    ) == [("GUEST_NAME_MISMATCH", "guestLastName")]
    assert (await guest(client, number))["points"]["balance"] == 0
    # The same key with the right name (any case, no accents) is a new request, credited.
    fields = activity_input(number, "COBRAND_CARD", "SPEND", last_name="BRONTE", **spend)
    assert (await accepted(client, fields))["points"]["balance"] == 5000
