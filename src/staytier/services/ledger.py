"""Posting to a member's points ledger: the only place a balance changes."""

from __future__ import annotations

import datetime as dt
from typing import Any, NotRequired, TypedDict, Unpack

from sqlalchemy.ext.asyncio import AsyncSession

from staytier.clock import Clock, local_date
from staytier.domain.bounds import balance_mistake
from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.points import ACTIVITY_KINDS, LedgerKind
from staytier.services import audit
from staytier.store.deferred import add_row, ensure_id
from staytier.store.models import LedgerEntry, Member


def require_points(member: Member, needed: int) -> None:
    """NOT_ENOUGH_POINTS unless the member's balance covers ``needed`` points."""
    if needed > member.points_balance:
        raise BusinessRuleError(
            ErrorCode.NOT_ENOUGH_POINTS,
            f"This needs {needed:,} points; the balance is {member.points_balance:,}.",
            "points",
        )


class CreditPosting(TypedDict):
    """What a ledger entry says, as far as a credit's entry says it."""

    kind: LedgerKind
    points: int
    occurred_at: dt.datetime
    effective_on: dt.date
    description: str
    credit_id: NotRequired[int | None]


class Posting(CreditPosting):
    """What a ledger entry says: a credit's fields, and what a reversal, an uncollected
    bonus, a gift that keeps no points alive or a manual entry adds (see :func:`post_entry`)."""

    reverses_entry_id: NotRequired[int | None]
    uncollected_points: NotRequired[int]
    keeps_points_alive: NotRequired[bool]
    author: NotRequired[str | None]
    reason_code: NotRequired[str | None]


def post_entry(session: AsyncSession, member: Member, **posting: Unpack[Posting]) -> LedgerEntry:
    """Appends one entry and moves the balance with it, in the caller's transaction.

    Earning and spending restart the points' expiry clock; a gift that answers no activity
    (the birthday bonus) passes ``keeps_points_alive=False`` and does not.

    The member row must be locked by the caller (see ``member_by_number(for_update=True)``),
    which is what keeps ``balance_after`` and the balance equal to the ledger's sum.
    ``author`` and ``reason_code`` record who posted a manual entry, and why.
    """
    entry = LedgerEntry(**_entry(session, member, **posting))
    session.add(entry)
    return entry


def append_entry(session: AsyncSession, member: Member, **posting: Unpack[CreditPosting]) -> None:
    """:func:`post_entry` for an entry nothing reads back as a row (a credit's): held as
    plain values in a batch that defers its writes (see
    :func:`staytier.store.deferred.add_row`)."""
    add_row(session, LedgerEntry, _entry(session, member, **posting))


def _entry(
    session: AsyncSession,
    member: Member,
    *,
    kind: LedgerKind,
    points: int,
    occurred_at: dt.datetime,
    effective_on: dt.date,
    description: str,
    credit_id: int | None = None,
    reverses_entry_id: int | None = None,
    uncollected_points: int = 0,
    keeps_points_alive: bool = True,
    author: str | None = None,
    reason_code: str | None = None,
) -> dict[str, Any]:
    """The checks, audit entry and balance of :func:`post_entry`; the entry's values."""
    if member.points_balance + points < 0:
        raise ValueError(f"entry of {points} would overdraw member {member.member_number}")
    # The API serves balances and ledger figures as 32-bit Int: a posting past that is
    # refused here, whatever posted it, so no member becomes unreadable.
    too_large = balance_mistake(member.points_balance, points)
    if too_large is not None:
        raise too_large
    audit.record(
        session,
        at=occurred_at,
        subject="points",
        action=kind.value,
        member_id=member.id,
        subject_key=member.member_number,
        before={"balance": member.points_balance},
        after={"balance": member.points_balance + points, "points": points},
    )
    member.points_balance += points
    restarts_clock = keeps_points_alive and kind in ACTIVITY_KINDS and points != 0
    if restarts_clock and (
        member.last_activity_on is None or member.last_activity_on < effective_on
    ):
        member.last_activity_on = effective_on
    return {
        "member_id": member.id,
        "credit_id": credit_id,
        "kind": kind.value,
        "points": points,
        "balance_after": member.points_balance,
        "occurred_at": occurred_at,
        "effective_on": effective_on,
        "description": description[:300],
        "reverses_entry_id": reverses_entry_id,
        "uncollected_points": uncollected_points,
        "author": author[:100] if author else None,
        "reason_code": reason_code,
    }


async def post_bonus(
    session: AsyncSession,
    clock: Clock,
    member: Member,
    points: int,
    *,
    description: str,
    keeps_points_alive: bool = True,
    author: str | None = None,
    reason_code: str | None = None,
) -> LedgerEntry:
    """Credits ``points`` as a BONUS entry posted now and dated the member's own local
    day, with its id for the row that answers for it (a review, an answered survey, a
    guarantee's compensation, a win, a complaint's goodwill). As :func:`post_entry`, the
    caller holds the member row locked."""
    entry = post_entry(
        session,
        member,
        kind=LedgerKind.BONUS,
        points=points,
        occurred_at=clock.now(),
        effective_on=local_date(clock, member.time_zone),
        description=description,
        keeps_points_alive=keeps_points_alive,
        author=author,
        reason_code=reason_code,
    )
    await ensure_id(session, entry)
    return entry


def move_points(
    session: AsyncSession,
    clock: Clock,
    giver: Member,
    taker: Member,
    points: int,
    *,
    at: dt.datetime,
    kinds: tuple[LedgerKind, LedgerKind],
    descriptions: tuple[str, str],
    keeps_points_alive: bool = True,
) -> tuple[LedgerEntry, LedgerEntry]:
    """Moves ``points`` from ``giver`` to ``taker`` as a pair of entries written at ``at``
    (``kinds`` and ``descriptions`` for the debit, then the credit), each dated the member's
    own local day: nothing is edited, and each balance still equals its own ledger. Both
    member rows must be locked by the caller."""
    out = post_entry(
        session,
        giver,
        kind=kinds[0],
        points=-points,
        occurred_at=at,
        effective_on=local_date(clock, giver.time_zone),
        description=descriptions[0],
        keeps_points_alive=keeps_points_alive,
    )
    into = post_entry(
        session,
        taker,
        kind=kinds[1],
        points=points,
        occurred_at=at,
        effective_on=local_date(clock, taker.time_zone),
        description=descriptions[1],
        keeps_points_alive=keeps_points_alive,
    )
    return out, into
