"""Dates at their edges, on the real system clock frozen at chosen instants: New Year's Eve
in New York after midnight UTC, a checkout in Tokyo while it is still yesterday at home, leap
days, and the last day of the status grace in the member's own time zone. Then, on the test
clock, the day a new program version comes into force."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from staytier.clock import SystemClock
from staytier.connectors.registry import default_connectors
from staytier.program.loader import (
    FIXTURES,
    default_program_path,
    load_exchange_rates,
    load_program,
)
from staytier.services.demo import load_properties
from staytier.services.runtime import Runtime
from staytier.store.database import Database
from staytier.store.models import Member, QualifyingCredit
from tests.support import ENROLL, GraphQLClient, make_app, make_runtime, record

D = dt.date

STANDING = """
query Standing($memberNumber: String!) {
  guest(memberNumber: $memberNumber) {
    tier { code validThrough }
    tierProgress { year qualifyingNights qualifyingStays qualifyingBasePoints }
    points { balance expiresOn }
    ledger(first: 10) { edges { node { kind points effectiveOn } } }
  }
}
"""


@contextmanager
def at(instant: str, time_zone: str = "UTC") -> Iterator[None]:
    """The system clock stopped at ``instant`` (ISO, local time in ``time_zone``); asyncio
    keeps its own monotonic time so the event loop and the database drivers still run."""
    moment = dt.datetime.fromisoformat(instant).replace(tzinfo=ZoneInfo(time_zone))
    with freeze_time(moment.astimezone(dt.UTC), real_asyncio=True):
        yield


@pytest.fixture
async def runtime(db: Database) -> Runtime:
    """The demo program and properties, on the real clock (frozen by each test)."""
    runtime = Runtime(
        db=db,
        clock=SystemClock(),
        program=load_program(default_program_path()),
        rates=load_exchange_rates(FIXTURES / "exchange_rates.toml"),
        connectors=default_connectors(),
    )
    await load_properties(runtime, FIXTURES / "demo" / "properties.toml")
    return runtime


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[GraphQLClient]:
    graphql = GraphQLClient(make_app(runtime))
    yield graphql
    await graphql.aclose()


async def enroll(client: GraphQLClient, time_zone: str = "UTC") -> str:
    data = await client(
        ENROLL, input={"firstName": "Ada", "lastName": "Guest", "timeZone": time_zone}
    )
    assert data["enrollGuest"]["userErrors"] == []
    number: str = data["enrollGuest"]["guest"]["memberNumber"]
    return number


async def standing(client: GraphQLClient, number: str) -> dict[str, Any]:
    found: dict[str, Any] = (await client(STANDING, memberNumber=number))["guest"]
    return found


async def qualifying_by_year(runtime: Runtime, number: str) -> dict[int, tuple[int, int]]:
    """(nights, stays) per qualification year, summed straight from the table."""
    async with runtime.db.reading() as session:
        member_id = await session.scalar(select(Member.id).where(Member.member_number == number))
        rows = (
            await session.execute(
                select(
                    QualifyingCredit.year, QualifyingCredit.nights, QualifyingCredit.stays
                ).where(QualifyingCredit.member_id == member_id)
            )
        ).all()
    totals: dict[int, tuple[int, int]] = {}
    for year, nights, stays in rows:
        before = totals.get(year, (0, 0))
        totals[year] = (before[0] + nights, before[1] + stays)
    return totals


async def test_checkout_on_new_years_eve_in_new_york_counts_in_that_year_after_midnight_utc(
    runtime: Runtime, client: GraphQLClient
) -> None:
    new_york = "America/New_York"
    with at("2026-12-20T12:00", new_york):
        number = await enroll(client, new_york)
    # 23:30 on 31 December in New York is already 04:30 on 1 January 2027 in UTC.
    with at("2026-12-31T23:30", new_york):
        payload = await record(
            client, member_number=number, arrival=D(2026, 12, 21), nights=10, room="1000"
        )
        assert payload["userErrors"] == []
        found = await standing(client, number)
    assert found["tierProgress"]["year"] == 2026  # still 2026 for a guest in New York
    assert found["tierProgress"]["qualifyingNights"] == 10
    assert found["tierProgress"]["qualifyingStays"] == 1
    assert found["tier"] == {"code": "SILVER", "validThrough": "2028-02-28"}
    assert found["ledger"]["edges"][0]["node"] == {
        "kind": "EARN",
        "points": 10_000,
        "effectiveOn": "2026-12-31",
    }
    assert await qualifying_by_year(runtime, number) == {2026: (10, 1)}

    with at("2027-01-02T09:00", new_york):
        found = await standing(client, number)
    assert found["tierProgress"]["year"] == 2027
    assert found["tierProgress"]["qualifyingNights"] == 0
    assert found["tier"] == {"code": "SILVER", "validThrough": "2028-02-28"}
    # 2028 is a leap year: the grace still ends on 28 February, not on the 29th.
    with at("2028-02-28T23:30", new_york):
        assert (await standing(client, number))["tier"]["code"] == "SILVER"
    with at("2028-02-29T00:30", new_york):
        assert (await standing(client, number))["tier"] == {"code": "MEMBER", "validThrough": None}


async def test_a_new_yorker_checking_out_in_tokyo_is_upgraded_at_once(
    client: GraphQLClient,
) -> None:
    # 11:00 on 2 March in Tokyo is still 1 March in New York, where the guest lives.
    with at("2026-02-15T12:00", "America/New_York"):
        number = await enroll(client, "America/New_York")
    with at("2026-03-02T11:00", "Asia/Tokyo"):
        payload = await record(
            client,
            member_number=number,
            property_code="TYOGZ",
            arrival=D(2026, 2, 20),
            nights=10,
            room="300000",
        )
        assert payload["userErrors"] == []
        found = await standing(client, number)
    assert found["tierProgress"]["qualifyingNights"] == 10
    assert found["tier"] == {"code": "SILVER", "validThrough": "2028-02-28"}


async def test_a_stay_over_the_leap_day_counts_all_its_nights(
    runtime: Runtime, client: GraphQLClient
) -> None:
    with at("2028-03-02T12:00"):
        number = await enroll(client)
        payload = await record(
            client, member_number=number, arrival=D(2028, 2, 28), nights=3, room="300"
        )
        assert payload["stay"]["nights"] == 3
        found = await standing(client, number)
    assert found["tierProgress"]["year"] == 2028
    assert found["tierProgress"]["qualifyingNights"] == 3  # 28 Feb, 29 Feb, 1 Mar
    assert found["tierProgress"]["qualifyingStays"] == 1
    assert await qualifying_by_year(runtime, number) == {2028: (3, 1)}


async def test_points_last_earned_on_a_leap_day_expire_on_28_february_two_years_on(
    client: GraphQLClient,
) -> None:
    with at("2028-02-29T18:00"):
        number = await enroll(client)
        await record(client, member_number=number, arrival=D(2028, 2, 27), nights=2, room="200")
        found = await standing(client, number)
    assert found["ledger"]["edges"][0]["node"]["effectiveOn"] == "2028-02-29"
    assert found["points"] == {"balance": 2_000, "expiresOn": "2030-02-28"}
    with at("2029-07-01T12:00"):  # nothing happened since: the date has not moved
        assert (await standing(client, number))["points"]["expiresOn"] == "2030-02-28"


@pytest.mark.parametrize("time_zone", ["UTC", "America/Los_Angeles", "Asia/Tokyo"])
async def test_status_earned_in_2025_is_held_through_the_last_grace_day_in_the_guests_zone(
    client: GraphQLClient, time_zone: str
) -> None:
    with at("2025-06-20T12:00", time_zone):
        number = await enroll(client, time_zone)
        await record(client, member_number=number, arrival=D(2025, 6, 5), nights=10)
        assert (await standing(client, number))["tier"] == {
            "code": "SILVER",
            "validThrough": "2027-02-28",
        }
    with at("2026-05-20T12:00", time_zone):  # 2026: two nights, short of Silver
        await record(client, member_number=number, arrival=D(2026, 5, 10), nights=2)

    # Late on the last day of the grace where the guest is (in Los Angeles, already
    # 1 March in UTC), and just after midnight the next day (in Tokyo, still 28 February).
    with at("2027-02-28T23:30", time_zone):
        found = await standing(client, number)
    assert found["tier"] == {"code": "SILVER", "validThrough": "2027-02-28"}
    with at("2027-03-01T00:30", time_zone):
        found = await standing(client, number)
    assert found["tier"] == {"code": "MEMBER", "validThrough": None}


@pytest.fixture
def program_doubling_points_in_2026(tmp_path: Path) -> Path:
    """The demo program, but version 2026.1 pays 20 base points a USD instead of 10."""
    text = default_program_path().read_text()
    before, marker, after = text.partition('version = "2026.1"')
    assert marker and after.count("base_points_per_usd = 10") == 1
    path = tmp_path / "program.toml"
    path.write_text(
        before + marker + after.replace("base_points_per_usd = 10", "base_points_per_usd = 20")
    )
    return path


async def test_a_stay_earns_by_the_rules_in_force_on_its_checkout_date(
    db: Database, program_doubling_points_in_2026: Path
) -> None:
    runtime = await make_runtime(db, program=program_doubling_points_in_2026)
    client = GraphQLClient(make_app(runtime))
    try:
        number = await enroll(client)
        old_year = await record(
            client, member_number=number, arrival=D(2025, 12, 30), nights=1, room="100"
        )
        # Arrives under 2025.1, checks out on the first day of 2026.1.
        new_year = await record(
            client, member_number=number, arrival=D(2025, 12, 31), nights=1, room="100"
        )
        assert old_year["guest"]["points"]["balance"] == 1_000  # 10 a USD
        assert new_year["guest"]["points"]["balance"] == 1_000 + 2_000  # then 20 a USD
        found = await standing(client, number)
        assert found["tierProgress"]["qualifyingBasePoints"] == 2_000
    finally:
        await client.aclose()


@pytest.fixture
def program_raising_silver_in_2026(tmp_path: Path) -> Path:
    """The demo program, but from version 2026.1 Silver takes 20 nights instead of 10."""
    text = default_program_path().read_text()
    before, marker, after = text.partition('version = "2026.1"')
    silver = 'code = "SILVER"\n  name = "Silver"\n  rank = 1\n  qualifying_nights = 10'
    assert marker and after.count(silver) == 1
    path = tmp_path / "program.toml"
    path.write_text(before + marker + after.replace(silver, silver[:-2] + "20"))
    return path


async def test_status_earned_under_last_years_rules_survives_a_late_cancellation_under_new_ones(
    db: Database, program_raising_silver_in_2026: Path
) -> None:
    runtime = await make_runtime(db, program=program_raising_silver_in_2026)  # 2 March 2026
    client = GraphQLClient(make_app(runtime))
    try:
        number = await enroll(client)
        await record(client, member_number=number, arrival=D(2025, 6, 1), nights=10)
        late = {"member_number": number, "confirmation": "LATE1", "arrival": D(2025, 9, 1)}
        earned = await record(client, nights=2, **late)
        assert earned["guest"]["tier"] == {"code": "SILVER", "validThrough": "2027-02-28"}
        # A 2025 stay is cancelled late, in 2026: the ten nights left in 2025 still make
        # Silver by the 2025 rules (10 nights); the 2026 rules (20) do not judge 2025.
        cancelled = await record(client, nights=2, status="CANCELLED", **late)
        assert cancelled["userErrors"] == []
        assert cancelled["guest"]["tier"] == {"code": "SILVER", "validThrough": "2027-02-28"}
    finally:
        await client.aclose()
