"""Posting qualifying credit and points, and taking them back.

A credit is one posting: rows of nights/stays/base points per qualification year plus the
ledger entries it earned. A reversal is a new posting that negates an earlier one; nothing
is updated or deleted, so history adds up to the balance and to the tier.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.bounds import points_mistake
from staytier.domain.points import LedgerKind, reversal_of
from staytier.domain.promotions import PromotionEvent
from staytier.domain.stays import Folio
from staytier.domain.tiers import YearTotals
from staytier.program.model import Limits
from staytier.services.certificates import issue_milestone_certificates
from staytier.services.challenges import judge_challenges, undo_challenges
from staytier.services.credit_reads import MemberReads
from staytier.services.ledger import append_entry, post_entry
from staytier.services.promotions import (
    promotion_rewards,
    record_rewards,
    reward_entries,
    take_back_rewards,
    with_extra_nights,
)
from staytier.services.referrals import referral_rewarded_by
from staytier.services.runtime import Runtime
from staytier.services.status import refresh_status
from staytier.services.sweepstakes import earn_entries, take_back_entries
from staytier.store.deferred import add_row, add_row_with_id, ensure_id, flush_unless_deferred
from staytier.store.models import (
    Credit,
    LedgerEntry,
    Member,
    QualifyingCredit,
    StatusPeriod,
)
from staytier.store.queries import year_totals

EARNING_KINDS = (LedgerKind.EARN.value, LedgerKind.BONUS.value)


def folio_snapshot(folio: Folio) -> dict[str, str]:
    """The folio as stored with a credit, to tell a real correction from a resend."""
    return {
        "arrival": folio.arrival.isoformat(),
        "departure": folio.departure.isoformat(),
        "rate_code": folio.rate_code.upper(),
        "currency": folio.currency,
        "room": format(folio.room_revenue.normalize(), "f"),
        "food_and_beverage": format(folio.food_and_beverage_revenue.normalize(), "f"),
        "other": format(folio.other_revenue.normalize(), "f"),
    }


async def post_credit(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    *,
    kind: str,
    on: dt.date,
    years: dict[int, YearTotals],
    entries: list[tuple[LedgerKind, int, str]],
    detail: dict[str, Any],
    stay_id: int | None = None,
    activity_id: int | None = None,
    status_rows: list[StatusPeriod] | None = None,
    totals_before: dict[int, YearTotals] | None = None,
    field: str | None = None,
    promotion_event: PromotionEvent | None = None,
    promotion_label: str = "",
    reads: MemberReads | None = None,
) -> int:
    """Posts qualifying totals per year and ledger entries as one credit, then re-checks
    status; returns the credit's id. The credit is written as plain values (see
    :func:`staytier.store.deferred.add_row`): nothing here reads it back as a row.

    With ``promotion_event`` the promotions in force on ``on`` are evaluated too: their
    points are entries and their extra nights totals of this same credit (see
    :mod:`staytier.services.promotions`), so they are reversed with it.

    ``totals_before`` are the member's totals read (locked) before this credit, in the years
    it may touch; its own totals are added to them rather than reading them again.

    Each entry is bounded by the program's ``max_points_per_transaction``; a larger one is
    refused as INVALID_AMOUNT on ``field`` (the input that earned it), and the caller's
    transaction, with all it wrote, is rolled back.

    ``reads`` are the member's standings in promotions and entries in sweepstakes already
    read in their lock (see :mod:`staytier.services.credit_reads`); without them they are
    read here.
    """
    rules = runtime.rules_on(on)
    earned = (
        await promotion_rewards(
            session,
            runtime,
            member,
            promotion_event,
            standings=reads.standings if reads is not None else None,
        )
        if promotion_event is not None
        else []
    )
    entries = [*entries, *reward_entries(earned, promotion_label)]
    years = with_extra_nights(years, earned, on, rules.qualification.year_start_month)
    _refuse_too_many_points(entries, rules.limits, field)
    credit_id = await add_row_with_id(
        session,
        Credit,
        {
            "member_id": member.id,
            "kind": kind,
            "stay_id": stay_id,
            "activity_id": activity_id,
            "credit_date": on,
            "program_version": runtime.rules_on(on).version,
            "detail": detail,
            "created_at": runtime.now(),
        },
    )
    _write_totals_and_entries(session, runtime, member, credit_id, on, years, entries)
    await record_rewards(session, runtime, member, credit_id, on, earned)
    if any(t.nights or t.stays for t in years.values()) and (
        member.last_activity_on is None or member.last_activity_on < on
    ):
        member.last_activity_on = on  # qualifying activity keeps points alive too
    await flush_unless_deferred(session)
    # Each year's totals are known once, with this credit in them, for both checks.
    after = await _totals_after(session, member, years, totals_before)
    await issue_milestone_certificates(
        session, runtime, member, years=years, totals=after, on=on, credit_id=credit_id
    )
    await refresh_status(
        session, runtime, member, totals=after, on=on, credit_id=credit_id, rows=status_rows
    )
    await judge_challenges(session, runtime, member, on=on, rows=status_rows)
    nights = sum(t.nights for t in years.values())
    await earn_entries(
        session,
        runtime,
        member,
        credit_id=credit_id,
        on=on,
        nights=nights,
        held=reads.entries_held if reads is not None else None,
    )
    return credit_id


def _refuse_too_many_points(
    entries: list[tuple[LedgerKind, int, str]], limits: Limits, field: str | None
) -> None:
    """INVALID_AMOUNT on ``field`` for the first entry beyond the program's
    ``max_points_per_transaction``."""
    for _, points, _ in entries:
        wrong = points_mistake(points, limits, field)
        if wrong is not None:
            raise wrong


def _write_totals_and_entries(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    credit_id: int,
    on: dt.date,
    years: dict[int, YearTotals],
    entries: list[tuple[LedgerKind, int, str]],
) -> None:
    """The credit's qualifying totals, one row a year it counts in, and its ledger entries
    (a zero entry is not written); nothing reads them back as rows, so a batch holds them
    as plain values (see :func:`staytier.store.deferred.add_row`)."""
    for year, totals in years.items():
        if totals.nights or totals.stays or totals.base_points:
            add_row(
                session,
                QualifyingCredit,
                {
                    "credit_id": credit_id,
                    "member_id": member.id,
                    "year": year,
                    "nights": totals.nights,
                    "stays": totals.stays,
                    "base_points": totals.base_points,
                },
            )
    for ledger_kind, points, description in entries:
        if points:
            append_entry(
                session,
                member,
                kind=ledger_kind,
                points=points,
                occurred_at=runtime.now(),
                effective_on=on,
                description=description,
                credit_id=credit_id,
            )


async def _totals_after(
    session: AsyncSession,
    member: Member,
    years: dict[int, YearTotals],
    before: dict[int, YearTotals] | None,
) -> dict[int, YearTotals]:
    """The member's totals in ``years`` with the credit of ``years`` (flushed) in them: the
    totals read before it plus its own, or read now for a year not read before."""
    if before is None or not years.keys() <= before.keys():
        return {year: await year_totals(session, member.id, year) for year in years}
    return {
        year: YearTotals(
            nights=before[year].nights + added.nights,
            stays=before[year].stays + added.stays,
            base_points=before[year].base_points + added.base_points,
        )
        for year, added in years.items()
    }


async def reverse_credit(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    original: Credit,
    *,
    on: dt.date,
    reason: str,
    reposted: bool = False,
) -> Credit:
    """Negates ``original``: its qualifying rows and the points it earned, never overdrawing.

    A challenge met with the nights taken back is undone here, unless ``reposted``: the
    caller posts the corrected credit next and then calls
    :func:`~staytier.services.challenges.undo_challenges` itself, so a correction that
    keeps the nights does not take a challenge back and give it again.
    """
    reversal = Credit(
        member_id=member.id,
        kind="REVERSAL",
        stay_id=original.stay_id,
        activity_id=original.activity_id,
        reverses_credit_id=original.id,
        credit_date=on,
        program_version=original.program_version,
        detail={"reason": reason},
        created_at=runtime.now(),
    )
    session.add(reversal)
    await ensure_id(session, reversal)
    years = await _negate(session, runtime, member, original, reversal, reason=reason)
    totals = {year: await year_totals(session, member.id, year) for year in years}
    await refresh_status(session, runtime, member, totals=totals, on=on, credit_id=reversal.id)
    if not reposted:
        await undo_challenges(
            session, runtime, member, original_on=original.credit_date, reason=reason
        )
    await take_back_entries(
        session,
        runtime,
        member,
        original_id=original.id,
        original_on=original.credit_date,
        reversal_id=reversal.id,
    )
    # The referrer before the budget rows, in the order crediting takes them.
    await _take_back_referral(session, runtime, original, on=on, reason=reason)
    await take_back_rewards(session, runtime, original=original, reversal=reversal)
    return reversal


async def _negate(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    original: Credit,
    reversal: Credit,
    *,
    reason: str,
) -> set[int]:
    """Writes the reversal's rows: each qualifying row of ``original`` negated, and a
    REVERSAL of each point it earned, as far as the balance allows (the rest is recorded as
    uncollected). Returns the qualification years it touched."""
    on = reversal.credit_date
    rows = list(
        await session.scalars(
            select(QualifyingCredit).where(QualifyingCredit.credit_id == original.id)
        )
    )
    for row in rows:
        session.add(
            QualifyingCredit(
                credit_id=reversal.id,
                member_id=member.id,
                year=row.year,
                nights=-row.nights,
                stays=-row.stays,
                base_points=-row.base_points,
            )
        )
    earned = await session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.credit_id == original.id, LedgerEntry.kind.in_(EARNING_KINDS))
        .order_by(LedgerEntry.id)
    )
    for entry in earned:
        taken = reversal_of(entry.points, member.points_balance)
        post_entry(
            session,
            member,
            kind=LedgerKind.REVERSAL,
            points=-taken.points,
            occurred_at=runtime.now(),
            effective_on=on,
            description=f"Reversed ({reason}): {entry.description}",
            credit_id=reversal.id,
            reverses_entry_id=entry.id,
            uncollected_points=taken.uncollected,
        )
    await session.flush()
    return {row.year for row in rows}


async def _take_back_referral(
    session: AsyncSession, runtime: Runtime, original: Credit, *, on: dt.date, reason: str
) -> None:
    """A reversed first stay un-rewards its referral: the referrer's bonus is reversed too,
    and the friend's next qualifying stay within the window may reward it again."""
    referral = await referral_rewarded_by(session, original)
    if referral is None:
        return
    if referral.referrer_credit_id is not None:
        referrer = await session.get(Member, referral.referrer_id, with_for_update=True)
        given = await session.get(Credit, referral.referrer_credit_id)
        assert referrer is not None and given is not None
        await reverse_credit(session, runtime, referrer, given, on=on, reason=reason)
    referral.friend_credit_id = None
    referral.referrer_credit_id = None
    referral.rewarded_year = None
