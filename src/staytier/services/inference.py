"""Preferences inferred from stay history, recomputed whenever a stay completes.

Runs inside the transaction that credits (or takes back) a completed stay, so the inferred
profile always matches the stays on record. A value the guest or staff stated in a category
is never overridden: inference leaves that category alone.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.preferences import PreferenceSource, StayChoice, inferred_preferences
from staytier.domain.stays import StayStatus
from staytier.services.profiles import PREFERENCE, Actor, record_change, replace_values
from staytier.services.runtime import Runtime
from staytier.store.models import Member, Preference, Stay

STAY_HISTORY = Actor(PreferenceSource.INFERRED, name="stay history")

# Built once (see staytier.store.queries): they run on every completed stay.
_LAST_STAYS = (
    select(Stay.room_type, Stay.floor, Stay.rate_code)
    .where(Stay.member_id == bindparam("member_id"), Stay.status == StayStatus.COMPLETED.value)
    .order_by(Stay.departure_date.desc(), Stay.id.desc())
    .limit(bindparam("last_stays"))
)
_HELD = (
    select(Preference)
    .where(
        Preference.member_id == bindparam("member_id"),
        Preference.category.in_(bindparam("categories", expanding=True)),
    )
    .order_by(Preference.id)
)


async def refresh_inferred(session: AsyncSession, runtime: Runtime, member: Member) -> None:
    """Brings the member's inferred preferences in line with their last completed stays."""
    rules = runtime.catalog.inference
    categories = [
        code
        for code in (rules.room_type_category, rules.floor_category, rules.rate_category)
        if code is not None
    ]
    if not categories:
        return
    stays = await session.execute(
        _LAST_STAYS, {"member_id": member.id, "last_stays": rules.last_stays}
    )
    suggested = {
        found.category: found
        for found in inferred_preferences(
            [StayChoice(room_type=r, floor=f, rate_code=c) for r, f, c in stays], rules
        )
    }
    held = list(await session.scalars(_HELD, {"member_id": member.id, "categories": categories}))
    for code in categories:
        rows = [row for row in held if row.category == code]
        if any(row.source != PreferenceSource.INFERRED.value for row in rows):
            continue  # a statement wins
        category = runtime.catalog.category(code)
        assert category is not None  # the catalog's validation checked it
        found = suggested.get(code)
        if found is not None:
            await replace_values(
                session,
                runtime,
                member,
                category,
                [found.value],
                STAY_HISTORY,
                confidence=found.confidence,
                current=rows,
            )
        elif rows:
            for row in rows:
                await session.delete(row)
            record_change(
                session,
                runtime,
                member,
                STAY_HISTORY,
                subject=PREFERENCE,
                category=code,
                before=[row.value for row in rows],
                after=[],
            )
