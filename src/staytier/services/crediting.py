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
from staytier.domain.points import LedgerKind, reversal_of, tier_bonus
from staytier.domain.stays import Folio, StayCredit
from staytier.domain.tiers import YearTotals
from staytier.services.certificates import issue_milestone_certificates
from staytier.services.ledger import post_entry
from staytier.services.runtime import Runtime
from staytier.services.status import refresh_status, tier_code_held
from staytier.services.status_grants import judge_challenges, undo_challenges
from staytier.services.surveys import invite_to_survey
from staytier.services.sweepstakes import earn_entries, take_back_entries
from staytier.store.models import (
    Credit,
    LedgerEntry,
    Member,
    QualifyingCredit,
    StatusPeriod,
    Stay,
)
from staytier.store.queries import status_periods, year_totals

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
    field: str | None = None,
) -> Credit:
    """Posts qualifying totals per year and ledger entries as one credit, then re-checks status.

    Each entry is bounded by the program's ``max_points_per_transaction``; a larger one is
    refused as INVALID_AMOUNT on ``field`` (the input that earned it), and the caller's
    transaction, with all it wrote, is rolled back.
    """
    limits = runtime.rules_on(on).limits
    too_many = [
        wrong
        for _, points, _ in entries
        if (wrong := points_mistake(points, limits, field)) is not None
    ]
    if too_many:
        raise too_many[0]
    credit = Credit(
        member_id=member.id,
        kind=kind,
        stay_id=stay_id,
        activity_id=activity_id,
        credit_date=on,
        program_version=runtime.rules_on(on).version,
        detail=detail,
        created_at=runtime.now(),
    )
    session.add(credit)
    await session.flush()
    for year, totals in years.items():
        if totals.nights or totals.stays or totals.base_points:
            session.add(
                QualifyingCredit(
                    credit_id=credit.id,
                    member_id=member.id,
                    year=year,
                    nights=totals.nights,
                    stays=totals.stays,
                    base_points=totals.base_points,
                )
            )
    for ledger_kind, points, description in entries:
        if points:
            post_entry(
                session,
                member,
                kind=ledger_kind,
                points=points,
                occurred_at=runtime.now(),
                effective_on=on,
                description=description,
                credit_id=credit.id,
            )
    if any(t.nights or t.stays for t in years.values()) and (
        member.last_activity_on is None or member.last_activity_on < on
    ):
        member.last_activity_on = on  # qualifying activity keeps points alive too
    await session.flush()
    # Each year's totals are read once, with this credit in them, for both checks.
    after = {year: await year_totals(session, member.id, year) for year in years}
    await issue_milestone_certificates(
        session, runtime, member, years=years, totals=after, on=on, credit_id=credit.id
    )
    await refresh_status(
        session, runtime, member, totals=after, on=on, credit_id=credit.id, rows=status_rows
    )
    await judge_challenges(session, runtime, member, on=on, rows=status_rows)
    nights = sum(t.nights for t in years.values())
    await earn_entries(session, runtime, member, credit_id=credit.id, on=on, nights=nights)
    return credit


async def post_stay_credit(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    stay: Stay,
    *,
    folio: Folio,
    credit: StayCredit,
    usd_per_unit: str,
    label: str,
) -> Credit:
    """Credits a completed stay: base points, the tier bonus at checkout, nights and the stay."""
    rules = runtime.rules_on(credit.checkout)
    status_rows = await status_periods(session, member.id)
    held = tier_code_held(status_rows, credit.checkout, rules.base_tier.code)
    tier = rules.tier(held) or rules.base_tier
    bonus = tier_bonus(credit.base_points, tier)
    posted = await post_credit(
        session,
        runtime,
        member,
        kind="STAY",
        on=credit.checkout,
        stay_id=stay.id,
        status_rows=status_rows,
        years={
            y.year: YearTotals(nights=y.nights, stays=y.stays, base_points=y.base_points)
            for y in credit.years
        },
        field="roomRevenue",
        entries=[
            (LedgerKind.EARN, credit.base_points, f"Stay {label}"),
            (LedgerKind.BONUS, bonus, f"{tier.name} bonus {tier.bonus_percent}%: stay {label}"),
        ],
        detail={
            "folio": folio_snapshot(folio),
            "eligible_usd": format(credit.eligible_usd, "f"),
            "usd_per_unit": usd_per_unit,
            "tier_at_checkout": tier.code,
        },
    )
    await invite_to_survey(session, runtime, member, stay, checkout=credit.checkout)
    return posted


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
    :func:`~staytier.services.status_grants.undo_challenges` itself, so a correction that
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
    await session.flush()
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
    totals = {year: await year_totals(session, member.id, year) for year in {r.year for r in rows}}
    await refresh_status(session, runtime, member, totals=totals, on=on, credit_id=reversal.id)
    if not reposted:
        await undo_challenges(
            session, runtime, member, original_on=original.credit_date, reason=reason
        )
    await take_back_entries(
        session, runtime, member, original_id=original.id, original_on=original.credit_date,
        reversal_id=reversal.id,
    )  # fmt: skip
    return reversal
