"""The demo tells the same story whenever it is loaded."""

from __future__ import annotations

import datetime as dt

import pytest

from staytier.clock import TestClock
from staytier.program.loader import FIXTURES
from staytier.services.demo import load_demo
from staytier.services.runtime import Runtime
from tests.support import GraphQLClient, guest


@pytest.mark.parametrize(
    "today",
    [dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC), dt.datetime(2026, 11, 27, 9, tzinfo=dt.UTC)],
)
async def test_the_demo_members_hold_the_tiers_the_tour_promises(
    runtime: Runtime, client: GraphQLClient, today: dt.datetime
) -> None:
    assert isinstance(runtime.clock, TestClock)
    runtime.clock.set(today)
    loaded = await load_demo(runtime, FIXTURES / "demo")
    assert (loaded.members, loaded.stays) == (4, 18)
    tiers = {
        number: (await guest(client, number))["tier"]["code"]
        for number in ("1000000016", "1000000024", "1000000032", "1000000040")
    }
    assert tiers == {
        "1000000016": "PLATINUM",
        "1000000024": "GOLD",
        "1000000032": "SILVER",
        "1000000040": "MEMBER",
    }
    katherine = (await guest(client, "1000000032"))["tierProgress"]
    assert (katherine["qualifyingNights"], katherine["nightsToNextTier"]) == (22, 3)
    again = await load_demo(runtime, FIXTURES / "demo")
    assert (again.members, again.stays) == (0, 0)


async def test_tonights_demo_arrivals_show_rich_profiles(
    runtime: Runtime, client: GraphQLClient
) -> None:
    await load_demo(runtime, FIXTURES / "demo")
    tonight = runtime.today().isoformat()  # 2 March 2026: the New York date too

    data = await client(
        """query($d: Date!) { arrivals(propertyCode: "NYCTS", date: $d) { edges { node {
          memberNumber tier { code } preferences { category value }
          specialDates { kind fallsOn } staffNotes { author } firstStayAtProperty } } } }""",
        d=tonight,
    )

    arrivals = {e["node"]["memberNumber"]: e["node"] for e in data["arrivals"]["edges"]}
    assert set(arrivals) == {"1000000032", "1000000040"}
    katherine, alan = arrivals["1000000032"], arrivals["1000000040"]
    assert katherine["tier"]["code"] == "SILVER"
    assert {p["category"] for p in katherine["preferences"]} >= {"FLOOR", "NEWSPAPER"}
    assert [d["kind"] for d in katherine["specialDates"]] == ["BIRTHDAY"]
    assert katherine["staffNotes"] and katherine["firstStayAtProperty"] is False
    assert alan["preferences"] == [] and alan["firstStayAtProperty"] is True
    grace = await client(
        """{ guest(memberNumber: "1000000016") { preferences { category value sensitive }
          specialDates { kind } consents { purpose granted } } }"""
    )
    values = {p["category"]: p["value"] for p in grace["guest"]["preferences"]}
    assert values["PILLOW"] == "FEATHER_FREE" and values["ALLERGIES"] == "peanuts"
    assert values["FAVOURITE_DRINK"] == "Earl Grey, hot"
    assert [d["kind"] for d in grace["guest"]["specialDates"]] == ["ANNIVERSARY", "BIRTHDAY"]
