"""Partners retry, and busy hotels post many stays at once: against the served app, requests
that arrive together are each answered, and nothing is lost or counted twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from staytier.services.runtime import Runtime
from staytier.store.models import Credit, Member, Stay
from tests.over_the_wire import at_once, enroll, ledger_in_tables, post
from tests.support import ENROLL, GUEST, RECORD_STAY, stay_input

D = dt.date
AT_ONCE = 20


@pytest.fixture
async def http(served_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served_url, timeout=120) as client:
        yield client


async def guest(http: httpx.AsyncClient, number: str) -> dict[str, Any]:
    found: dict[str, Any] = (await post(http, GUEST, memberNumber=number))["data"]["guest"]
    return found


async def test_a_stay_retried_twenty_times_at_once_is_credited_once(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    number = await enroll(http)
    fields = stay_input(number, arrival=D(2026, 2, 10), nights=3, room="250", confirmation="R1")

    bodies = await at_once(*(post(http, RECORD_STAY, input=fields) for _ in range(AT_ONCE)))

    first = bodies[0]["data"]["recordStay"]
    assert first["userErrors"] == []
    assert first["stay"] == {"confirmationNumber": "R1", "status": "COMPLETED", "nights": 3}
    assert first["guest"]["points"] == {"balance": 2_500}
    assert all(body == bodies[0] for body in bodies)  # every retry gets the first answer
    found = await guest(http, number)
    assert [e["node"]["kind"] for e in found["ledger"]["edges"]] == ["EARN"]
    assert found["points"]["balance"] == 2_500
    assert found["tierProgress"]["qualifyingNights"] == 3
    assert found["tierProgress"]["qualifyingStays"] == 1
    balance, entries = await ledger_in_tables(runtime, number)
    assert (balance, [e.points for e in entries]) == (2_500, [2_500])
    async with runtime.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Stay)) == 1
        assert await session.scalar(select(func.count()).select_from(Credit)) == 1


async def test_twenty_different_stays_of_one_member_at_once_are_all_credited(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    number = await enroll(http)
    stays = [
        stay_input(number, arrival=D(2026, 2, 10), nights=1, room="100", confirmation=f"M{i}")
        for i in range(AT_ONCE)
    ]

    bodies = await at_once(*(post(http, RECORD_STAY, input=fields) for fields in stays))

    assert all(body["data"]["recordStay"]["userErrors"] == [] for body in bodies)
    found = await guest(http, number)
    assert found["tierProgress"]["qualifyingNights"] == AT_ONCE * 1
    assert found["tierProgress"]["qualifyingStays"] == AT_ONCE
    assert found["tier"]["code"] == "PLATINUM"  # 20 stays
    edges = found["ledger"]["edges"]
    earned = [e["node"]["points"] for e in edges if e["node"]["kind"] == "EARN"]
    assert earned == [1_000] * AT_ONCE
    # Each stay earns the bonus of the tier held when it is credited, and each one sees every
    # stay credited before it: 4 stays make Silver, 10 Gold. So the first four earn no bonus,
    # the next six +10% (100 each), the last ten +25% (250 each) -- whatever order they came in.
    # A lost update would show as a missing stay, night or bonus here.
    expected = AT_ONCE * 1_000 + 6 * 100 + 10 * 250
    assert found["points"]["balance"] == expected
    balance, entries = await ledger_in_tables(runtime, number)
    assert balance == sum(e.points for e in entries) == expected
    running = 0
    for entry in entries:
        running += entry.points
        assert entry.balance_after == running


async def test_twenty_guests_enrolling_at_once_all_get_their_own_member_number(
    http: httpx.AsyncClient,
) -> None:
    bodies = await at_once(
        *(
            post(
                http,
                ENROLL,
                input={"firstName": f"Guest{i}", "lastName": "Rush", "email": f"g{i}@example.com"},
            )
            for i in range(AT_ONCE)
        )
    )

    assert all(body["data"]["enrollGuest"]["userErrors"] == [] for body in bodies)
    numbers = {body["data"]["enrollGuest"]["guest"]["memberNumber"] for body in bodies}
    assert len(numbers) == AT_ONCE
    for number in numbers:
        assert (await guest(http, number))["memberNumber"] == number


async def test_one_email_enrolled_twenty_times_at_once_makes_one_member(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    fields = {"firstName": "Ada", "lastName": "Twice", "email": "ada@example.com"}

    bodies = await at_once(*(post(http, ENROLL, input=fields) for _ in range(AT_ONCE)))

    payloads = [body["data"]["enrollGuest"] for body in bodies]
    enrolled = [p for p in payloads if p["userErrors"] == []]
    refused = [p["userErrors"] for p in payloads if p["userErrors"]]
    assert len(enrolled) == 1
    assert all([e["code"] for e in errors] == ["EMAIL_ALREADY_ENROLLED"] for errors in refused)
    async with runtime.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Member)) == 1
