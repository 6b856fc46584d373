"""Status challenges after they start: judged where their nights come from, and lapsed by a
job. :func:`judge_challenges` runs inside the crediting transaction
(``services/crediting.post_credit``), :func:`undo_challenges` inside a reversal, and the
date-bound job :func:`lapse_challenges` closes those whose days ran out. Challenges start in
:mod:`services.status_grants`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from staytier.clock import local_date
from staytier.domain.calendar import qualification_year, status_valid_through
from staytier.domain.status_grants import (
    CAUSES,
    CHALLENGE_MET,
    CHALLENGE_UNDONE,
    GrantKind,
    GrantState,
)
from staytier.services import audit
from staytier.services.job_runs import days_due, run_daily_job
from staytier.services.runtime import Runtime
from staytier.store.models import Credit, Member, QualifyingCredit, StatusGrant, StatusPeriod
from staytier.store.queries import rows_changed

JOB = "challenge-lapse"


async def judge_challenges(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    *,
    on: dt.date,
    rows: list[StatusPeriod] | None = None,
) -> None:
    """Called in the crediting transaction after a credit dated ``on``: a challenge not
    met (open, or lapsed) whose nights are now reached within its days becomes earned
    status, valid like status qualified for in ``on``'s qualification year.

    ``rows``, the member's status rows when the caller has read them, spare the lookup for
    the many members with no challenge running (a trial always has its status row).
    """
    trial = CAUSES[GrantKind.CHALLENGE]
    if rows is not None and not any(
        r.cause == trial and r.valid_from <= on <= (r.valid_through or on) for r in rows
    ):
        return
    # A LAPSED challenge is judged again too: a stay checked out within its days but
    # recorded after they ran out, or re-posted by a correction after its nights were
    # taken back, still completed the nights within the days.
    open_ = list(
        await session.scalars(
            select(StatusGrant).where(
                StatusGrant.member_id == member.id,
                StatusGrant.kind == GrantKind.CHALLENGE.value,
                StatusGrant.state.in_([GrantState.OPEN.value, GrantState.LAPSED.value]),
                StatusGrant.starts_on <= on,
                StatusGrant.ends_on >= on,
            )
        )
    )
    for challenge in open_:
        if await _challenge_nights(session, member, challenge) >= challenge.nights_required:
            await _meet(session, runtime, member, challenge, on)
    await session.flush()


async def _meet(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    challenge: StatusGrant,
    on: dt.date,
) -> None:
    """The challenge's nights are reached on ``on``: its tier becomes earned status, valid
    like status qualified for in ``on``'s qualification year, and the challenge is met."""
    rules = runtime.rules_on(on)
    tier = rules.tier(challenge.tier_code)
    if tier is None:
        return
    year = qualification_year(on, rules.qualification.year_start_month)
    through = status_valid_through(year, rules)
    earned = StatusPeriod(
        member_id=member.id,
        tier_code=tier.code,
        rank=tier.rank,
        qualification_year=year,
        valid_from=min(on, local_date(runtime.clock, member.time_zone)),
        valid_through=through,
        cause=CHALLENGE_MET,
        detail=f"Challenge met: {challenge.nights_required} nights by {on.isoformat()}",
        created_at=runtime.now(),
    )
    session.add(earned)
    await session.flush()
    challenge.state = GrantState.MET.value
    challenge.settled_at = runtime.now()
    challenge.earned_period_id = earned.id
    audit.record(
        session,
        at=runtime.now(),
        subject="tier",
        action=CHALLENGE_MET,
        member_id=member.id,
        subject_key=member.member_number,
        after={"tier": tier.code, "through": through.isoformat()},
    )


async def _challenge_nights(session: AsyncSession, member: Member, challenge: StatusGrant) -> int:
    """The qualifying nights of credits dated within the challenge's days. A reversal
    counts on the date of the credit it reverses, whenever it was posted: nights taken
    back from a stay within the days no longer count, and a late correction of a stay
    outside them takes nothing from the challenge."""
    reversed_ = aliased(Credit)
    counted_on = func.coalesce(reversed_.credit_date, Credit.credit_date)
    nights = await session.scalar(
        select(func.coalesce(func.sum(QualifyingCredit.nights), 0))
        .join(Credit, Credit.id == QualifyingCredit.credit_id)
        .outerjoin(reversed_, reversed_.id == Credit.reverses_credit_id)
        .where(
            QualifyingCredit.member_id == member.id,
            counted_on >= challenge.starts_on,
            counted_on <= challenge.ends_on,
        )
    )
    return int(nights or 0)


async def undo_challenges(
    session: AsyncSession, runtime: Runtime, member: Member, *, original_on: dt.date, reason: str
) -> None:
    """Called in the transaction that reverses a credit dated ``original_on``: a met
    challenge whose nights within its days no longer reach its count loses the status it
    earned (its CHALLENGE_MET period is revoked with ``reason``, so ``tierHistory`` says
    why). While its days still run it is OPEN again, the trial tier held until its last
    day; after them it is LAPSED. A later credit within its days may meet it again."""
    met = list(
        await session.scalars(
            select(StatusGrant).where(
                StatusGrant.member_id == member.id,
                StatusGrant.kind == GrantKind.CHALLENGE.value,
                StatusGrant.state == GrantState.MET.value,
                StatusGrant.starts_on <= original_on,
                StatusGrant.ends_on >= original_on,
            )
        )
    )
    for challenge in met:
        await session.flush()
        nights = await _challenge_nights(session, member, challenge)
        if nights >= challenge.nights_required:
            continue
        now = runtime.now()
        earned = (
            await session.get(StatusPeriod, challenge.earned_period_id)
            if challenge.earned_period_id is not None
            else None
        )
        if earned is not None and earned.revoked_at is None:
            earned.revoked_at = now
            earned.revoked_reason = (
                f"Challenge no longer met ({reason}): {nights} of "
                f"{challenge.nights_required} nights by {challenge.ends_on.isoformat()}"
            )[:300]
        today = local_date(runtime.clock, member.time_zone)
        still_running = today <= challenge.ends_on
        challenge.state = (GrantState.OPEN if still_running else GrantState.LAPSED).value
        challenge.settled_at = None if still_running else now
        challenge.earned_period_id = None
        audit.record(
            session,
            at=now,
            subject="tier",
            action=CHALLENGE_UNDONE,
            member_id=member.id,
            subject_key=member.member_number,
            before={"tier": challenge.tier_code, "state": GrantState.MET.value},
            after={"state": challenge.state, "nights": nights},
        )
    await session.flush()


@dataclass(frozen=True)
class LapseSummary:
    challenges_lapsed: int = 0
    already_ran: bool = False


async def lapse_days_due(runtime: Runtime, after: dt.date, until: dt.date) -> list[dt.date]:
    """Days in ``(after, until]`` that follow the last day of some open challenge."""
    open_challenge = StatusGrant.state == GrantState.OPEN.value
    return await days_due(
        runtime, StatusGrant.ends_on, open_challenge, after, until, lag=dt.timedelta(days=1)
    )


async def lapse_challenges(runtime: Runtime, day: dt.date) -> LapseSummary:
    """Closes every open challenge whose last day is before ``day``: the trial period ends
    by its own date, so the member's tier falls back to what they hold otherwise."""

    async def work(session: AsyncSession) -> LapseSummary:
        lapsed = await rows_changed(
            session,
            update(StatusGrant)
            .where(StatusGrant.state == GrantState.OPEN.value, StatusGrant.ends_on < day)
            .values(state=GrantState.LAPSED.value, settled_at=runtime.now())
            .execution_options(synchronize_session=False),
        )
        return LapseSummary(challenges_lapsed=lapsed)

    return await run_daily_job(runtime, job=JOB, day=day, work=work, earlier_run=LapseSummary)
