"""Generated data is data the service could have written: balances are the sum of the ledger,
every tier is backed by credits, the same seed gives the same rows, and the service goes on
writing beside the generated rows (ids continue after them)."""

from __future__ import annotations

import datetime as dt
import random
import re
from itertools import pairwise

import pytest
from sqlalchemy import func, select, text

from staytier.domain.preferences import search_terms
from staytier.domain.tiers import YearTotals, qualified_tier
from staytier.generator import GenerationPlan, NotEmpty, generate
from staytier.generator.brand import make_properties
from staytier.generator.history import HistoryMaker, Ids
from staytier.services.requalification import requalify
from staytier.services.runtime import Runtime
from staytier.store.database import Database
from staytier.store.models import (
    Credit,
    LedgerEntry,
    Member,
    MemberSearchTerm,
    Preference,
    Property,
    QualifyingCredit,
    StatusPeriod,
    Stay,
)
from tests.support import completed_stay, service_runtime, set_clock

TODAY = dt.date(2026, 3, 2)
PLAN = GenerationPlan(members=300, stays_per_member=8, seed=11, today=TODAY, properties=12)


@pytest.fixture
async def runtime(db: Database) -> Runtime:
    return await service_runtime(db)


async def _generate(runtime: Runtime) -> None:
    await generate(runtime.db.url, runtime.program, runtime.rates, PLAN)


async def test_every_generated_balance_is_the_sum_of_its_ledger(runtime: Runtime) -> None:
    await _generate(runtime)
    async with runtime.db.reading() as session:
        sums = (
            select(LedgerEntry.member_id, func.sum(LedgerEntry.points).label("points"))
            .group_by(LedgerEntry.member_id)
            .subquery()
        )
        rows = (
            await session.execute(
                select(Member.points_balance, func.coalesce(sums.c.points, 0)).outerjoin(
                    sums, sums.c.member_id == Member.id
                )
            )
        ).all()
        negative = await session.scalar(select(func.count()).where(LedgerEntry.balance_after < 0))
        stays = await session.scalar(select(func.count()).select_from(Stay))
    assert len(rows) == PLAN.members
    assert all(balance == total for balance, total in rows)
    assert negative == 0
    assert stays and stays > PLAN.members  # eight on average, over three years


async def test_a_generated_guest_is_in_one_hotel_a_night_and_credited_in_date_order(
    runtime: Runtime,
) -> None:
    """A guest's completed stays never overlap, and their stays' credits are numbered in the
    order of their credit dates, as the service numbers them: a what-if replays credits in
    that order, and a history the service cannot write would move members it should not."""
    await _generate(runtime)
    async with runtime.db.reading() as session:
        stays = (
            await session.execute(
                select(Stay.member_id, Stay.arrival_date, Stay.departure_date)
                .where(Stay.status == "COMPLETED")
                .order_by(Stay.member_id, Stay.arrival_date, Stay.departure_date)
            )
        ).all()
        credits = (
            await session.execute(
                select(Credit.member_id, Credit.credit_date)
                .where(Credit.kind == "STAY")
                .order_by(Credit.member_id, Credit.id)
            )
        ).all()
    overlapping = [
        (before, after)
        for before, after in pairwise(stays)
        if before.member_id == after.member_id and after.arrival_date < before.departure_date
    ]
    out_of_order = [
        (before, after)
        for before, after in pairwise(credits)
        if before.member_id == after.member_id and after.credit_date < before.credit_date
    ]
    assert len(stays) > PLAN.members
    assert overlapping == []
    assert out_of_order == []


async def test_every_generated_tier_is_backed_by_the_years_credit(runtime: Runtime) -> None:
    await _generate(runtime)
    async with runtime.db.reading() as session:
        totals = {
            (member, year): YearTotals(int(n), int(s), int(p))
            for member, year, n, s, p in await session.execute(
                select(
                    QualifyingCredit.member_id,
                    QualifyingCredit.year,
                    func.sum(QualifyingCredit.nights),
                    func.sum(QualifyingCredit.stays),
                    func.sum(QualifyingCredit.base_points),
                ).group_by(QualifyingCredit.member_id, QualifyingCredit.year)
            )
        }
        periods = list(await session.scalars(select(StatusPeriod)))
    assert periods, "some members reached a tier"
    for period in periods:
        assert period.qualification_year is not None
        rules = runtime.rules_for_year(period.qualification_year)
        earned, _ = qualified_tier(rules, totals[(period.member_id, period.qualification_year)])
        assert earned.rank >= period.rank


def test_the_same_seed_gives_the_same_members_and_stays(runtime: Runtime) -> None:
    def rows(seed: int) -> dict[str, list[tuple[object, ...]]]:
        hotels = make_properties(10, 1, random.Random(seed))
        maker = HistoryMaker(
            runtime.program, runtime.rates, hotels, today=TODAY, stays_per_member=6, seed=seed
        )
        return maker.batch(0, 50, Ids()).rows

    assert rows(3) == rows(3)
    assert rows(3)["stays"] != rows(4)["stays"]


async def test_the_service_records_and_requalifies_beside_generated_members(
    runtime: Runtime,
) -> None:
    await _generate(runtime)
    async with runtime.db.reading() as session:
        first = (
            await session.execute(
                select(Member.member_number, Member.last_name).order_by(Member.id).limit(1)
            )
        ).one()
        enrolled = await session.scalar(
            select(func.count()).where(Member.enrolled_on <= dt.date(2025, 12, 31))
        )
    number, last_name = first
    await completed_stay(
        runtime,
        number,
        dt.date(2026, 2, 20),
        nights=2,
        room_per_night=200,
        guest_last_name=last_name,
    )
    set_clock(runtime, dt.date(2026, 3, 2))
    summary = await requalify(runtime, 2025)
    assert summary.members_considered == enrolled


async def test_generated_guests_are_found_by_name_and_state_preferences(runtime: Runtime) -> None:
    await _generate(runtime)
    async with runtime.db.reading() as session:
        member = await session.scalar(select(Member).order_by(Member.id))
        assert member is not None
        terms = set(
            await session.scalars(
                select(MemberSearchTerm.term).where(MemberSearchTerm.member_id == member.id)
            )
        )
        stated = await session.scalar(select(func.count()).select_from(Preference))
    assert terms == search_terms(member.first_name, member.last_name)
    assert stated and stated > 0


async def test_generating_into_a_database_with_members_is_refused(runtime: Runtime) -> None:
    await _generate(runtime)
    with pytest.raises(NotEmpty):
        await _generate(runtime)


async def test_generated_entries_are_worded_as_the_service_words_them(runtime: Runtime) -> None:
    await _generate(runtime)
    async with runtime.db.reading() as session:
        earned = (
            await session.execute(
                select(LedgerEntry.kind, LedgerEntry.description, Stay, Property.name)
                .join(Credit, Credit.id == LedgerEntry.credit_id)
                .join(Stay, Stay.id == Credit.stay_id)
                .join(Property, Property.id == Stay.property_id)
                .order_by(LedgerEntry.id)
                .limit(200)
            )
        ).all()
    assert {kind for kind, *_ in earned} == {"EARN", "BONUS"}
    for kind, description, stay, hotel in earned:
        label = (
            f"at {hotel}, {stay.arrival_date:%d %b %Y} to {stay.departure_date:%d %b %Y} "
            f"({stay.confirmation_number})"
        )
        if kind == "EARN":
            assert description == f"Stay {label}"
        else:
            assert description.endswith(f"%: stay {label}")


async def test_columns_the_generator_does_not_set_hold_the_models_defaults(
    runtime: Runtime,
) -> None:
    await _generate(runtime)
    async with runtime.db.reading() as session:
        uncollected = set(await session.scalars(select(LedgerEntry.uncollected_points)))
        sensitive = set(await session.scalars(select(Preference.sensitive)))
        created_by = set(await session.scalars(select(Stay.created_by)))
        phones = set(await session.scalars(select(Member.phone_key)))
    assert (uncollected, sensitive, created_by, phones) == ({0}, {False}, {""}, {None})


async def test_the_loaded_tables_are_analysed(runtime: Runtime) -> None:
    await _generate(runtime)
    async with runtime.db.reading() as session:
        if runtime.db.url.startswith("sqlite"):
            query = "SELECT DISTINCT tbl FROM sqlite_stat1"
        else:
            query = "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
        analysed = set(await session.scalars(text(query)))
    assert {"members", "stays", "credits", "ledger_entries", "status_periods"} <= analysed


async def test_generated_values_are_stored_as_the_service_stores_them(runtime: Runtime) -> None:
    if not runtime.db.url.startswith("sqlite"):
        pytest.skip("PostgreSQL stores typed values: only SQLite keeps them as text")
    await _generate(runtime)
    async with runtime.db.reading() as session:
        member = await session.scalar(select(Member).order_by(Member.id))
    assert member is not None
    departure = dt.date(2026, 2, 20)
    await completed_stay(
        runtime, member.member_number, departure, 2, 200, guest_last_name=member.last_name
    )
    async with runtime.db.reading() as session:
        stored = (
            await session.execute(
                text(
                    "SELECT l.occurred_at, typeof(l.occurred_at), s.arrival_date,"
                    " typeof(s.arrival_date), typeof(s.room_revenue) FROM ledger_entries l"
                    " JOIN credits c ON c.id = l.credit_id JOIN stays s ON s.id = c.stay_id"
                    " ORDER BY l.id"
                )
            )
        ).all()
    generated, by_the_service = stored[0], stored[-1]
    assert by_the_service[2] == (departure - dt.timedelta(days=2)).isoformat()
    masked = [re.sub(r"[0-9]", "9", str(value)) for value in (*generated, *by_the_service)]
    assert masked[:5] == masked[5:]
