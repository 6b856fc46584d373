"""A guest's consents: given or withdrawn, each a record of who said so. Withdrawing one
removes at once every preference value that needs it and blanks those values in the profile
history (see :mod:`services.profiles` for the changes themselves)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.program.catalog import ConsentPurpose
from staytier.services.members import member_for_update
from staytier.services.profiles import (
    CONSENT,
    PREFERENCE,
    Actor,
    consent_in_force,
    record_change,
    stated_by,
    stored,
)
from staytier.services.runtime import Runtime
from staytier.store.models import ConsentRecord, Member, Preference, ProfileChange


@dataclass(frozen=True)
class ConsentSet:
    """The consent record just written, and the sensitive values it removed."""

    member_id: int
    record: ConsentRecord
    removed: list[dict[str, object]]


async def set_consent(
    runtime: Runtime, member_number: str, purpose: ConsentPurpose, granted: bool, actor: Actor
) -> ConsentSet:
    """Records a consent given or withdrawn. Withdrawing it removes, at once, every value of
    the categories that need it and blanks their values in the profile history."""
    async with runtime.db.transaction() as session:
        member = await member_for_update(session, member_number)
        await stated_by(session, actor)
        was = await consent_in_force(session, member.id, purpose)
        record = ConsentRecord(
            member_id=member.id,
            purpose=purpose.value,
            granted=granted,
            **actor.columns(),
            recorded_at=runtime.now(),
        )
        session.add(record)
        if was != granted:
            record_change(
                session,
                runtime,
                member,
                actor,
                subject=CONSENT,
                category=purpose.value,
                before=["GRANTED" if was else "NOT_GRANTED"],
                after=["GRANTED" if granted else "WITHDRAWN"],
            )
        removed = [] if granted else await _withdraw(session, runtime, member, purpose, actor)
        await session.flush()
        return ConsentSet(member.id, record, removed)


async def _withdraw(
    session: AsyncSession, runtime: Runtime, member: Member, purpose: ConsentPurpose, actor: Actor
) -> list[dict[str, object]]:
    codes = runtime.catalog.sensitive_codes(purpose)
    if not codes:
        return []
    rows = list(
        await session.scalars(
            select(Preference)
            .where(Preference.member_id == member.id, Preference.category.in_(codes))
            .order_by(Preference.id)
        )
    )
    removed = [stored(row) for row in rows]
    await session.execute(
        delete(Preference).where(Preference.member_id == member.id, Preference.category.in_(codes))
    )
    # The history must not keep what the guest took back.
    await session.execute(
        update(ProfileChange)
        .where(ProfileChange.member_id == member.id, ProfileChange.category.in_(codes))
        .values(before=[], after=[]),
        execution_options={"synchronize_session": False},
    )
    for code in sorted({row.category for row in rows}):
        record_change(
            session,
            runtime,
            member,
            actor,
            subject=PREFERENCE,
            category=code,
            before=[],
            after=[],
            sensitive=True,
        )
    return removed


async def withdraw_for_merge(
    session: AsyncSession, runtime: Runtime, member: Member, purpose: ConsentPurpose, actor: Actor
) -> None:
    """Removes the member's values that need ``purpose``, in the caller's transaction: an
    account merge that leaves the purpose without consent (see ``services/merge.py``)."""
    await _withdraw(session, runtime, member, purpose, actor)
