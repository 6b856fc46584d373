"""What ``staytier serve --demo`` runs beside the app: partner simulators and a delivery
worker, so a donation made in the demo reaches the charity simulator over HTTP."""

from __future__ import annotations

import asyncio
import dataclasses

import httpx

from staytier.connectors.demo_partners import simulated_partners
from staytier.services.partners import Partners, demo_partners
from staytier.services.runtime import Runtime
from tests.partners import donate, member_with_points, requests

DELIVERY_SECONDS = 30


async def test_the_demo_delivers_a_donation_to_the_charity_simulator(runtime: Runtime) -> None:
    environ: dict[str, str] = {}  # no API keys set: the demo makes them up for the run
    demo = dataclasses.replace(runtime, partners=Partners(list(demo_partners().all), environ))
    member = await member_with_points(demo, 5000)

    async with simulated_partners(demo, environ) as simulators:
        await donate(demo, member, 1000)
        async with asyncio.timeout(DELIVERY_SECONDS):
            # The outcome is recorded in the database, which has no event to wait on.
            while (await requests(demo))[0].state != "ACCEPTED":  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        charity = simulators["GREENTREES"]
        async with httpx.AsyncClient() as http:
            state = (await http.get(f"{charity.url}/_simulator")).json()

    assert set(simulators) == {"SKYWAYS", "GREENTREES", "CLEANWATER", "PMS"}
    assert environ["STAYTIER_GREENTREES_API_KEY"]  # made up, and checked by the simulator
    [(key, donation)] = state["effects"].items()
    assert key.startswith("donation:")
    assert donation["member_number"] == member and donation["points"] == 1000
