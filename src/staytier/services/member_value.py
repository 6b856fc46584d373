"""Member value: recency, frequency and monetary value per member, their segment, lifetime
value and recognition allowance (the rules are in domain/insight.py, the thresholds in the
program's ``[versions.insight.value]`` and ``[versions.insight.recognition]``), and the
check that goodwill and complimentary upgrades stay within that allowance.

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
from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.insight import (
    MemberValue,
    lifetime_value,
    money,
    recognition_allowance,
    segment_of,
    upgrade_benefit_codes,
    upgrade_points,
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
    granted = await _recognition_granted(session, runtime, member_ids, today)
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


async def _recognition_granted(
    session: AsyncSession, runtime: Runtime, member_ids: Sequence[int], today: dt.date
) -> dict[int, int]:
    """Recognition spent in the allowance's running months, in points: goodwill (BONUS
    entries with a reason code, and recovery benefits at their ``allowance_points``) and
    complimentary upgrades (benefit uses, each at
    :func:`~staytier.domain.insight.upgrade_points` of its recorded cost)."""
    found: dict[int, int] = defaultdict(int)
    insight = runtime.rules_on(today).insight
    recognition = insight.recognition
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
    usage = m.BenefitUsage
    upgrades = (
        select(usage.member_id, usage.used_on, usage.cost_usd, func.count())
        .where(usage.member_id.in_(member_ids), usage.used_on > since, usage.used_on <= today)
        .where(usage.benefit_code.in_(sorted(upgrade_benefit_codes(recognition))))
        .group_by(usage.member_id, usage.used_on, usage.cost_usd)
    )
    for member_id, day, cost, count in await session.execute(upgrades):
        cost_here = converted(runtime.rates, Decimal(cost), "USD", insight.currency, day)
        found[member_id] += count * upgrade_points(recognition, cost_here, insight.value_per_point)
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


async def within_recognition(
    session: AsyncSession,
    runtime: Runtime,
    member_id: int,
    points: int,
    today: dt.date,
    *,
    upgrade: bool = False,
) -> None:
    """Refuses recognition beyond the guest's allowance, where the program sets one (a share
    of the guest's lifetime value, capped; see docs/insight.md): ``points`` of goodwill, or
    with ``upgrade`` a complimentary upgrade worth ``points``. The caller holds the member
    row locked, so two grants at once cannot both spend the same allowance."""
    if runtime.rules_on(today).insight.recognition is None:
        return
    values = await values_of(session, runtime, [member_id], today)
    allowance = values[member_id].recognition_allowance
    if allowance is None or points <= allowance:
        return
    if upgrade:
        raise BusinessRuleError(
            ErrorCode.RECOGNITION_ALLOWANCE_EXCEEDED,
            f"This guest's recognition allowance leaves {allowance:,} points; a "
            f"complimentary upgrade spends {points:,}.",
            "benefitCode",
        )
    raise BusinessRuleError(
        ErrorCode.RECOGNITION_ALLOWANCE_EXCEEDED,
        f"This guest's recognition allowance leaves {allowance:,} goodwill points.",
        "points",
    )


def upgrade_cost_points(
    runtime: Runtime, benefit_code: str, cost_usd: Decimal, today: dt.date
) -> int | None:
    """What using ``benefit_code`` today spends of the recognition allowance, in points;
    None when it is not a complimentary upgrade or the program sets no allowance."""
    insight = runtime.rules_on(today).insight
    recognition = insight.recognition
    if recognition is None or benefit_code not in upgrade_benefit_codes(recognition):
        return None
    cost = converted(runtime.rates, cost_usd, "USD", insight.currency, today)
    return upgrade_points(recognition, cost, insight.value_per_point)
