"""Bounds: what one report may claim is limited by the program, and anything beyond a bound
or not a number at all is a typed userError naming its field. Nothing is credited, nothing
is capped in silence, and no member becomes unreadable."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from staytier.program.model import MAX_INT_FIGURE
from staytier.services.runtime import Runtime
from tests.privilege_support import ADJUST
from tests.support import (
    RECORD_STAY,
    GraphQLClient,
    enroll,
    guest,
    make_app,
    new_key,
    stay_input,
)

D = dt.date
TODAY = D(2026, 3, 2)  # the test clock: 15:00 UTC, 10:00 in New York, midnight in Tokyo

RECORD_ACTIVITY = """
mutation RecordActivity($input: RecordActivityInput!) {
  recordActivity(input: $input) {
    guest { points { balance } }
    userErrors { code field message }
  }
}
"""


async def refusals(client: GraphQLClient, fields: dict[str, Any]) -> list[tuple[str, str]]:
    payload = (await client(RECORD_STAY, input=fields))["recordStay"]
    assert payload["stay"] is None, payload
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


async def untouched(client: GraphQLClient, number: str) -> bool:
    found = await guest(client, number)
    return found["points"]["balance"] == 0 and found["ledger"]["edges"] == []


# --- money -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "revenue",
    [
        "1000000000000",  # credited 15,010,000,000,000 points before
        "1e309",
        "1e30",
        "sNaN",
        "NaN",
        "Infinity",
        "-Infinity",
        "1e999999999999",
        "1e-999999999999",
        "9" * 400,
        "12,50",
    ],
)
async def test_revenue_that_is_not_a_sane_amount_is_invalid_amount(
    client: GraphQLClient, revenue: str
) -> None:
    number = await enroll(client)
    fields = stay_input(number, arrival=D(2026, 2, 1), nights=2, room=revenue)

    assert await refusals(client, fields) == [("INVALID_AMOUNT", "roomRevenue")]
    assert await untouched(client, number)


async def test_revenue_written_as_a_graphql_number_that_overflows_is_invalid_amount(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    document = (
        'mutation { recordStay(input: {idempotencyKey: "k-1e309", '
        f'memberNumber: "{number}", propertyCode: "NYCTS", confirmationNumber: "LIT-1", '
        'status: COMPLETED, arrivalDate: "2026-02-01", departureDate: "2026-02-03", '
        'guestLastName: "Guest", '
        "roomRevenue: 1e309}) { stay { status } userErrors { code field } } }"
    )

    payload = (await client(document))["recordStay"]

    assert payload == {
        "stay": None,
        "userErrors": [{"code": "INVALID_AMOUNT", "field": "roomRevenue"}],
    }


async def test_minus_zero_is_zero(client: GraphQLClient) -> None:
    number = await enroll(client)
    fields = stay_input(number, arrival=D(2026, 2, 1), nights=2, room="-0", fb="100")

    payload = (await client(RECORD_STAY, input=fields))["recordStay"]

    assert payload["userErrors"] == [] and payload["guest"]["points"]["balance"] == 1_000


async def test_a_stay_over_the_revenue_per_stay_bound_is_refused(client: GraphQLClient) -> None:
    number = await enroll(client)  # demo: at most 250,000 USD a stay, 25,000 a night
    fields = stay_input(number, arrival=D(2026, 1, 1), nights=20, room="250000.01")

    assert await refusals(client, fields) == [("INVALID_AMOUNT", "roomRevenue")]
    at_bound = stay_input(number, arrival=D(2026, 1, 1), nights=20, room="200000", fb="50000")
    assert (await client(RECORD_STAY, input=at_bound))["recordStay"]["userErrors"] == []


async def test_a_stay_over_the_revenue_per_night_bound_is_refused(client: GraphQLClient) -> None:
    number = await enroll(client)
    fields = stay_input(number, arrival=D(2026, 2, 1), nights=2, room="40000", other="10000.01")

    assert await refusals(client, fields) == [("INVALID_AMOUNT", "roomRevenue")]
    assert await untouched(client, number)


async def test_the_revenue_bound_is_in_usd_at_the_checkout_rate(client: GraphQLClient) -> None:
    number = await enroll(client)  # 25,000 USD a night is far more than 25,000 yen
    yen = stay_input(number, arrival=D(2026, 2, 1), nights=1, property_code="TYOGZ", room="30000")
    euros = stay_input(number, arrival=D(2026, 2, 1), nights=1, property_code="PAROP", room="30000")

    assert (await client(RECORD_STAY, input=yen))["recordStay"]["userErrors"] == []
    assert await refusals(client, euros) == [("INVALID_AMOUNT", "roomRevenue")]


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arrival", "departure", "status", "expected"),
    [
        ("2026-02-01", "9999-12-31", "COMPLETED", ("INVALID_DATES", "departureDate")),
        ("9999-12-29", "9999-12-31", "BOOKED", ("INVALID_DATES", "arrivalDate")),
        ("0001-01-01", "0001-01-03", "COMPLETED", ("INVALID_DATES", "arrivalDate")),
        ("2024-12-30", "2025-01-02", "COMPLETED", ("INVALID_DATES", "arrivalDate")),
        ("2026-02-27", "2026-06-01", "COMPLETED", ("INVALID_DATES", "departureDate")),
        ("2026-03-01", "2026-03-03", "COMPLETED", ("INVALID_DATES", "departureDate")),
        ("2028-03-10", "2028-03-13", "BOOKED", ("INVALID_DATES", "arrivalDate")),
    ],
)
async def test_dates_outside_the_programs_life_are_invalid_dates(
    client: GraphQLClient, arrival: str, departure: str, status: str, expected: tuple[str, str]
) -> None:
    number = await enroll(client)
    fields = stay_input(number, arrival=D(2026, 2, 1), nights=1, status=status) | {
        "arrivalDate": arrival,
        "departureDate": departure,
    }

    assert expected in await refusals(client, fields)
    assert await untouched(client, number)


async def test_a_booking_ahead_within_the_horizon_is_recorded(client: GraphQLClient) -> None:
    number = await enroll(client)  # demo horizon: 731 days
    fields = stay_input(number, arrival=D(2027, 6, 1), nights=3, status="BOOKED")

    assert (await client(RECORD_STAY, input=fields))["recordStay"]["userErrors"] == []


async def test_a_completed_stay_ends_no_later_than_the_propertys_own_today(
    client: GraphQLClient,
) -> None:
    # 2 March 15:00 UTC is already 3 March in Tokyo, still 2 March in New York.
    number = await enroll(client)
    tokyo = stay_input(number, arrival=D(2026, 3, 1), nights=2, property_code="TYOGZ")
    new_york = stay_input(number, arrival=D(2026, 3, 1), nights=2, property_code="NYCTS")
    checked_out_today = stay_input(number, arrival=D(2026, 2, 28), nights=2)

    assert (await client(RECORD_STAY, input=tokyo))["recordStay"]["userErrors"] == []
    assert await refusals(client, new_york) == [("INVALID_DATES", "departureDate")]
    assert (await client(RECORD_STAY, input=checked_out_today))["recordStay"]["userErrors"] == []


# --- activity --------------------------------------------------------------------------------


def spend(number: str, **changes: Any) -> dict[str, Any]:
    return {
        "idempotencyKey": new_key(),
        "memberNumber": number,
        "source": "COBRAND_CARD",
        "kind": "SPEND",
        "occurredOn": "2026-03-01",
        "amount": "5000",
        "guestLastName": "Guest",
        **changes,
    }


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"amount": "1000000000000"}, ("INVALID_AMOUNT", "amount")),
        ({"amount": "1000001"}, ("INVALID_AMOUNT", "amount")),  # 1 point per USD; 1M points
        ({"amount": "1e309"}, ("INVALID_AMOUNT", "amount")),
        ({"amount": "sNaN"}, ("INVALID_AMOUNT", "amount")),
        ({"occurredOn": "9999-12-31"}, ("INVALID_DATES", "occurredOn")),
        ({"occurredOn": "0001-01-01"}, ("INVALID_DATES", "occurredOn")),
        ({"occurredOn": "2026-03-04"}, ("INVALID_DATES", "occurredOn")),
    ],
)
async def test_activity_beyond_the_bounds_is_refused(
    client: GraphQLClient, change: dict[str, Any], expected: tuple[str, str]
) -> None:
    number = await enroll(client)

    payload = (await client(RECORD_ACTIVITY, input=spend(number, **change)))["recordActivity"]

    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [expected]
    assert await untouched(client, number)


async def test_activity_at_the_bound_is_credited(client: GraphQLClient) -> None:
    number = await enroll(client)

    payload = (await client(RECORD_ACTIVITY, input=spend(number, amount="1000000")))[
        "recordActivity"
    ]

    assert payload["userErrors"] == [] and payload["guest"]["points"]["balance"] == 1_000_000


# --- points ----------------------------------------------------------------------------------


def adjustment(number: str, points: int) -> dict[str, Any]:
    return {
        "idempotencyKey": new_key(),
        "memberNumber": number,
        "points": points,
        "reason": "bounds",
        "author": "admin@staytier.test",
    }


async def test_one_posting_moves_at_most_the_programs_points_per_transaction(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)  # demo: 5,000,000

    payload = (await client(ADJUST, input=adjustment(number, 5_000_001)))["postPointsAdjustment"]

    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID_AMOUNT", "points")
    ]
    assert await untouched(client, number)


async def test_a_balance_never_passes_what_the_api_can_serve(runtime: Runtime) -> None:
    # A program that allows postings of up to 2^31 - 1 points; the balance still stops there.
    program = runtime.program
    generous = [
        msgspec.structs.replace(
            version,
            limits=msgspec.structs.replace(
                version.limits, max_points_per_transaction=MAX_INT_FIGURE
            ),
        )
        for version in program.versions
    ]
    loose = dataclasses.replace(
        runtime, program=msgspec.structs.replace(program, versions=generous)
    )
    client = GraphQLClient(make_app(loose))
    number = await enroll(client)

    first = (await client(ADJUST, input=adjustment(number, 2_000_000_000)))["postPointsAdjustment"]
    second = (await client(ADJUST, input=adjustment(number, 200_000_000)))["postPointsAdjustment"]

    assert first["userErrors"] == []
    assert [e["code"] for e in second["userErrors"]] == ["INVALID_AMOUNT"]
    found = await guest(client, number)  # still readable as Int
    assert found["points"]["balance"] == 2_000_000_000
    await client.aclose()


# --- any decimal, any date -------------------------------------------------------------------

amounts = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(min_value=0, max_value=10**6, places=2).map(str),
    st.sampled_from(["-0", "1e309", "sNaN", "1E+30", "0.001", "00012.5", " 7 ", "1_000"]),
    st.text(max_size=20),
)
days = st.dates(min_value=D(1, 1, 1), max_value=D(9999, 12, 31))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    room=amounts,
    arrival=st.one_of(days, st.dates(D(2025, 1, 1), D(2026, 3, 2))),
    nights=st.integers(1, 5),
)
async def test_any_revenue_and_dates_are_credited_right_or_refused_typed(
    runtime: Runtime, client: GraphQLClient, room: str, arrival: dt.date, nights: int
) -> None:
    number = await enroll(client)
    departure = arrival + dt.timedelta(days=nights) if arrival < D(9999, 12, 26) else arrival
    fields = stay_input(number, arrival=arrival, nights=nights, room=room) | {
        "departureDate": departure.isoformat()
    }

    body = await client.raw(RECORD_STAY, input=fields)

    assert "errors" not in body, body["errors"]
    payload = body["data"]["recordStay"]
    balance = (await guest(client, number))["points"]["balance"]
    assert 0 <= balance <= runtime.program.versions[-1].limits.max_points_per_transaction
    if payload["userErrors"]:
        assert {e["code"] for e in payload["userErrors"]} <= {
            "INVALID_AMOUNT",
            "INVALID_DATES",
        }, payload
        assert balance == 0
        return
    usd = Decimal(room.strip()).quantize(Decimal("0.01"))
    assert Decimal(0) <= usd <= 25_000 * nights
    assert arrival >= D(2025, 1, 1) and departure <= TODAY
    rules = runtime.rules_on(departure)
    assert balance == int((usd * rules.earning.base_points_per_usd).to_integral_value(ROUND_FLOOR))
