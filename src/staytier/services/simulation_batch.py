"""One batch of a what-if: the set-based reads for the members with ids in a range, the
replay of the candidate's rules over them, and the comparison with what actually happened
(see :mod:`services.simulation`, which runs the batches as a job)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.simulation import (
    Comparison,
    KeptPeriod,
    MemberYear,
    PromotionBudgets,
    ReplayedActivity,
    ReplayedStay,
    candidate_promotions_run,
    replay,
)
from staytier.domain.tiers import YearTotals
from staytier.program.model import ProgramVersion
from staytier.services.insight import day_after, ranks_on
from staytier.services.runtime import Runtime
from staytier.services.set_replay import SetReplay
from staytier.services.stays import folio_of
from staytier.store import models as m

QUALIFIED = "QUALIFIED"


class SimulationBatch:
    """The reads and the replay for the members with ids in ``[low, high)``."""

    def __init__(
        self,
        runtime: Runtime,
        proposed: Callable[[dt.date], ProgramVersion],
        year: int,
        start: dt.date,
        end: dt.date,
        low: int,
        high: int,
    ) -> None:
        self.runtime, self.proposed, self.year = runtime, proposed, year
        self.start, self.end, self.low, self.high = start, end, low, high
        # The candidate's version when the batch is replayed in the database.
        self.in_sql: ProgramVersion | None = None
        self.enrolled_on: dict[int, dt.date] = {}
        # Per member: the points the candidate's promotions give them.
        self.promotion_points: dict[int, int] = {}

    def ids(self, column: Any) -> Any:
        return and_(column >= self.low, column < self.high)

    async def compare(self, session: AsyncSession, comparison: Comparison) -> list[dict[str, Any]]:
        members = await self.members(session)
        member_ids = [member_id for member_id, _ in members]
        if self.in_sql is not None:
            outcomes = await self.set_replay(self.in_sql).outcomes(session)
            await self.promotions_replayed(session, member_ids, comparison.budgets)
        else:
            outcomes = await self.replayed(session, member_ids, comparison.budgets)
        comparison.actual_points += await self.actual_points(session)
        comparison.actual_promotion_points += await self.actual_promotion_points(session)
        usages = await self.benefit_usages(session)
        served, proposed = self.runtime.rules_on(self.end), self.proposed(self.end)
        moves = []
        for member_id, actual_rank in members:
            actual = served.tier_of_rank(actual_rank)
            rank, points = outcomes[member_id]
            simulated = proposed.tier_of_rank(rank)
            comparison.members += 1
            comparison.actual_by_tier[actual.code] += 1
            comparison.simulated_by_tier[simulated.code] += 1
            promoted = self.promotion_points.get(member_id, 0)
            comparison.simulated_promotion_points += promoted
            comparison.simulated_points += points + promoted
            for code, uses, cost in usages.get(member_id, []):
                comparison.actual_benefit_cost_usd += cost
                benefit = next((b for b in proposed.benefits if b.code == code), None)
                if benefit and any(g.tier == simulated.code for g in benefit.grants):
                    comparison.simulated_benefit_cost_usd += benefit.cost_usd * uses
            if simulated.rank == actual.rank:
                continue
            if simulated.rank > actual.rank:
                comparison.moved_up += 1
            else:
                comparison.moved_down += 1
            moves.append(
                {
                    "member_id": member_id,
                    "actual_tier": actual.code,
                    "actual_rank": actual.rank,
                    "simulated_tier": simulated.code,
                    "simulated_rank": simulated.rank,
                }
            )
        return moves

    async def replayed(
        self, session: AsyncSession, member_ids: list[int], budgets: PromotionBudgets
    ) -> dict[int, tuple[int, int]]:
        """The exact replay: per member, the rank held on the end and the points earned
        (and, in ``promotion_points``, what the candidate's promotions give)."""
        history = self.history(member_ids)
        await self.kept_status(session, history)
        await self.totals_before(session, history)
        await self.activity_before(session, history)
        await self.stays(session, history)
        await self.activities(session, history)
        if self.promotions_run():
            await self.promotion_standing(session, history)
        outcomes = {}
        for member_id, year in history.items():
            outcome = replay(year, self.proposed, self.end, budgets)
            outcomes[member_id] = (outcome.rank, outcome.points)
            self.promotion_points[member_id] = outcome.promotion_points
        return outcomes

    def history(self, member_ids: list[int]) -> dict[int, MemberYear]:
        return {
            member_id: MemberYear(
                self.year, self.start, enrolled_on=self.enrolled_on.get(member_id, dt.date.min)
            )
            for member_id in member_ids
        }

    def promotions_run(self) -> bool:
        """Whether a promotion of the candidate runs in the period, in a version in force
        on one of its days (the versions the replay asks for)."""
        return candidate_promotions_run(self.proposed, self.start, self.end)

    async def promotions_replayed(
        self, session: AsyncSession, member_ids: list[int], budgets: PromotionBudgets
    ) -> None:
        """The candidate's promotions over the period's stays and activities, for the
        set-based replay: the candidate credits them as the books did and its promotions
        depend on no tier (:func:`domain.replay_candidates.set_based_version`), so the replay
        of the events alone, with the real registrations, gives its promotion points."""
        if not self.promotions_run():
            return
        history = self.history(member_ids)
        await self.activity_before(session, history)  # an activity over a limit earns none
        await self.stays(session, history)
        await self.activities(session, history)
        await self.promotion_standing(session, history)
        for member_id, year in history.items():
            if year.events:
                outcome = replay(year, self.proposed, self.end, budgets)
                self.promotion_points[member_id] = outcome.promotion_points

    async def promotion_standing(
        self, session: AsyncSession, history: dict[int, MemberYear]
    ) -> None:
        """The batch's real registrations, and each member's progress in each promotion
        from the credits the replay does not make again (two grouped reads)."""
        registration = m.PromotionRegistration
        query = select(
            registration.member_id, registration.promotion_code, registration.registered_on
        ).where(self.ids(registration.member_id))
        for member_id, code, registered_on in await session.execute(query):
            if member_id in history:
                history[member_id].registered[code] = registered_on
        award = m.PromotionAward
        progress = (
            select(award.member_id, award.promotion_code)
            .add_columns(func.sum(award.triggers), func.sum(award.rewards), func.sum(award.points))
            .join(m.Credit, m.Credit.id == award.credit_id)
            .where(self.ids(award.member_id), award.awarded_on <= self.end)
            .where(self.replayed_credits(False))
            .group_by(award.member_id, award.promotion_code)
        )
        for member_id, code, triggers, rewards, points in await session.execute(progress):
            if member_id in history:
                history[member_id].promotion_progress[code] = (
                    int(triggers or 0),
                    int(rewards or 0),
                    int(points or 0),
                )

    def set_replay(self, version: ProgramVersion) -> SetReplay:
        kept = self.kept().subquery("kept")
        return SetReplay(
            version,
            self.year,
            self.start,
            self.end,
            self.ids,
            kept,
            self.enrolled(),
        )

    async def members(self, session: AsyncSession) -> list[tuple[int, int]]:
        """Each member enrolled by the end, with the rank they actually held on it (and,
        in ``enrolled_on``, when they enrolled)."""
        held = ranks_on(self.end, "held", self.ids)
        base = self.runtime.rules_on(self.end).base_tier.rank
        query = (
            select(m.Member.id, func.coalesce(held.c.rank, base), m.Member.enrolled_on)
            .outerjoin(held, held.c.member_id == m.Member.id)
            .where(self.ids(m.Member.id), m.Member.enrolled_on <= self.end)
            .order_by(m.Member.id)
        )
        found = []
        for member_id, rank, enrolled_on in await session.execute(query):
            self.enrolled_on[int(member_id)] = enrolled_on
            found.append((int(member_id), int(rank)))
        return found

    async def kept_status(self, session: AsyncSession, history: dict[int, MemberYear]) -> None:
        """Status held in the period that this year's own activity did not earn."""
        for member_id, code, rank, valid_from, valid_through, credit_id in await session.execute(
            self.kept()
        ):
            if member_id in history:
                kept = KeptPeriod(code, rank, valid_from, valid_through, after_credit=credit_id)
                history[member_id].kept.append(kept)

    def kept(self) -> Any:
        """The status periods of the period that this year's own activity did not earn."""
        sp = m.StatusPeriod
        columns = (sp.member_id, sp.tier_code, sp.rank, sp.valid_from, sp.valid_through)
        return select(*columns, sp.credit_id).where(
            self.ids(sp.member_id),
            or_(sp.revoked_at.is_(None), sp.revoked_at >= day_after(self.end)),
            sp.valid_from <= self.end,
            or_(sp.valid_through.is_(None), sp.valid_through >= self.start),
            not_(and_(sp.cause == QUALIFIED, sp.qualification_year == self.year)),
        )

    def enrolled(self) -> Any:
        """The batch's members the comparison counts: those enrolled by the period end."""
        return select(m.Member.id).where(self.ids(m.Member.id), m.Member.enrolled_on <= self.end)

    def replayed_credits(self, replayed: bool = True) -> Any:
        """Credits the replay makes again: those of the stays checked out and the activities
        of the period (with their reversals); with ``replayed`` False, the batch's other
        credits. Bounded by the batch's member ids (a credit is its qualifying parts' and
        ledger entries' member's: a merge moves them together), so the database reads the
        batch's credits by index rather than every credit. "Not replayed" is NOT EXISTS, an
        anti-join: a NOT IN cannot be one, and over a set larger than the database's working
        memory it is searched row by row."""
        stay, activity = m.Stay, m.Activity
        in_period = (
            stay.departure_date.between(self.start, self.end),
            activity.occurred_on.between(self.start, self.end),
        )
        if replayed:
            return and_(
                self.ids(m.Credit.member_id),
                or_(
                    m.Credit.stay_id.in_(
                        select(stay.id).where(self.ids(stay.member_id), in_period[0])
                    ),
                    m.Credit.activity_id.in_(
                        select(activity.id).where(self.ids(activity.member_id), in_period[1])
                    ),
                ),
            )
        return and_(
            self.ids(m.Credit.member_id),
            ~exists().where(stay.id == m.Credit.stay_id, in_period[0]),
            ~exists().where(activity.id == m.Credit.activity_id, in_period[1]),
        )

    async def totals_before(self, session: AsyncSession, history: dict[int, MemberYear]) -> None:
        """The year's totals from every credit by the period end that is not replayed."""
        qc = m.QualifyingCredit
        query = (
            select(qc.member_id, func.sum(qc.nights), func.sum(qc.stays), func.sum(qc.base_points))
            .join(m.Credit, m.Credit.id == qc.credit_id)
            .where(self.ids(qc.member_id), qc.year == self.year)
            .where(m.Credit.credit_date <= self.end, self.replayed_credits(False))
            .group_by(qc.member_id)
        )
        for member_id, nights, stays, base_points in await session.execute(query):
            if member_id in history:
                history[member_id].totals_before = YearTotals(
                    int(nights or 0), int(stays or 0), int(base_points or 0)
                )

    async def activity_before(self, session: AsyncSession, history: dict[int, MemberYear]) -> None:
        activity = m.Activity
        query = (
            select(activity.member_id, activity.source, activity.kind)
            .add_columns(func.sum(activity.amount_usd), func.count())
            .where(self.ids(activity.member_id), activity.qualification_year == self.year)
            .where(activity.occurred_on < self.start)
            .group_by(activity.member_id, activity.source, activity.kind)
        )
        for member_id, source, kind, amount, count in await session.execute(query):
            if member_id in history:
                before = history[member_id].activity_before
                before[(source, kind)] = (Decimal(amount or 0), int(count))

    async def stays(self, session: AsyncSession, history: dict[int, MemberYear]) -> None:
        """The period's completed stays as they stand, each with its checkout day's rate
        and its property."""
        stay, hotel = m.Stay, m.Property
        posted = self.posted(m.Credit.stay_id, "STAY")
        query = (
            select(stay, posted.c.posted, hotel.code, hotel.brand, hotel.country)
            .join(hotel, hotel.id == stay.property_id)
            .outerjoin(posted, posted.c.key == stay.id)
            .where(
                self.ids(stay.member_id),
                stay.status == "COMPLETED",
                stay.departure_date.between(self.start, self.end),
            )
        )
        rates = self.runtime.rates
        for row, order, code, brand, country in await session.execute(query):
            rate = rates.usd_per_unit(row.currency, row.departure_date)
            if row.member_id not in history or rate is None:
                continue
            history[row.member_id].events.append(
                ReplayedStay(folio_of(row), rate, int(order or 0), code, brand, country)
            )

    async def activities(self, session: AsyncSession, history: dict[int, MemberYear]) -> None:
        activity = m.Activity
        posted = self.posted(m.Credit.activity_id, "ACTIVITY")
        query = (
            select(activity, posted.c.posted)
            .outerjoin(posted, posted.c.key == activity.id)
            .where(self.ids(activity.member_id), activity.occurred_on.between(self.start, self.end))
        )
        for row, order in await session.execute(query):
            if row.member_id in history:
                event = ReplayedActivity(
                    row.occurred_on, row.source, row.kind, row.amount_usd, row.partner_points
                )
                history[row.member_id].events.append(replace(event, posted=int(order or 0)))

    def posted(self, key: Any, kind: str) -> Any:
        """Per stay (or activity) of the batch, the id of its latest credit: the order in
        which the books credited them as they stand."""
        credit = m.Credit
        return (
            select(key.label("key"), func.max(credit.id).label("posted"))
            .where(self.ids(credit.member_id), credit.kind == kind, key.is_not(None))
            .group_by(key)
            .subquery(f"posted_{kind.lower()}")
        )

    async def actual_points(self, session: AsyncSession) -> int:
        """Points the replayed credits actually posted, net of their reversals."""
        entry = m.LedgerEntry
        query = (
            select(func.coalesce(func.sum(entry.points), 0))
            .join(m.Credit, m.Credit.id == entry.credit_id)
            .where(self.ids(entry.member_id), entry.kind.in_(("EARN", "BONUS", "REVERSAL")))
            .where(self.replayed_credits(), entry.effective_on <= self.end)
            .where(entry.member_id.in_(self.enrolled()))
        )
        return int(await session.scalar(query) or 0)

    async def actual_promotion_points(self, session: AsyncSession) -> int:
        """Points the promotions actually gave on the replayed credits, net of reversals
        (part of :meth:`actual_points`)."""
        award = m.PromotionAward
        query = (
            select(func.coalesce(func.sum(award.points), 0))
            .join(m.Credit, m.Credit.id == award.credit_id)
            .where(self.ids(award.member_id), self.replayed_credits())
            .where(award.awarded_on <= self.end, award.member_id.in_(self.enrolled()))
        )
        return int(await session.scalar(query) or 0)

    async def benefit_usages(
        self, session: AsyncSession
    ) -> dict[int, list[tuple[str, int, Decimal]]]:
        usage = m.BenefitUsage
        query = (
            select(usage.member_id, usage.benefit_code, func.count(), func.sum(usage.cost_usd))
            .where(self.ids(usage.member_id), usage.used_on.between(self.start, self.end))
            .group_by(usage.member_id, usage.benefit_code)
        )
        found: dict[int, list[tuple[str, int, Decimal]]] = defaultdict(list)
        for member_id, code, uses, cost in await session.execute(query):
            found[member_id].append((code, int(uses), Decimal(cost or 0)))
        return found
