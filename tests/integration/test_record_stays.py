"""recordStays, the night audit in bulk: each stay credited or refused on its own under
recordStay's rules, idempotent per batch and per stay, safe beside another batch."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.stays import Folio, StayStatus
from staytier.services import stays
from staytier.services.bulk_stays import RecordStays, record_stays
from staytier.services.runtime import Runtime
from staytier.services.stays import RecordStay
from staytier.store.models import IdempotencyRecord, LedgerEntry, Member, Stay
from tests.support import GraphQLClient, counting_statements, enroll, stay_input

D = dt.date
# Per batch: the transaction's first statement (BEGIN IMMEDIATE on SQLite, the batch key's
# advisory lock on PostgreSQL), the batch key's stored result, the members, the properties,
# the stays already stored, the stays' keys already used; at the end the stays' idempotency
# records (one insert) and the batch's.
STATEMENTS_PER_BATCH = 8
# Per booked stay: its savepoint, the stay, its revision, the savepoint's release.
STATEMENTS_PER_BOOKED_STAY = 4
# Per completed stay, recordStay's statements (see test_record_stay_statements.py) less what
# the batch reads once for all (member, property, stay, key) and writes once for all (the
# idempotency records), plus the savepoint and its release: the stay, its revision; the
# member's status rows with the year's totals, referral, promotion registrations; credit,
# audit entry, ledger entry, balance, qualifying row; the sweepstakes entries read and
# earned; the survey invitation; the last stays and the preferences they may infer.
STATEMENTS_PER_COMPLETED_STAY = 17
RECORD_STAYS = """
mutation($input: RecordStaysInput!) {
  recordStays(input: $input) {
    results {
      index confirmationNumber
      stay { confirmationNumber status nights }
      userErrors { code field message }
    }
    recorded credited refused
    userErrors { code field message }
  }
}
"""
RECORD_STAY = """
mutation($input: RecordStayInput!) {
  recordStay(input: $input) { userErrors { code } }
}
"""


async def send(client: GraphQLClient, key: str, stays: list[dict[str, Any]]) -> dict[str, Any]:
    data = await client(RECORD_STAYS, input={"idempotencyKey": key, "stays": stays})
    payload: dict[str, Any] = data["recordStays"]
    return payload


async def books(runtime: Runtime) -> dict[str, tuple[int, int]]:
    """Each member's balance and the sum of their ledger, by member number."""
    async with runtime.db.reading() as session:
        rows = await session.execute(
            select(
                Member.member_number,
                Member.points_balance,
                func.coalesce(func.sum(LedgerEntry.points), 0),
            )
            .outerjoin(LedgerEntry, LedgerEntry.member_id == Member.id)
            .group_by(Member.id, Member.member_number, Member.points_balance)
        )
        return {number: (balance, int(total)) for number, balance, total in rows}


async def stored_confirmations(runtime: Runtime) -> list[str]:
    async with runtime.db.reading() as session:
        return sorted(await session.scalars(select(Stay.confirmation_number)))


def codes(result: dict[str, Any]) -> list[str]:
    return [error["code"] for error in result["userErrors"]]


async def test_good_stays_are_credited_and_bad_ones_refused_each_with_its_own_errors(
    client: GraphQLClient, runtime: Runtime
) -> None:
    ada, grace = await enroll(client, "Ada", "Lovelace"), await enroll(client, "Grace", "Hopper")
    desk = await client.acting_as("front_desk", properties=["NYCTS"])
    stays = [
        stay_input(ada, arrival=D(2026, 2, 1), nights=2, confirmation="A-1", room="300"),
        stay_input(grace, arrival=D(2026, 2, 1), nights=1, confirmation="G-1", last_name="Smith"),
        stay_input(
            grace, arrival=D(2026, 2, 3), nights=1, confirmation="P-1", property_code="PAROP"
        ),
        stay_input(grace, arrival=D(2026, 2, 5), nights=1, confirmation="G-2", room="-5"),
        stay_input(grace, arrival=D(2026, 2, 7), nights=3, confirmation="G-3", room="450"),
        stay_input(ada, arrival=D(2026, 4, 1), nights=1, confirmation="A-2", status="BOOKED"),
    ]
    payload = await send(desk, "audit-2026-02-28", stays)

    assert payload["userErrors"] == []
    assert (payload["recorded"], payload["credited"], payload["refused"]) == (3, 2, 3)
    results = payload["results"]
    assert [r["index"] for r in results] == list(range(6))
    assert [r["confirmationNumber"] for r in results] == ["A-1", "G-1", "P-1", "G-2", "G-3", "A-2"]
    assert [codes(r) for r in results] == [
        [],
        ["GUEST_NAME_MISMATCH"],
        ["STAY_CHANGE_NOT_ALLOWED"],
        ["INVALID_AMOUNT"],
        [],
        [],
    ]
    assert results[0]["stay"] == {"confirmationNumber": "A-1", "status": "COMPLETED", "nights": 2}
    assert results[5]["stay"]["status"] == "BOOKED"
    assert all(r["stay"] is None for r in results[1:4])
    # Nothing written for the refused ones; the others are credited.
    assert await stored_confirmations(runtime) == ["A-1", "A-2", "G-3"]
    after = await books(runtime)
    assert after[ada][0] == after[ada][1] > 0
    assert after[grace][0] == after[grace][1] > 0
    await desk.aclose()


async def test_a_batch_sent_again_returns_its_first_answer_and_awards_nothing_twice(
    client: GraphQLClient, runtime: Runtime
) -> None:
    ada = await enroll(client, "Ada", "Lovelace")
    stays = [
        stay_input(ada, arrival=D(2026, 2, 1), nights=2, confirmation="A-1", room="300"),
        stay_input(ada, arrival=D(2026, 2, 5), nights=1, confirmation="A-2", last_name="Byron"),
    ]
    first = await send(client, "audit-1", stays)
    before = await books(runtime)
    again = await send(client, "audit-1", stays)

    assert again == first
    assert await books(runtime) == before
    # The same key for another batch is the idempotency conflict, and changes nothing.
    other = await send(client, "audit-1", stays[:1])
    assert codes(other) == ["IDEMPOTENCY_KEY_REUSED"]
    assert other["results"] == []
    assert await books(runtime) == before


async def test_a_stay_already_reported_with_its_key_is_not_credited_again(
    client: GraphQLClient, runtime: Runtime
) -> None:
    ada = await enroll(client, "Ada", "Lovelace")
    stay = stay_input(ada, arrival=D(2026, 2, 1), nights=2, confirmation="A-1", key="pms-A-1")
    assert (await client(RECORD_STAY, input=stay))["recordStay"]["userErrors"] == []
    before = await books(runtime)

    payload = await send(client, "audit-2", [stay])

    assert codes(payload["results"][0]) == []
    assert payload["results"][0]["stay"]["confirmationNumber"] == "A-1"
    assert await books(runtime) == before
    # The key names that stay: another stay under it is refused, the rest of the batch runs.
    other = stay_input(ada, arrival=D(2026, 2, 9), nights=1, confirmation="A-9", key="pms-A-1")
    fresh = stay_input(ada, arrival=D(2026, 2, 12), nights=1, confirmation="A-12")
    payload = await send(client, "audit-3", [other, fresh])
    assert [codes(r) for r in payload["results"]] == [["IDEMPOTENCY_KEY_REUSED"], []]


async def test_a_stay_refused_after_its_writes_rolls_back_to_its_savepoint_alone(
    client: GraphQLClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, grace = await enroll(client, "Ada", "Lovelace"), await enroll(client, "Grace", "Hopper")
    refresh = stays.refresh_inferred

    async def refusing_once(session: Any, runtime: Runtime, member: Member) -> None:
        # Refuses the first of Grace's stays once it is written and credited.
        if member.last_name == "Hopper" and not refused:
            refused.append(member.id)
            raise BusinessRuleError(ErrorCode.INVALID_INPUT, "Refused late.", "status")
        await refresh(session, runtime, member)

    refused: list[int] = []
    monkeypatch.setattr(stays, "refresh_inferred", refusing_once)
    payload = await send(
        client,
        "audit-late",
        [
            stay_input(ada, arrival=D(2026, 2, 1), nights=2, confirmation="A-1"),
            stay_input(grace, arrival=D(2026, 2, 1), nights=2, confirmation="G-1"),
            stay_input(grace, arrival=D(2026, 2, 5), nights=1, confirmation="G-2"),
        ],
    )

    assert [codes(r) for r in payload["results"]] == [[], ["INVALID_INPUT"], []]
    assert await stored_confirmations(runtime) == ["A-1", "G-2"]
    after = await books(runtime)
    assert after[grace][0] == after[grace][1] > 0
    async with runtime.db.reading() as session:
        entries = await session.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .join(Member, Member.id == LedgerEntry.member_id)
            .where(Member.member_number == grace)
        )
    assert entries == 1  # G-2's earning alone


async def test_a_batch_over_the_programs_bound_is_refused_whole(
    client: GraphQLClient, runtime: Runtime
) -> None:
    ada = await enroll(client, "Ada", "Lovelace")
    bound = runtime.rules_on(runtime.today()).limits.max_stays_per_batch
    assert bound == 1_000
    stays = [
        stay_input(ada, arrival=D(2026, 2, 1), nights=1, confirmation=f"A-{i}", key=f"k-{i}")
        for i in range(bound + 1)
    ]
    payload = await send(client, "too-many", stays)

    assert codes(payload) == ["BATCH_TOO_LARGE"]
    assert payload["userErrors"][0]["field"] == "stays"
    assert payload["results"] == []
    assert await stored_confirmations(runtime) == []
    assert codes(await send(client, "none", [])) == ["INVALID_INPUT"]
    async with runtime.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0


async def test_two_batches_over_the_same_members_at_once_never_credit_twice(
    client: GraphQLClient, runtime: Runtime
) -> None:
    numbers = [await enroll(client, "Ada", f"Guest{i}") for i in range(4)]
    # The same stays (same per-stay keys) in two batches, in opposite orders, plus each
    # batch's own stays for the same members.
    shared = [
        stay_input(n, arrival=D(2026, 2, 1), nights=2, confirmation=f"S-{i}", key=f"s-{i}")
        for i, n in enumerate(numbers)
    ]

    def own(tag: str) -> list[dict[str, Any]]:
        return [
            stay_input(n, arrival=D(2026, 2, 10), nights=1, confirmation=f"{tag}-{i}")
            for i, n in enumerate(numbers)
        ]

    first, second = await asyncio.gather(
        send(client, "night-a", shared + own("A")),
        send(client, "night-b", list(reversed(shared)) + own("B")),
    )

    assert first["refused"] == second["refused"] == 0
    confirmations = await stored_confirmations(runtime)
    assert len(confirmations) == len(set(confirmations)) == 12
    after = await books(runtime)
    assert all(balance == ledger for balance, ledger in after.values())
    async with runtime.db.reading() as session:
        credited = await session.scalars(
            select(func.count()).select_from(LedgerEntry).group_by(LedgerEntry.member_id)
        )
        # Each member: the shared stay and one own stay per batch, one earn entry each.
        assert sorted(credited) == [3] * 4


def booked(number: str, confirmation: str) -> RecordStay:
    """A night at NYCTS in May, booked: recorded, nothing to credit. No key of its own."""
    arrival = D(2026, 5, 1)
    return RecordStay(
        idempotency_key="",
        member_number=number,
        guest_last_name="Guest",
        property_code="NYCTS",
        confirmation_number=confirmation,
        status=StayStatus.BOOKED,
        folio=Folio(arrival, arrival + dt.timedelta(days=1), "BAR", "USD", Decimal(0)),
    )


def completed(number: str, confirmation: str) -> RecordStay:
    """A night at NYCTS in February, 100 USD, completed: base points only."""
    arrival = D(2026, 2, 1)
    return replace(
        booked(number, confirmation),
        status=StayStatus.COMPLETED,
        folio=Folio(arrival, arrival + dt.timedelta(days=1), "BAR", "USD", Decimal(100)),
    )


async def statements_for(
    runtime: Runtime, numbers: list[str], tag: str, make: Callable[[str, str], RecordStay] = booked
) -> list[str]:
    command = RecordStays(
        idempotency_key=f"plain-{tag}",
        stays=tuple(make(number, f"{tag}-{i}") for i, number in enumerate(numbers)),
    )
    with counting_statements(runtime.db, writes=True) as statements:
        outcome = await record_stays(runtime, command)
    assert outcome.refused == 0, outcome
    return statements


async def test_a_batch_of_plain_stays_takes_a_fixed_number_of_statements_and_a_few_per_stay(
    client: GraphQLClient, runtime: Runtime
) -> None:
    numbers = [await enroll(client, "Ada", "Guest") for _ in range(8)]
    for_four = await statements_for(runtime, numbers[:4], "four")
    for_eight = await statements_for(runtime, numbers, "eight")

    shown = "\n".join(s[:90] for s in for_eight)
    assert len(for_eight) - len(for_four) == 4 * STATEMENTS_PER_BOOKED_STAY, shown
    assert len(for_four) == STATEMENTS_PER_BATCH + 4 * STATEMENTS_PER_BOOKED_STAY, shown


async def test_a_batch_of_completed_stays_adds_a_fixed_number_of_statements_per_stay(
    client: GraphQLClient, runtime: Runtime
) -> None:
    numbers = [await enroll(client, "Ada", "Guest") for _ in range(12)]
    for_four = await statements_for(runtime, numbers[:4], "four", completed)
    for_eight = await statements_for(runtime, numbers[4:], "eight", completed)

    shown = "\n".join(s[:90] for s in for_eight)
    assert len(for_eight) - len(for_four) == 4 * STATEMENTS_PER_COMPLETED_STAY, shown
    assert len(for_four) == STATEMENTS_PER_BATCH + 4 * STATEMENTS_PER_COMPLETED_STAY, shown
