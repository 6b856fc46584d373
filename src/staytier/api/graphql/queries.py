"""The Query root."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.guest_types import Guest
from staytier.api.graphql.pagination import read_page
from staytier.api.graphql.permissions import Authenticated, MemberReaders
from staytier.api.graphql.stay_types import Property
from staytier.api.graphql.tier_types import Program
from staytier.api.graphql.types import Clock
from staytier.services.properties import properties_page
from staytier.services.visibility import visible_member
from staytier.store.queries import property_by_code


async def load_guest(context: Context, member_id: int) -> Guest | None:
    """The member for a mutation's payload; ``None`` if the principal may not see them."""
    async with context.runtime.db.reading() as session:
        member = await visible_member(
            session, context.runtime, context.principal, member_id=member_id
        )
    return None if member is None else Guest.of(member)


async def visible_guest(context: Context, member_number: str) -> Guest | None:
    """The member with this number if the principal may see them; ``None`` otherwise, the
    same answer as for a number nobody holds."""
    async with context.runtime.db.reading() as session:
        member = await visible_member(
            session, context.runtime, context.principal, member_number=member_number.strip()
        )
    return None if member is None else Guest.of(member)


@strawberry.type
class CoreQuery:
    @strawberry.field(
        description="The program rules in force now (or on `on`).",
        permission_classes=[Authenticated],
    )
    def program(self, info: Info[Context, None], on: dt.date | None = None) -> Program:
        runtime = info.context.runtime
        return Program.of(runtime.program, runtime.rules_on(on or runtime.today()))

    @strawberry.field(
        description="A member by member number; null when unknown or not visible to the caller.",
        permission_classes=[MemberReaders],
    )
    async def guest(self, info: Info[Context, None], member_number: str) -> Guest | None:
        return await visible_guest(info.context, member_number)

    @strawberry.field(
        description="A property by code; null when unknown.", permission_classes=[Authenticated]
    )
    async def property(self, info: Info[Context, None], code: str) -> Property | None:
        async with info.context.runtime.db.reading() as session:
            row = await property_by_code(session, code.strip().upper())
        return Property.of(row) if row else None

    @strawberry.field(
        description="The brand's properties, by code.", permission_classes=[Authenticated]
    )
    async def properties(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> relay.Connection[Property]:
        return await read_page(
            info.context,
            "properties",
            first,
            after,
            lambda s, p: properties_page(s, first=p.size, after_id=p.after),
            lambda r: r.id,
            Property.of,
        )

    @strawberry.field(
        description="The signed-in guest (a guest token); null for an API client.",
        permission_classes=[Authenticated],
    )
    async def me(self, info: Info[Context, None]) -> Guest | None:
        member_id = info.context.principal.member_id
        return None if member_id is None else await load_guest(info.context, member_id)

    @strawberry.field(permission_classes=[Authenticated])
    def clock(self, info: Info[Context, None]) -> Clock:
        clock = info.context.runtime.clock
        return Clock(now=clock.now(), is_test_clock=clock.is_test_clock)
