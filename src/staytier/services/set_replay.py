"""The what-if replayed in the database, for a candidate that changes only tiers' thresholds
and bonuses.

The exact replay (:mod:`domain.simulation`) runs the rule code over every stay in Python. When
the candidate credits stays and activities exactly as the served program did over the
period (one version of each in force throughout, equal in everything the replay uses but the
tiers' ``qualifying_*`` thresholds and ``bonus_percent``), what each stay and activity earns
is already in the books: the qualifying totals and points of its latest credit. What the
candidate changes is only *when* a member reaches a tier, hence the tier at the period end
and the tier bonus of each stay. Both follow from running totals, which SQL computes per
batch of members in one statement, as requalification does:

- a member's tier on the period's last day is the higher of the status kept from elsewhere
  (as the exact replay keeps it) and the tier the year's totals reach under the candidate;
- an activity earns what its latest credit earned, less what promotions gave on it (the
  candidate's promotions are replayed apart, see services.simulation);
- a stay's bonus is that of the tier held at its checkout: the higher of the status kept on
  that day and the tier reached by the totals before the period plus the events credited
  before it that had happened by its checkout (upgrade at once, in the order the books
  credited them, as :func:`domain.simulation.replay` does).

The thresholds are :func:`services.requalification_batch.earned_tier_case` (pinned to
``domain.tiers.qualified_tier``), the bonus mirrors ``domain.points.tier_bonus`` and
``ProgramVersion.tier_of_rank``; tests/integration/test_simulate_program.py checks that both
replays give the same comparison.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import and_, case, exists, func, literal, not_, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from staytier.program.model import ProgramVersion, Tier
from staytier.services.requalification_batch import earned_tier_case
from staytier.store import models as m

EARNED = ("EARN", "BONUS")


def _higher(a: Any, b: Any) -> Any:
    return case((a >= b, a), else_=b)


def _by_rank(ladder: list[Tier], rank: Any, value: Callable[[Tier], int]) -> Any:
    """``value`` of the highest tier at or below ``rank`` (ProgramVersion.tier_of_rank)."""
    whens = [(rank >= tier.rank, literal(value(tier), sa.Integer())) for tier in reversed(ladder)]
    return case(*whens[:-1], else_=whens[-1][1])


class SetReplay:
    """The statements of one batch: members with ids in ``[low, high)`` enrolled by ``end``.

    ``kept`` selects the status periods the exact replay keeps (member_id, rank, valid_from,
    valid_through), ``enrolled`` selects the batch's member ids."""

    def __init__(
        self,
        rules: ProgramVersion,
        year: int,
        start: dt.date,
        end: dt.date,
        ids: Callable[[Any], Any],
        kept: Any,
        enrolled: Any,
    ) -> None:
        self.rules, self.year, self.start, self.end = rules, year, start, end
        self.ids, self.kept, self.enrolled = ids, kept, enrolled
        self.ladder = rules.tiers_by_rank()
        self.base = literal(rules.base_tier.rank, sa.Integer())

    async def outcomes(self, session: AsyncSession) -> dict[int, tuple[int, int]]:
        """Per member of the batch: the rank held on ``end`` under the candidate, and the
        points the period's stays and activities earn under it."""
        found = {}
        for member_id, rank, points in await session.execute(self.statement()):
            found[int(member_id)] = (self.rules.tier_of_rank(int(rank)).rank, int(points or 0))
        return found

    def statement(self) -> Any:
        """The one statement of :meth:`outcomes`: member id, rank, points."""
        events = self._events()
        before = self._totals_before()
        stay_points = self._stay_points(events, before)
        year = (
            select(
                events.c.member_id,
                func.sum(events.c.nights).label("nights"),
                func.sum(events.c.stays).label("stays"),
                func.sum(events.c.base_points).label("base_points"),
                func.sum(case((events.c.is_stay == 0, events.c.earned), else_=0)).label("points"),
            )
            .group_by(events.c.member_id)
            .subquery("year_events")
        )
        kept_end = self._kept_rank(self.end)
        totals = [
            func.coalesce(before.c[path], 0) + func.coalesce(year.c[path], 0)
            for path in ("nights", "stays", "base_points")
        ]
        earned = earned_tier_case(self.ladder, totals, lambda tier: tier.rank)
        member = m.Member.id
        return (
            select(
                member,
                _higher(func.coalesce(kept_end.c.rank, self.base), earned),
                func.coalesce(year.c.points, 0) + func.coalesce(stay_points.c.points, 0),
            )
            .outerjoin(before, before.c.member_id == member)
            .outerjoin(year, year.c.member_id == member)
            .outerjoin(kept_end, kept_end.c.member_id == member)
            .outerjoin(stay_points, stay_points.c.member_id == member)
            .where(member.in_(self.enrolled))
        )

    def _events(self) -> Any:
        """The period's completed stays and activities, each by its latest credit (its id is
        the order the books credited them in), with the year's qualifying totals and the
        points that credit earned."""
        latest = self._latest_credits()
        parts, points, promoted = self._credit_figures()
        return (
            select(
                latest.c.member_id,
                latest.c.posted,
                latest.c.on,
                latest.c.is_stay,
                func.coalesce(parts.c.nights, 0).label("nights"),
                func.coalesce(parts.c.stays, 0).label("stays"),
                func.coalesce(parts.c.base_points, 0).label("base_points"),
                func.coalesce(points.c.base, 0).label("base"),
                (func.coalesce(points.c.earned, 0) - func.coalesce(promoted.c.points, 0)).label(
                    "earned"
                ),
            )
            .outerjoin(parts, parts.c.credit_id == latest.c.posted)
            .outerjoin(points, points.c.credit_id == latest.c.posted)
            .outerjoin(promoted, promoted.c.credit_id == latest.c.posted)
            .cte("events")
        )

    def _latest_credits(self) -> Any:
        """The latest credit of each completed stay and activity of the period: member_id,
        posted (its id), on (checkout or activity day), is_stay."""
        stay, activity, credit = m.Stay, m.Activity, m.Credit
        stays = (
            select(credit.member_id, func.max(credit.id).label("posted"))
            .add_columns(stay.departure_date.label("on"), literal(1).label("is_stay"))
            .join(stay, stay.id == credit.stay_id)
            .where(self.ids(credit.member_id), credit.kind == "STAY")
            .where(self.ids(stay.member_id), stay.status == "COMPLETED")
            .where(stay.departure_date.between(self.start, self.end))
            .group_by(credit.member_id, credit.stay_id, stay.departure_date)
        )
        activities = (
            select(credit.member_id, func.max(credit.id).label("posted"))
            .add_columns(activity.occurred_on.label("on"), literal(0).label("is_stay"))
            .join(activity, activity.id == credit.activity_id)
            .where(self.ids(credit.member_id), credit.kind == "ACTIVITY")
            .where(self.ids(activity.member_id))
            .where(activity.occurred_on.between(self.start, self.end))
            .group_by(credit.member_id, credit.activity_id, activity.occurred_on)
        )
        return union_all(stays, activities).subquery("latest")

    def _credit_figures(self) -> tuple[Any, Any, Any]:
        """Per credit of the batch's members: its qualifying parts in the year, the points
        its entries earned (base, and base with bonuses), and what promotions gave on it."""
        qc, entry, award = m.QualifyingCredit, m.LedgerEntry, m.PromotionAward
        parts = (
            select(
                qc.credit_id,
                func.sum(qc.nights).label("nights"),
                func.sum(qc.stays).label("stays"),
                func.sum(qc.base_points).label("base_points"),
            )
            .where(self.ids(qc.member_id), qc.year == self.year)
            .group_by(qc.credit_id)
            .subquery("parts")
        )
        points = (
            select(
                entry.credit_id,
                func.sum(case((entry.kind == "EARN", entry.points), else_=0)).label("base"),
                func.sum(entry.points).label("earned"),
            )
            .where(self.ids(entry.member_id), entry.kind.in_(EARNED), entry.credit_id.is_not(None))
            .group_by(entry.credit_id)
            .subquery("credit_points")
        )
        promoted = (
            select(award.credit_id, func.sum(award.points).label("points"))
            .where(self.ids(award.member_id))
            .group_by(award.credit_id)
            .subquery("promoted")
        )
        return parts, points, promoted

    def _totals_at_checkout(self, running: Any, paths: tuple[str, ...]) -> Any:
        """Per period stay (member_id, posted, on, base and ``paths``): the period's
        qualifying totals it is judged by, from ``running`` (the events, running totals)."""
        # A stay that checked out on or after every event credited before it (nearly all)
        # is judged by all of them: the running totals less its own. A stay credited after
        # an event that happened later (a stay reported late) is judged by the totals as
        # they stood at the latest credit, before its own, of an event that had happened by
        # its checkout: the running totals never fall, so that is the highest of them.
        late = running.c.on < running.c.on_before
        in_order = select(
            running.c.member_id,
            running.c.posted,
            running.c.on,
            running.c.base,
            *(running.c[f"run_{path}"] - running.c[path] for path in paths),
        ).where(running.c.is_stay == 1, or_(running.c.on_before.is_(None), not_(late)))
        late_found, late_searched = self._late_stays(running, paths)
        both = union_all(in_order, late_found, late_searched).subquery("both_orders")
        return select(
            both.c[0].label("member_id"),
            both.c[1].label("posted"),
            both.c[2].label("on"),
            both.c[3].label("base"),
            *(both.c[4 + i].label(p) for i, p in enumerate(paths)),
        ).subquery("prior")

    def _late_stays(self, running: Any, paths: tuple[str, ...]) -> tuple[Any, Any]:
        """The totals of the stays reported late: those whose credit is found by date order,
        and those searched among the earlier-credited events (see _totals_at_checkout)."""
        stay, earlier = running.alias("stay"), running.alias("earlier")
        # That credit is the latest of the events before the stay in date order, unless one
        # of those was itself credited after the stay (a later report of an earlier stay).
        found = or_(stay.c.seen_before.is_(None), stay.c.seen_before < stay.c.posted)
        keys = (stay.c.member_id, stay.c.posted, stay.c.on, stay.c.base)
        late = (stay.c.is_stay == 1, stay.c.on < stay.c.on_before)
        late_found = (
            select(*keys, *(func.coalesce(earlier.c[f"run_{path}"], 0) for path in paths))
            .select_from(stay)
            .outerjoin(
                earlier,
                and_(
                    earlier.c.member_id == stay.c.member_id,
                    earlier.c.posted == stay.c.seen_before,
                ),
            )
            .where(*late, found)
        )
        # Otherwise: the highest totals of the earlier-credited events that had happened.
        late_searched = (
            select(*keys, *(func.coalesce(func.max(earlier.c[f"run_{path}"]), 0) for path in paths))
            .select_from(stay)
            .outerjoin(
                earlier,
                and_(
                    earlier.c.member_id == stay.c.member_id,
                    earlier.c.posted < stay.c.posted,
                    earlier.c.on <= stay.c.on,
                ),
            )
            .where(*late, not_(found))
            .group_by(*keys)
        )
        return late_found, late_searched

    def _totals_before(self) -> Any:
        """The year's totals from every credit by the period end that is not replayed."""
        qc, credit, stay, activity = m.QualifyingCredit, m.Credit, m.Stay, m.Activity
        in_period = (
            stay.departure_date.between(self.start, self.end),
            activity.occurred_on.between(self.start, self.end),
        )
        # Written as one join with both anti-joins, this was planned from every credit of
        # the batch, each probing qualifying credits by key (an anti-join with no activity
        # in the data is expected to leave one row): a fifth of the statement, for a result
        # that is nearly always empty. Now the year's credits of the batch are joined
        # first and the batch's own stays of the period (nearly all of them) taken out;
        # what remains (rollovers, a credit whose stay is now another member's) is looked
        # up by key behind OFFSET 0, so that the planner cannot move those look-ups below
        # the join.
        batch_stay = aliased(stay, name="batch_stays")
        year_credits = (
            select(qc.member_id, qc.nights, qc.stays, qc.base_points)
            .add_columns(credit.stay_id, credit.activity_id)
            .join(credit, credit.id == qc.credit_id)
            .where(self.ids(qc.member_id), qc.year == self.year)
            .where(self.ids(credit.member_id), credit.credit_date <= self.end)
            .where(
                ~exists().where(
                    batch_stay.id == credit.stay_id,
                    self.ids(batch_stay.member_id),
                    batch_stay.departure_date.between(self.start, self.end),
                )
            )
            .offset(0)
            .subquery("year_credits")
        )
        c = year_credits.c
        not_replayed = and_(
            or_(c.stay_id.is_(None), ~exists().where(stay.id == c.stay_id, in_period[0])),
            or_(
                c.activity_id.is_(None),
                ~exists().where(activity.id == c.activity_id, in_period[1]),
            ),
        )
        return (
            select(
                c.member_id,
                func.sum(c.nights).label("nights"),
                func.sum(c.stays).label("stays"),
                func.sum(c.base_points).label("base_points"),
            )
            .where(not_replayed)
            .group_by(c.member_id)
            .cte("before")
        )

    def _kept_rank(self, day: dt.date) -> Any:
        kept = self.kept
        return (
            select(kept.c.member_id, func.max(kept.c.rank).label("rank"))
            .where(kept.c.valid_from <= day)
            .where(or_(kept.c.valid_through.is_(None), kept.c.valid_through >= day))
            .group_by(kept.c.member_id)
            .subquery("kept_end")
        )

    def _stay_points(self, events: Any, before: Any) -> Any:
        """Per member, base points and the candidate's tier bonus of the period's stays."""
        paths = ("nights", "stays", "base_points")
        cumulative = [
            func.sum(events.c[path])
            .over(partition_by=events.c.member_id, order_by=events.c.posted)
            .label(f"run_{path}")
            for path in paths
        ]
        on_before = func.max(events.c.on).over(
            partition_by=events.c.member_id, order_by=events.c.posted, rows=(None, -1)
        )
        # The latest credit among the events that happened before (or on the day of) each
        # event: in date order, the highest credit order of the rows before it.
        seen_before = func.max(events.c.posted).over(
            partition_by=events.c.member_id,
            order_by=(events.c.on, events.c.posted),
            rows=(None, -1),
        )
        running = select(
            events, *cumulative, on_before.label("on_before"), seen_before.label("seen_before")
        ).cte("running")
        prior = self._totals_at_checkout(running, paths)
        # The highest status kept on each checkout day, once its own credit was posted
        # (KeptPeriod), in a grouped join: a correlated subquery runs once per CASE branch.
        kept = self.kept
        columns = [prior.c[name] for name in ("member_id", "posted", "base", *paths)]
        kept_then = (
            select(*columns, func.max(kept.c.rank).label("kept_rank"))
            .select_from(prior)
            .outerjoin(
                kept,
                and_(
                    kept.c.member_id == prior.c.member_id,
                    kept.c.valid_from <= prior.c.on,
                    or_(kept.c.valid_through.is_(None), kept.c.valid_through >= prior.c.on),
                    or_(kept.c.credit_id.is_(None), kept.c.credit_id < prior.c.posted),
                ),
            )
            .group_by(*columns)
            .subquery("kept_then")
        )
        totals = [
            func.coalesce(before.c[path], 0) + func.coalesce(kept_then.c[path], 0) for path in paths
        ]
        held = _higher(
            func.coalesce(kept_then.c.kept_rank, self.base),
            earned_tier_case(self.ladder, totals, lambda tier: tier.rank),
        )
        bonus = kept_then.c.base * _by_rank(self.ladder, held, lambda t: t.bonus_percent) // 100
        return (
            select(kept_then.c.member_id, func.sum(kept_then.c.base + bonus).label("points"))
            .outerjoin(before, before.c.member_id == kept_then.c.member_id)
            .group_by(kept_then.c.member_id)
            .subquery("stay_points")
        )
