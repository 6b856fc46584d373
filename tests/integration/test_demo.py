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
    assert (loaded.members, loaded.stays) == (4, 16)
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
