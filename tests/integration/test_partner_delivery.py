"""Delivering the outbox to partners over real HTTP: simulators on 127.0.0.1, a real
database on both backends, retries driven by the test clock (no sleeping)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

import pytest

from staytier.connectors.simulators import Behaviour
from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.outbox import RequestState
from staytier.services import outbox, outbox_replay
from staytier.services.donations import donation_settled
from staytier.services.runtime import Runtime
from staytier.store.database import Database
from tests.partners import (
    BACKOFF,
    MAX_ATTEMPTS,
    SimulatedPartners,
    advance,
    balance,
    donate,
    member_with_points,
    partners_at,
    requests,
    worker,
)

LONGEST_WAIT = dt.timedelta(seconds=BACKOFF.max_seconds)


async def test_a_donation_reaches_the_charity_once_with_its_idempotency_key(
    partner_runtime: Runtime, simulators: SimulatedPartners
) -> None:
    member = await member_with_points(partner_runtime, 5000)
    request_id = await donate(partner_runtime, member, 2000)

    done = await worker(partner_runtime).deliver_due()

    [row] = await requests(partner_runtime)
    assert [d.state for d in done] == [RequestState.ACCEPTED]
    assert row.id == request_id and row.state == "ACCEPTED" and row.attempts == 1
    assert row.response == {"status": "RECEIVED", "receipt_number": "GIFT-000001"}
    assert row.outcome_applied_at is not None
    [received] = simulators.charity.received
    assert (
        received.idempotency_key == row.idempotency_key == f"donation:{row.payload['donation_id']}"
    )
    assert received.body == {
        "donation_id": row.payload["donation_id"],
        "member_number": member,
        "charity": "GREENTREES",
        "points": 2000,
    }
    assert await balance(partner_runtime, member) == 3000


async def test_a_declined_donation_is_refunded_in_the_same_transaction(
    partner_runtime: Runtime, simulators: SimulatedPartners
) -> None:
    member = await member_with_points(partner_runtime, 5000)
    await donate(partner_runtime, member, 2000)
    simulators.charity.behave(Behaviour.DECLINE)

    await worker(partner_runtime).deliver_due()

    [row] = await requests(partner_runtime)
    assert row.state == "REJECTED"
    assert row.outcome_reason == "the charity no longer accepts points"
    assert row.outcome_applied_at is not None
    assert simulators.charity.effects == {}
    assert await balance(partner_runtime, member) == 5000


async def test_partner_down_then_up_delivers_each_request_once_in_order_per_guest(
    partner_runtime: Runtime, simulators: SimulatedPartners
) -> None:
    members = [await member_with_points(partner_runtime, 10_000, f"G{i}") for i in range(3)]
    for points in (1000, 2000, 3000):
        for member in members:
            await donate(partner_runtime, member, points)
    debited = 10_000 - 6000
    simulators.charity.behave(Behaviour.FAIL)
    delivery = worker(partner_runtime)

    # Down: each pass tries only the oldest open request of each guest, and fails.
    for _ in range(MAX_ATTEMPTS - 1):
        done = await delivery.deliver_due()
        assert len(done) == len(members)
        assert {d.state for d in done} == {RequestState.RETRYING}
        assert await delivery.deliver_due() == []  # nothing due until the backoff passes
        for member in members:
            assert await balance(partner_runtime, member) == debited
        advance(partner_runtime, LONGEST_WAIT)

    simulators.charity.behave(Behaviour.SUCCEED)
    while await delivery.deliver_due():
        advance(partner_runtime, LONGEST_WAIT)

    rows = await requests(partner_runtime)
    assert {row.state for row in rows} == {"ACCEPTED"}
    assert len(simulators.charity.effects) == len(rows) == 9
    accepted_in_order: dict[str, list[int]] = defaultdict(list)
    for received in simulators.charity.received:
        if received.behaviour is Behaviour.SUCCEED:
            accepted_in_order[received.body["member_number"]].append(received.body["points"])
    assert accepted_in_order == {member: [1000, 2000, 3000] for member in members}
    for member in members:
        assert await balance(partner_runtime, member) == debited


async def test_garbage_and_timeouts_are_retried_and_acted_on_once(
    partner_runtime: Runtime, simulators: SimulatedPartners
) -> None:
    member = await member_with_points(partner_runtime, 5000)
    await donate(partner_runtime, member, 1000)
    simulators.charity.behave(Behaviour.SUCCEED, Behaviour.GARBAGE, Behaviour.TIME_OUT)
    delivery = worker(partner_runtime)

    first = await delivery.deliver_due()
    advance(partner_runtime, LONGEST_WAIT)
    second = await delivery.deliver_due()
    advance(partner_runtime, LONGEST_WAIT)
    third = await delivery.deliver_due()

    assert "not understood" in first[0].error
    assert "no answer" in second[0].error
    assert [d.state for d in first + second + third] == [
        RequestState.RETRYING,
        RequestState.RETRYING,
        RequestState.ACCEPTED,
    ]
    assert len(simulators.charity.received) == 3
    assert len(simulators.charity.effects) == 1
    [row] = await requests(partner_runtime)
    assert row.attempts == 3 and row.state == "ACCEPTED"


async def test_the_retry_waits_follow_the_backoff_of_the_partner(
    partner_runtime: Runtime, simulators: SimulatedPartners
) -> None:
    member = await member_with_points(partner_runtime, 5000)
    await donate(partner_runtime, member, 1000)
    simulators.charity.behave(Behaviour.FAIL)
    delivery = worker(partner_runtime)

    await delivery.deliver_due()
    [row] = await requests(partner_runtime)
    assert row.next_attempt_at is not None
    wait = row.next_attempt_at - partner_runtime.now()
    first = dt.timedelta(seconds=BACKOFF.first_seconds)
    assert first * (100 - BACKOFF.jitter_percent) / 100 <= wait <= first

    advance(partner_runtime, wait - dt.timedelta(seconds=1))
    assert await delivery.deliver_due() == []
    advance(partner_runtime, dt.timedelta(seconds=1))
    assert len(await delivery.deliver_due()) == 1


async def test_after_the_last_attempt_the_request_is_dead_and_the_points_refunded(
    partner_runtime: Runtime, simulators: SimulatedPartners
) -> None:
    member = await member_with_points(partner_runtime, 5000)
    await donate(partner_runtime, member, 2000)
    simulators.charity.behave(Behaviour.FAIL)
    delivery = worker(partner_runtime)

    for _ in range(MAX_ATTEMPTS):
        await delivery.deliver_due()
        advance(partner_runtime, LONGEST_WAIT)

    [row] = await requests(partner_runtime)
    assert row.state == "DEAD" and row.attempts == MAX_ATTEMPTS
    assert row.outcome_reason is not None
    assert row.outcome_reason.startswith(f"no final answer after {MAX_ATTEMPTS} attempts")
    assert "500" in (row.last_error or "")
    assert await balance(partner_runtime, member) == 5000
    assert await delivery.deliver_due() == []
    with pytest.raises(BusinessRuleError) as refused:
        await outbox_replay.replay(partner_runtime, row.id, "replay-1")
    assert refused.value.code is ErrorCode.PARTNER_REQUEST_NOT_REPLAYABLE


async def test_a_dead_request_whose_outcome_was_not_applied_is_replayed_with_its_key(
    partner_runtime: Runtime, simulators: SimulatedPartners, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = await member_with_points(partner_runtime, 5000)
    await donate(partner_runtime, member, 2000)

    async def broken(*_: object) -> None:
        raise RuntimeError("handler bug")

    monkeypatch.setitem(outbox._handlers, "charity.donate", broken)
    delivery = worker(partner_runtime)
    await delivery.deliver_due()
    [dead] = await requests(partner_runtime)
    assert dead.state == "DEAD" and dead.outcome_applied_at is None
    assert "handler bug" in (dead.last_error or "")

    monkeypatch.setitem(outbox._handlers, "charity.donate", donation_settled)
    await outbox_replay.replay(partner_runtime, dead.id, "replay-1")
    await outbox_replay.replay(partner_runtime, dead.id, "replay-1")  # a retried replay: once
    await delivery.deliver_due()

    [row] = await requests(partner_runtime)
    assert row.state == "ACCEPTED" and row.replays == 1 and row.outcome_applied_at is not None
    assert [r.idempotency_key for r in simulators.charity.received] == [row.idempotency_key] * 2
    assert len(simulators.charity.effects) == 1
    assert await balance(partner_runtime, member) == 3000


async def test_a_missing_api_key_is_a_clear_error_and_the_request_waits(
    partner_runtime: Runtime, simulators: SimulatedPartners
) -> None:
    without_key = dataclasses.replace(
        partner_runtime, partners=partners_at(simulators.urls, environ={})
    )
    member = await member_with_points(without_key, 5000)
    await donate(without_key, member, 1000)

    [done] = await worker(without_key).deliver_due()

    assert done.state is RequestState.RETRYING
    assert done.error == (
        "the environment variable TEST_GREENTREES_API_KEY (the API key of partner GREENTREES) "
        "is not set"
    )
    assert simulators.charity.received == []


async def test_two_workers_on_one_outbox_never_deliver_a_request_twice(
    partner_runtime: Runtime, simulators: SimulatedPartners
) -> None:
    members = [await member_with_points(partner_runtime, 50_000, f"G{i}") for i in range(8)]
    for round_ in range(4):
        for member in members:
            await donate(partner_runtime, member, 1000 * (round_ + 1))
    # A second engine on the same database: the two workers share nothing in-process.
    second_db = Database(partner_runtime.db.url)
    second = dataclasses.replace(partner_runtime, db=second_db)
    one, two = worker(partner_runtime, "worker-1"), worker(second, "worker-2", seed=2)
    try:
        import asyncio

        handled: list[int] = []
        while True:
            passes = await asyncio.gather(one.deliver_due(), two.deliver_due())
            if not any(passes):
                break
            handled += [d.partner_request_id for done in passes for d in done]
    finally:
        await second_db.dispose()

    rows = await requests(partner_runtime)
    assert {row.state for row in rows} == {"ACCEPTED"}
    assert sorted(handled) == [row.id for row in rows]  # each claimed exactly once
    keys = [received.idempotency_key for received in simulators.charity.received]
    assert len(keys) == len(set(keys)) == 32


async def test_a_request_enqueued_without_a_clock_reading_is_stamped_by_the_database(
    partner_runtime: Runtime, simulators: SimulatedPartners
) -> None:
    member = await member_with_points(partner_runtime, 5000)
    async with partner_runtime.db.transaction() as session:
        request_id = await outbox.enqueue(
            session,
            partner_runtime.connectors,
            partner="PMS",
            operation="pms.room_guarantee",
            payload={
                "guarantee_id": 7,
                "member_number": member,
                "property_code": "NYCTS",
                "arrival_date": dt.date(2026, 3, 10),
                "departure_date": "2026-03-12",
                "guest_name": "Ada Guest",
            },
            idempotency_key="guarantee:7",
            subject="guarantee:7",
        )

    await worker(partner_runtime).deliver_due()

    [row] = await requests(partner_runtime)
    assert row.id == request_id and row.state == "ACCEPTED" and row.created_at is not None
    assert row.payload["arrival_date"] == "2026-03-10"
    assert row.response == {"outcome": "HONOURED", "confirmation_number": "G0000001"}
    assert simulators.pms.received[0].body["departure_date"] == "2026-03-12"


async def test_a_payload_that_does_not_fit_its_operation_is_refused_by_name(
    partner_runtime: Runtime,
) -> None:
    async with partner_runtime.db.transaction() as session:
        with pytest.raises(ValueError, match=r"Object missing required field `miles`"):
            await outbox.enqueue(
                session,
                partner_runtime.connectors,
                partner="SKYWAYS",
                operation="miles.transfer",
                payload={
                    "transfer_id": 1,
                    "member_number": "1",
                    "airline": "SKYWAYS",
                    "frequent_flyer_number": "SW123456789",
                    "points": 3000,
                },
                idempotency_key="transfer:1",
            )
        with pytest.raises(ValueError, match=r"no connector performs 'miles\.teleport'"):
            await outbox.enqueue(
                session,
                partner_runtime.connectors,
                partner="SKYWAYS",
                operation="miles.teleport",
                payload={},
                idempotency_key="transfer:2",
            )
