"""Whatever happens to members' points, the program report reconciles with the ledger.

Each Hypothesis example plays a random, dated history through the service (stays checked
out, late cancellations that reverse them, adjustments either way, award nights paid with
points, expiry runs), then splits time at a random day and checks that:

- the outstanding points at the end of the first part (counted lot by lot in the earn-month
  cohort book) are the opening points of the second (a sum of the ledger);
- opening + issued - redeemed - expired - reversed + adjusted is the outstanding at the end
  of the second part, exactly;
- the outstanding today is the sum of the members' balances (kept apart from the ledger).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from staytier.services.expiry import expire_points
from staytier.services.runtime import Runtime
from staytier.store.database import Database
from staytier.store.models import Base, Member
from tests.support import (
    REPORT,
    GraphQLClient,
    enroll,
    make_runtime,
    new_key,
    program_since,
    record,
    set_clock,
)

D = dt.date
FIRST, LAST = D(2023, 1, 2), D(2026, 2, 27)
TODAY = D(2026, 3, 2)

ADJUST = """
mutation Adjust($input: PostPointsAdjustmentInput!) {
  postPointsAdjustment(input: $input) { userErrors { code } }
}
"""
CANCEL = """
mutation Cancel($input: CancelStayInput!) { cancelStay(input: $input) { userErrors { code } } }
"""
REDEEM = """
mutation Redeem($input: RedeemAwardStayInput!) {
  redeemAwardStay(input: $input) { userErrors { code } }
}
"""


@dataclass(frozen=True)
class Event:
    kind: str  # STAY, CANCEL, ADJUST, REDEEM, EXPIRE
    offset: int  # days after FIRST
    member: int
    amount: int


@pytest.fixture
async def runtime(db: Database) -> Runtime:
    """The demo program taken to have begun in 2020: the histories start in 2023, long
    enough before today for points to expire."""
    made = await make_runtime(db)
    return dataclasses.replace(made, program=program_since(dt.date(2020, 1, 1)))


events = st.builds(
    Event,
    kind=st.sampled_from(["STAY", "STAY", "STAY", "CANCEL", "ADJUST", "REDEEM", "EXPIRE"]),
    offset=st.integers(min_value=0, max_value=(LAST - FIRST).days),
    member=st.integers(min_value=0, max_value=2),
    amount=st.integers(min_value=-3_000, max_value=20_000),
)


async def forget_earlier_examples(runtime: Runtime) -> None:
    """Hypothesis plays every example on the test's one database. Each starts from no
    members, so an earlier example's history, written up to a later day, never mixes with
    this one's (the service's clock never runs backwards; the examples' clocks do)."""
    async with runtime.db.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != "properties":
                await session.execute(table.delete())


async def play(runtime: Runtime, client: GraphQLClient, history: list[Event]) -> None:
    await forget_earlier_examples(runtime)
    set_clock(runtime, FIRST)
    members = [await enroll(client, "Kurt", "Goedel") for _ in range(3)]
    completed: dict[int, list[str]] = {0: [], 1: [], 2: []}
    for event in sorted(history, key=lambda e: e.offset):
        day = FIRST + dt.timedelta(days=event.offset)
        set_clock(runtime, day)
        number = members[event.member]
        if event.kind == "STAY" and day > FIRST + dt.timedelta(days=3):
            confirmation = new_key()
            stayed = await record(
                client, member_number=number, arrival=day - dt.timedelta(days=3), nights=3,
                confirmation=confirmation, room=str(abs(event.amount) // 10 + 50),
            )  # fmt: skip
            assert stayed["userErrors"] == []
            completed[event.member].append(confirmation)
        elif event.kind == "CANCEL" and completed[event.member]:
            confirmation = completed[event.member].pop(0)
            fields = {"propertyCode": "NYCTS", "confirmationNumber": confirmation}
            await client(CANCEL, input={"idempotencyKey": new_key(), **fields})
        elif event.kind == "ADJUST" and event.amount:
            fields = {
                "memberNumber": number,
                "points": event.amount,
                "reason": "Test",
                "author": "test",
            }
            await client(ADJUST, input={"idempotencyKey": new_key(), **fields})
        elif event.kind == "REDEEM":
            arrival = day + dt.timedelta(days=10)
            fields = {"memberNumber": number, "propertyCode": "NYCTS"}
            dates = {
                "arrivalDate": arrival.isoformat(),
                "departureDate": (arrival + dt.timedelta(days=1)).isoformat(),
            }
            await client(REDEEM, input={"idempotencyKey": new_key(), **fields, **dates})
        elif event.kind == "EXPIRE":
            await expire_points(runtime, day)
    set_clock(runtime, TODAY)


async def report(client: GraphQLClient, start: dt.date, end: dt.date) -> Any:
    found = await client(REPORT, **{"from": start.isoformat(), "to": end.isoformat()})
    assert found["programReport"]["userErrors"] == []
    return found["programReport"]


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    history=st.lists(events, min_size=1, max_size=14),
    split=st.integers(min_value=0, max_value=20),
)
async def test_issued_less_redeemed_expired_and_reversed_moves_outstanding_exactly(
    runtime: Runtime, client: GraphQLClient, history: list[Event], split: int
) -> None:
    await play(runtime, client, history)
    # The second part starts on a day something happened, so its first day has entries.
    days = sorted(FIRST + dt.timedelta(days=e.offset) for e in history)
    middle = max(FIRST, days[split % len(days)] - dt.timedelta(days=1))

    before = await report(client, FIRST, middle)
    after = await report(client, middle + dt.timedelta(days=1), TODAY)

    assert after["pointsOpening"] == before["pointsOutstanding"]
    moved = (
        after["pointsIssued"] - after["pointsRedeemed"] - after["pointsExpired"]
        - after["pointsReversed"] + after["pointsAdjusted"]
    )  # fmt: skip
    assert after["pointsOutstanding"] == after["pointsOpening"] + moved
    assert sum(c["outstanding"] for c in after["cohorts"]) == after["pointsOutstanding"]
    async with runtime.db.reading() as session:
        balances = await session.scalar(select(func.sum(Member.points_balance)))
    assert after["pointsOutstanding"] == int(balances or 0)
