"""Factories and a GraphQL client for tests: build data the way clients do, through the API."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from litestar import Litestar
from sqlalchemy import event

from staytier.api.http.app import create_app
from staytier.api.http.auth import Authenticator
from staytier.clock import TestClock
from staytier.domain.access import Principal, Role
from staytier.domain.stays import Folio, StayStatus
from staytier.program.loader import (
    FIXTURES,
    default_program_path,
    load_exchange_rates,
    load_program,
)
from staytier.services.clients import create_client
from staytier.services.demo import load_properties
from staytier.services.guest_sign_in import issue_token
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


TEST_ADMIN = Principal(role=Role.ADMIN, client_id="test-admin", name="test admin")
TEST_SECRET = "a-test-secret-that-is-long-enough-for-production-0123456789"


class Outbox:
    """Stands in for the mail relay: keeps what would have been sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, to: str, subject: str, body: str) -> None:
        self.sent.append((to, body))

    def last_code(self) -> str:
        found = re.search(r"\b(\d{6})\b", self.sent[-1][1])
        assert found
        return found.group(1)


class AdminByDefault(Authenticator):
    """Tests that do not say who they are act as an admin; a request with an
    ``Authorization`` header goes through the real authentication."""

    async def principal(self, runtime: Runtime, authorization: str | None) -> Principal:
        if not authorization:
            return TEST_ADMIN
        return await super().principal(runtime, authorization)


def make_app(
    runtime: Runtime, *, development: bool = True, strict: bool = False, **settings: Any
) -> Litestar:
    """The app over ``runtime``. Requests without an ``Authorization`` header act as an admin
    unless ``strict``, where they are anonymous as in a deployment."""
    config = Settings(
        database_url=runtime.db.url,
        # Production refuses the test clock; the runtime keeps its own clock regardless.
        test_clock=runtime.clock.is_test_clock and development,
        environment="development" if development else "production",
        secret_key="" if development else TEST_SECRET,
        **settings,
    )
    return create_app(config, runtime, authenticator=None if strict else AdminByDefault())


async def api_key(
    runtime: Runtime,
    role: Role | str,
    *,
    properties: list[str] | None = None,
    partner: str | None = None,
    name: str | None = None,
) -> str:
    """A new API key for a client of ``role`` (see ``staytier clients create``)."""
    role = Role(role)
    issued = await create_client(
        runtime,
        role=role,
        name=name or f"test {role.value}",
        properties=properties,
        partner=partner,
    )
    return issued.key


def guest_token(runtime: Runtime, member_id: int) -> str:
    """A signed-in guest's token, as ``completeGuestSignIn`` issues it."""
    return issue_token(runtime, member_id).token


class GraphQLClient:
    """Posts GraphQL documents to the app in-process (ASGI) and returns ``data``.

    Without ``credential`` the requests carry no ``Authorization`` header: with
    :func:`make_app` that is an admin. :meth:`acting_as` gives a client that sends a key or
    a guest token instead.
    """

    def __init__(self, app: Litestar, credential: str | None = None) -> None:
        self.app = app
        headers = {"Authorization": f"Bearer {credential}"} if credential else {}
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://staytier.test",
            headers=headers,
        )

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    async def acting_as(
        self,
        role: Role | str,
        *,
        properties: list[str] | None = None,
        partner: str | None = None,
        member_id: int | None = None,
    ) -> GraphQLClient:
        """A client on the same app acting as a new client of ``role``; for ``guest``, as the
        member ``member_id`` with a guest token. Close it with :meth:`aclose`."""
        if Role(role) is Role.GUEST:
            assert member_id is not None, "a guest token is for one member"
            return GraphQLClient(self.app, guest_token(self.runtime, member_id))
        key = await api_key(self.runtime, role, properties=properties, partner=partner)
        return GraphQLClient(self.app, key)

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


@contextmanager
def counting_statements(db: Database, *, writes: bool = False) -> Iterator[list[str]]:
    """Every SQL statement the read engine (the write engine, with ``writes``) runs inside
    the block. On PostgreSQL the write engine's count includes the reads: they share a pool."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = (db.write_engine if writes else db.read_engine).sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
