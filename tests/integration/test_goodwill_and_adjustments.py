"""postGoodwillPoints and postPointsAdjustment: manual points in the ledger with their
author and reason; an adjustment never takes the balance below zero."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from staytier.services.runtime import Runtime
from staytier.store.models import IdempotencyRecord, LedgerEntry, Member
from tests.privilege_support import ADJUST, GOODWILL, give_points
from tests.support import GraphQLClient, enroll, guest, new_key


def goodwill(
    number: str, points: int, reason: str = "ROOM_NOT_READY", **extra: Any
) -> dict[str, Any]:
    return {
        "idempotencyKey": new_key(),
        "memberNumber": number,
        "points": points,
        "reasonCode": reason,
        "author": "duty.manager@nycts",
        "note": "Room ready at 6 pm",
        **extra,
    }


def adjustment(number: str, points: int, **extra: Any) -> dict[str, Any]:
    return {
        "idempotencyKey": new_key(),
        "memberNumber": number,
        "points": points,
        "reason": "Missing stay credit, ticket 4711",
        "author": "admin@staytier",
        **extra,
    }


async def test_a_complaint_is_answered_with_goodwill_points_and_its_reason_is_kept(
    client: GraphQLClient, runtime: Runtime
) -> None:
    number = await enroll(client)

    payload = (await client(GOODWILL, input=goodwill(number, 2_500)))["postGoodwillPoints"]

    assert payload["userErrors"] == []
    assert payload["entry"]["kind"] == "BONUS" and payload["entry"]["points"] == 2_500
    assert "Room ready at 6 pm" in payload["entry"]["description"]
    assert payload["guest"]["points"]["balance"] == 2_500
    async with runtime.db.reading() as session:
        entry = await session.scalar(select(LedgerEntry))
    assert entry is not None
    assert (entry.author, entry.reason_code) == ("duty.manager@nycts", "ROOM_NOT_READY")


async def test_goodwill_needs_a_known_reason_within_its_limit(client: GraphQLClient) -> None:
    number = await enroll(client)

    unknown = (await client(GOODWILL, input=goodwill(number, 100, "BORED")))["postGoodwillPoints"]
    too_much = (await client(GOODWILL, input=goodwill(number, 5_001)))["postGoodwillPoints"]
    negative = (await client(GOODWILL, input=goodwill(number, -5, author=" ")))[
        "postGoodwillPoints"
    ]

    assert [e["code"] for e in unknown["userErrors"]] == ["UNKNOWN_REASON_CODE"]
    assert [e["code"] for e in too_much["userErrors"]] == ["GOODWILL_LIMIT_EXCEEDED"]
    assert [(e["code"], e["field"]) for e in negative["userErrors"]] == [
        ("INVALID_INPUT", "author"),
        ("INVALID_AMOUNT", "points"),
    ]
    assert (await guest(client, number))["points"]["balance"] == 0


async def test_an_adjustment_may_take_points_back_but_not_below_zero(
    client: GraphQLClient, runtime: Runtime
) -> None:
    number = await enroll(client)
    await give_points(client, number, 3_000)

    taken = (await client(ADJUST, input=adjustment(number, -1_000)))["postPointsAdjustment"]
    too_much = (await client(ADJUST, input=adjustment(number, -2_001)))["postPointsAdjustment"]
    zero = (await client(ADJUST, input=adjustment(number, 0, reason="")))["postPointsAdjustment"]

    assert taken["userErrors"] == [] and taken["entry"]["kind"] == "ADJUSTMENT"
    assert taken["guest"]["points"]["balance"] == 2_000
    assert [e["code"] for e in too_much["userErrors"]] == ["NOT_ENOUGH_POINTS"]
    assert [e["field"] for e in zero["userErrors"]] == ["reason", "points"]
    assert (await guest(client, number))["points"]["balance"] == 2_000
    async with runtime.db.reading() as session:
        authors = set(await session.scalars(select(LedgerEntry.author)))
    assert authors == {"admin@staytier.test", "admin@staytier"}


async def test_goodwill_sent_again_with_its_key_is_posted_once_and_answered_the_same(
    client: GraphQLClient,
) -> None:
    number = await enroll(client)
    fields = goodwill(number, 1_200)

    first = (await client(GOODWILL, input=fields))["postGoodwillPoints"]
    again = (await client(GOODWILL, input=fields))["postGoodwillPoints"]

    assert first["userErrors"] == [] and first["entry"]["points"] == 1_200
    assert again == first
    assert (await guest(client, number))["points"]["balance"] == 1_200


async def test_a_receipt_keeps_the_keys_receipts_already_stored_use(
    client: GraphQLClient, runtime: Runtime
) -> None:
    """Receipts already in databases keep the keys they were written with: the entry's
    id under "entry_id" and the member's under "member_id"."""
    number = await enroll(client)
    fields = goodwill(number, 900)
    first = (await client(GOODWILL, input=fields))["postGoodwillPoints"]
    async with runtime.db.reading() as session:
        record = await session.scalar(
            select(IdempotencyRecord).where(IdempotencyRecord.key == fields["idempotencyKey"])
        )
        entry = await session.scalar(select(LedgerEntry).where(LedgerEntry.points == 900))
        member = await session.scalar(select(Member).where(Member.member_number == number))
        assert record is not None and entry is not None and member is not None
    assert record.result == {"entry_id": entry.id, "member_id": member.id}

    again = (await client(GOODWILL, input=fields))["postGoodwillPoints"]

    assert again == first
