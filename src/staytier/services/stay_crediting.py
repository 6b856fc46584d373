"""Crediting a completed stay: its base points, the tier bonus at checkout, nights and the
stay, with what a stay also earns (promotions, a referral's first-stay bonuses for both
members, the survey invitation), as one credit through :func:`crediting.post_credit`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.calendar import qualification_year
from staytier.domain.points import LedgerKind, tier_bonus
from staytier.domain.promotions import stay_event
from staytier.domain.stays import Folio, StayCredit
from staytier.domain.tiers import YearTotals
from staytier.services.credit_reads import MemberReads
from staytier.services.crediting import folio_snapshot, post_credit
from staytier.services.referrals import due_referral, referral_due, referrer_reward
from staytier.services.runtime import Runtime
from staytier.services.status import tier_code_held
from staytier.services.surveys import invite_to_survey
from staytier.store.models import Member, Property, Referral, StatusPeriod, Stay
from staytier.store.queries import periods_and_year_totals


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
    reads: MemberReads | None = None,
    first_completion: bool = False,
    hotel: Property | None = None,
) -> int:
    """Credits a completed stay: base points, the tier bonus at checkout, nights and the stay;
    returns the credit's id.
    ``hotel`` is the stay's property if the caller has it (else it is looked up).

    ``reads`` are what the member was before this stay, read in their lock for a batch (see
    :mod:`staytier.services.credit_reads`); without them (or for a year they miss) the
    member's state is read here."""
    rules = runtime.rules_on(credit.checkout)
    status_rows, totals_before = await _before_checkout(session, runtime, member, credit, reads)
    held = tier_code_held(status_rows, credit.checkout, rules.base_tier.code)
    tier = rules.tier(held) or rules.base_tier
    bonus = tier_bonus(credit.base_points, tier)
    if hotel is None or hotel.id != stay.property_id:
        hotel = await session.get(Property, stay.property_id)
        assert hotel is not None
    referral, referrer = await _referral_of(session, runtime, member, credit, reads)
    friend_points = rules.referrals.friend_points if referral is not None else 0
    posted = await post_credit(
        session,
        runtime,
        member,
        kind="STAY",
        on=credit.checkout,
        stay_id=stay.id,
        status_rows=status_rows,
        totals_before=totals_before,
        years={
            y.year: YearTotals(nights=y.nights, stays=y.stays, base_points=y.base_points)
            for y in credit.years
        },
        field="roomRevenue",
        entries=[
            (LedgerKind.EARN, credit.base_points, f"Stay {label}"),
            (LedgerKind.BONUS, bonus, f"{tier.name} bonus {tier.bonus_percent}%: stay {label}"),
            (LedgerKind.BONUS, friend_points, f"Referral bonus, first stay: {label}"),
        ],
        promotion_event=stay_event(
            credit,
            tier.code,
            property_code=hotel.code,
            brand=hotel.brand,
            country=hotel.country,
            rate_code=folio.rate_code,
        ),
        promotion_label=f"stay {label}",
        detail=_detail(folio, credit, usd_per_unit, tier.code),
        reads=reads,
    )
    if referral is not None and referrer is not None:
        referral.friend_credit_id = posted
        await _reward_referrer(
            session, runtime, referral, referrer, checkout=credit.checkout, label=label
        )
    await invite_to_survey(
        session,
        runtime,
        member,
        stay,
        checkout=credit.checkout,
        never_invited=first_completion,
        mail_withdrawn=reads.mail_withdrawn if reads is not None else None,
    )
    return posted


async def _before_checkout(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    credit: StayCredit,
    reads: MemberReads | None,
) -> tuple[list[StatusPeriod], dict[int, YearTotals]]:
    """The member's status rows and the qualifying totals, before this stay, of each year it
    touches: from ``reads`` when they hold every such year, else read."""
    rules = runtime.rules_on(credit.checkout)
    # The checkout's year too: promotions add their extra nights to it.
    touched = {y.year for y in credit.years}
    touched.add(qualification_year(credit.checkout, rules.qualification.year_start_month))
    if reads is not None and touched <= reads.totals.keys():
        return reads.status_rows, {year: reads.totals[year] for year in touched}
    return await periods_and_year_totals(session, member.id, touched)


async def _referral_of(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    credit: StayCredit,
    reads: MemberReads | None,
) -> tuple[Referral | None, tuple[Member, int, int] | None]:
    """The referral this stay completes (the friend's first qualifying stay), if any, and
    its referrer's reward (the referrer locked)."""
    nights = sum(y.nights for y in credit.years)
    if reads is not None:
        referral = due_referral(runtime, reads.referral, checkout=credit.checkout, nights=nights)
    else:
        referral = await referral_due(
            session, runtime, member, checkout=credit.checkout, nights=nights
        )
    if referral is None:
        return None, None
    # The referrer is locked before the promotions' budget rows (friend, referrer, budgets):
    # a referrer's own checkout locks referrer then budgets, so the two cannot deadlock.
    return referral, await referrer_reward(session, runtime, referral, checkout=credit.checkout)


def _detail(folio: Folio, credit: StayCredit, usd_per_unit: str, tier_code: str) -> dict[str, Any]:
    """What the credit keeps of how it was reckoned: the folio, its eligible USD at the day's
    rate, and the tier its bonus was for."""
    return {
        "folio": folio_snapshot(folio),
        "eligible_usd": format(credit.eligible_usd, "f"),
        "usd_per_unit": usd_per_unit,
        "tier_at_checkout": tier_code,
    }


async def _reward_referrer(
    session: AsyncSession,
    runtime: Runtime,
    referral: Referral,
    reward: tuple[Member, int, int],
    *,
    checkout: dt.date,
    label: str,
) -> None:
    """Credits the referrer (locked) of a friend whose first qualifying stay just checked
    out: ``reward`` is the referrer, their points and the year it counts in."""
    referrer, points, year = reward
    referral.rewarded_year = year
    if not points:
        return  # past the referrer's yearly limit: the friend's bonus stands alone
    given = await post_credit(
        session,
        runtime,
        referrer,
        kind="REFERRAL",
        on=checkout,
        years={},
        entries=[(LedgerKind.BONUS, points, "Referral bonus: a friend's first stay")],
        detail={"friend_stay": label},
    )
    referral.referrer_credit_id = given
