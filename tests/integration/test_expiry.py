"""Points expiry: points lapse after 24 months without activity, except for lifetime members,
and the balance always equals the sum of the ledger. Also the job schedule that runs it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import msgspec
import pytest
from sqlalchemy import func, select

from staytier.domain.errors import NotDueYet
from staytier.program.model import LifetimeRule
from staytier.services.activity import RecordActivity, record_activity
from staytier.services.enrollment import EnrollGuest, enroll_guest
from staytier.services.expiry import ExpirySummary, expire_points
from staytier.services.jobs import run_due_jobs
from staytier.services.requalification import requalify
from staytier.services.runtime import Runtime
from staytier.store.database import Database
from staytier.store.models import JobRun, LedgerEntry, Member
from tests.support import completed_stay, service_runtime, set_clock

D = dt.date


@pytest.fixture
async def runtime(db: Database) -> Runtime:
    return await service_runtime(db)


async def expire_on(runtime: Runtime, day: dt.date) -> ExpirySummary:
    """Runs expiry on ``day``, as the daily job does: with the clock on that day."""
    set_clock(runtime, day)
    return await expire_points(runtime, day)


async def member_who_stayed(runtime: Runtime, *checkouts: dt.date, nights: int = 1) -> str:
    """A member whose last activity is the last checkout; 1,000 points a night."""
    set_clock(runtime, min(checkouts) - dt.timedelta(days=nights))
    created = await enroll_guest(runtime, EnrollGuest(first_name="Ada", last_name="Guest"))
    async with runtime.db.reading() as session:
        number = await session.scalar(
            select(Member.member_number).where(Member.id == created.member_id)
        )
    assert number is not None
    for checkout in checkouts:
        await completed_stay(runtime, number, checkout, nights, 100)
    return number


async def account(runtime: Runtime, number: str) -> tuple[int, list[LedgerEntry]]:
    async with runtime.db.reading() as session:
        found = await session.scalar(select(Member).where(Member.member_number == number))
        assert found is not None
        entries = await session.scalars(
            select(LedgerEntry).where(LedgerEntry.member_id == found.id).order_by(LedgerEntry.id)
        )
        return found.points_balance, list(entries)


async def ledger_rows(runtime: Runtime) -> list[tuple[object, ...]]:
    async with runtime.db.reading() as session:
        columns = LedgerEntry.__table__.columns
        rows = await session.execute(select(*columns).order_by(LedgerEntry.id))
        return [tuple(row) for row in rows]


async def test_points_are_kept_on_their_last_valid_day_and_expire_the_day_after(
    runtime: Runtime,
) -> None:
    number = await member_who_stayed(runtime, D(2025, 1, 31))  # valid through 31 Jan 2027

    kept = await expire_on(runtime, D(2027, 1, 31))
    assert kept.members_expired == 0
    assert (await account(runtime, number))[0] == 1_000

    lapsed = await expire_on(runtime, D(2027, 2, 1))

    assert (lapsed.members_expired, lapsed.points_expired) == (1, 1_000)
    balance, entries = await account(runtime, number)
    assert balance == 0
    expired = entries[-1]
    assert (expired.kind, expired.points, expired.balance_after) == ("EXPIRE", -1_000, 0)
    assert expired.effective_on == D(2027, 2, 1)
    assert expired.description == "Points expired after 24 months without activity"


async def test_points_earned_on_29_february_last_through_28_february(runtime: Runtime) -> None:
    number = await member_who_stayed(runtime, D(2024, 2, 29))

    assert (await expire_on(runtime, D(2026, 2, 28))).members_expired == 0
    assert (await expire_on(runtime, D(2026, 3, 1))).members_expired == 1
    assert (await account(runtime, number))[0] == 0


async def test_new_activity_restarts_the_clock(runtime: Runtime) -> None:
    number = await member_who_stayed(runtime, D(2025, 1, 31))
    set_clock(runtime, D(2026, 6, 15))
    await record_activity(
        runtime,
        RecordActivity(
            idempotency_key="card-1",
            member_number=number,
            guest_last_name="Guest",
            source="COBRAND_CARD",
            kind="SPEND",
            occurred_on=D(2026, 6, 15),
            amount=Decimal(250),
        ),
    )

    assert (await expire_on(runtime, D(2027, 2, 1))).members_expired == 0
    assert (await account(runtime, number))[0] == 1_250
    assert (await expire_on(runtime, D(2028, 6, 16))).points_expired == 1_250


async def test_lifetime_members_keep_their_points(runtime: Runtime) -> None:
    versions = [
        msgspec.structs.replace(
            version, lifetime=[LifetimeRule(tier="GOLD", years_at_tier=2, lifetime_nights=50)]
        )
        for version in runtime.program.versions
    ]
    runtime = dataclasses.replace(
        runtime, program=msgspec.structs.replace(runtime.program, versions=versions)
    )
    lifer = await member_who_stayed(runtime, D(2024, 3, 26), D(2025, 3, 26), nights=25)
    other = await member_who_stayed(runtime, D(2024, 3, 26), D(2025, 3, 26), nights=24)
    set_clock(runtime, D(2026, 1, 1))
    assert (await requalify(runtime, 2025)).lifetime_granted == 1

    summary = await expire_on(runtime, D(2030, 1, 1))

    assert summary.members_expired == 1
    assert (await account(runtime, lifer))[0] > 0
    assert (await account(runtime, other))[0] == 0


async def test_balance_equals_the_ledger_after_a_catch_up_run(runtime: Runtime) -> None:
    early = await member_who_stayed(runtime, D(2024, 1, 31), D(2024, 2, 29))
    later = await member_who_stayed(runtime, D(2024, 6, 30), nights=3)
    active = await member_who_stayed(runtime, D(2024, 6, 30), D(2026, 1, 10))

    summary = await expire_on(runtime, D(2026, 12, 31))  # several months missed

    assert (summary.members_expired, summary.points_expired) == (2, 5_000)
    for number in (early, later, active):
        balance, entries = await account(runtime, number)
        assert balance == sum(entry.points for entry in entries)
        assert balance == entries[-1].balance_after
    # Each lapse is dated the day after that member's own last valid day.
    assert (await account(runtime, early))[1][-1].effective_on == D(2026, 3, 1)
    assert (await account(runtime, later))[1][-1].effective_on == D(2026, 7, 1)
    assert (await account(runtime, active))[0] == 2_000


async def test_expiry_is_refused_for_a_day_still_to_come(runtime: Runtime) -> None:
    number = await member_who_stayed(runtime, D(2024, 12, 31))
    set_clock(runtime, D(2027, 1, 31))
    with pytest.raises(NotDueYet):
        await expire_points(runtime, D(2027, 2, 1))
    assert (await account(runtime, number))[0] > 0


async def test_running_expiry_twice_for_a_day_changes_nothing(runtime: Runtime) -> None:
    await member_who_stayed(runtime, D(2025, 1, 31))
    first = await expire_on(runtime, D(2027, 2, 1))
    before = await ledger_rows(runtime)

    second = await expire_on(runtime, D(2027, 2, 1))

    assert second == dataclasses.replace(first, already_ran=True)
    assert await ledger_rows(runtime) == before
    async with runtime.db.reading() as session:
        runs = await session.scalar(select(func.count()).select_from(JobRun))
    assert runs == 1


async def test_moving_the_clock_two_years_runs_each_job_once_on_its_day(
    runtime: Runtime,
) -> None:
    first = await member_who_stayed(runtime, D(2025, 1, 31))
    second = await member_who_stayed(runtime, D(2025, 8, 31))
    start = dt.datetime(2025, 9, 1, 9, tzinfo=dt.UTC)
    end = dt.datetime(2027, 12, 31, 9, tzinfo=dt.UTC)

    set_clock(runtime, end.date())
    ran = await run_due_jobs(runtime, start, end)

    # The second stay's survey window closes too; the points and status jobs are:
    reports = [r for r in ran if r.job in ("requalification", "expire-points")]
    assert [(r.job, r.due_on) for r in ran if r not in reports] == [
        ("survey-close", D(2025, 9, 16))
    ]
    assert [(r.job, r.due_on) for r in reports] == [
        ("requalification", D(2026, 1, 1)),
        ("requalification", D(2027, 1, 1)),
        ("expire-points", D(2027, 2, 1)),
        ("expire-points", D(2027, 9, 1)),
    ]
    assert [r.summary["members_expired"] for r in reports[2:]] == [1, 1]
    for number in (first, second):
        assert (await account(runtime, number))[0] == 0
    again = await run_due_jobs(runtime, start, end)
    assert [r.due_on for r in again] == [D(2026, 1, 1), D(2027, 1, 1)]
    assert all(r.summary["already_ran"] for r in again)
