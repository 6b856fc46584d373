"""Member value: recency, frequency and monetary value per member, their segment, lifetime
value and recognition allowance (the rules are in domain/insight.py, the thresholds in the
program's ``[versions.insight.value]`` and ``[versions.insight.recognition]``).

Read for a batch of members at once (three grouped statements whatever their number), so a
list of guests costs the same statements as one guest.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.calendar import add_months
from staytier.domain.insight import (
    MemberValue,
    lifetime_value,
    money,
    recognition_allowance,
    segment_of,
)
from staytier.domain.points import LedgerKind
from staytier.services.insight import converted
from staytier.services.runtime import Runtime
from staytier.store import models as m


async def values_of(
    session: AsyncSession, runtime: Runtime, member_ids: Sequence[int], today: dt.date
) -> dict[int, MemberValue]:
    """Each member's value on ``today``, by member id (every id given has one)."""
    rules = runtime.rules_on(today)
    insight = rules.insight
    window_start = add_months(today, -insight.value.window_months)
    stay = m.Stay
    completed = (stay.member_id.in_(member_ids), stay.status == "COMPLETED")
    last_stay = dict(
        (member_id, day)
        for member_id, day in await session.execute(
            select(stay.member_id, func.max(stay.departure_date))
            .where(*completed, stay.departure_date <= today)
            .group_by(stay.member_id)
        )
    )
    stays: dict[int, int] = defaultdict(int)
    revenue: dict[int, Decimal] = defaultdict(Decimal)
    total = stay.room_revenue + stay.food_and_beverage_revenue + stay.other_revenue
    window = stay.departure_date > window_start, stay.departure_date <= today
    lines = select(
        stay.member_id, stay.currency, stay.departure_date, func.count(), func.sum(total)
    ).where(*completed, *window)
    for member_id, currency, day, count, amount in await session.execute(
        lines.group_by(stay.member_id, stay.currency, stay.departure_date)
    ):
        stays[member_id] += int(count)
        revenue[member_id] += converted(
            runtime.rates, Decimal(amount), currency, insight.currency, day
        )
    granted = await _goodwill_granted(session, runtime, member_ids, today)
    values = {}
    for member_id in member_ids:
        last = last_stay.get(member_id)
        recency = (today - last).days if last is not None else None
        monetary = money(revenue[member_id])
        clv = lifetime_value(insight.value, monetary, recency)
        values[member_id] = MemberValue(
            recency_days=recency,
            frequency=stays[member_id],
            monetary=monetary,
            segment=segment_of(insight.value.segments, recency, stays[member_id], monetary),
            lifetime_value=clv,
            recognition_allowance=recognition_allowance(
                insight.recognition, clv, insight.value_per_point, granted[member_id]
            ),
        )
    return values


async def _goodwill_granted(
    session: AsyncSession, runtime: Runtime, member_ids: Sequence[int], today: dt.date
) -> dict[int, int]:
    """Goodwill points (BONUS entries with a reason code, and recovery benefits at their
    ``allowance_points``) of the recognition's months."""
    found: dict[int, int] = defaultdict(int)
    recognition = runtime.rules_on(today).insight.recognition
    if recognition is None:
        return found
    entry = m.LedgerEntry
    since = add_months(today, -recognition.months)
    query = (
        select(entry.member_id, func.sum(entry.points))
        .where(entry.member_id.in_(member_ids), entry.kind == LedgerKind.BONUS.value)
        .where(entry.reason_code.is_not(None), entry.effective_on > since)
        .group_by(entry.member_id)
    )
    for member_id, points in await session.execute(query):
        found[member_id] = int(points or 0)
    # A recovery benefit granted as goodwill counts at its program value in points.
    benefits = (
        select(m.Certificate.member_id, func.sum(m.Certificate.allowance_points))
        .where(m.Certificate.member_id.in_(member_ids), m.Certificate.allowance_points > 0)
        .where(m.Certificate.issued_on > since)
        .group_by(m.Certificate.member_id)
    )
    for member_id, points in await session.execute(benefits):
        found[member_id] += int(points or 0)
    return found
