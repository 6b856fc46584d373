"""Points between members, through the API: transfers and household pools move points as a
pair of ledger entries, only by the guest's own sign-in, within the program's yearly
limits, once per idempotency key, and never overdraw under concurrent requests."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from staytier.clock import TestClock
from staytier.services.runtime import Runtime
from staytier.store.models import LedgerEntry, Member
from tests.privilege_support import ADJUST
from tests.sharing_support import CONTRIBUTE, CREATE, INVITE, JOIN, LEAVE, TRANSFER
from tests.support import ENROLL, GraphQLClient, enroll, new_key, set_clock

BALANCE = """query($n: String!) { guest(memberNumber: $n) { points { balance }
  ledger(first: 50) { edges { node { kind points balanceAfter description } } } } }"""
MY_POOL = """{ me { pointsPool { name pooledPoints members { memberNumber state } }
  pointsPoolInvitations { id name } } }"""


@dataclass
class Household:
    admin: GraphQLClient
    runtime: Runtime
    numbers: list[str]
    apps: list[GraphQLClient]

    async def give(self, index: int, points: int) -> None:
        adjust = {"idempotencyKey": new_key(), "memberNumber": self.numbers[index],
                  "points": points, "reason": "opening balance", "author": "ops"}  # fmt: skip
        assert (await self.admin(ADJUST, input=adjust))["postPointsAdjustment"]["userErrors"] == []

    async def balance(self, index: int) -> int:
        data = await self.admin(BALANCE, n=self.numbers[index])
        return int(data["guest"]["points"]["balance"])

    async def sign_in_again(self, day: dt.date) -> None:
        """Moves the clock to ``day``; the guests sign in again (their tokens ran out)."""
        set_clock(self.runtime, day)
        for index, number in enumerate(self.numbers):
            await self.apps[index].aclose()
            self.apps[index] = await self.admin.acting_as(
                "guest", member_id=await member_id(self.runtime, number)
            )

    async def ledger(self, index: int) -> list[dict[str, Any]]:
        data = await self.admin(BALANCE, n=self.numbers[index])
        return [edge["node"] for edge in data["guest"]["ledger"]["edges"]]


async def member_id(runtime: Runtime, number: str) -> int:
    async with runtime.db.reading() as session:
        found = await session.scalar(select(Member.id).where(Member.member_number == number))
    assert found is not None
    return int(found)


@pytest.fixture
async def household(client: GraphQLClient, runtime: Runtime) -> AsyncIterator[Household]:
    numbers = [await enroll(client, first, "Okafor") for first in ("Ada", "Ben", "Cleo", "Dan")]
    apps = [
        await client.acting_as("guest", member_id=await member_id(runtime, number))
        for number in numbers
    ]
    yield Household(client, runtime, numbers, apps)
    for app in apps:
        await app.aclose()


def codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


async def test_a_transfer_moves_points_as_an_entry_on_each_side(household: Household) -> None:
    await household.give(0, 20_000)
    fields = {"idempotencyKey": "gift-1", "recipientMemberNumber": household.numbers[1],
              "points": 5_000}  # fmt: skip

    sent = (await household.apps[0](TRANSFER, i=fields))["transferPoints"]
    again = (await household.apps[0](TRANSFER, i=fields))["transferPoints"]

    assert sent["userErrors"] == [] and sent["guest"]["points"]["balance"] == 15_000
    assert sent["transfer"] == {"points": 5_000, "recipientMemberNumber": household.numbers[1],
                                "year": 2026}  # fmt: skip
    assert again["transfer"] == sent["transfer"]  # a retry returns the first answer
    assert await household.balance(0) == 15_000 and await household.balance(1) == 5_000
    [received] = await household.ledger(1)
    assert received["kind"] == "POINTS_RECEIVED" and received["points"] == 5_000
    assert (await household.ledger(0))[0]["kind"] == "POINTS_SENT"


async def test_staff_cannot_move_a_members_points(household: Household) -> None:
    await household.give(0, 20_000)
    desk = await household.admin.acting_as("front_desk", properties=["NYCTS"])
    fields = {"idempotencyKey": new_key(), "recipientMemberNumber": household.numbers[1],
              "points": 5_000}  # fmt: skip

    for caller in (household.admin, desk):
        body = await caller.raw(TRANSFER, i=fields)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await desk.aclose()
    assert await household.balance(0) == 20_000


async def test_transfers_above_the_yearly_limit_are_refused(household: Household) -> None:
    await household.give(0, 150_000)
    app = household.apps[0]

    def fields(points: int, to: int = 1) -> dict[str, Any]:
        return {"idempotencyKey": new_key(), "recipientMemberNumber": household.numbers[to],
                "points": points}  # fmt: skip

    first = (await app(TRANSFER, i=fields(90_000)))["transferPoints"]
    over = (await app(TRANSFER, i=fields(10_001)))["transferPoints"]
    to_self = (await app(TRANSFER, i=fields(1_000, to=0)))["transferPoints"]
    too_small = (await app(TRANSFER, i=fields(999)))["transferPoints"]
    await household.sign_in_again(dt.date(2027, 1, 1))  # a new qualification year
    next_year = (await household.apps[0](TRANSFER, i=fields(10_001)))["transferPoints"]

    assert first["userErrors"] == []
    assert codes(over) == [("TRANSFER_LIMIT_REACHED", "points")]
    assert codes(to_self) == [("TRANSFER_TO_SELF", "recipientMemberNumber")]
    assert codes(too_small) == [("INVALID_AMOUNT", "points")]
    assert next_year["userErrors"] == []
    assert await household.balance(0) == 150_000 - 90_000 - 10_001


async def test_a_transfer_beyond_the_balance_changes_nothing(household: Household) -> None:
    await household.give(0, 3_000)
    fields = {"idempotencyKey": new_key(), "recipientMemberNumber": household.numbers[1],
              "points": 3_001}  # fmt: skip

    refused = (await household.apps[0](TRANSFER, i=fields))["transferPoints"]

    assert codes(refused) == [("NOT_ENOUGH_POINTS", "points")]
    assert await household.balance(0) == 3_000 and await household.ledger(1) == []


async def test_concurrent_transfers_never_overdraw(household: Household) -> None:
    await household.give(0, 5_000)
    app = household.apps[0]
    requests = [
        app(
            TRANSFER,
            i={
                "idempotencyKey": new_key(),
                "points": 1_000,
                "recipientMemberNumber": household.numbers[1 + n % 3],
            },
        )
        for n in range(12)
    ]

    answers = [a["transferPoints"] for a in await asyncio.gather(*requests)]

    accepted = [a for a in answers if not a["userErrors"]]
    assert len(accepted) == 5
    assert {c for a in answers for c in codes(a)} == {("NOT_ENOUGH_POINTS", "points")}
    balances = [await household.balance(n) for n in range(4)]
    assert balances[0] == 0 and sum(balances) == 5_000
    for n in range(4):
        running = 0
        for entry in reversed(await household.ledger(n)):
            running += entry["points"]
            assert entry["balanceAfter"] == running >= 0


async def pool_of_four(household: Household) -> str:
    """Ada owns a pool; Ben and Cleo joined it; Dan is invited."""
    ada = household.apps[0]
    created = await ada(CREATE, i={"idempotencyKey": new_key(), "name": "Okafor home"})
    pool_id: str = created["createPointsPool"]["pool"]["id"]
    for index in (1, 2, 3):
        invite = {"idempotencyKey": new_key(), "memberNumber": household.numbers[index]}
        assert (await ada(INVITE, i=invite))["inviteToPointsPool"]["userErrors"] == []
    for index in (1, 2):
        join = {"idempotencyKey": new_key(), "poolId": pool_id}
        assert (await household.apps[index](JOIN, i=join))["joinPointsPool"]["userErrors"] == []
    return pool_id


async def test_members_pool_points_with_the_owner_who_redeems_them(household: Household) -> None:
    await pool_of_four(household)
    await household.give(1, 30_000)
    await household.give(2, 10_000)
    ben, cleo = household.apps[1], household.apps[2]

    one = await ben(CONTRIBUTE, i={"idempotencyKey": "pool-1", "points": 20_000})
    retry = await ben(CONTRIBUTE, i={"idempotencyKey": "pool-1", "points": 20_000})
    two = await cleo(CONTRIBUTE, i={"idempotencyKey": new_key(), "points": 10_000})
    mine = (await household.apps[3](MY_POOL))["me"]

    pool = two["contributeToPointsPool"]["pool"]
    assert one["contributeToPointsPool"]["guest"]["points"]["balance"] == 10_000
    assert retry == one
    assert pool["pooledPoints"] == 30_000
    assert [(m["state"], m["contributedPoints"]) for m in pool["members"]] == [
        ("ACTIVE", 0), ("ACTIVE", 20_000), ("ACTIVE", 10_000), ("INVITED", 0)
    ]  # fmt: skip
    assert await household.balance(0) == 30_000
    assert [e["kind"] for e in await household.ledger(0)] == ["POOL_IN", "POOL_IN"]
    assert mine["pointsPool"] is None and [p["name"] for p in mine["pointsPoolInvitations"]] == [
        "Okafor home"
    ]


async def test_a_pool_holds_no_more_than_the_program_allows(
    household: Household, client: GraphQLClient, runtime: Runtime
) -> None:
    pool_id = await pool_of_four(household)
    await household.give(1, 600_000)
    ben = household.apps[1]
    extra = [await enroll(client, f"Guest{n}", "Okafor") for n in range(8)]
    ada = household.apps[0]
    invited = [
        (await ada(INVITE, i={"idempotencyKey": new_key(), "memberNumber": number}))
        for number in extra
    ]

    over = await ben(CONTRIBUTE, i={"idempotencyKey": new_key(), "points": 500_001})
    second_pool = await ben(CREATE, i={"idempotencyKey": new_key(), "name": "Ben's own"})
    limit = await ben(CONTRIBUTE, i={"idempotencyKey": new_key(), "points": 500_000})
    past_limit = await ben(CONTRIBUTE, i={"idempotencyKey": new_key(), "points": 1_000})

    # 4 seats + 7 more fill the 11; the 8th invitation finds the pool full.
    assert [codes(i["inviteToPointsPool"]) for i in invited][-2:] == [
        [], [("POOL_FULL", "memberNumber")]
    ]  # fmt: skip
    assert codes(over["contributeToPointsPool"]) == [("POOL_LIMIT_REACHED", "points")]
    assert codes(second_pool["createPointsPool"]) == [("ALREADY_IN_POOL", None)]
    assert limit["contributeToPointsPool"]["userErrors"] == []
    assert codes(past_limit["contributeToPointsPool"]) == [("POOL_LIMIT_REACHED", "points")]
    assert await household.balance(1) == 100_000 and pool_id


async def test_joins_are_limited_per_year_and_leaving_keeps_the_points_with_the_owner(
    household: Household,
) -> None:
    pool_id = await pool_of_four(household)
    await household.give(1, 5_000)
    ben = household.apps[1]
    await ben(CONTRIBUTE, i={"idempotencyKey": new_key(), "points": 5_000})

    left = await ben(LEAVE, i={"idempotencyKey": new_key()})
    rejoin = await ben(CREATE, i={"idempotencyKey": new_key(), "name": "Ben's own"})
    await household.sign_in_again(dt.date(2027, 1, 4))
    ben = household.apps[1]
    next_year = await ben(CREATE, i={"idempotencyKey": new_key(), "name": "Ben's own"})
    owner_left = await household.apps[0](LEAVE, i={"idempotencyKey": new_key()})
    dan = await household.apps[3](JOIN, i={"idempotencyKey": new_key(), "poolId": pool_id})

    assert left["leavePointsPool"]["userErrors"] == [] and left["leavePointsPool"]["pool"] is None
    assert codes(rejoin["createPointsPool"]) == [("POOL_JOIN_LIMIT_REACHED", None)]
    assert next_year["createPointsPool"]["pool"]["ownerMemberNumber"] == household.numbers[1]
    assert owner_left["leavePointsPool"]["userErrors"] == []
    assert codes(dan["joinPointsPool"]) == [("POOL_NOT_FOUND", "poolId")]  # the pool closed
    assert await household.balance(0) == 5_000 and await household.balance(1) == 0


async def test_only_members_contribute_and_only_the_owner_invites(household: Household) -> None:
    pool_id = await pool_of_four(household)
    await household.give(3, 5_000)

    outsider = await household.apps[3](CONTRIBUTE, i={"idempotencyKey": new_key(), "points": 1_000})
    member_invites = await household.apps[1](
        INVITE, i={"idempotencyKey": new_key(), "memberNumber": household.numbers[3]}
    )
    unknown = await household.apps[3](JOIN, i={"idempotencyKey": new_key(), "poolId": "999"})

    assert codes(outsider["contributeToPointsPool"]) == [("POOL_NOT_FOUND", None)]
    assert codes(member_invites["inviteToPointsPool"]) == [("NOT_POOL_OWNER", None)]
    assert codes(unknown["joinPointsPool"]) == [("POOL_NOT_FOUND", "poolId")]
    assert await household.balance(3) == 5_000 and pool_id


async def test_concurrent_contributions_never_overdraw_or_pass_the_pool_limit(
    household: Household,
) -> None:
    await pool_of_four(household)
    await household.give(1, 4_000)
    ben = household.apps[1]

    answers = await asyncio.gather(
        *(ben(CONTRIBUTE, i={"idempotencyKey": new_key(), "points": 1_000}) for _ in range(8))
    )

    accepted = [a for a in answers if not a["contributeToPointsPool"]["userErrors"]]
    assert len(accepted) == 4
    assert await household.balance(1) == 0 and await household.balance(0) == 4_000


async def test_ledger_entries_sum_to_every_balance(household: Household, runtime: Runtime) -> None:
    await household.give(0, 9_000)
    await household.apps[0](
        TRANSFER,
        i={
            "idempotencyKey": new_key(),
            "recipientMemberNumber": household.numbers[2],
            "points": 4_000,
        },
    )
    async with runtime.db.reading() as session:
        for member in await session.scalars(select(Member)):
            entries = await session.scalars(
                select(LedgerEntry.points).where(LedgerEntry.member_id == member.id)
            )
            assert sum(entries) == member.points_balance


async def test_both_members_export_the_transfer(household: Household) -> None:
    await household.give(0, 9_000)
    fields = {"idempotencyKey": new_key(), "recipientMemberNumber": household.numbers[1],
              "points": 4_000}  # fmt: skip
    await household.apps[0](TRANSFER, i=fields)
    export = "query($n: String!) { exportGuestData(memberNumber: $n) }"

    documents = [
        (await household.admin(export, n=n))["exportGuestData"] for n in household.numbers[:2]
    ]

    assert [[t["points"] for t in d["points_transfers"]] for d in documents] == [[4_000], [4_000]]


async def test_the_yearly_limit_turns_over_at_midnight_where_the_sender_lives(
    client: GraphQLClient, runtime: Runtime
) -> None:
    enrolled = await client(
        ENROLL, input={"firstName": "Mere", "lastName": "Ngata", "timeZone": "Pacific/Auckland"}
    )
    sender = enrolled["enrollGuest"]["guest"]["memberNumber"]
    recipient = await enroll(client, "Ada", "Okafor")
    adjust = {"idempotencyKey": new_key(), "memberNumber": sender, "points": 150_000,
              "reason": "opening balance", "author": "ops"}  # fmt: skip
    await client(ADJUST, input=adjust)
    clock = runtime.clock
    assert isinstance(clock, TestClock)

    async def send(at: dt.datetime, points: int) -> list[tuple[str, str | None]]:
        clock.set(at)
        app = await client.acting_as("guest", member_id=await member_id(runtime, sender))
        fields = {"idempotencyKey": new_key(), "recipientMemberNumber": recipient,
                  "points": points}  # fmt: skip
        answer = (await app(TRANSFER, i=fields))["transferPoints"]
        await app.aclose()
        return codes(answer)

    assert await send(dt.datetime(2026, 6, 1, tzinfo=dt.UTC), 100_000) == []
    # 23:59 on 31 December in Auckland (10:59 UTC): still 2026 there.
    before_midnight = await send(dt.datetime(2026, 12, 31, 10, 59, tzinfo=dt.UTC), 1_000)
    # 00:01 on 1 January in Auckland, while it is still 31 December in UTC.
    after_midnight = await send(dt.datetime(2026, 12, 31, 11, 1, tzinfo=dt.UTC), 1_000)

    assert before_midnight == [("TRANSFER_LIMIT_REACHED", "points")]
    assert after_midnight == []
