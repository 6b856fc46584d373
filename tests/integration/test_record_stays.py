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
from staytier.program.promotions import Promotion, PromotionEffects, PromotionLimits
from staytier.services import stays
from staytier.services.bulk_stays import RecordStays, record_stays
from staytier.services.runtime import Runtime
from staytier.services.stays import RecordStay
from staytier.store.models import (
    IdempotencyRecord,
    LedgerEntry,
    Member,
    PartnerRequest,
    Preference,
    PromotionAward,
    PromotionBudget,
    QualifyingCredit,
    Referral,
    StatusPeriod,
    Stay,
    SweepstakesEntry,
)
from tests.engagement_support import member_with_email
from tests.support import (
    ENROLL,
    GraphQLClient,
    counting_statements,
    enroll,
    stay_input,
    with_newest_version,
)

D = dt.date
# Per batch: the transaction's first statement (BEGIN IMMEDIATE on SQLite, the batch key's
# advisory lock on PostgreSQL), the batch key's stored result, the members, the properties,
# the stays already stored, the stays' keys already used; at the end the stays' idempotency
# records (one insert) and the batch's (its id, then the row).
STATEMENTS_PER_BATCH = 9
# Per batch with stays to credit: what crediting reads of their members, for all of them
# (services/credit_reads.py): status rows with the year's totals and referrals (one
# statement), promotion registrations and progress with sweepstakes entries held (one), last
# stays, inferred preferences.
CREDIT_READS_PER_BATCH = 4
# A batch holds its rows to one flush at its end (store/deferred.py): per table it writes,
# one statement for their ids (a block of the table's sequence on PostgreSQL, the largest id
# on SQLite) and one insert of all of them, whatever the batch's size.
STATEMENTS_PER_TABLE = 2
# Bookings write stays and their revisions.
BOOKED_TABLES = 2
# Completed stays write stays, revisions, credits, audit entries, ledger entries,
# qualifying rows, the sweepstakes entries earned and survey invitations; and the members'
# balances, in one UPDATE of many rows.
COMPLETED_TABLES = 8
STATEMENTS_PER_BOOKED_BATCH = STATEMENTS_PER_BATCH + BOOKED_TABLES * STATEMENTS_PER_TABLE
# A member's second stay in the batch reads what their first changed, as the batch read
# its members (CREDIT_READS_PER_BATCH), and writes its rows in a flush of their own: its
# stay, revision, credit, audit entry, ledger entry, qualifying row, sweepstakes entries,
# survey invitation and the balance.
SECOND_STAY_READS = CREDIT_READS_PER_BATCH
SECOND_STAY_WRITES = 9
STATEMENTS_PER_COMPLETED_BATCH = (
    STATEMENTS_PER_BATCH + CREDIT_READS_PER_BATCH + COMPLETED_TABLES * STATEMENTS_PER_TABLE + 1
)
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
REFERRAL_CODE = "query($n: String!) { guest(memberNumber: $n) { referralCode } }"
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
        stay_input(ada, arrival=D(2026, 2, 1), nights=2, confirmation="A-1", room="300.50"),
        stay_input(ada, arrival=D(2026, 2, 5), nights=1, confirmation="A-2", room="120.00"),
        stay_input(ada, arrival=D(2026, 2, 9), nights=1, confirmation="A-3", last_name="Byron"),
    ]
    query = RECORD_STAYS.replace("status nights", "status nights roomRevenue")
    first = await client(query, input={"idempotencyKey": "audit-1", "stays": stays})
    before = await books(runtime)
    again = await client(query, input={"idempotencyKey": "audit-1", "stays": stays})

    # The same answer to the letter: amounts as the database reads them back (no trailing
    # zeros, on either database), in the first answer as in the retry's.
    assert again == first
    results = first["recordStays"]["results"]
    assert [r["stay"] and r["stay"]["roomRevenue"] for r in results] == ["300.5", "120", None]
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

    async def refusing_once(session: Any, runtime: Runtime, member: Member, **known: Any) -> None:
        # Refuses the first of Grace's stays once it is written and credited, in every
        # attempt at the batch (a batch that defers its writes tries again with savepoints).
        if member.last_name == "Hopper" and session not in attempts:
            attempts.append(session)
            raise BusinessRuleError(ErrorCode.INVALID_INPUT, "Refused late.", "status")
        await refresh(session, runtime, member, **known)

    attempts: list[Any] = []
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


async def test_a_batch_of_bookings_takes_the_same_statements_whatever_its_size(
    client: GraphQLClient, runtime: Runtime
) -> None:
    numbers = [await enroll(client, "Ada", "Guest") for _ in range(8)]
    for_four = await statements_for(runtime, numbers[:4], "four")
    for_eight = await statements_for(runtime, numbers, "eight")

    shown = "\n".join(s[:90] for s in for_eight)
    assert len(for_four) == len(for_eight) == STATEMENTS_PER_BOOKED_BATCH, shown


async def test_a_batch_of_completed_stays_takes_the_same_statements_whatever_its_size(
    client: GraphQLClient, runtime: Runtime
) -> None:
    numbers = [await enroll(client, "Ada", "Guest") for _ in range(8)]
    for_two = await statements_for(runtime, numbers[:2], "two", completed)
    for_six = await statements_for(runtime, numbers[2:], "six", completed)

    shown = "\n".join(s[:90] for s in for_six)
    assert len(for_two) == len(for_six) == STATEMENTS_PER_COMPLETED_BATCH, shown


async def completing(runtime: Runtime, numbers: list[str], tag: str) -> list[str]:
    """The statements of a batch that completes stays an earlier batch booked, as a
    property's night audit does with a booking site's reservations."""
    bookings = RecordStays(
        idempotency_key=f"book-{tag}",
        stays=tuple(booked(number, f"{tag}-{i}") for i, number in enumerate(numbers)),
    )
    assert (await record_stays(runtime, bookings)).refused == 0
    checkouts = RecordStays(
        idempotency_key=f"checkout-{tag}",
        stays=tuple(completed(number, f"{tag}-{i}") for i, number in enumerate(numbers)),
    )
    with counting_statements(runtime.db, writes=True) as statements:
        outcome = await record_stays(runtime, checkouts)
    assert outcome.credited == len(numbers), outcome
    return statements


async def test_completing_booked_stays_takes_the_same_statements_whatever_the_batchs_size(
    client: GraphQLClient, runtime: Runtime
) -> None:
    numbers = [await enroll(client, "Ada", "Guest") for _ in range(8)]
    for_two = await completing(runtime, numbers[:2], "two")
    for_six = await completing(runtime, numbers[2:], "six")

    shown = "\n".join(s[:90] for s in for_six)
    # The stays are updated (one statement of many rows), not inserted: no ids to take.
    assert len(for_two) == len(for_six) == STATEMENTS_PER_COMPLETED_BATCH - 1, shown


CONSENT = """
mutation C($input: SetConsentInput!) { setConsent(input: $input) { userErrors { code } } }
"""
# Guests with an address to mail: whether they withdrew consent to guest mail, read for all
# of them at once; then their survey invitations' mail, one outbox table more.
MAILED_BATCH_EXTRA = 1 + STATEMENTS_PER_TABLE


def mailed(number: str, confirmation: str) -> RecordStay:
    """Two nights at NYCTS checked out on 1 March 2026, the day before the test clock's:
    its survey is still open, so the guest is mailed an invitation."""
    return replace(
        completed(number, confirmation),
        guest_last_name="Mailer",
        folio=Folio(D(2026, 2, 27), D(2026, 3, 1), "BAR", "USD", Decimal(100)),
    )


async def mail_of(runtime: Runtime, numbers: list[str]) -> dict[str, int]:
    """How many guest mails the outbox holds for each of ``numbers``."""
    async with runtime.db.reading() as session:
        found = await session.execute(
            select(Member.member_number, func.count(PartnerRequest.id))
            .join(PartnerRequest, PartnerRequest.member_id == Member.id, isouter=True)
            .where(Member.member_number.in_(numbers))
            .group_by(Member.member_number)
        )
        return {number: count for number, count in found.all()}


async def test_a_batch_mails_its_guests_in_the_same_statements_whatever_its_size(
    client: GraphQLClient, runtime: Runtime
) -> None:
    numbers = [await member_with_email(client, "Ada", f"ada{i}@example.test") for i in range(8)]
    withdrew = numbers[1]
    done = await client(
        CONSENT, input={"memberNumber": withdrew, "purpose": "MARKETING", "granted": False}
    )
    assert done["setConsent"]["userErrors"] == []

    for_two = await statements_for(runtime, numbers[:2], "two", mailed)
    for_six = await statements_for(runtime, numbers[2:], "six", mailed)

    shown = "\n".join(s[:90] for s in for_six)
    assert len(for_two) == len(for_six) == STATEMENTS_PER_COMPLETED_BATCH + MAILED_BATCH_EXTRA, (
        shown
    )
    # Every guest is invited by mail but the one who withdrew consent.
    assert await mail_of(runtime, numbers) == {n: int(n != withdrew) for n in numbers}


RUSH_REWARD = 400
# Two and a half rewards: the third stay gets what is left, the rest nothing.
RUSH_BUDGET = 2 * RUSH_REWARD + RUSH_REWARD // 2
# A promotion every stay earns: its budget row made if missing and locked, read once, its
# spending added in one UPDATE; its awards, one table more.
BUDGETED_BATCH_EXTRA = 3 + STATEMENTS_PER_TABLE


def with_rush(runtime: Runtime) -> Runtime:
    """The demo program with a promotion every stay earns, without registering, until its
    small budget is spent."""
    rule = Promotion(
        code="RUSH", name="Checkout rush", starts_on=D(2026, 1, 1), ends_on=D(2026, 12, 31),
        effects=PromotionEffects(points=RUSH_REWARD),
        limits=PromotionLimits(budget_points=RUSH_BUDGET),
    )  # fmt: skip
    return with_newest_version(runtime, promotions=[rule])


async def rush_books(runtime: Runtime) -> tuple[int, int, list[int]]:
    """The budget row's spending, the awards' points and each award's, in posting order."""
    async with runtime.db.reading() as session:
        spent = await session.scalar(select(PromotionBudget.spent_points))
        awards = list(
            await session.scalars(select(PromotionAward.points).order_by(PromotionAward.id))
        )
    return int(spent or 0), sum(awards), awards


async def test_a_batch_spends_a_promotions_budget_as_stays_sent_one_by_one_would(
    client: GraphQLClient, runtime: Runtime
) -> None:
    rush = with_rush(runtime)
    numbers = [await enroll(client, "Ada", "Guest") for _ in range(8)]

    for_two = await statements_for(rush, numbers[:2], "two", completed)
    for_six = await statements_for(rush, numbers[2:], "six", completed)

    # Not one UPDATE a stay, which flushed all the batch held before it.
    shown = "\n".join(s[:90] for s in for_six)
    assert len(for_two) == len(for_six) == STATEMENTS_PER_COMPLETED_BATCH + BUDGETED_BATCH_EXTRA, (
        shown
    )
    spent, given, awards = await rush_books(rush)
    # Each stay earns the reward; the third gets what is left, the five after it nothing.
    assert awards == [RUSH_REWARD, RUSH_REWARD, RUSH_REWARD // 2] + [0] * 5
    assert spent == given == RUSH_BUDGET

    # A late cancellation gives its reward back to the budget; a corrected folio takes it
    # back and claims it again (from what the cancellation just gave back).
    changes = RecordStays(
        idempotency_key="changes",
        stays=(
            replace(completed(numbers[0], "two-0"), status=StayStatus.CANCELLED),
            replace(
                completed(numbers[1], "two-1"),
                folio=Folio(D(2026, 2, 1), D(2026, 2, 2), "BAR", "USD", Decimal(120)),
            ),
        ),
    )
    assert (await record_stays(rush, changes)).refused == 0
    spent, given, awards = await rush_books(rush)
    assert spent == given == RUSH_BUDGET - RUSH_REWARD
    assert awards[8:] == [-RUSH_REWARD, -RUSH_REWARD, RUSH_REWARD]


async def test_a_members_second_stay_in_a_batch_reads_their_state_again(
    client: GraphQLClient, runtime: Runtime
) -> None:
    ada = await enroll(client, "Ada", "Guest")
    command = RecordStays(
        idempotency_key="twice",
        stays=(
            completed(ada, "T-1"),
            replace(
                completed(ada, "T-2"),
                folio=Folio(D(2026, 2, 5), D(2026, 2, 6), "BAR", "USD", Decimal(100)),
            ),
        ),
    )
    with counting_statements(runtime.db, writes=True) as statements:
        outcome = await record_stays(runtime, command)

    assert outcome.credited == 2, outcome
    shown = "\n".join(s[:90] for s in statements)
    # The second stay reads the member's state as recordStay does, before it writes
    # anything. That read flushes what the batch holds (the first stay and its credit), so
    # the second stay's rows are written by a later flush, each table once more (ids
    # already taken serve them).
    assert len(statements) == (
        STATEMENTS_PER_COMPLETED_BATCH + SECOND_STAY_READS + SECOND_STAY_WRITES
    ), shown


async def member_rows(runtime: Runtime, number: str) -> dict[str, Any]:
    """What crediting wrote for a member, without what names a stay (confirmations, ids):
    balance, ledger, qualifying totals, status, promotion awards, mail queued, sweepstakes
    entries, inferred preferences and the referral that made them a friend."""
    async with runtime.db.reading() as session:
        member = await session.scalar(select(Member).where(Member.member_number == number))
        assert member is not None
        mine = member.id

        async def rows(*columns: Any, where: Any, order: Any) -> list[tuple[Any, ...]]:
            found = await session.execute(select(*columns).where(where).order_by(*order))
            return [tuple(row) for row in found]

        referral = await session.scalar(select(Referral).where(Referral.friend_id == mine))
        return {
            "balance": member.points_balance,
            "ledger": await rows(
                LedgerEntry.kind,
                LedgerEntry.points,
                LedgerEntry.effective_on,
                where=LedgerEntry.member_id == mine,
                order=[LedgerEntry.id],
            ),
            "qualifying": await rows(
                QualifyingCredit.year,
                QualifyingCredit.nights,
                QualifyingCredit.stays,
                QualifyingCredit.base_points,
                where=QualifyingCredit.member_id == mine,
                order=[QualifyingCredit.id],
            ),
            "status": await rows(
                StatusPeriod.tier_code,
                StatusPeriod.qualification_year,
                StatusPeriod.valid_from,
                StatusPeriod.valid_through,
                StatusPeriod.cause,
                StatusPeriod.revoked_at,
                where=StatusPeriod.member_id == mine,
                order=[StatusPeriod.id],
            ),
            "promotions": await rows(
                PromotionAward.promotion_code,
                PromotionAward.triggers,
                PromotionAward.rewards,
                PromotionAward.points,
                PromotionAward.extra_nights,
                where=PromotionAward.member_id == mine,
                order=[PromotionAward.id],
            ),
            "mail": await rows(
                PartnerRequest.operation,
                PartnerRequest.state,
                where=PartnerRequest.member_id == mine,
                order=[PartnerRequest.id],
            ),
            "sweepstakes": await rows(
                SweepstakesEntry.sweepstakes_code,
                SweepstakesEntry.entries,
                where=SweepstakesEntry.member_id == mine,
                order=[SweepstakesEntry.id],
            ),
            "preferences": await rows(
                Preference.category,
                Preference.value,
                Preference.source,
                where=Preference.member_id == mine,
                order=[Preference.category, Preference.value],
            ),
            "referral": None
            if referral is None
            else (
                referral.friend_credit_id is not None,
                referral.referrer_credit_id is not None,
                referral.rewarded_year,
            ),
        }


async def record_alone(client: GraphQLClient, stays: list[dict[str, Any]]) -> None:
    for stay in stays:
        assert (await client(RECORD_STAY, input=stay))["recordStay"]["userErrors"] == []


async def test_a_second_stay_in_the_batch_reaching_a_tier_with_the_firsts_nights_earns_it(
    client: GraphQLClient, runtime: Runtime
) -> None:
    first_arrival = D(2026, 2, 1)
    rules = runtime.rules_on(first_arrival)
    tier = rules.tiers_by_rank()[1]  # the first tier above the base one
    assert tier.qualifying_nights is not None and tier.qualifying_nights > 1
    first_nights = tier.qualifying_nights // 2
    second_nights = tier.qualifying_nights - first_nights  # reached with the first's only
    assert second_nights < tier.qualifying_nights
    assert tier.qualifying_stays is None or tier.qualifying_stays > 2
    ada, grace = await enroll(client, "Ada", "Lovelace"), await enroll(client, "Grace", "Hopper")

    def two_stays(number: str, tag: str) -> list[dict[str, Any]]:
        second_arrival = first_arrival + dt.timedelta(days=first_nights)
        return [
            stay_input(number, arrival=first_arrival, nights=first_nights, confirmation=f"{tag}1"),
            stay_input(
                number, arrival=second_arrival, nights=second_nights, confirmation=f"{tag}2"
            ),
        ]

    payload = await send(client, "audit-tier", two_stays(ada, "A"))
    await record_alone(client, two_stays(grace, "G"))

    assert payload["credited"] == 2 and payload["refused"] == 0
    batched, alone = await member_rows(runtime, ada), await member_rows(runtime, grace)
    assert batched == alone
    held = [row for row in batched["status"] if row[5] is None]
    assert [row[0] for row in held] == [tier.code]
    assert sum(row[1] for row in batched["qualifying"]) == tier.qualifying_nights
    base_points = sum(row[3] for row in batched["qualifying"])
    assert tier.qualifying_base_points is None or base_points < tier.qualifying_base_points


async def enroll_referred(client: GraphQLClient, tag: str) -> tuple[str, str]:
    """A referrer and a friend who enrolled with their code, by member number."""
    contact = {"email": f"referrer-{tag}@example.com", "phone": f"+1 212 555 01{tag}"}
    enrolled = await client(ENROLL, input={"firstName": "Rita", "lastName": "Referrer", **contact})
    referrer = enrolled["enrollGuest"]["guest"]["memberNumber"]
    code = (await client(REFERRAL_CODE, n=referrer))["guest"]["referralCode"]
    enrolled = await client(
        ENROLL, input={"firstName": "Fay", "lastName": "Friend", "referralCode": code}
    )
    assert enrolled["enrollGuest"]["userErrors"] == []
    return referrer, enrolled["enrollGuest"]["guest"]["memberNumber"]


async def test_a_friends_first_stay_in_a_batch_rewards_the_referral_as_recordstay_does(
    client: GraphQLClient, runtime: Runtime
) -> None:
    rita, fay = await enroll_referred(client, "10")
    rose, flo = await enroll_referred(client, "20")
    arrival = D(2026, 3, 1)  # checks out today, within the referral's window

    def stays(referrer: str, friend: str, tag: str) -> list[dict[str, Any]]:
        # The referrer's own stay (read before the friend's rewards them), the friend's
        # first stay, which rewards the referral, and their second, which does not.
        return [
            stay_input(
                referrer, arrival=arrival, nights=1, confirmation=f"{tag}R", last_name="Referrer"
            ),
            stay_input(
                friend, arrival=arrival, nights=1, confirmation=f"{tag}F1", last_name="Friend"
            ),
            stay_input(
                friend, arrival=arrival, nights=1, confirmation=f"{tag}F2", last_name="Friend"
            ),
        ]

    payload = await send(client, "audit-referral", stays(rita, fay, "A"))
    await record_alone(client, stays(rose, flo, "B"))

    assert payload["credited"] == 3 and payload["refused"] == 0
    friend, alone = await member_rows(runtime, fay), await member_rows(runtime, flo)
    assert friend == alone
    assert friend["referral"] == (True, True, arrival.year)
    assert await member_rows(runtime, rita) == await member_rows(runtime, rose)


async def test_a_stay_across_the_years_end_in_a_batch_is_credited_as_recordstay_does(
    client: GraphQLClient, runtime: Runtime
) -> None:
    ada, grace = await enroll(client, "Ada", "Lovelace"), await enroll(client, "Grace", "Hopper")
    start_month = runtime.rules_on(D(2026, 1, 1)).qualification.year_start_month
    new_year = D(2026, start_month, 1)  # the first day of a qualification year

    def across(number: str, tag: str) -> dict[str, Any]:
        arrival = new_year - dt.timedelta(days=2)
        return stay_input(number, arrival=arrival, nights=4, confirmation=f"{tag}-NY")

    with counting_statements(runtime.db, writes=True) as statements:
        payload = await send(client, "audit-new-year", [across(ada, "A")])
    await record_alone(client, [across(grace, "G")])

    assert payload["credited"] == 1 and payload["refused"] == 0
    batched = await member_rows(runtime, ada)
    assert batched == await member_rows(runtime, grace)
    assert [year for year, *_ in batched["qualifying"]] == [new_year.year - 1, new_year.year]
    # Both years' totals were read with the batch's, none again for the stay.
    totals_reads = [s for s in statements if "qualifying_credits.year" in s]
    assert len(totals_reads) == 1, "\n".join(s[:90] for s in statements)
