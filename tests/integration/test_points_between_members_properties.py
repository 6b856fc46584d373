"""Whatever members send each other, pool and merge, in whatever order: every balance is
the sum of its member's ledger and never below zero, the points of all members together
never change (moves come in pairs), and a refused step changes nothing."""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from staytier.services.runtime import Runtime
from staytier.store.models import LedgerEntry, Member
from tests.privilege_support import ADJUST
from tests.sharing_support import CONTRIBUTE, CREATE, INVITE, JOIN, MERGE, TRANSFER, merge_input
from tests.support import GraphQLClient, enroll, new_key

PEOPLE = 4


@dataclasses.dataclass(frozen=True)
class Send:
    sender: int
    recipient: int
    thousands: int


@dataclasses.dataclass(frozen=True)
class Pool:
    owner: int
    member: int


@dataclasses.dataclass(frozen=True)
class Contribute:
    member: int
    thousands: int


@dataclasses.dataclass(frozen=True)
class Merge:
    survivor: int
    duplicate: int


person = st.integers(0, PEOPLE - 1)
steps = st.one_of(
    st.builds(Send, sender=person, recipient=person, thousands=st.integers(1, 40)),
    st.builds(Pool, owner=person, member=person),
    st.builds(Contribute, member=person, thousands=st.integers(1, 40)),
    st.builds(Merge, survivor=person, duplicate=person),
)


async def books(runtime: Runtime) -> tuple[int, dict[int, int]]:
    """The points of all members, after checking each balance against its ledger."""
    async with runtime.db.reading() as session:
        members = list(await session.scalars(select(Member)))
        for member in members:
            entries = list(
                await session.scalars(
                    select(LedgerEntry)
                    .where(LedgerEntry.member_id == member.id)
                    .order_by(LedgerEntry.id)
                )
            )
            running = 0
            for entry in entries:
                running += entry.points
                assert entry.balance_after == running >= 0
            assert member.points_balance == running
        total = await session.scalar(select(func.coalesce(func.sum(LedgerEntry.points), 0)))
    return int(total or 0), {m.id: m.points_balance for m in members}


async def play(
    client: GraphQLClient, apps: list[GraphQLClient], numbers: list[str], step: Any
) -> dict[str, Any]:
    if isinstance(step, Send):
        fields = {"idempotencyKey": new_key(), "recipientMemberNumber": numbers[step.recipient],
                  "points": step.thousands * 1_000}  # fmt: skip
        return dict((await apps[step.sender](TRANSFER, i=fields))["transferPoints"])
    if isinstance(step, Pool):
        owner = apps[step.owner]
        await owner(CREATE, i={"idempotencyKey": new_key(), "name": "Home"})
        invited = (await owner(INVITE, i={"idempotencyKey": new_key(),
                                          "memberNumber": numbers[step.member]}))  # fmt: skip
        pool = invited["inviteToPointsPool"]["pool"]
        if pool is None:
            return dict(invited["inviteToPointsPool"])
        join = {"idempotencyKey": new_key(), "poolId": pool["id"]}
        return dict((await apps[step.member](JOIN, i=join))["joinPointsPool"])
    if isinstance(step, Contribute):
        fields = {"idempotencyKey": new_key(), "points": step.thousands * 1_000}
        return dict((await apps[step.member](CONTRIBUTE, i=fields))["contributeToPointsPool"])
    merged = await client(MERGE, i=merge_input(numbers[step.survivor], numbers[step.duplicate]))
    return dict(merged["mergeMembers"])


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(script=st.lists(steps, min_size=1, max_size=8))
async def test_moves_between_members_keep_every_ledger_and_the_total(
    client: GraphQLClient, runtime: Runtime, script: list[Any]
) -> None:
    numbers = [await enroll(client, "Kim", "Lee") for _ in range(PEOPLE)]
    async with runtime.db.reading() as session:
        ids = [
            await session.scalar(select(Member.id).where(Member.member_number == n))
            for n in numbers
        ]
    apps = [await client.acting_as("guest", member_id=member_id) for member_id in ids]
    for number in numbers:
        adjust = {"idempotencyKey": new_key(), "memberNumber": number, "points": 50_000,
                  "reason": "opening", "author": "ops"}  # fmt: skip
        await client(ADJUST, input=adjust)
    before = await books(runtime)
    for step in script:
        payload = await play(client, apps, numbers, step)
        after = await books(runtime)
        assert after[0] == before[0]  # moves between members create and destroy nothing
        if payload["userErrors"]:
            assert after == before, f"refused {step} changed the books"
        before = after
    for app in apps:
        await app.aclose()
