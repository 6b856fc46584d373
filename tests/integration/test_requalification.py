"""Year-end requalification: soft landings, requalifying, lifetime status and rollover nights.

Status is built the way it is in production, by recording completed stays (100 USD a night,
so 1,000 base points a night), then the year-end run is judged by the tier held afterwards.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import msgspec
import pytest
from sqlalchemy import select

from staytier.clock import TestClock
from staytier.domain.errors import NotDueYet
from staytier.program.model import LifetimeRule, Program
from staytier.services.enrollment import EnrollGuest, enroll_guest
from staytier.services.jobs import run_due_jobs
from staytier.services.requalification import requalify
from staytier.services.runtime import Runtime
from staytier.services.status import tier_code_held
from staytier.store.database import Database
from staytier.store.models import (
    Credit,
    JobRun,
    LedgerEntry,
    Member,
    QualifyingCredit,
    StatusPeriod,
)
from staytier.store.queries import status_periods, year_totals
from tests.support import completed_stay, service_runtime, set_clock

D = dt.date


@pytest.fixture
async def runtime(db: Database) -> Runtime:
    return await service_runtime(db)


def with_rules(runtime: Runtime, **changes: Any) -> Runtime:
    """The runtime with every program version changed (qualification or lifetime rules)."""
    versions = []
    for version in runtime.program.versions:
        fields = dict(changes)
        if "qualification" in fields:
            fields["qualification"] = msgspec.structs.replace(
                version.qualification, **fields["qualification"]
            )
        versions.append(msgspec.structs.replace(version, **fields))
    program: Program = msgspec.structs.replace(runtime.program, versions=versions)
    return dataclasses.replace(runtime, program=program)


async def member(runtime: Runtime) -> tuple[int, str]:
    created = await enroll_guest(runtime, EnrollGuest(first_name="Ada", last_name="Guest"))
    async with runtime.db.reading() as session:
        number = await session.scalar(
            select(Member.member_number).where(Member.id == created.member_id)
        )
    assert number is not None
    return created.member_id, number


async def stay(
    runtime: Runtime, number: str, arrival: dt.date, nights: int, room: int = 100
) -> None:
    """A completed stay, recorded on its checkout day, at ``room`` USD a night."""
    await completed_stay(runtime, number, arrival + dt.timedelta(days=nights), nights, room)


async def tier_on(runtime: Runtime, member_id: int, day: dt.date) -> str:
    async with runtime.db.reading() as session:
        return tier_code_held(await status_periods(session, member_id), day, "MEMBER")


async def periods(runtime: Runtime, member_id: int, cause: str) -> list[StatusPeriod]:
    async with runtime.db.reading() as session:
        rows = await status_periods(session, member_id)
    return [row for row in rows if row.cause == cause]


async def year_end_run(runtime: Runtime, year: int = 2025) -> Any:
    set_clock(runtime, D(year + 1, 1, 1))
    return await requalify(runtime, year)


async def test_platinum_member_who_earned_nothing_lands_on_gold(runtime: Runtime) -> None:
    member_id, number = await member(runtime)
    await stay(runtime, number, D(2024, 3, 1), 50)  # Platinum for 2024, held through 2025

    summary = await year_end_run(runtime)

    assert summary.soft_landed == 1 and summary.requalified == 0
    [landing] = await periods(runtime, member_id, "SOFT_LANDING")
    assert (landing.tier_code, landing.qualification_year) == ("GOLD", 2025)
    assert (landing.valid_from, landing.valid_through) == (D(2026, 1, 1), D(2027, 2, 28))
    assert landing.detail == "Soft landing after 2025: held Platinum, earned Member"
    # Platinum runs to the end of its grace period; Gold takes over the day after.
    assert await tier_on(runtime, member_id, D(2026, 2, 28)) == "PLATINUM"
    assert await tier_on(runtime, member_id, D(2026, 3, 1)) == "GOLD"
    assert await tier_on(runtime, member_id, D(2027, 3, 1)) == "MEMBER"


async def test_gold_member_who_requalified_keeps_gold_without_a_new_period(
    runtime: Runtime,
) -> None:
    member_id, number = await member(runtime)
    await stay(runtime, number, D(2024, 3, 1), 25)
    await stay(runtime, number, D(2025, 3, 1), 25)  # upgraded at once for 2025

    summary = await year_end_run(runtime)

    assert (summary.requalified, summary.soft_landed, summary.unchanged) == (1, 0, 1)
    assert await periods(runtime, member_id, "SOFT_LANDING") == []
    assert await periods(runtime, member_id, "REQUALIFIED") == []
    assert await tier_on(runtime, member_id, D(2027, 2, 28)) == "GOLD"


async def test_gold_member_who_earned_silver_lands_on_silver(runtime: Runtime) -> None:
    member_id, number = await member(runtime)
    await stay(runtime, number, D(2024, 3, 1), 25)
    await stay(runtime, number, D(2025, 3, 1), 10)

    summary = await year_end_run(runtime)

    assert summary.requalified == 1 and summary.soft_landed == 0
    assert await tier_on(runtime, member_id, D(2026, 3, 1)) == "SILVER"
    assert await tier_on(runtime, member_id, D(2027, 2, 28)) == "SILVER"


async def test_platinum_member_who_earned_silver_lands_on_gold_not_silver(
    runtime: Runtime,
) -> None:
    member_id, number = await member(runtime)
    await stay(runtime, number, D(2024, 3, 1), 50)
    await stay(runtime, number, D(2025, 3, 1), 10)

    summary = await year_end_run(runtime)

    assert summary.soft_landed == 1
    [landing] = await periods(runtime, member_id, "SOFT_LANDING")
    assert landing.tier_code == "GOLD"
    assert landing.detail == "Soft landing after 2025: held Platinum, earned Silver"
    assert await tier_on(runtime, member_id, D(2026, 3, 1)) == "GOLD"


async def test_a_program_allowing_two_tiers_of_drop_lands_platinum_on_silver(
    runtime: Runtime,
) -> None:
    runtime = with_rules(runtime, qualification={"soft_landing_max_drop": 2})
    member_id, number = await member(runtime)
    await stay(runtime, number, D(2024, 3, 1), 50)

    await year_end_run(runtime)

    assert await tier_on(runtime, member_id, D(2026, 3, 1)) == "SILVER"


async def test_member_with_imported_totals_and_no_status_is_requalified(
    runtime: Runtime,
) -> None:
    member_id, _ = await member(runtime)
    async with runtime.db.transaction() as session:  # history migrated from a former system
        credit = Credit(
            member_id=member_id,
            kind="ACTIVITY",
            credit_date=D(2025, 6, 30),
            program_version="2025.1",
            detail={"source": "migration"},
            created_at=runtime.now(),
        )
        session.add(credit)
        await session.flush()
        session.add(QualifyingCredit(credit_id=credit.id, member_id=member_id, year=2025, stays=10))

    summary = await year_end_run(runtime)

    assert summary.requalified == 1 and summary.unchanged == 0
    [kept] = await periods(runtime, member_id, "REQUALIFIED")
    assert (kept.tier_code, kept.valid_from, kept.valid_through) == (
        "GOLD",
        D(2026, 1, 1),
        D(2027, 2, 28),
    )


async def test_members_without_status_or_activity_are_left_alone(runtime: Runtime) -> None:
    member_id, number = await member(runtime)
    await stay(runtime, number, D(2025, 3, 1), 3)  # below every threshold

    summary = await year_end_run(runtime)

    assert (summary.members_considered, summary.unchanged) == (1, 1)
    assert await tier_on(runtime, member_id, D(2026, 6, 1)) == "MEMBER"


async def test_running_requalification_twice_changes_nothing(runtime: Runtime) -> None:
    for nights_2024, nights_2025 in ((50, 0), (25, 25), (25, 10), (0, 12)):
        _, number = await member(runtime)
        if nights_2024:
            await stay(runtime, number, D(2024, 3, 1), nights_2024)
        if nights_2025:
            await stay(runtime, number, D(2025, 3, 1), nights_2025)
    runtime = with_rules(runtime, qualification={"rollover_nights": True})
    first = await year_end_run(runtime)
    before = await snapshot(runtime)

    second = await year_end_run(runtime)

    assert not first.already_ran and second.already_ran
    assert dataclasses.replace(second, already_ran=False) == first
    assert await snapshot(runtime) == before


async def snapshot(runtime: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    tables = {
        "status": StatusPeriod,
        "ledger": LedgerEntry,
        "credits": Credit,
        "qualifying": QualifyingCredit,
        "jobs": JobRun,
    }
    found: dict[str, list[tuple[Any, ...]]] = {}
    async with runtime.db.reading() as session:
        for name, model in tables.items():
            rows = await session.execute(select(*model.__table__.columns).order_by(model.id))
            found[name] = [tuple(row) for row in rows]
    return found


async def test_progress_is_reported_per_batch_of_member_ids(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from staytier.services import requalification

    monkeypatch.setattr(requalification, "BATCH_SIZE", 2)
    for _ in range(5):
        await member(runtime)
    calls: list[tuple[int, int]] = []
    set_clock(runtime, D(2026, 1, 1))

    summary = await requalify(
        runtime, 2025, progress=lambda done, total: calls.append((done, total))
    )

    assert calls == [(2, 5), (4, 5), (5, 5)]
    assert summary.members_considered == 5


async def test_gold_for_life_after_enough_years_and_nights(runtime: Runtime) -> None:
    runtime = with_rules(
        runtime,
        lifetime=[
            LifetimeRule(tier="GOLD", years_at_tier=2, lifetime_nights=50),
            LifetimeRule(tier="PLATINUM", years_at_tier=2, lifetime_nights=500),
        ],
    )
    veteran_id, veteran = await member(runtime)
    newcomer_id, newcomer = await member(runtime)
    await stay(runtime, veteran, D(2024, 3, 1), 25)
    await stay(runtime, veteran, D(2025, 3, 1), 25)
    await stay(runtime, newcomer, D(2025, 3, 1), 60)  # Platinum, but only one year

    summary = await year_end_run(runtime)

    assert summary.lifetime_granted == 1
    [lifetime] = await periods(runtime, veteran_id, "LIFETIME")
    assert (lifetime.tier_code, lifetime.valid_through) == ("GOLD", None)
    assert await tier_on(runtime, veteran_id, D(2040, 1, 1)) == "GOLD"
    assert await periods(runtime, newcomer_id, "LIFETIME") == []
    # Lifetime status never drops and is never granted twice.
    await year_end_run(runtime, 2026)
    assert len(await periods(runtime, veteran_id, "LIFETIME")) == 1
    assert await tier_on(runtime, veteran_id, D(2028, 6, 1)) == "GOLD"


async def test_lifetime_needs_the_lifetime_nights_too(runtime: Runtime) -> None:
    runtime = with_rules(
        runtime, lifetime=[LifetimeRule(tier="GOLD", years_at_tier=2, lifetime_nights=51)]
    )
    member_id, number = await member(runtime)
    await stay(runtime, number, D(2024, 3, 1), 25)
    await stay(runtime, number, D(2025, 3, 1), 25)

    assert (await year_end_run(runtime)).lifetime_granted == 0
    assert await periods(runtime, member_id, "LIFETIME") == []


@pytest.mark.parametrize(("lifetime_nights", "granted"), [(64, 1), (65, 0)])
async def test_nights_carried_over_do_not_count_twice_towards_lifetime(
    runtime: Runtime, lifetime_nights: int, granted: int
) -> None:
    runtime = with_rules(
        runtime,
        qualification={"rollover_nights": True},
        lifetime=[LifetimeRule(tier="GOLD", years_at_tier=2, lifetime_nights=lifetime_nights)],
    )
    member_id, number = await member(runtime)
    await stay(runtime, number, D(2024, 3, 1), 32)  # Gold; 7 nights carry into 2025
    assert (await year_end_run(runtime, 2024)).rollover_credited == 1
    await stay(runtime, number, D(2025, 3, 1), 32)  # 64 nights stayed, 71 counted for 2025

    summary = await year_end_run(runtime)

    assert summary.lifetime_granted == granted
    assert len(await periods(runtime, member_id, "LIFETIME")) == granted


async def test_nights_above_the_tier_reached_roll_over_when_the_program_says_so(
    runtime: Runtime,
) -> None:
    runtime = with_rules(runtime, qualification={"rollover_nights": True})
    member_id, number = await member(runtime)
    await stay(runtime, number, D(2025, 3, 1), 32)  # Gold needs 25: 7 nights carry over

    summary = await year_end_run(runtime)

    assert summary.rollover_credited == 1
    async with runtime.db.reading() as session:
        next_year = await year_totals(session, member_id, 2026)
        [credit] = await session.scalars(select(Credit).where(Credit.kind == "ROLLOVER"))
    assert (next_year.nights, next_year.stays, next_year.base_points) == (7, 0, 0)
    assert (credit.member_id, credit.credit_date) == (member_id, D(2026, 1, 1))
    assert credit.detail == {"from_year": "2025", "to_year": "2026"}


async def test_no_nights_roll_over_by_default(runtime: Runtime) -> None:
    member_id, number = await member(runtime)
    await stay(runtime, number, D(2025, 3, 1), 32)

    assert (await year_end_run(runtime)).rollover_credited == 0
    async with runtime.db.reading() as session:
        assert (await year_totals(session, member_id, 2026)).nights == 0


async def test_requalification_is_refused_before_the_year_has_ended(runtime: Runtime) -> None:
    set_clock(runtime, D(2025, 12, 31))
    with pytest.raises(NotDueYet):
        await requalify(runtime, 2025)
    async with runtime.db.reading() as session:
        assert await session.scalar(select(JobRun.id)) is None  # 2025 can still run later


async def test_requalification_runs_on_the_first_of_january_for_the_year_just_ended(
    runtime: Runtime,
) -> None:
    member_id, number = await member(runtime)
    await stay(runtime, number, D(2024, 3, 1), 50)
    new_years_eve = dt.datetime(2025, 12, 31, 23, 0, tzinfo=dt.UTC)

    clock = runtime.clock
    assert isinstance(clock, TestClock)
    clock.set(new_years_eve)
    assert await run_due_jobs(runtime, new_years_eve - dt.timedelta(days=1), new_years_eve) == []
    clock.set(new_years_eve + dt.timedelta(hours=2))
    reports = await run_due_jobs(runtime, new_years_eve, new_years_eve + dt.timedelta(hours=2))

    assert [(r.job, r.run_key, r.due_on) for r in reports] == [
        ("requalification", "2025", D(2026, 1, 1))
    ]
    assert reports[0].summary["soft_landed"] == 1
    assert await tier_on(runtime, member_id, D(2026, 3, 1)) == "GOLD"
