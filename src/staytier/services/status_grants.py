"""Status match, challenge and gifting: status periods written with their cause, so they
show in ``tierHistory``, decide the tier held like any other period, and meet the year-end
requalification (and its soft landing) like any other status.

A challenge, once started here, is judged and lapsed by :mod:`services.challenges`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.clock import local_date
from staytier.domain.calendar import qualification_year
from staytier.domain.errors import BusinessRuleError, ErrorCode, InvalidInput, too_long
from staytier.domain.status_grants import (
    CAUSES,
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
from staytier.services.idempotency import FieldsReceipted, run_command_once
from staytier.services.members import member_for_update, member_year
from staytier.services.runtime import Runtime
from staytier.services.status import tier_code_held
from staytier.store.models import Member, StatusGrant, StatusPeriod
from staytier.store.queries import status_periods


@dataclass(frozen=True)
class Granted(FieldsReceipted):
    """A grant as written and the member the caller shows with it: the member granted, or
    for a gift the giver."""

    grant: StatusGrant
    member_id: int


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
) -> Granted:
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

    async def work(session: AsyncSession) -> Granted:
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
        return Granted(grant, member.id)

    return await run_command_once(runtime, Granted, "grantStatus", command, work, scope=scope)


async def start_status_challenge(
    runtime: Runtime, command: StartStatusChallenge, *, actor: str, scope: str = ""
) -> Granted:
    """A tier on trial for the challenge's days; met by its nights within them."""

    async def work(session: AsyncSession) -> Granted:
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
        return Granted(grant, member.id)

    return await run_command_once(
        runtime, Granted, "startStatusChallenge", command, work, scope=scope
    )


async def gift_tier(
    runtime: Runtime, command: GiftTier, *, giver_id: int, actor: str, scope: str = ""
) -> Granted:
    """A member gifts a lower tier to another member, as many times a year as the
    program's gift rule allows."""

    async def work(session: AsyncSession) -> Granted:
        giver = await session.get(Member, giver_id, with_for_update=True)
        if giver is None or giver.erased_at is not None:
            raise BusinessRuleError(ErrorCode.MEMBER_NOT_FOUND, "No such member.", None)
        today, year, rules = member_year(runtime, giver)
        rule = gift_rule(rules, await _held(session, rules, giver, today), command.tier_code)
        tier = tier_above_base(rules, command.tier_code)
        if command.recipient_member_number == giver.member_number:
            raise BusinessRuleError(
                ErrorCode.GIFT_TO_SELF,
                "A tier is gifted to someone else.",
                "recipientMemberNumber",
            )
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
        return Granted(grant, giver.id)

    return await run_command_once(runtime, Granted, "giftTier", command, work, scope=scope)


async def grants_of(session: AsyncSession, member_id: int) -> list[StatusGrant]:
    """The member's matches, challenges and gifts received, newest first."""
    return list(
        await session.scalars(
            select(StatusGrant)
            .where(StatusGrant.member_id == member_id)
            .order_by(StatusGrant.id.desc())
        )
    )
