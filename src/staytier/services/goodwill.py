"""Points posted by people: goodwill after a complaint, and adjustments by an administrator.

Both land in the ledger with their author and reason, so every manual point can be traced
to who gave it and why. Who may post them is decided at the API edge (access control); the
services take the author explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from staytier.clock import local_date
from staytier.domain.bounds import points_mistake
from staytier.domain.errors import BusinessRuleError, ErrorCode, InvalidInput
from staytier.domain.points import LedgerKind
from staytier.services.idempotency import FieldsReceipted, run_command_once
from staytier.services.ledger import post_bonus, post_entry, require_points
from staytier.services.member_value import within_recognition
from staytier.services.members import member_for_update
from staytier.services.runtime import Runtime
from staytier.store.models import LedgerEntry, Member


@dataclass(frozen=True)
class PostGoodwillPoints:
    idempotency_key: str
    member_number: str
    points: int
    reason_code: str
    author: str
    note: str = ""


@dataclass(frozen=True)
class PostPointsAdjustment:
    idempotency_key: str
    member_number: str
    points: int
    reason: str
    author: str


@dataclass(frozen=True)
class Posted(FieldsReceipted):
    """What a posting did: the ledger entry as posted and its member's id."""

    entry: LedgerEntry
    member_id: int


def _refuse_mistakes(wrong_amount: str | None, **required: str) -> None:
    """Refuses a posting with all its input mistakes at once: each ``required`` text left
    blank, then the amount when ``wrong_amount`` says what is wrong with it."""
    mistakes = [
        BusinessRuleError(ErrorCode.INVALID_INPUT, f"Give the {name}.", name)
        for name, value in required.items()
        if not value.strip()
    ]
    if wrong_amount is not None:
        mistakes.append(BusinessRuleError(ErrorCode.INVALID_AMOUNT, wrong_amount, "points"))
    if mistakes:
        raise InvalidInput(mistakes)


async def post_goodwill_points(
    runtime: Runtime, command: PostGoodwillPoints, *, scope: str = ""
) -> Posted:
    """Credits goodwill points as BONUS with one of the program's reason codes, at most
    that reason's ``max_points``."""
    positive = command.points > 0
    _refuse_mistakes(None if positive else "Goodwill is a positive amount.", author=command.author)

    async def work(session: AsyncSession) -> Posted:
        member = await member_for_update(session, command.member_number)
        today = local_date(runtime.clock, member.time_zone)
        await within_recognition(session, runtime, member.id, command.points, today)
        entry = await credit_goodwill(
            runtime,
            session,
            member,
            points=command.points,
            reason_code=command.reason_code,
            author=command.author,
            note=command.note,
        )
        return Posted(entry, member.id)

    return await run_command_once(runtime, Posted, "postGoodwillPoints", command, work, scope=scope)


async def credit_goodwill(
    runtime: Runtime,
    session: AsyncSession,
    member: Member,
    *,
    points: int,
    reason_code: str,
    author: str,
    note: str = "",
    allowance: int | None = None,
) -> LedgerEntry:
    """Posts goodwill as a BONUS entry under one of the program's reason codes, at most that
    reason's ``max_points`` and at most ``allowance`` (a role's limit) when given. The
    caller holds the member row locked and owns the transaction."""
    today = local_date(runtime.clock, member.time_zone)
    reason = runtime.rules_on(today).goodwill_reason(reason_code)
    if reason is None:
        raise BusinessRuleError(
            ErrorCode.UNKNOWN_REASON_CODE,
            f"{reason_code!r} is not a goodwill reason of the program.",
            "reasonCode",
        )
    too_many = points_mistake(points, runtime.rules_on(today).limits, "points")
    if too_many is not None:
        raise too_many
    limit = reason.max_points if allowance is None else min(reason.max_points, allowance)
    if points > limit:
        raise BusinessRuleError(
            ErrorCode.GOODWILL_LIMIT_EXCEEDED,
            f"{reason.code} goodwill is at most {limit:,} points here.",
            "points",
        )
    text = f": {note.strip()}" if note.strip() else ""
    return await post_bonus(
        session,
        runtime.clock,
        member,
        points,
        description=f"Goodwill ({reason.description or reason.code}){text}",
        author=author.strip(),
        reason_code=reason.code,
    )


async def post_points_adjustment(
    runtime: Runtime, command: PostPointsAdjustment, *, scope: str = ""
) -> Posted:
    """Posts an ADJUSTMENT of either sign; a debit larger than the balance is refused with
    NOT_ENOUGH_POINTS rather than taking the balance below zero."""
    _refuse_mistakes(
        "An adjustment is not zero." if command.points == 0 else None,
        author=command.author,
        reason=command.reason,
    )

    async def work(session: AsyncSession) -> Posted:
        member = await member_for_update(session, command.member_number)
        require_points(member, -command.points)
        today = local_date(runtime.clock, member.time_zone)
        too_many = points_mistake(command.points, runtime.rules_on(today).limits, "points")
        if too_many is not None:
            raise too_many
        entry = post_entry(
            session,
            member,
            kind=LedgerKind.ADJUSTMENT,
            points=command.points,
            occurred_at=runtime.now(),
            effective_on=today,
            description=f"Adjustment: {command.reason.strip()}",
            author=command.author.strip(),
        )
        await session.flush()
        return Posted(entry, member.id)

    return await run_command_once(
        runtime, Posted, "postPointsAdjustment", command, work, scope=scope
    )
