"""A guest's special dates: the birthday and the anniversary, one of each, each change kept
in ``profile_changes`` like the rest of the profile (see :mod:`services.profiles`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.clock import local_date
from staytier.domain.errors import BusinessRuleError, ErrorCode, InvalidInput
from staytier.domain.preferences import (
    SpecialDateKind,
    special_date_mistakes,
)
from staytier.services.members import member_for_update
from staytier.services.profile_views import special_dates_by_member
from staytier.services.profiles import SPECIAL_DATE, Actor, record_change, stated_by
from staytier.services.runtime import Runtime
from staytier.store.models import Member, SpecialDate


@dataclass(frozen=True)
class SpecialDates:
    """The member's special dates after a change, by kind."""

    member_id: int
    dates: list[SpecialDate]


async def _dates_now(session: AsyncSession, member_id: int) -> SpecialDates:
    found = await special_dates_by_member(session, [member_id])
    return SpecialDates(member_id, found[member_id])


async def set_special_date(
    runtime: Runtime,
    member_number: str,
    kind: SpecialDateKind,
    on: dt.date,
    greet: bool,
    actor: Actor,
) -> SpecialDates:
    """Sets the member's birthday or anniversary (one of each)."""
    async with runtime.db.transaction() as session:
        member = await member_for_update(session, member_number)
        await stated_by(session, actor)
        today = local_date(runtime.clock, member.time_zone)
        mistakes = special_date_mistakes(kind, on, today)
        if mistakes:
            raise InvalidInput(mistakes)
        row = await _held(session, member, kind)
        before = [_date_label(row.happened_on, row.greet)] if row else []
        if row is None:
            row = SpecialDate(member_id=member.id, kind=kind.value)
            session.add(row)
        if row.happened_on != on:
            row.recorded_on = today
        row.happened_on, row.month, row.day, row.greet = on, on.month, on.day, greet
        row.updated_at = runtime.now()
        after = [_date_label(on, greet)]
        if before != after:
            record_change(
                session,
                runtime,
                member,
                actor,
                subject=SPECIAL_DATE,
                category=kind.value,
                before=before,
                after=after,
            )
        await session.flush()
        return await _dates_now(session, member.id)


async def _held(session: AsyncSession, member: Member, kind: SpecialDateKind) -> SpecialDate | None:
    """The member's date of this kind, if one is on record."""
    row: SpecialDate | None = await session.scalar(
        select(SpecialDate).where(
            SpecialDate.member_id == member.id, SpecialDate.kind == kind.value
        )
    )
    return row


def _date_label(on: dt.date, greet: bool) -> str:
    return on.isoformat() + ("" if greet else " (no greeting)")


async def remove_special_date(
    runtime: Runtime, member_number: str, kind: SpecialDateKind, actor: Actor
) -> SpecialDates:
    async with runtime.db.transaction() as session:
        member = await member_for_update(session, member_number)
        await stated_by(session, actor)
        row = await _held(session, member, kind)
        if row is None:
            raise BusinessRuleError(
                ErrorCode.INVALID_SPECIAL_DATE, f"No {kind.value.lower()} on record.", "kind"
            )
        record_change(
            session,
            runtime,
            member,
            actor,
            subject=SPECIAL_DATE,
            category=kind.value,
            before=[_date_label(row.happened_on, row.greet)],
            after=[],
        )
        await session.delete(row)
        return await _dates_now(session, member.id)
