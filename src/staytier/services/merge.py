"""Merging a duplicate account into the surviving one, in one transaction.

What happens to each row a member owns is decided by ``domain/merge.MERGE_RULES``, read
against the models' metadata: every column that refers to a member is moved, moved unless
the survivor holds its like, kept with the duplicate, or combined by a rule below. The
ledger is never edited: the duplicate's balance leaves by a ``MERGE_OUT`` entry and arrives
by a ``MERGE_IN`` entry, so each member's balance still equals the sum of its own ledger.
The duplicate's row stays (closed, ``merged_into_id`` set) and its number resolves to the
survivor from then on (``store.queries.member_by_number``). The qualification years whose
totals moved are judged again on the survivor, and the whole is audited and reported.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, and_, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.clock import local_date
from staytier.domain.errors import BusinessRuleError, ErrorCode, InvalidInput, too_long
from staytier.domain.merge import (
    MERGE_RULES,
    MergeParty,
    MergeRule,
    merge_refusal,
    most_restrictive_consent,
)
from staytier.domain.points import LedgerKind
from staytier.domain.preferences import PreferenceSource
from staytier.program.catalog import ConsentPurpose
from staytier.services import audit
from staytier.services.consents import withdraw_for_merge
from staytier.services.idempotency import Result, run_command_once
from staytier.services.ledger import move_points
from staytier.services.profiles import Actor, consent_in_force
from staytier.services.runtime import Runtime
from staytier.services.sharing import end_memberships
from staytier.services.status import refresh_status
from staytier.store.models import (
    Base,
    ConsentRecord,
    Member,
    MemberMerge,
    PointsPool,
    PoolMembership,
    QualifyingCredit,
    StatusPeriod,
)
from staytier.store.queries import member_by_number, rows_changed, year_totals

LIFETIME = "LIFETIME"


@dataclass(frozen=True)
class Merged:
    """A merge as recorded, with the surviving and the merged member."""

    merge: MemberMerge
    survivor: Member
    duplicate: Member

    @property
    def member_id(self) -> int:
        """The member the merge leaves: the survivor."""
        return self.survivor.id

    def receipt(self) -> Result:
        return {"merge_id": self.merge.id, "member_id": self.survivor.id}

    @staticmethod
    async def replay(session: AsyncSession, receipt: Result) -> Merged:
        merge = await session.get(MemberMerge, receipt["merge_id"])
        assert merge is not None
        survivor = await session.get(Member, merge.survivor_member_id)
        duplicate = await session.get(Member, merge.duplicate_member_id)
        assert survivor is not None and duplicate is not None
        return Merged(merge, survivor, duplicate)


@dataclass(frozen=True)
class MergeMembers:
    idempotency_key: str
    survivor_member_number: str
    duplicate_member_number: str
    reason: str


def member_columns() -> list[tuple[Table, Column[Any]]]:
    """Every (table, column) of the models that refers to a member, in a stable order."""
    members = Base.metadata.tables["members"]
    return [
        (table, column)
        for table in Base.metadata.sorted_tables
        for column in table.c
        if any(fk.column.table is members for fk in column.foreign_keys)
    ]


async def _party(session: AsyncSession, number: str, field: str) -> Member:
    member = await member_by_number(session, number, for_update=True, follow_merge=False)
    if member is None:
        raise BusinessRuleError(ErrorCode.MEMBER_NOT_FOUND, f"No member {number}.", field)
    return member


async def _lifetime_tier(session: AsyncSession, member_id: int) -> str | None:
    tier: str | None = await session.scalar(
        select(StatusPeriod.tier_code).where(
            StatusPeriod.member_id == member_id,
            StatusPeriod.cause == LIFETIME,
            StatusPeriod.revoked_at.is_(None),
        )
    )
    return tier


async def _describe(session: AsyncSession, member: Member) -> MergeParty:
    return MergeParty(
        member_number=member.member_number,
        erased=member.erased_at is not None,
        merged=member.merged_into_id is not None,
        lifetime_tier=await _lifetime_tier(session, member.id),
    )


async def _move_rows(
    session: AsyncSession,
    table: Table,
    column: Column[Any],
    held_by: tuple[str, ...],
    survivor: int,
    duplicate: int,
) -> tuple[int, int]:
    """Re-points the duplicate's rows (those the survivor holds no like of, given
    ``held_by``); returns (moved, kept)."""
    owned = column == duplicate
    if held_by:
        twin = table.alias("survivor_rows")
        owned = and_(
            owned,
            ~exists().where(
                twin.c[column.name] == survivor,
                *(twin.c[name] == table.c[name] for name in held_by),
            ),
        )
    moved = await rows_changed(
        session,
        update(table)
        .where(owned)
        .values({column.name: survivor})
        .execution_options(synchronize_session=False),
    )
    kept = await session.scalar(select(func.count()).select_from(table).where(column == duplicate))
    return moved, int(kept or 0)


Combine = Callable[[AsyncSession, Runtime, Member, Member], Awaitable[dict[str, int]]]


async def _close_balance(
    session: AsyncSession, runtime: Runtime, survivor: Member, duplicate: Member
) -> dict[str, int]:
    points = duplicate.points_balance
    if points:
        now = runtime.now()
        move_points(
            session,
            runtime.clock,
            duplicate,
            survivor,
            points,
            at=now,
            kinds=(LedgerKind.MERGE_OUT, LedgerKind.MERGE_IN),
            descriptions=("Merged into the surviving account", "Merged from a duplicate account"),
            keeps_points_alive=False,
        )
    # The points stay alive as long as the later of the two accounts' activity says.
    if duplicate.last_activity_on is not None and (
        survivor.last_activity_on is None or survivor.last_activity_on < duplicate.last_activity_on
    ):
        survivor.last_activity_on = duplicate.last_activity_on
    return {"moved": points}


async def _combine_consent(
    session: AsyncSession, runtime: Runtime, survivor: Member, duplicate: Member
) -> dict[str, int]:
    """Each purpose stays consented only if both accounts consented; a withdrawal removes
    the values that needed it, the duplicate's moved ones included."""
    actor = Actor(source=PreferenceSource.STAFF, name="account merge")
    withdrawn = 0
    for purpose in ConsentPurpose:
        kept = await consent_in_force(session, survivor.id, purpose)
        combined = most_restrictive_consent(
            kept, await consent_in_force(session, duplicate.id, purpose)
        )
        if kept and not combined:
            session.add(
                ConsentRecord(
                    member_id=survivor.id,
                    purpose=purpose.value,
                    granted=False,
                    **actor.columns(),
                    recorded_at=runtime.now(),
                )
            )
            withdrawn += 1
        if not combined:
            await withdraw_for_merge(session, runtime, survivor, purpose, actor)
    return {"withdrawn": withdrawn}


async def _leave_pools(
    session: AsyncSession, runtime: Runtime, survivor: Member, duplicate: Member
) -> dict[str, int]:
    """The duplicate leaves its pool (closing it if it owns it); its invitations lapse."""
    pools = list(
        await session.scalars(
            select(PointsPool)
            .join(PoolMembership, PoolMembership.pool_id == PointsPool.id)
            .where(
                PoolMembership.member_id == duplicate.id,
                PoolMembership.state.in_(("INVITED", "ACTIVE")),
            )
        )
    )
    for pool in pools:
        await end_memberships(session, runtime, pool, duplicate)
    return {"left": len(pools)}


async def _nothing(
    session: AsyncSession, runtime: Runtime, survivor: Member, duplicate: Member
) -> dict[str, int]:
    return {}


# The rule of each COMBINE column. Pools owned are closed by the membership rule.
COMBINED: dict[tuple[str, str], Combine] = {
    ("ledger_entries", "member_id"): _close_balance,
    ("consent_records", "member_id"): _combine_consent,
    ("pool_memberships", "member_id"): _leave_pools,
    ("points_pools", "owner_member_id"): _nothing,
}


def _unclassified() -> list[str]:
    return [
        f"{table.name}.{column.name}"
        for table, column in member_columns()
        if (table.name, column.name) not in MERGE_RULES
    ]


async def merge_members(
    runtime: Runtime, command: MergeMembers, *, actor: str, scope: str = ""
) -> Merged:
    """Merges the duplicate into the survivor; returns the merge and both members."""
    mistakes = too_long(("reason", command.reason, 300))
    if not command.reason.strip():
        mistakes.append(BusinessRuleError(ErrorCode.INVALID_INPUT, "Give the reason.", "reason"))
    if mistakes:
        raise InvalidInput(mistakes)
    if missing := _unclassified():  # a table added without saying what a merge does with it
        raise RuntimeError(f"member columns not classified for merge: {missing}")

    async def work(session: AsyncSession) -> Merged:
        numbers = {
            "survivorMemberNumber": command.survivor_member_number,
            "duplicateMemberNumber": command.duplicate_member_number,
        }
        # Locked in a fixed order (by number), so two merges of one pair cannot deadlock.
        parties = {}
        for field, number in sorted(numbers.items(), key=lambda item: item[1]):
            parties[field] = await _party(session, number, field)
        survivor, duplicate = parties["survivorMemberNumber"], parties["duplicateMemberNumber"]
        refusal = merge_refusal(
            await _describe(session, survivor), await _describe(session, duplicate)
        )
        if refusal is not None:
            raise refusal
        years = set(
            await session.scalars(
                select(QualifyingCredit.year).where(QualifyingCredit.member_id == duplicate.id)
            )
        )
        report: dict[str, Any] = {"points": {}, "tables": {}}
        columns = [(t, c, MERGE_RULES[(t.name, c.name)]) for t, c in member_columns()]
        for table, column, rule in columns:
            if rule.rule in (MergeRule.MOVE, MergeRule.MOVE_UNLESS_HELD):
                moved, kept = await _move_rows(
                    session, table, column, rule.held_by, survivor.id, duplicate.id
                )
                if moved or kept:
                    report["tables"][f"{table.name}.{column.name}"] = {"moved": moved, "kept": kept}
        # Combined after every move, so a rule sees the survivor's rows as they now are (a
        # consent withdrawn removes the duplicate's moved values too).
        for table, column, rule in columns:
            if rule.rule is MergeRule.COMBINE:
                where = f"{table.name}.{column.name}"
                combine = COMBINED[(table.name, column.name)]
                outcome = await combine(session, runtime, survivor, duplicate)
                report["points" if table.name == "ledger_entries" else "tables"][where] = outcome
        await _close_member(session, runtime, survivor, duplicate)
        await session.flush()
        on = local_date(runtime.clock, survivor.time_zone)
        totals = {year: await year_totals(session, survivor.id, year) for year in sorted(years)}
        await refresh_status(session, runtime, survivor, totals=totals, on=on, credit_id=None)
        report["requalifiedYears"] = sorted(years)
        merge = MemberMerge(
            survivor_member_id=survivor.id,
            duplicate_member_id=duplicate.id,
            reason=command.reason.strip(),
            merged_by=actor,
            report=report,
            merged_at=runtime.now(),
        )
        session.add(merge)
        for member, other in ((survivor, duplicate), (duplicate, survivor)):
            audit.record(
                session,
                at=runtime.now(),
                subject="member",
                action="MERGE",
                member_id=member.id,
                subject_key=member.member_number,
                before={"survivor": survivor.member_number, "duplicate": duplicate.member_number},
                after={"with": other.member_number, "reason": command.reason.strip()},
            )
        await session.flush()
        return Merged(merge, survivor, duplicate)

    return await run_command_once(runtime, Merged, "mergeMembers", command, work, scope=scope)


async def _close_member(
    session: AsyncSession, runtime: Runtime, survivor: Member, duplicate: Member
) -> None:
    """Closes the duplicate: its number resolves to the survivor, and so do the numbers of
    members merged into it before. The survivor takes contact details it lacks."""
    duplicate.merged_into_id = survivor.id
    await session.execute(
        update(Member)
        .where(Member.merged_into_id == duplicate.id)
        .values(merged_into_id=survivor.id),
        execution_options={"synchronize_session": False},
    )
    for name in ("phone", "phone_key", "home_property_code"):
        if getattr(survivor, name) is None and getattr(duplicate, name) is not None:
            setattr(survivor, name, getattr(duplicate, name))
    if survivor.email is None and duplicate.email is not None:
        email, duplicate.email = duplicate.email, None
        await session.flush()  # the address is unique: free it before the survivor takes it
        survivor.email = email
