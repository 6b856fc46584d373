"""One guest approval, many desk requests at once: against the served app, requests racing
on one code (each with its own idempotency key) spend it once."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from staytier.services.runtime import Runtime
from tests.over_the_wire import (
    APRIL,
    NIGHT_AT_NYCTS,
    at_once,
    award,
    ledger_in_tables,
    member_with,
    post,
)
from tests.support import RECORD_STAY, api_key, guest_token, stay_input

AT_ONCE = 20
REQUEST = """
mutation Request($i: RequestGuestApprovalInput!) {
  requestGuestApproval(input: $i) { code userErrors { code } }
}
"""


@pytest.fixture
async def http(served_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served_url, timeout=300) as client:
        yield client


def as_client(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


async def send(
    http: httpx.AsyncClient, credential: str, document: str, **variables: Any
) -> dict[str, Any]:
    response = await http.post(
        "/graphql",
        json={"query": document, "variables": variables},
        headers=as_client(credential),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body["errors"]
    return body


async def test_requests_racing_on_one_code_spend_it_once(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    number = await member_with(http, 200_000)
    booked = stay_input(number, arrival=dt.date(2026, 3, 20), nights=1, status="BOOKED")
    assert (await post(http, RECORD_STAY, input=booked))["data"]["recordStay"]["userErrors"] == []
    balance, entries = await ledger_in_tables(runtime, number)
    guest = guest_token(runtime, entries[0].member_id)
    desk = await api_key(runtime, "front_desk", properties=["NYCTS"])
    terms = {"memberNumber": number, "operation": "AWARD_STAY", "points": NIGHT_AT_NYCTS,
             "propertyCode": "NYCTS"}  # fmt: skip
    code = (await send(http, guest, REQUEST, i=terms))["data"]["requestGuestApproval"]["code"]
    document, fields, _ = award(number)
    assert fields["arrivalDate"] == APRIL.isoformat()

    bodies = await at_once(
        *(
            send(http, desk, document, input={**award(number)[1], "guestApproval": code})
            for _ in range(AT_ONCE)
        )
    )

    outcomes = [
        [e["code"] for e in body["data"]["redeemAwardStay"]["userErrors"]] for body in bodies
    ]
    assert sorted(outcomes) == [[]] + [["GUEST_APPROVAL_INVALID"]] * (AT_ONCE - 1)
    after, entries = await ledger_in_tables(runtime, number)
    assert after == balance - NIGHT_AT_NYCTS == sum(entry.points for entry in entries)
