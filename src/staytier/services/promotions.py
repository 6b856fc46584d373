"""Promotions: evaluated in the crediting transaction of a stay or an activity, reversed with
it, registered for by the guest, listed with the member's progress.

The rewards of one credit are posted as BONUS entries and extra qualifying nights of that
same credit (see :mod:`staytier.services.crediting`), so a reversal of the credit takes them
back with everything else, and an idempotent retry returns the first result. Each reward's
points are claimed from the promotion's budget (:mod:`staytier.services.promotion_budgets`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    BindParameter,
    CompoundSelect,
    Select,
    bindparam,
    func,
    literal_column,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.engine import Result as Rows
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.calendar import qualification_year
from staytier.domain.points import LedgerKind
from staytier.domain.promotions import (
    PromotionEvent,
    Reward,
    Standing,
    promotion_reward,
)
from staytier.domain.tiers import YearTotals
from staytier.program.engagement import CertificateAward
from staytier.program.promotions import Promotion
from staytier.services.certificates import CANCELLED, ISSUED, PROMOTION, award_certificate
from staytier.services.promotion_budgets import claim, give_back
from staytier.services.runtime import Runtime
from staytier.store.deferred import add_row, deferring, ensure_id
from staytier.store.models import (
    Certificate,
    Credit,
    Member,
    PromotionAward,
    PromotionRegistration,
    Property,
    Stay,
)


@dataclass(frozen=True)
class Earned:
    """A promotion's reward for one credit, its points already claimed from the budget."""

    promotion: Promotion
    reward: Reward


def running_on(runtime: Runtime, day: dt.date) -> list[Promotion]:
    """The promotions of the rules in force on ``day`` that run that day."""
    return [
        promotion
        for promotion in runtime.rules_on(day).promotions
        if promotion.starts_on <= day <= promotion.ends_on
    ]


async def promotion_rewards(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    event: PromotionEvent,
    *,
    standings: Mapping[str, Standing] | None = None,
) -> list[Earned]:
    """The rewards ``event`` earns in the promotions of the rules in force on its date,
    with their points claimed from each budget. The member row is locked by the caller.

    ``standings`` are the member's standings already read in their lock (see
    :mod:`staytier.services.credit_reads`); those of a promotion missing from them are read."""
    running = running_on(runtime, event.on)
    if not running:
        return []
    codes = [p.code for p in running]
    if standings is None or not all(code in standings for code in codes):
        standings = await member_standings(session, member, codes)
    earned: list[Earned] = []
    for promotion in sorted(running, key=lambda p: p.code):  # one lock order for budgets
        reward = promotion_reward(promotion, event, standings[promotion.code])
        if reward.triggers == 0:
            continue
        points = await claim(session, promotion, reward.points)
        earned.append(Earned(promotion, replace(reward, points=points)))
    return earned


def reward_entries(earned: list[Earned], label: str) -> list[tuple[LedgerKind, int, str]]:
    """The BONUS entries of the rewards, for the credit that earned them."""
    return [
        (LedgerKind.BONUS, item.reward.points, f"{item.promotion.name}: {label}")
        for item in earned
        if item.reward.points
    ]


def with_extra_nights(
    years: dict[int, YearTotals], earned: list[Earned], on: dt.date, start_month: int
) -> dict[int, YearTotals]:
    """``years`` with the rewards' extra qualifying nights added to ``on``'s year."""
    extra = sum(item.reward.extra_nights for item in earned)
    if not extra:
        return years
    year = qualification_year(on, start_month)
    base = years.get(year, YearTotals())
    return {**years, year: replace(base, nights=base.nights + extra)}


async def record_rewards(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    credit_id: int,
    on: dt.date,
    earned: list[Earned],
) -> None:
    """Keeps what the credit ``credit_id``, dated ``on``, earned in each promotion, and
    issues its certificates."""
    for item in earned:
        reward = item.reward
        values = {
            "promotion_code": item.promotion.code,
            "member_id": member.id,
            "credit_id": credit_id,
            "awarded_on": on,
            "triggers": reward.triggers,
            "rewards": reward.rewarded,
            "points": reward.points,
            "extra_nights": reward.extra_nights,
            "certificates": reward.certificates,
            "created_at": runtime.now(),
        }
        if not reward.certificates and deferring(session):
            add_row(session, PromotionAward, values)  # nothing refers to it: plain values
            continue
        award = PromotionAward(**values)
        session.add(award)
        await ensure_id(session, award)
        for slot in range(reward.certificates):
            await _certificate(session, runtime, member, item.promotion, award, credit_id, on, slot)


async def _certificate(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    promotion: Promotion,
    award: PromotionAward,
    credit_id: int,
    on: dt.date,
    slot: int,
) -> Certificate:
    """One of the award's certificates, keyed by the award and its slot, so a retried
    crediting issues nothing twice."""
    effects = promotion.effects
    terms = CertificateAward(
        max_category=effects.certificate_max_category,
        valid_months=effects.certificate_valid_months,
    )
    certificate = await award_certificate(
        session,
        runtime,
        member,
        terms,
        source=PROMOTION,
        source_key=f"promotion:{award.id}:{slot}",
        on=on,
        description=promotion.name[:200],
    )
    certificate.credit_id = credit_id
    return certificate


async def take_back_rewards(
    session: AsyncSession, runtime: Runtime, *, original: Credit, reversal: Credit
) -> None:
    """Negates the promotion awards of ``original`` (its points and nights are reversed with
    the credit), gives their points back to each budget and cancels the certificates the
    awards issued that are still unused. A certificate already used stays USED: the night
    was given, as a reversed stay's points already spent are (see docs/promotions.md)."""
    awards = list(
        await session.scalars(
            select(PromotionAward)
            .where(PromotionAward.credit_id == original.id)
            .order_by(PromotionAward.promotion_code)
        )
    )
    for award in awards:
        session.add(
            PromotionAward(
                promotion_code=award.promotion_code,
                member_id=award.member_id,
                credit_id=reversal.id,
                awarded_on=reversal.credit_date,
                triggers=-award.triggers,
                rewards=-award.rewards,
                points=-award.points,
                extra_nights=-award.extra_nights,
                certificates=0,
                created_at=runtime.now(),
            )
        )
        await give_back(session, award.promotion_code, award.points)
    if any(award.certificates for award in awards):
        await session.execute(
            update(Certificate)
            .where(
                Certificate.credit_id == original.id,
                Certificate.source == PROMOTION,
                Certificate.status == ISSUED,
            )
            .values(status=CANCELLED, settled_at=runtime.now())
        )


async def member_standings(
    session: AsyncSession, member: Member, codes: list[str]
) -> dict[str, Standing]:
    """The member's registration and progress (net of reversals) in each promotion, read
    in one statement: it runs inside the member's lock on every credited stay."""
    return (await standings_by_member(session, [member], codes))[member.id]


_MEMBER_IDS: BindParameter[int] = bindparam("member_ids", expanding=True)
_CODES: BindParameter[str] = bindparam("codes", expanding=True)
# Members' registrations in promotions and their progress (sums of awards), as rows of
# (member_id, code, registered_on, triggers, rewards, points); see :func:`add_standing_row`.
STANDING_ROWS: tuple[Select[*tuple[Any, ...]], ...] = (
    select(
        PromotionRegistration.member_id.label("member_id"),
        PromotionRegistration.promotion_code.label("code"),
        PromotionRegistration.registered_on.label("registered_on"),
        literal_column("0").label("triggers"),
        literal_column("0").label("rewards"),
        literal_column("0").label("points"),
    ).where(
        PromotionRegistration.member_id.in_(_MEMBER_IDS),
        PromotionRegistration.promotion_code.in_(_CODES),
    ),
    select(
        PromotionAward.member_id,
        PromotionAward.promotion_code,
        null().label("registered_on"),
        func.sum(PromotionAward.triggers),
        func.sum(PromotionAward.rewards),
        func.sum(PromotionAward.points),
    )
    .where(PromotionAward.member_id.in_(_MEMBER_IDS), PromotionAward.promotion_code.in_(_CODES))
    .group_by(PromotionAward.member_id, PromotionAward.promotion_code),
)
_STANDINGS: CompoundSelect[Any] = union_all(*STANDING_ROWS)


def blank_standings(
    members: Collection[Member], codes: Collection[str]
) -> dict[int, dict[str, Standing]]:
    """Each member's standing in each promotion of ``codes`` before any row is read."""
    return {
        member.id: {code: Standing(enrolled_on=member.enrolled_on) for code in codes}
        for member in members
    }


def add_standing_row(found: dict[int, dict[str, Standing]], row: Sequence[Any]) -> None:
    """Adds one row of :data:`STANDING_ROWS` to ``found`` (see :func:`blank_standings`)."""
    member_id: int = row[0]
    code: str = row[1]
    registered_on: dt.date | None = row[2]
    triggers, rewards, points = row[3], row[4], row[5]
    before = found[member_id][code]
    found[member_id][code] = replace(
        before,
        registered_on=registered_on or before.registered_on,
        triggers_before=before.triggers_before + int(triggers or 0),
        rewards_before=before.rewards_before + int(rewards or 0),
        points_before=before.points_before + int(points or 0),
    )


async def standings_by_member(
    session: AsyncSession, members: Collection[Member], codes: list[str]
) -> dict[int, dict[str, Standing]]:
    """:func:`member_standings` of each of ``members``, in one statement."""
    found = blank_standings(members, codes)
    if not found or not codes:
        return found
    result: Rows[Any] = await session.execute(
        _STANDINGS, {"member_ids": sorted(found), "codes": sorted(set(codes))}
    )
    for row in result:
        add_standing_row(found, tuple(row))
    return found


async def promotion_points(
    session: AsyncSession, start: dt.date, end: dt.date, property_code: str | None = None
) -> int:
    """Points given by promotions from ``start`` through ``end``, net of reversals dated in
    the period; with ``property_code``, those of stays at that property. Kept apart from
    the program report's readers so it costs one statement of its own."""
    statement = select(func.coalesce(func.sum(PromotionAward.points), 0)).where(
        PromotionAward.awarded_on >= start, PromotionAward.awarded_on <= end
    )
    if property_code is not None:
        statement = (
            statement.join(Credit, Credit.id == PromotionAward.credit_id)
            .join(Stay, Stay.id == Credit.stay_id)
            .join(Property, Property.id == Stay.property_id)
            .where(Property.code == property_code)
        )
    total = await session.scalar(statement)
    return int(total or 0)
