"""``staytier scheduler`` runs the date-bound jobs when due, each once, however many
schedulers are running."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from staytier.clock import TestClock
from staytier.services.jobs import run_due_jobs
from staytier.services.runtime import Runtime
from staytier.services.scheduler import Scheduler
from staytier.store.database import Database
from staytier.store.models import JobRun, LedgerEntry
from tests.support import GraphQLClient, enroll, guest, record

# Two years after the demo clock's start: two requalifications and a points expiry are due.
LATER = dt.datetime(2028, 3, 1, 9, 0, tzinfo=dt.UTC)
LOOK_BACK = dt.timedelta(days=800)


@pytest.fixture
async def gold_member(client: GraphQLClient) -> str:
    number = await enroll(client)
    await record(client, member_number=number, arrival=dt.date(2026, 1, 5), nights=25, room="2000")
    assert (await guest(client, number))["tier"]["code"] == "GOLD"
    return number


@pytest.fixture
async def second_process(runtime: Runtime) -> AsyncIterator[Runtime]:
    """The same database seen by another process: its own engine and connections."""
    other = dataclasses.replace(runtime, db=Database(runtime.db.url))
    yield other
    await other.db.dispose()


async def job_runs(runtime: Runtime) -> list[tuple[str, str]]:
    async with runtime.db.reading() as session:
        rows = await session.execute(select(JobRun.job, JobRun.run_key).order_by(JobRun.id))
        return [(job, key) for job, key in rows]


async def expire_entries(runtime: Runtime) -> int:
    async with runtime.db.reading() as session:
        count = await session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "EXPIRE")
        )
    return int(count or 0)


async def ledger_entries(runtime: Runtime) -> int:
    async with runtime.db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(LedgerEntry)) or 0)


def move_to(runtime: Runtime, instant: dt.datetime) -> None:
    assert isinstance(runtime.clock, TestClock)
    runtime.clock.set(instant)


async def test_two_schedulers_at_once_run_each_job_once(
    runtime: Runtime, second_process: Runtime, client: GraphQLClient, gold_member: str
) -> None:
    move_to(runtime, LATER)  # the second process shares the test clock
    first = Scheduler(runtime, name="scheduler-a", catch_up=LOOK_BACK)
    second = Scheduler(second_process, name="scheduler-b", catch_up=LOOK_BACK)

    passes = await asyncio.gather(first.run_once(), second.run_once())

    assert sorted(p.led for p in passes) == [False, True]  # one leads, one stands by
    ran = await job_runs(runtime)
    assert ("requalification", "2026") in ran and ("requalification", "2027") in ran
    assert "expire-points" in {job for job, _ in ran}
    assert len(ran) == len(set(ran))
    found = await guest(client, gold_member)
    assert found["tier"]["code"] == "SILVER"
    assert found["points"]["balance"] == 0
    assert await expire_entries(runtime) == 1

    # The leader stops; the standby takes over at its next pass and finds nothing left to
    # do (a birthday span may be recorded again under a new key, crediting nobody).
    ledger = await ledger_entries(runtime)
    await first.release()
    taken_over = await second.run_once()
    assert taken_over.led
    assert all(
        r.summary.get("already_ran") or not any(r.summary.values()) for r in taken_over.reports
    )
    again = await job_runs(runtime)
    assert [run for run in again if run[0] != "birthday-bonus"] == [
        run for run in ran if run[0] != "birthday-bonus"
    ]
    assert len(again) == len(set(again))
    assert await ledger_entries(runtime) == ledger


async def test_two_leaders_at_once_still_run_each_job_once(
    runtime: Runtime, second_process: Runtime, client: GraphQLClient, gold_member: str
) -> None:
    # As if a leader hung past its lease while a standby took over: both run the schedule.
    move_to(runtime, LATER)
    since = runtime.now() - LOOK_BACK

    await asyncio.gather(
        run_due_jobs(runtime, since, runtime.now()),
        run_due_jobs(second_process, since, runtime.now()),
    )

    ran = await job_runs(runtime)
    assert len(ran) == len(set(ran))
    assert {("requalification", "2026"), ("requalification", "2027")} <= set(ran)
    assert await expire_entries(runtime) == 1
    assert (await guest(client, gold_member))["points"]["balance"] == 0


async def test_a_scheduler_that_was_down_catches_up_within_its_look_back(
    runtime: Runtime, client: GraphQLClient, gold_member: str
) -> None:
    move_to(runtime, dt.datetime(2027, 1, 5, 3, 0, tzinfo=dt.UTC))  # down over New Year
    done = await Scheduler(runtime, name="late", catch_up=dt.timedelta(days=7)).run_once()
    assert [(r.job, r.run_key) for r in done.reports] == [("requalification", "2026")]
    assert (await guest(client, gold_member))["tier"]["validThrough"] == "2028-02-28"
