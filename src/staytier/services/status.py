"""Keeps a member's status in step with their qualifying credit, as it is posted.

An upgrade happens the moment a year's totals cross a threshold; a reversal that takes the
totals back under it revokes that status (the row stays, marked revoked with the reason), so
the tier always matches what the record supports.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from staytier.clock import local_date
from staytier.domain.calendar import status_valid_through
from staytier.domain.tiers import YearTotals, held_period, qualified_tier
from staytier.program.model import ProgramVersion
from staytier.services import audit
from staytier.services.runtime import Runtime
from staytier.store.deferred import flush_unless_deferred
from staytier.store.models import Member, StatusPeriod
from staytier.store.queries import as_periods, status_periods

QUALIFIED = "QUALIFIED"


async def refresh_status(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    *,
    totals: dict[int, YearTotals],
    on: dt.date,
    credit_id: int | None,
    rows: list[StatusPeriod] | None = None,
) -> None:
    """Brings the member's earned status for each year of ``totals`` in line with that
    year's totals, which the caller reads after flushing the credit that changed them.

    ``on`` is the local date of that credit; an upgrade starts then (or today, for a credit
    dated ahead). Each year is judged by :meth:`Runtime.rules_judging`. ``rows`` are the
    member's status rows if the caller has just read them.
    """
    if not totals:
        return
    # Status starts on the credit's date, or today where the member is, if that is sooner.
    starts = min(on, local_date(runtime.clock, member.time_zone))
    if rows is None:
        rows = await status_periods(session, member.id)
    for year in sorted(totals):
        rules = runtime.rules_judging(year, on)
        earned, path = qualified_tier(rules, totals[year])
        earned_rows = [r for r in rows if r.cause == QUALIFIED and r.qualification_year == year]
        best = max((r.rank for r in earned_rows), default=rules.base_tier.rank)
        if earned.rank > best and path is not None:
            rows.append(
                _earned(member, rules, earned.code, earned.rank, year, starts, credit_id, runtime)
            )
            rows[
                -1
            ].detail = f"Reached in {year} by qualifying {path.value.lower().replace('_', ' ')}"
            session.add(rows[-1])
            _audit_tier(session, runtime, member, "QUALIFIED", year, best, earned.rank, rules)
        elif earned.rank < best:
            _revoke_above(session, runtime, member, rules, earned_rows, earned.rank, year)
            _audit_tier(session, runtime, member, "REVOKED", year, best, earned.rank, rules)
    await flush_unless_deferred(session)


def _audit_tier(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    action: str,
    year: int,
    before_rank: int,
    after_rank: int,
    rules: ProgramVersion,
) -> None:
    """The audit entry of a status earned or revoked for a qualification year."""
    audit.record(
        session,
        at=runtime.now(),
        subject="tier",
        action=action,
        member_id=member.id,
        subject_key=member.member_number,
        before={"tier": rules.tier_of_rank(before_rank).code, "year": year},
        after={"tier": rules.tier_of_rank(after_rank).code, "year": year},
    )


def _earned(
    member: Member,
    rules: ProgramVersion,
    code: str,
    rank: int,
    year: int,
    starts: dt.date,
    credit_id: int | None,
    runtime: Runtime,
) -> StatusPeriod:
    return StatusPeriod(
        member_id=member.id,
        tier_code=code,
        rank=rank,
        qualification_year=year,
        valid_from=starts,
        valid_through=status_valid_through(year, rules),
        cause=QUALIFIED,
        credit_id=credit_id,
        created_at=runtime.now(),
    )


def _revoke_above(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    rules: ProgramVersion,
    earned_rows: list[StatusPeriod],
    rank: int,
    year: int,
) -> None:
    """Revokes status the year no longer supports and keeps the tier it still does."""
    revoked = [r for r in earned_rows if r.rank > rank]
    for row in revoked:
        row.revoked_at = runtime.now()
        row.revoked_reason = f"{year} qualifying activity no longer reaches {row.tier_code}"
    if rank > rules.base_tier.rank and not any(r.rank == rank for r in earned_rows):
        tier = rules.tier_of_rank(rank)
        kept = _earned(
            member,
            rules,
            tier.code,
            tier.rank,
            year,
            min(r.valid_from for r in revoked),
            None,
            runtime,
        )
        kept.detail = f"Kept for {year} after a reversal"
        session.add(kept)


def tier_code_held(rows: list[StatusPeriod], day: dt.date, base_code: str) -> str:
    """The tier a member holds on ``day`` according to their status rows."""
    period = held_period(as_periods([r for r in rows if r.revoked_at is None]), day)
    return period.tier_code if period else base_code
