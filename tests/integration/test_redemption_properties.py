"""Whatever a guest earns and spends, in whatever order, and whatever the partners answer,
the books balance: the balance is the sum of the ledger and never below zero, a refused
request changes nothing, an accepted one moves the balance by exactly its price, and every
donation or transfer a partner refuses is refunded once."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from staytier.connectors.simulators import Behaviour
from staytier.services.runtime import Runtime
from staytier.store.models import Donation, LedgerEntry, Member, MilesTransfer, PartnerRequest
from tests.partners import SimulatedPartners, worker
from tests.privilege_support import ADJUST, CANCEL_AWARD, REDEEM, redeem_input
from tests.support import GraphQLClient, enroll, make_app, new_key, record

D = dt.date
DONATE = """
mutation Donate($input: DonatePointsInput!) {
  donatePoints(input: $input) { guest { points { balance } } userErrors { code } }
}
"""
TRANSFER = """
mutation Transfer($input: TransferPointsToMilesInput!) {
  transferPointsToMiles(input: $input) { guest { points { balance } } userErrors { code } }
}
"""


@dataclasses.dataclass(frozen=True)
class Earn:
    nights: int
    room_per_night: int


@dataclasses.dataclass(frozen=True)
class Redeem:
    nights: int


@dataclasses.dataclass(frozen=True)
class CancelAward:
    which: int


@dataclasses.dataclass(frozen=True)
class Donate:
    thousands: int


@dataclasses.dataclass(frozen=True)
class Transfer:
    miles: int


@dataclasses.dataclass(frozen=True)
class Settle:
    partners_accept: bool


Step = Earn | Redeem | CancelAward | Donate | Transfer | Settle

steps = st.one_of(
    st.builds(Earn, nights=st.integers(1, 4), room_per_night=st.integers(50, 900)),
    st.builds(Redeem, nights=st.integers(1, 3)),
    st.builds(CancelAward, which=st.integers(0, 3)),
    st.builds(Donate, thousands=st.integers(0, 12)),
    st.builds(Transfer, miles=st.integers(500, 12_000)),
    st.builds(Settle, partners_accept=st.booleans()),
)


@pytest.fixture
async def partner_client(partner_runtime: Runtime) -> AsyncIterator[GraphQLClient]:
    client = GraphQLClient(make_app(partner_runtime))
    yield client
    await client.aclose()


async def books(runtime: Runtime, number: str) -> dict[str, Any]:
    async with runtime.db.reading() as session:
        member = await session.scalar(select(Member).where(Member.member_number == number))
        assert member is not None
        ledger = list(
            await session.scalars(
                select(LedgerEntry)
                .where(LedgerEntry.member_id == member.id)
                .order_by(LedgerEntry.id)
            )
        )
        requests = list(await session.scalars(select(PartnerRequest.id)))
        refunded = [
            (row.points, row.refund_entry_id, row.status)
            for model in (Donation, MilesTransfer)
            for row in await session.scalars(select(model).where(model.member_id == member.id))
        ]
    running = 0
    for entry in ledger:
        running += entry.points
        assert entry.balance_after == running >= 0
    assert member.points_balance == running
    entries = {entry.id: entry for entry in ledger}
    for points, refund_id, status in refunded:
        assert (refund_id is not None) == (status == "REFUNDED")
        if refund_id is not None:
            assert entries[refund_id].kind == "REVERSAL" and entries[refund_id].points == points
    return {"balance": running, "entries": len(ledger), "requests": len(requests)}


async def play(
    client: GraphQLClient,
    runtime: Runtime,
    simulators: SimulatedPartners,
    number: str,
    booked: list[str],
    step: Step,
) -> tuple[dict[str, Any] | None, int]:
    """Plays one step; returns its payload (None for Settle) and the balance change an
    accepted step must make (None: not known in advance)."""
    if isinstance(step, Earn):
        room = str(step.room_per_night * step.nights)
        stay = await record(
            client, member_number=number, arrival=D(2026, 2, 1), nights=step.nights, room=room
        )
        return stay, 0
    if isinstance(step, Redeem):
        fields = redeem_input(number, D(2026, 4, 1), step.nights, property_code="SINMB")
        payload = (await client(REDEEM, input=fields))["redeemAwardStay"]
        if payload["awardStay"]:
            booked.append(payload["awardStay"]["confirmationNumber"])
            return payload, -payload["awardStay"]["points"]
        return payload, 0
    if isinstance(step, CancelAward):
        confirmation = booked[step.which % len(booked)] if booked else "AWD-NONE"
        fields = {"idempotencyKey": new_key(), "memberNumber": number,
                  "propertyCode": "SINMB", "confirmationNumber": confirmation}  # fmt: skip
        return (await client(CANCEL_AWARD, input=fields))["cancelAwardStay"], 0
    if isinstance(step, Donate):
        fields = {"idempotencyKey": new_key(), "memberNumber": number,
                  "charity": "GREENTREES", "points": step.thousands * 1_000}  # fmt: skip
        return (await client(DONATE, input=fields))["donatePoints"], -step.thousands * 1_000
    if isinstance(step, Transfer):
        fields = {"idempotencyKey": new_key(), "memberNumber": number, "airline": "SKYWAYS",
                  "frequentFlyerNumber": "SW000000001", "points": step.miles * 3}  # fmt: skip
        payload = (await client(TRANSFER, input=fields))["transferPointsToMiles"]
        return payload, -step.miles * 3
    behaviour = Behaviour.SUCCEED if step.partners_accept else Behaviour.DECLINE
    simulators.charity.behave(behaviour)
    simulators.airline.behave(behaviour)
    await worker(runtime).deliver_due()
    return None, 0


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(opening=st.integers(0, 80_000), script=st.lists(steps, min_size=1, max_size=10))
async def test_any_interleaving_of_earning_and_spending_keeps_the_books(
    partner_client: GraphQLClient,
    partner_runtime: Runtime,
    simulators: SimulatedPartners,
    opening: int,
    script: list[Step],
) -> None:
    number = await enroll(partner_client)
    if opening:
        adjust = {"idempotencyKey": new_key(), "memberNumber": number, "points": opening,
                  "reason": "opening", "author": "admin"}  # fmt: skip
        await partner_client(ADJUST, input=adjust)
    booked: list[str] = []
    before = await books(partner_runtime, number)
    for step in script:
        payload, change = await play(
            partner_client, partner_runtime, simulators, number, booked, step
        )
        after = await books(partner_runtime, number)
        if payload is not None and payload["userErrors"]:
            assert after == before, f"refused {step} changed the books"
        elif isinstance(step, Redeem | Donate | Transfer):
            assert after["balance"] == before["balance"] + change
            assert after["requests"] == before["requests"] + (0 if isinstance(step, Redeem) else 1)
        elif isinstance(step, Earn):
            assert after["balance"] >= before["balance"]
        before = after
