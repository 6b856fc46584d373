"""One balance, many spenders at once: against the served app, award stays, donations and
miles transfers that arrive together never overdraw the balance, the balance stays the
sum of the ledger, exactly the affordable ones succeed, and a retried request is one debit
and one partner request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from staytier.services.runtime import Runtime
from staytier.store.models import PartnerRequest
from tests.over_the_wire import (
    NIGHT_AT_NYCTS,
    at_once,
    award,
    ledger_in_tables,
    member_with,
    post,
)
from tests.support import new_key

AT_ONCE = 100
RETRIES = 20

DONATE = """
mutation Donate($input: DonatePointsInput!) {
  donatePoints(input: $input) { donation { number status } userErrors { code } }
}
"""
TRANSFER = """
mutation Transfer($input: TransferPointsToMilesInput!) {
  transferPointsToMiles(input: $input) { milesTransfer { number miles } userErrors { code } }
}
"""


@pytest.fixture
async def http(served_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served_url, timeout=300) as client:
        yield client


def donation(number: str, key: str | None = None) -> tuple[str, dict[str, Any], int]:
    fields = {"idempotencyKey": key or new_key(), "memberNumber": number,
              "charity": "GREENTREES", "points": 10_000}  # fmt: skip
    return DONATE, fields, 10_000


def transfer(number: str, key: str | None = None) -> tuple[str, dict[str, Any], int]:
    fields = {"idempotencyKey": key or new_key(), "memberNumber": number, "airline": "SKYWAYS",
              "frequentFlyerNumber": "SW123456789", "points": 30_000}  # fmt: skip
    return TRANSFER, fields, 30_000


def payload_of(body: dict[str, Any]) -> dict[str, Any]:
    [payload] = body["data"].values()
    found: dict[str, Any] = payload
    return found


async def books_balance(runtime: Runtime, number: str) -> int:
    """The balance, checked against the ledger: equal to its sum, each running total
    written as balance_after, never below zero."""
    balance, entries = await ledger_in_tables(runtime, number)
    running = 0
    for entry in entries:
        running += entry.points
        assert entry.balance_after == running >= 0
    assert balance == running
    return balance


async def partner_requests(runtime: Runtime) -> int:
    async with runtime.db.reading() as session:
        count = await session.scalar(select(func.count()).select_from(PartnerRequest))
    return int(count or 0)


async def test_a_hundred_spenders_at_once_never_overdraw_and_the_affordable_ones_succeed(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    opening = 1_000_000
    number = await member_with(http, opening)
    makers = (award, donation, transfer)
    requests = [makers[i % 3](number) for i in range(AT_ONCE)]

    bodies = await at_once(*(post(http, doc, input=fields) for doc, fields, _ in requests))

    payloads = [payload_of(body) for body in bodies]
    spent = [
        cost for (_, _, cost), p in zip(requests, payloads, strict=True) if not p["userErrors"]
    ]
    refused = [
        (cost, p["userErrors"])
        for (_, _, cost), p in zip(requests, payloads, strict=True)
        if p["userErrors"]
    ]
    balance = await books_balance(runtime, number)
    assert balance == opening - sum(spent) >= 0
    assert refused, "the opening balance should not cover every request"
    # Exactly the affordable ones: everything refused was refused for want of points, and
    # would not fit in what is left even now (the balance only fell meanwhile).
    for cost, errors in refused:
        assert [e["code"] for e in errors] == ["NOT_ENOUGH_POINTS"]
        assert cost > balance
    accepted_partner_calls = sum(1 for cost in spent if cost != NIGHT_AT_NYCTS)
    assert await partner_requests(runtime) == accepted_partner_calls


async def test_a_hundred_donations_of_10000_against_255000_points_make_exactly_25(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    number = await member_with(http, 255_000)
    requests = [donation(number) for _ in range(AT_ONCE)]

    bodies = await at_once(*(post(http, doc, input=fields) for doc, fields, _ in requests))

    accepted = [p for p in map(payload_of, bodies) if not p["userErrors"]]
    assert len(accepted) == 25
    assert await books_balance(runtime, number) == 5_000
    assert await partner_requests(runtime) == 25


@pytest.mark.parametrize("maker", [award, donation, transfer], ids=lambda m: m.__name__)
async def test_one_request_retried_twenty_times_at_once_is_one_debit_and_one_partner_call(
    http: httpx.AsyncClient, runtime: Runtime, maker: Any
) -> None:
    number = await member_with(http, 100_000)
    document, fields, cost = maker(number, key=new_key())

    bodies = await at_once(*(post(http, document, input=fields) for _ in range(RETRIES)))

    assert all(body == bodies[0] for body in bodies)
    assert payload_of(bodies[0])["userErrors"] == []
    assert await books_balance(runtime, number) == 100_000 - cost
    assert await partner_requests(runtime) == (0 if maker is award else 1)
