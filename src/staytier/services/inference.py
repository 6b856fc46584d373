"""Preferences inferred from stay history, recomputed whenever a stay completes.

Runs inside the transaction that credits (or takes back) a completed stay, so the inferred
profile always matches the stays on record. A value the guest or staff stated in a category
is never overridden: inference leaves that category alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.preferences import PreferenceSource, StayChoice, inferred_preferences
from staytier.domain.stays import StayStatus
from staytier.services.profiles import PREFERENCE, Actor, record_change, replace_values
from staytier.services.runtime import Runtime
from staytier.store.models import Member, Preference, Stay

STAY_HISTORY = Actor(PreferenceSource.INFERRED, name="stay history")

# Built once (see staytier.store.queries): they run on every completed stay, for one member
# or for a batch's members at once.
_RANKED_STAYS = (
    select(
        Stay.member_id,
        Stay.departure_date,
        Stay.id,
        Stay.room_type,
        Stay.floor,
        Stay.rate_code,
        func.row_number()
        .over(
            partition_by=Stay.member_id,
            order_by=(Stay.departure_date.desc(), Stay.id.desc()),
        )
        .label("place"),
    )
    .where(
        Stay.member_id.in_(bindparam("member_ids", expanding=True)),
        Stay.status == StayStatus.COMPLETED.value,
    )
    .subquery("ranked")
)
_LAST_STAYS = (
    select(
        _RANKED_STAYS.c.member_id,
        _RANKED_STAYS.c.departure_date,
        _RANKED_STAYS.c.id,
        _RANKED_STAYS.c.room_type,
        _RANKED_STAYS.c.floor,
        _RANKED_STAYS.c.rate_code,
    )
    .where(_RANKED_STAYS.c.place <= bindparam("last_stays"))
    .order_by(_RANKED_STAYS.c.member_id, _RANKED_STAYS.c.place)
)
_HELD = (
    select(Preference)
    .where(
        Preference.member_id.in_(bindparam("member_ids", expanding=True)),
        Preference.category.in_(bindparam("categories", expanding=True)),
    )
    .order_by(Preference.id)
)


@dataclass(frozen=True)
class LastStay:
    """A completed stay as inference reads it, with what orders it (newest first)."""

    departure: dt.date
    stay_id: int
    choice: StayChoice


@dataclass(frozen=True)
class StayHistory:
    """A member's last completed stays, newest first, and their preferences in the
    inferred categories: what :func:`refresh_inferred` reads."""

    stays: tuple[LastStay, ...]
    held: tuple[Preference, ...]

    def with_completed(self, stay: Stay) -> StayHistory:
        """This history, read before ``stay`` completed, with ``stay`` (flushed) in it."""
        mine = LastStay(
            stay.departure_date, stay.id, StayChoice(stay.room_type, stay.floor, stay.rate_code)
        )
        others = [last for last in self.stays if last.stay_id != stay.id]
        ordered = sorted([*others, mine], key=lambda s: (s.departure, s.stay_id), reverse=True)
        return StayHistory(tuple(ordered), self.held)


def _inferred_categories(runtime: Runtime) -> list[str]:
    rules = runtime.catalog.inference
    return [
        code
        for code in (rules.room_type_category, rules.floor_category, rules.rate_category)
        if code is not None
    ]


async def stay_histories(
    session: AsyncSession, runtime: Runtime, member_ids: Collection[int]
) -> dict[int, StayHistory]:
    """Each member's :class:`StayHistory` in two statements, for one member or a batch's;
    none (and no statement) when the catalog infers nothing."""
    categories = _inferred_categories(runtime)
    if not categories or not member_ids:
        return {}
    ids = sorted(set(member_ids))
    stays: dict[int, list[LastStay]] = {member_id: [] for member_id in ids}
    rows = await session.execute(
        _LAST_STAYS, {"member_ids": ids, "last_stays": runtime.catalog.inference.last_stays}
    )
    for member_id, departure, stay_id, room_type, floor, rate_code in rows:
        stays[member_id].append(
            LastStay(departure, stay_id, StayChoice(room_type, floor, rate_code))
        )
    held: dict[int, list[Preference]] = {member_id: [] for member_id in ids}
    for row in await session.scalars(_HELD, {"member_ids": ids, "categories": categories}):
        held[row.member_id].append(row)
    return {
        member_id: StayHistory(tuple(stays[member_id]), tuple(held[member_id])) for member_id in ids
    }


async def refresh_inferred(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    *,
    history: StayHistory | None = None,
) -> None:
    """Brings the member's inferred preferences in line with their last completed stays.
    ``history`` is what they are, read in the member's lock (see
    :mod:`staytier.services.credit_reads`); without it they are read."""
    rules = runtime.catalog.inference
    categories = _inferred_categories(runtime)
    if not categories:
        return
    if history is None:
        history = (await stay_histories(session, runtime, [member.id]))[member.id]
    suggested = {
        found.category: found
        for found in inferred_preferences(
            [last.choice for last in history.stays[: rules.last_stays]], rules
        )
    }
    held = list(history.held)
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
