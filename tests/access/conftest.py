"""Fixtures of the access tests."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest

from staytier.services.partners import Partners, demo_partners
from staytier.services.runtime import Runtime
from tests.access.scenes import CARD_SECRET, Scene
from tests.partners import API_KEYS, SimulatedPartners, partners_at
from tests.support import GraphQLClient, make_app


@pytest.fixture
async def scene(runtime: Runtime, simulators: SimulatedPartners) -> AsyncIterator[Scene]:
    card = demo_partners().get("STAYCARD")
    assert card is not None
    partners = partners_at(simulators.urls)
    environ = {**API_KEYS, "STAYTIER_STAYCARD_WEBHOOK_SECRET": CARD_SECRET}
    wired = dataclasses.replace(runtime, partners=Partners([*partners.all, card], environ))
    app = make_app(wired)
    admin = GraphQLClient(app)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://staytier.test"
    ) as http:
        yield Scene(wired, admin, http)
    await admin.aclose()
