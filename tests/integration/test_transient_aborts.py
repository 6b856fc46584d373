"""A transaction PostgreSQL aborts to break a deadlock is run again, not answered as an
error: nothing of it was kept, and the same work can then go through.

Two writers lock the same two members in opposite orders, each waiting until the other
holds its first lock, which is a deadlock by construction; PostgreSQL aborts one of them
(after its ``deadlock_timeout``, a second by default). Both must still succeed, and the
aborted one's work must run exactly once more.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import msgspec
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.services.enrollment import EnrollGuest, enroll_guest
from staytier.services.idempotency import run_once_returning
from staytier.services.runtime import Runtime
from staytier.store.models import IdempotencyRecord, Member


class Locked(msgspec.Struct, frozen=True):
    first: int
    second: int


async def test_two_writers_that_deadlock_both_go_through(runtime: Runtime) -> None:
    if runtime.db.is_sqlite:
        pytest.skip("SQLite has one writer at a time: two transactions never hold locks at once")
    ada = (await enroll_guest(runtime, EnrollGuest(first_name="Ada", last_name="Lock"))).member_id
    bob = (await enroll_guest(runtime, EnrollGuest(first_name="Bob", last_name="Lock"))).member_id
    holding = {ada: asyncio.Event(), bob: asyncio.Event()}
    runs = {ada: 0, bob: 0}

    def writer(first: int, second: int) -> Awaitable[Locked]:
        async def work(session: AsyncSession) -> Locked:
            runs[first] += 1
            await session.scalar(select(Member).where(Member.id == first).with_for_update())
            holding[first].set()
            await holding[second].wait()
            await session.scalar(select(Member).where(Member.id == second).with_for_update())
            return Locked(first, second)

        return run_once_returning(
            runtime,
            Locked,
            operation="test.lock",
            key=f"lock-{first}",
            request={"first": first, "second": second},
            work=work,
        )

    done = await asyncio.wait_for(asyncio.gather(writer(ada, bob), writer(bob, ada)), 60)

    assert done == [Locked(ada, bob), Locked(bob, ada)]
    assert sorted(runs.values()) == [1, 2]  # the writer PostgreSQL aborted ran once more
    async with runtime.db.reading() as session:
        stored = await session.scalars(
            select(IdempotencyRecord.key).where(IdempotencyRecord.operation == "test.lock")
        )
        assert sorted(stored) == sorted([f"lock-{ada}", f"lock-{bob}"])
