"""The service follows whatever program file it serves: nothing in the code knows a threshold."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from staytier.store.database import Database
from tests.support import GraphQLClient, enroll, guest, make_app, make_runtime, record

OTHER_PROGRAM = """
code = "ORBIT"
name = "Orbit Club"

[[versions]]
version = "1"
effective_from = 2020-01-01

  [versions.qualification]
  status_grace_days = 0
  max_stay_nights = 14

  [versions.earning]
  base_points_per_usd = 4
  eligible_revenue = ["room", "other"]

  [[versions.tiers]]
  code = "BLUE"
  name = "Blue"
  rank = 10

  [[versions.tiers]]
  code = "RED"
  name = "Red"
  rank = 20
  qualifying_stays = 2
  bonus_percent = 100

  [[versions.tiers]]
  code = "BLACK"
  name = "Black"
  rank = 30
  qualifying_nights = 7
  bonus_percent = 200
"""


@pytest.fixture
async def orbit(db: Database, tmp_path: Path) -> AsyncIterator[GraphQLClient]:
    path = tmp_path / "orbit.toml"
    path.write_text(OTHER_PROGRAM)
    client = GraphQLClient(make_app(await make_runtime(db, program=path)))
    yield client
    await client.aclose()


async def test_the_program_query_shows_the_served_program(orbit: GraphQLClient) -> None:
    data = await orbit("{ program { code version tiers { code rank qualifyingStays } } }")
    assert data["program"] == {
        "code": "ORBIT",
        "version": "1",
        "tiers": [
            {"code": "BLUE", "rank": 10, "qualifyingStays": None},
            {"code": "RED", "rank": 20, "qualifyingStays": 2},
            {"code": "BLACK", "rank": 30, "qualifyingStays": None},
        ],
    }


async def test_tiers_rates_bonuses_and_limits_come_from_the_file(orbit: GraphQLClient) -> None:
    number = await enroll(orbit)
    assert (await guest(orbit, number))["tier"]["code"] == "BLUE"
    await record(
        orbit, member_number=number, arrival=dt.date(2026, 1, 5), nights=1, room="100", other="50"
    )
    found = await guest(orbit, number)
    assert found["points"]["balance"] == 600  # 4 a USD of room + other
    assert found["tierProgress"]["nextTier"]["code"] == "RED"
    assert found["tierProgress"]["staysToNextTier"] == 1
    assert found["tierProgress"]["nightsToNextTier"] is None  # RED has no nights path
    second = await record(
        orbit, member_number=number, arrival=dt.date(2026, 2, 5), nights=1, room="100"
    )
    assert second["guest"]["tier"] == {"code": "RED", "validThrough": "2027-12-31"}
    third = await record(
        orbit, member_number=number, arrival=dt.date(2026, 2, 10), nights=1, room="100"
    )
    assert third["guest"]["points"]["balance"] == 600 + 400 + 400 + 400  # +100% at RED
    too_long = await record(orbit, member_number=number, arrival=dt.date(2026, 2, 12), nights=15)
    assert [e["code"] for e in too_long["userErrors"]] == ["STAY_TOO_LONG"]
