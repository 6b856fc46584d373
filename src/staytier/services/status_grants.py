"""Status match, challenge and gifting: status periods written with their cause, so they
show in ``tierHistory``, decide the tier held like any other period, and meet the year-end
requalification (and its soft landing) like any other status.

A challenge is judged where its nights come from: :func:`judge_challenges` runs inside
the crediting transaction (``services/crediting.post_credit``), and the date-bound job
:func:`lapse_challenges` closes those whose days ran out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from staytier.clock import local_date
from staytier.domain.calendar import qualification_year, status_valid_through
from staytier.domain.errors import BusinessRuleError, ErrorCode, InvalidInput, too_long
from staytier.domain.status_grants import (
    CAUSES,
    CHALLENGE_MET,
    CHALLENGE_UNDONE,
    GrantKind,
    GrantState,
    challenge_ends,
    gift_rule,
    match_period_mistakes,
    refuse_if_held,
    tier_above_base,
)
from staytier.program.model import ProgramVersion, Tier
from staytier.services import audit
from staytier.services.idempotency import Result, run_once
from staytier.services.job_runs import days_due, run_job_once
from staytier.services.members import member_for_update
from staytier.services.runtime import Runtime
from staytier.services.status import tier_code_held
from staytier.store.models import Credit, Member, QualifyingCredit, StatusGrant, StatusPeriod
from staytier.store.queries import status_periods

JOB = "challenge-lapse"


@dataclass(frozen=True)
class GrantStatus:
    idempotency_key: str
    member_number: str
    tier_code: str
    valid_through: dt.date
    reason: str
    evidence: str
    valid_from: dt.date | None = None


@dataclass(frozen=True)
class StartStatusChallenge:
    idempotency_key: str
    member_number: str
    tier_code: str


@dataclass(frozen=True)
class GiftTier:
    idempotency_key: str
    recipient_member_number: str
    tier_code: str


async def _held(session: AsyncSession, rules: ProgramVersion, member: Member, day: dt.date) -> Tier:
    rows = await status_periods(session, member.id)
    return rules.tier(tier_code_held(rows, day, rules.base_tier.code)) or rules.base_tier


async def _write(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    *,
    kind: GrantKind,
    tier: Tier,
    starts: dt.date,
    ends: dt.date,
    detail: str,
    granted_by: str,
    **grant: object,
) -> StatusGrant:
    """The status period and the grant that explains it, with an audit entry."""
    now = runtime.now()
    period = StatusPeriod(
        member_id=member.id,
        tier_code=tier.code,
        rank=tier.rank,
        qualification_year=None,
        valid_from=starts,
        valid_through=ends,
        cause=CAUSES[kind],
        detail=detail[:300],
        created_at=now,
    )
    session.add(period)
    await session.flush()
    row = StatusGrant(
        member_id=member.id,
        kind=kind.value,
        tier_code=tier.code,
        starts_on=starts,
        ends_on=ends,
        granted_by=granted_by,
        status_period_id=period.id,
        created_at=now,
        **grant,
    )
    session.add(row)
    audit.record(
        session,
        at=now,
        subject="tier",
        action=CAUSES[kind],
        member_id=member.id,
        subject_key=member.member_number,
        after={"tier": tier.code, "from": starts.isoformat(), "through": ends.isoformat()},
    )
    return row


async def grant_status(
    runtime: Runtime, command: GrantStatus, *, actor: str, scope: str = ""
) -> Result:
    """A status match: ``tier_code`` from ``valid_from`` (the member's today if unset)
    through ``valid_through``, with the reason and the evidence it rests on."""
    mistakes = [
        BusinessRuleError(ErrorCode.INVALID_INPUT, f"Give the {name}.", name)
        for name, value in (("reason", command.reason), ("evidence", command.evidence))
        if not value.strip()
    ]
    mistakes.extend(too_long(("reason", command.reason, 200), ("evidence", command.evidence, 200)))
    if mistakes:
        raise InvalidInput(mistakes)

    async def work(session: AsyncSession) -> Result:
        member = await member_for_update(session, command.member_number)
        today = local_date(runtime.clock, member.time_zone)
        starts = command.valid_from or today
        rules = runtime.rules_on(starts)
        tier = tier_above_base(rules, command.tier_code)
        period_mistakes = match_period_mistakes(rules, starts, command.valid_through)
        if starts < today:
            period_mistakes.append(
                BusinessRuleError(
                    ErrorCode.INVALID_DATES, "A status match cannot start in the past.", "validFrom"
                )
            )
        if period_mistakes:
            raise InvalidInput(period_mistakes)
        grant = await _write(
            session,
            runtime,
            member,
            kind=GrantKind.MATCH,
            tier=tier,
            starts=starts,
            ends=command.valid_through,
            granted_by=actor,
            detail=f"Status match: {command.reason.strip()} (evidence {command.evidence.strip()})",
            state=GrantState.GRANTED.value,
            year=qualification_year(starts, rules.qualification.year_start_month),
            reason=command.reason.strip(),
            evidence=command.evidence.strip(),
        )
        await session.flush()
        return {"grant_id": grant.id, "member_id": member.id}

    return await run_once(
        runtime,
        operation="grantStatus",
        key=command.idempotency_key,
        request=command,
        work=work,
        scope=scope,
    )


async def start_status_challenge(
    runtime: Runtime, command: StartStatusChallenge, *, actor: str, scope: str = ""
) -> Result:
    """A tier on trial for the challenge's days; met by its nights within them."""

    async def work(session: AsyncSession) -> Result:
        member = await member_for_update(session, command.member_number)
        today = local_date(runtime.clock, member.time_zone)
        rules = runtime.rules_on(today)
        tier = tier_above_base(rules, command.tier_code)
        rule = rules.status_grants.challenge(tier.code)
        if rule is None:
            raise BusinessRuleError(
                ErrorCode.CHALLENGE_NOT_OFFERED,
                f"The program offers no challenge for {tier.name}.",
                "tierCode",
            )
        refuse_if_held(await _held(session, rules, member, today), tier)
        running = await session.scalar(
            select(StatusGrant.id).where(
                StatusGrant.member_id == member.id,
                StatusGrant.kind == GrantKind.CHALLENGE.value,
                StatusGrant.state == GrantState.OPEN.value,
            )
        )
        if running is not None:
            raise BusinessRuleError(
                ErrorCode.CHALLENGE_ALREADY_OPEN,
                "The member already has a challenge running.",
                "memberNumber",
            )
        ends = challenge_ends(today, rule.days)
        grant = await _write(
            session,
            runtime,
            member,
            kind=GrantKind.CHALLENGE,
            tier=tier,
            starts=today,
            ends=ends,
            granted_by=actor,
            detail=f"Challenge: {rule.nights} nights by {ends.isoformat()} to earn {tier.name}",
            state=GrantState.OPEN.value,
            nights_required=rule.nights,
            year=qualification_year(today, rules.qualification.year_start_month),
        )
        await session.flush()
        return {"grant_id": grant.id, "member_id": member.id}

    return await run_once(
        runtime,
        operation="startStatusChallenge",
        key=command.idempotency_key,
        request=command,
        work=work,
        scope=scope,
    )


async def gift_tier(
    runtime: Runtime, command: GiftTier, *, giver_id: int, actor: str, scope: str = ""
) -> Result:
    """A member gifts a lower tier to another member, as many times a year as the
    program's gift rule allows."""

    async def work(session: AsyncSession) -> Result:
        giver = await session.get(Member, giver_id, with_for_update=True)
        if giver is None or giver.erased_at is not None:
            raise BusinessRuleError(ErrorCode.MEMBER_NOT_FOUND, "No such member.", None)
        today = local_date(runtime.clock, giver.time_zone)
        rules = runtime.rules_on(today)
        rule = gift_rule(rules, await _held(session, rules, giver, today), command.tier_code)
        tier = tier_above_base(rules, command.tier_code)
        if command.recipient_member_number == giver.member_number:
            raise BusinessRuleError(
                ErrorCode.GIFT_TO_SELF,
                "A tier is gifted to someone else.",
                "recipientMemberNumber",
            )
        year = qualification_year(today, rules.qualification.year_start_month)
        given = await session.scalar(
            select(func.count(StatusGrant.id)).where(
                StatusGrant.giver_member_id == giver.id,
                StatusGrant.kind == GrantKind.GIFT.value,
                StatusGrant.year == year,
            )
        )
        if (given or 0) >= rule.per_year:
            raise BusinessRuleError(
                ErrorCode.GIFT_LIMIT_REACHED,
                f"{rule.per_year} gift(s) of {tier.name} a year; given already in {year}.",
                "recipientMemberNumber",
            )
        try:
            recipient = await member_for_update(session, command.recipient_member_number)
        except BusinessRuleError as error:
            raise BusinessRuleError(error.code, error.message, "recipientMemberNumber") from error
        refuse_if_held(await _held(session, rules, recipient, today), tier)
        grant = await _write(
            session,
            runtime,
            recipient,
            kind=GrantKind.GIFT,
            tier=tier,
            starts=today,
            ends=today + dt.timedelta(days=rule.valid_days - 1),
            granted_by=actor,
            detail=f"Gifted by member {giver.member_number}",
            state=GrantState.GRANTED.value,
            year=year,
            giver_member_id=giver.id,
        )
        await session.flush()
        return {"grant_id": grant.id, "member_id": giver.id}

    return await run_once(
        runtime,
        operation="giftTier",
        key=command.idempotency_key,
        request=command,
        work=work,
        scope=scope,
    )


# --- challenges: judged at crediting, lapsed by a job ------------------------------------


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
        nights = await _challenge_nights(session, member, challenge)
        if nights < challenge.nights_required:
            continue
        rules = runtime.rules_on(on)
        tier = rules.tier(challenge.tier_code)
        if tier is None:
            continue
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
    await session.flush()


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
        result = await session.execute(
            update(StatusGrant)
            .where(StatusGrant.state == GrantState.OPEN.value, StatusGrant.ends_on < day)
            .values(state=GrantState.LAPSED.value, settled_at=runtime.now())
            .execution_options(synchronize_session=False)
        )
        return LapseSummary(challenges_lapsed=int(result.rowcount or 0))  # type: ignore[attr-defined]

    return await run_job_once(
        runtime,
        job=JOB,
        run_key=day.isoformat(),
        due_on=day,
        work=work,
        earlier_run=LapseSummary,
    )


async def grants_of(session: AsyncSession, member_id: int) -> list[StatusGrant]:
    """The member's matches, challenges and gifts received, newest first."""
    return list(
        await session.scalars(
            select(StatusGrant)
            .where(StatusGrant.member_id == member_id)
            .order_by(StatusGrant.id.desc())
        )
    )
