"""The served app as a deployment runs it: no header is anonymous, each role a real key."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from staytier.domain.access import Role
from staytier.services.runtime import Runtime
from staytier.store.models import Member
from tests.e2e.conftest import serving
from tests.support import GraphQLClient, api_key, enroll, guest_token, make_app, record

ADMIN, DESK, PARTNER, GUEST, ANALYST, ANONYMOUS = (
    "admin",
    "front_desk",
    "booking_partner",
    "guest",
    "analyst",
    "anonymous",
)


@dataclass
class Caller:
    """Sends GraphQL over HTTP with one credential (or none)."""

    http: httpx.AsyncClient
    credential: str | None

    async def post(self, document: str, **variables: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.credential}"} if self.credential else {}
        return await self.http.post(
            "/graphql", json={"query": document, "variables": variables}, headers=headers
        )

    async def body(self, document: str, **variables: Any) -> dict[str, Any]:
        response = await self.post(document, **variables)
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found


def forbidden(body: dict[str, Any]) -> bool:
    return any(
        (error.get("extensions") or {}).get("code") == "FORBIDDEN"
        for error in body.get("errors") or []
    )


@dataclass(frozen=True)
class Scenario:
    """Ada stayed at NYCTS last week; Bob only at LONKX; the partner SITE enrolled Cy today."""

    ada: str
    ada_id: int
    bob: str
    cy: str
    credentials: dict[str, str | None]


async def _member_id(runtime: Runtime, number: str) -> int:
    async with runtime.db.reading() as session:
        found = await session.scalar(select(Member.id).where(Member.member_number == number))
    assert found is not None
    return found


@contextlib.asynccontextmanager
async def served_scenario(runtime: Runtime) -> AsyncIterator[tuple[str, Scenario]]:
    """Sets the scene (see :class:`Scenario`), then serves the app strictly: a request
    without a header is anonymous. Yields the base URL and the scene."""
    admin = GraphQLClient(make_app(runtime))  # the in-process admin sets the scene
    ada = await enroll(admin, "Ada", "Lovelace")
    bob = await enroll(admin, "Bob", "Kahn")
    await record(admin, member_number=ada, arrival=dt.date(2026, 2, 25), nights=2)
    await record(
        admin, member_number=bob, arrival=dt.date(2026, 2, 25), nights=2, property_code="LONKX"
    )
    partner_key = await api_key(runtime, Role.BOOKING_PARTNER, partner="SITE")
    cy_body = await GraphQLClient(make_app(runtime), partner_key)(
        'mutation { enrollGuest(input: {firstName: "Cy", lastName: "Young"}) '
        "{ guest { memberNumber } } }"
    )
    cy = cy_body["enrollGuest"]["guest"]["memberNumber"]
    ada_id = await _member_id(runtime, ada)
    credentials: dict[str, str | None] = {
        ADMIN: await api_key(runtime, Role.ADMIN),
        DESK: await api_key(runtime, Role.FRONT_DESK, properties=["NYCTS"]),
        PARTNER: partner_key,
        GUEST: guest_token(runtime, ada_id),
        ANALYST: await api_key(runtime, Role.ANALYST),
        ANONYMOUS: None,
    }
    async with serving(make_app(runtime, strict=True)) as url:
        yield url, Scenario(ada, ada_id, bob, cy, credentials)
    await admin.aclose()
