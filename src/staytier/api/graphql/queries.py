"""The Query root."""

from __future__ import annotations

import datetime as dt

import strawberry
from sqlalchemy import select
from strawberry import relay
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.pagination import connection, decode_cursor, page_size
from staytier.api.graphql.types import Clock, Guest, Program, Property
from staytier.store.models import Property as PropertyRow
from staytier.store.queries import member_by_number, property_by_code


async def load_guest(context: Context, member_id: int) -> Guest:
    from staytier.store.models import Member

    async with context.runtime.db.reading() as session:
        member = await session.get(Member, member_id)
    assert member is not None
    return Guest.of(member)


@strawberry.type
class CoreQuery:
    @strawberry.field(description="The program rules in force now (or on `on`).")
    def program(self, info: Info[Context, None], on: dt.date | None = None) -> Program:
        runtime = info.context.runtime
        return Program.of(runtime.program, runtime.rules_on(on or runtime.today()))

    @strawberry.field(description="A member by member number; null when unknown.")
    async def guest(self, info: Info[Context, None], member_number: str) -> Guest | None:
        async with info.context.runtime.db.reading() as session:
            member = await member_by_number(session, member_number)
        return Guest.of(member) if member else None

    @strawberry.field(description="A property by code; null when unknown.")
    async def property(self, info: Info[Context, None], code: str) -> Property | None:
        async with info.context.runtime.db.reading() as session:
            row = await property_by_code(session, code.strip().upper())
        return Property.of(row) if row else None

    @strawberry.field(description="The brand's properties, by code.")
    async def properties(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> relay.Connection[Property]:  # type: ignore[type-var]
        size, last_id = page_size(first), decode_cursor("properties", after)
        query = select(PropertyRow).order_by(PropertyRow.id).limit(size + 1)
        if last_id is not None:
            query = query.where(PropertyRow.id > last_id)
        async with info.context.runtime.db.reading() as session:
            rows = list(await session.scalars(query))
        return connection("properties", rows, size, lambda r: r.id, Property.of)

    @strawberry.field(description="The signed-in guest; null until guest sign-in exists.")
    def me(self) -> Guest | None:
        return None

    @strawberry.field
    def clock(self, info: Info[Context, None]) -> Clock:
        clock = info.context.runtime.clock
        return Clock(now=clock.now(), is_test_clock=clock.is_test_clock)
