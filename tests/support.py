"""Factories and a GraphQL client for tests: build data the way clients do, through the API."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from litestar import Litestar

from staytier.api.http.app import create_app
from staytier.clock import TestClock
from staytier.domain.stays import Folio, StayStatus
from staytier.program.loader import (
    FIXTURES,
    default_program_path,
    load_exchange_rates,
    load_program,
)
from staytier.services.demo import load_properties
from staytier.services.runtime import Runtime
from staytier.services.stays import RecordStay, record_stay
from staytier.settings import Settings
from staytier.store.database import Database
from staytier.store.models import Property

START = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
_keys = itertools.count(1)


def new_key() -> str:
    return f"test-key-{next(_keys)}"


async def make_runtime(
    db: Database, *, start: dt.datetime = START, program: Path | None = None
) -> Runtime:
    runtime = Runtime(
        db=db,
        clock=TestClock(start),
        program=load_program(program or default_program_path()),
        rates=load_exchange_rates(FIXTURES / "exchange_rates.toml"),
    )
    await load_properties(runtime, FIXTURES / "demo" / "properties.toml")
    return runtime


async def service_runtime(db: Database) -> Runtime:
    """For service-level tests: one property in UTC (dates there are UTC dates), the demo
    program, and a test clock at the start of 2024."""
    async with db.transaction() as session:
        session.add(
            Property(
                code="NYC01",
                name="Staytier Times Square",
                brand="Staytier",
                time_zone="UTC",
                category=4,
                currency="USD",
            )
        )
    return Runtime(
        db=db,
        clock=TestClock(dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)),
        program=load_program(default_program_path()),
        rates=load_exchange_rates(FIXTURES / "exchange_rates.toml"),
    )


def set_clock(runtime: Runtime, day: dt.date) -> None:
    """Moves the test clock to noon UTC on ``day``."""
    clock = runtime.clock
    assert isinstance(clock, TestClock)
    clock.set(dt.datetime.combine(day, dt.time(12), dt.UTC))


async def completed_stay(
    runtime: Runtime, member_number: str, departure: dt.date, nights: int, room_per_night: int
) -> None:
    """A completed stay at NYC01 (see :func:`service_runtime`), recorded on its checkout day
    through the service."""
    set_clock(runtime, departure)
    key = new_key()
    await record_stay(
        runtime,
        RecordStay(
            idempotency_key=key,
            member_number=member_number,
            property_code="NYC01",
            confirmation_number=key,
            status=StayStatus.COMPLETED,
            folio=Folio(
                departure - dt.timedelta(days=nights),
                departure,
                "BAR",
                "USD",
                room_revenue=Decimal(room_per_night * nights),
            ),
        ),
    )


def make_app(runtime: Runtime, *, development: bool = True) -> Litestar:
    settings = Settings(
        database_url=runtime.db.url,
        test_clock=runtime.clock.is_test_clock,
        environment="development" if development else "production",
    )
    return create_app(settings, runtime)


class GraphQLClient:
    """Posts GraphQL documents to the app in-process (ASGI) and returns ``data``."""

    def __init__(self, app: Litestar) -> None:
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://staytier.test"
        )

    async def raw(self, document: str, **variables: Any) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql", json={"query": document, "variables": variables}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def __call__(self, document: str, **variables: Any) -> dict[str, Any]:
        body = await self.raw(document, **variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def aclose(self) -> None:
        await self.http.aclose()


ENROLL = """
mutation Enroll($input: EnrollGuestInput!) {
  enrollGuest(input: $input) {
    guest { memberNumber firstName tier { code } }
    userErrors { code field message }
  }
}
"""

RECORD_STAY = """
mutation RecordStay($input: RecordStayInput!) {
  recordStay(input: $input) {
    stay { confirmationNumber status nights }
    guest { memberNumber tier { code validThrough } points { balance } }
    userErrors { code field message }
  }
}
"""

GUEST = """
query Guest($memberNumber: String!) {
  guest(memberNumber: $memberNumber) {
    memberNumber
    tier { code validThrough lifetime }
    tierProgress {
      year qualifyingNights qualifyingStays qualifyingBasePoints
      nextTier { code } nightsToNextTier staysToNextTier basePointsToNextTier
    }
    points { balance expiresOn }
    ledger(first: 100) { edges { node { kind points balanceAfter description } } }
  }
}
"""


async def enroll(client: GraphQLClient, first: str = "Ada", last: str = "Guest") -> str:
    data = await client(ENROLL, input={"firstName": first, "lastName": last})
    assert data["enrollGuest"]["userErrors"] == []
    number: str = data["enrollGuest"]["guest"]["memberNumber"]
    return number


def stay_input(
    member_number: str,
    *,
    arrival: dt.date,
    nights: int,
    confirmation: str | None = None,
    property_code: str = "NYCTS",
    status: str = "COMPLETED",
    room: str = "100.00",
    fb: str = "0",
    other: str = "0",
    rate_code: str = "BAR",
    currency: str | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "idempotencyKey": key or new_key(),
        "memberNumber": member_number,
        "propertyCode": property_code,
        "confirmationNumber": confirmation or f"C-{next(_keys)}",
        "status": status,
        "arrivalDate": arrival.isoformat(),
        "departureDate": (arrival + dt.timedelta(days=nights)).isoformat(),
        "rateCode": rate_code,
        "roomRevenue": room,
        "foodAndBeverageRevenue": fb,
        "otherRevenue": other,
    }
    if currency is not None:
        fields["currency"] = currency
    return fields


async def record(client: GraphQLClient, **kwargs: Any) -> dict[str, Any]:
    member_number = kwargs.pop("member_number")
    data = await client(RECORD_STAY, input=stay_input(member_number, **kwargs))
    payload: dict[str, Any] = data["recordStay"]
    return payload


async def guest(client: GraphQLClient, member_number: str) -> dict[str, Any]:
    data = await client(GUEST, memberNumber=member_number)
    found: dict[str, Any] = data["guest"]
    return found
