"""Factories and a GraphQL client for tests: build data the way clients do, through the API."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import msgspec
from litestar import Litestar
from sqlalchemy import event, select

from staytier.api.auth import Authenticator
from staytier.api.http.app import create_app
from staytier.clock import TestClock
from staytier.connectors.registry import default_connectors
from staytier.domain.access import Principal, Role
from staytier.domain.stays import Folio, StayStatus
from staytier.program.loader import (
    FIXTURES,
    default_program_path,
    load_exchange_rates,
    load_program,
)
from staytier.program.model import Program
from staytier.services.clients import create_client
from staytier.services.demo import load_properties
from staytier.services.guest_sign_in import issue_token
from staytier.services.runtime import Runtime
from staytier.services.stays import RecordStay, record_stay
from staytier.settings import Settings
from staytier.store.database import Database
from staytier.store.models import Member, Property

SET_CLOCK = """
mutation($now: DateTime!) {
  setTestClock(input: {now: $now}) {
    clock { now isTestClock }
    jobsRun { job runKey dueOn summary }
    userErrors { code }
  }
}
"""


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
        connectors=default_connectors(),
    )
    await load_properties(runtime, FIXTURES / "demo" / "properties.toml")
    return runtime


def program_since(day: dt.date, path: Path | None = None) -> Program:
    """The demo program (or ``path``'s) with its first version in force from ``day``: stays
    and activity are refused before a program's life begins, and the demo began in 2025."""
    program = load_program(path or default_program_path())
    first = msgspec.structs.replace(program.versions[0], effective_from=day, announced_on=None)
    return msgspec.structs.replace(program, versions=[first, *program.versions[1:]])


async def service_runtime(db: Database) -> Runtime:
    """For service-level tests: one property in UTC (dates there are UTC dates), the demo
    program as if it had begun in 2020, and a test clock at the start of 2024."""
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
        program=program_since(dt.date(2020, 1, 1)),
        rates=load_exchange_rates(FIXTURES / "exchange_rates.toml"),
        connectors=default_connectors(),
    )


def set_clock(runtime: Runtime, day: dt.date) -> None:
    """Moves the test clock to noon UTC on ``day``."""
    clock = runtime.clock
    assert isinstance(clock, TestClock)
    clock.set(dt.datetime.combine(day, dt.time(12), dt.UTC))


async def completed_stay(
    runtime: Runtime,
    member_number: str,
    departure: dt.date,
    nights: int,
    room_per_night: int,
    *,
    guest_last_name: str = "Guest",
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
            guest_last_name=guest_last_name,
            folio=Folio(
                departure - dt.timedelta(days=nights),
                departure,
                "BAR",
                "USD",
                room_revenue=Decimal(room_per_night * nights),
            ),
        ),
    )


class Mailbox:
    """Stands in for the mail relay: keeps what would have been sent (sign-in and approval
    codes); use with ``dataclasses.replace(runtime, mailer=Mailbox())``."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, to: str, subject: str, body: str) -> None:
        self.sent.append((to, body))

    def last_code(self, digits: int = 6) -> str:
        found = re.search(rf"\b(\d{{{digits}}})\b", self.sent[-1][1])
        assert found, self.sent[-1]
        return found.group(1)


TEST_ADMIN = Principal(role=Role.ADMIN, client_id="test-admin", name="test admin")
TEST_SECRET = "a-test-secret-that-is-long-enough-for-production-0123456789"


class AdminByDefault(Authenticator):
    """Tests that do not say who they are act as an admin; a request with an
    ``Authorization`` header goes through the real authentication."""

    async def principal(
        self, runtime: Runtime, authorization: str | None, *, address: str = "-"
    ) -> Principal:
        if not authorization:
            return TEST_ADMIN
        return await super().principal(runtime, authorization, address=address)


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
    return create_app(
        config, runtime, authenticator=None if strict else AdminByDefault.for_settings(config)
    )


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


# The last name each member number was enrolled with by :func:`enroll` (in the test that
# runs now), so a stay recorded for them carries the guest's name as a client's would.
_enrolled_last_names: dict[str, str] = {}


async def enroll(client: GraphQLClient, first: str = "Ada", last: str = "Guest") -> str:
    data = await client(ENROLL, input={"firstName": first, "lastName": last})
    assert data["enrollGuest"]["userErrors"] == []
    number: str = data["enrollGuest"]["guest"]["memberNumber"]
    _enrolled_last_names[number] = last
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
    last_name: str | None = None,
    first_name: str | None = None,
) -> dict[str, Any]:
    """A ``RecordStayInput``; the guest's last name defaults to the one :func:`enroll` gave
    the member (``Guest`` if it did not enroll them)."""
    fields: dict[str, Any] = {
        "idempotencyKey": key or new_key(),
        "memberNumber": member_number,
        "guestLastName": last_name or _enrolled_last_names.get(member_number, "Guest"),
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
    if first_name is not None:
        fields["guestFirstName"] = first_name
    return fields


async def record(client: GraphQLClient, **kwargs: Any) -> dict[str, Any]:
    """Records a stay through the API; the guest's name is the member's unless given."""
    member_number = kwargs.pop("member_number")
    if "last_name" not in kwargs:
        kwargs["last_name"] = await last_name_of(client.runtime, member_number)
    data = await client(RECORD_STAY, input=stay_input(member_number, **kwargs))
    payload: dict[str, Any] = data["recordStay"]
    return payload


async def last_name_of(runtime: Runtime, member_number: str) -> str | None:
    """The member's last name as held (``None`` for a number nobody holds)."""
    async with runtime.db.reading() as session:
        found: str | None = await session.scalar(
            select(Member.last_name).where(Member.member_number == member_number)
        )
    return found


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


async def move(client: GraphQLClient, instant: str) -> list[dict[str, object]]:
    data = (await client(SET_CLOCK, now=instant))["setTestClock"]
    assert data["userErrors"] == []
    assert data["clock"]["now"] == dt.datetime.fromisoformat(instant).isoformat()
    runs: list[dict[str, object]] = data["jobsRun"]
    return runs


REPORT = """
query Report($from: Date!, $to: Date!, $propertyCode: String) {
  programReport(from: $from, to: $to, propertyCode: $propertyCode) {
    from to propertyCode currency members activeRate
    membersByTier {
      tierCode members activeMembers newMembers upgraded softLanded lapsed
      qualifyingNights qualifyingStays memberRevenue
      pointsIssued pointsOutstanding benefitCost programCost costToRevenue
    }
    movements { newMembers upgraded softLanded lapsed }
    pointsOpening pointsIssued pointsRedeemed pointsExpired pointsReversed pointsAdjusted
    pointsOutstanding breakageRate breakageMethod valuePerPoint liability
    benefitCost awardNightCost donationCost milesCost memberRevenue
    months { month monthEnd issued outstanding breakageRate liability }
    cohorts { month issued redeemed expired reversed outstanding projectedBreakage }
    userErrors { code field message }
  }
}
"""


async def member_id(runtime: Runtime, number: str) -> int:
    async with runtime.db.reading() as session:
        found = await session.scalar(select(Member.id).where(Member.member_number == number))
    assert found is not None
    return int(found)


def with_newest_version(runtime: Runtime, **fields: Any) -> Runtime:
    """``runtime`` whose program's newest version has ``fields`` replaced (its promotions,
    its referral rules, …); the app built on it serves that program."""
    program = runtime.program
    newest = msgspec.structs.replace(program.versions[-1], **fields)
    versions = [*program.versions[:-1], newest]
    return dataclasses.replace(runtime, program=msgspec.structs.replace(program, versions=versions))
