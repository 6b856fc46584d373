"""The earn-month cohort book (domain.insight.CohortBook) computed in the database.

First in, first out is an overlap of intervals. Lay a member's positive entries end to end in
the order the ledger was written: the points of the i-th lie between the running totals of
positives before and after it. Lay the negative entries end to end the same way. Because a
balance never goes below zero, a negative entry can only reach points credited before it,
and it takes them oldest first: exactly the points where its interval overlaps the lots'.
So one self-join on running totals (window sums) gives every ``(earn month, month consumed,
how) -> points`` flow of the book, with no row per entry in Python; the report and the
what-if then read cohorts from it as before. Where a negative entry found no lot (a balance
below zero, which the service never writes), the Python book counts it ``unmatched`` while
the overlap would charge later lots; tests/integration/test_cohort_sql.py pins the two on
generated ledgers and the reconciliation tests run the report through it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Date, and_, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.insight import CohortBook, consumption_of
from staytier.domain.points import LedgerKind
from staytier.store import models as m


def month_start(column: Any, dialect: str) -> Any:
    """The first day of ``column``'s month (SQLite: as ISO text)."""
    if dialect == "postgresql":
        return cast(func.date_trunc("month", column), Date)
    return func.strftime("%Y-%m-01", column)


def as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


async def cohort_book(
    session: AsyncSession, end: dt.date, population: Callable[[Any], Any]
) -> CohortBook:
    """The cohort book of every entry effective by ``end`` of the members ``population``
    selects, in three grouped statements."""
    dialect = session.get_bind().dialect.name
    entry = m.LedgerEntry
    month = month_start(entry.effective_on, dialect)
    book = CohortBook()
    scope = (entry.effective_on <= end, population(entry.member_id))
    issued = select(month, func.sum(entry.points)).where(*scope, entry.points > 0).group_by(month)
    for earned, points in await session.execute(issued):
        book.issued[as_date(earned)] += int(points)

    def laid(sign: int, name: str) -> Any:
        points = entry.points * sign
        running = func.sum(points).over(partition_by=entry.member_id, order_by=entry.id)
        return (
            select(
                entry.member_id,
                entry.kind,
                month.label("month"),
                points.label("points"),
                running.label("high"),
            )
            .where(*scope, points > 0)
            .subquery(name)
        )

    lots, uses = laid(1, "lots"), laid(-1, "uses")
    low_lot, low_use = lots.c.high - lots.c.points, uses.c.high - uses.c.points
    overlap = case((lots.c.high < uses.c.high, lots.c.high), else_=uses.c.high) - case(
        (low_lot > low_use, low_lot), else_=low_use
    )
    flows = (
        select(lots.c.month, uses.c.month, uses.c.kind, func.sum(overlap))
        .select_from(lots)
        .join(
            uses,
            and_(
                uses.c.member_id == lots.c.member_id,
                low_lot < uses.c.high,
                low_use < lots.c.high,
            ),
        )
        .group_by(lots.c.month, uses.c.month, uses.c.kind)
    )
    taken = 0
    for earned, consumed_in, kind, points in await session.execute(flows):
        how = consumption_of(LedgerKind(kind))
        book.consumed[(as_date(earned), as_date(consumed_in), how)] += int(points)
        taken += int(points)
    wanted = await session.scalar(select(func.sum(-entry.points)).where(*scope, entry.points < 0))
    book.unmatched = int(wanted or 0) - taken
    return book
