"""The cohort book computed in the database is the domain's CohortBook: pinned on generated
ledgers (three years of stays and redemptions) on both databases; the reconciliation
tests (expiry runs, late cancellations, adjustments) run the report through it too."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from staytier.domain.insight import CohortBook, Posting
from staytier.domain.points import LedgerKind
from staytier.generator import GenerationPlan, generate
from staytier.services.cohort_sql import cohort_book
from staytier.store import models as m
from staytier.store.database import Database
from tests.support import service_runtime

TODAY = dt.date(2026, 3, 2)
PLAN = GenerationPlan(members=150, stays_per_member=8, seed=13, today=TODAY, properties=8)


def everyone(member_id: Any) -> Any:
    return member_id.is_not(None)


async def test_the_cohort_book_in_sql_is_the_domains(db: Database) -> None:
    runtime = await service_runtime(db)
    await generate(db.url, runtime.program, runtime.rates, PLAN)
    entry = m.LedgerEntry
    for end in (dt.date(2024, 12, 31), dt.date(2025, 6, 30), TODAY):
        expected = CohortBook()
        async with db.reading() as session:
            rows = await session.execute(
                select(entry.member_id, entry.kind, entry.points, entry.effective_on)
                .where(entry.effective_on <= end)
                .order_by(entry.member_id, entry.id)
            )
            by_member: dict[int, list[Posting]] = {}
            for member_id, kind, points, effective_on in rows:
                by_member.setdefault(member_id, []).append(
                    Posting(LedgerKind(kind), points, effective_on)
                )
            in_sql = await cohort_book(session, end, everyone)
        for postings in by_member.values():
            expected.add_member(postings)

        assert dict(in_sql.issued) == dict(expected.issued)
        assert {k: v for k, v in in_sql.consumed.items() if v} == {
            k: v for k, v in expected.consumed.items() if v
        }
        assert in_sql.unmatched == expected.unmatched == 0
        assert in_sql.cohorts_as_of(end) == expected.cohorts_as_of(end)
        assert sum(expected.consumed.values()) > 0  # points were spent or taken back
