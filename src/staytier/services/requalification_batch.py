"""One batch of year-end requalification: the set-based statements that decide and write
the next year's status for the members with ids in a range (see
:mod:`services.requalification`, which runs the batches in one transaction)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import and_, case, distinct, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Subquery

from staytier.domain.calendar import status_valid_through, year_end, year_start
from staytier.program.model import LifetimeRule, ProgramVersion, Tier
from staytier.services.runtime import Runtime
from staytier.store.models import Credit, Member, QualifyingCredit, StatusPeriod
from staytier.store.queries import rows_changed
from staytier.store.types import UTCDateTime

EARNED_CAUSES = ("QUALIFIED", "REQUALIFIED")  # what counts as a year at a tier for lifetime
WRITTEN_CAUSES = ("REQUALIFIED", "SOFT_LANDING", "LIFETIME")
PATHS = ("nights", "stays", "base_points")


# Each batch's decisions (earned, held and target rank per member), worked out once and then
# counted and written from here: computing them twice cost a third of the run. A temporary
# table lives in the run's own transaction and connection, and is dropped at its end.
TARGETS = sa.Table(
    "requalification_targets",
    sa.MetaData(),
    sa.Column("member_id", sa.BigInteger, primary_key=True),
    sa.Column("earned", sa.Integer, nullable=False),
    sa.Column("held", sa.Integer, nullable=False),
    sa.Column("target", sa.Integer, nullable=False),
    # The highest rank already held through the end of the next status year, if any.
    sa.Column("held_next", sa.Integer),
    prefixes=["TEMPORARY"],
)


class RequalificationBatch:
    """The statements for the members with ids in ``[low, high)``."""

    def __init__(
        self, runtime: Runtime, rules: ProgramVersion, year: int, low: int, high: int
    ) -> None:
        self.rules, self.year, self.low, self.high = rules, year, low, high
        self.now = literal(runtime.now(), UTCDateTime())
        start_month = rules.qualification.year_start_month
        self.last_day = year_end(year, start_month)
        self.next_start = year_start(year + 1, start_month)
        self.through = status_valid_through(year, rules)
        self.ladder = rules.tiers_by_rank()
        self.base = rules.base_tier.rank
        self.next_version = runtime.rules_on(self.next_start).version

    def ids(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.low, column < self.high)

    async def run(self, session: AsyncSession) -> dict[str, int]:
        decided = self.targets().c
        postgresql = session.get_bind().dialect.name == "postgresql"
        # The last batch's rows go first. On PostgreSQL a DELETE would leave them behind as
        # dead rows that no vacuum can remove inside the run's transaction, so every later
        # batch would scan all earlier ones: time growing with the square of the members.
        # TRUNCATE gives the table fresh, empty storage; SQLite truncates a bare DELETE.
        if postgresql:
            await session.execute(sa.text(f"TRUNCATE {TARGETS.name}"))
        else:
            await session.execute(sa.delete(TARGETS))
        await session.execute(
            sa.insert(TARGETS).from_select(
                ["member_id", "earned", "held", "target", "held_next"],
                select(
                    decided.member_id,
                    decided.earned,
                    decided.held,
                    decided.target,
                    decided.held_next,
                ),
            )
        )
        if postgresql:
            # Autovacuum never sees a temporary table: without statistics the planner
            # guesses its size and scans all status periods for every batch.
            await session.execute(sa.text(f"ANALYZE {TARGETS.name}"))
        t = TARGETS.c
        kept = and_(t.target == t.earned, t.target > self.base)
        counted = select(func.count(), func.count(case((kept, 1)))).select_from(TARGETS)
        considered, requalified = (await session.execute(counted)).one()
        await session.execute(self.landing(t))
        lifetime = rollover = 0
        rules = [(self.rules.tier(r.tier), r) for r in self.rules.lifetime]
        # Highest tier first: a member who earns two lifetime tiers gets only the higher one.
        for tier, rule in sorted(((t, r) for t, r in rules if t), key=lambda p: -p[0].rank):
            lifetime += await rows_changed(session, self.lifetime(tier, rule))
        if self.rules.qualification.rollover_nights:
            rollover = await rows_changed(session, self.rollover_credits())
            await session.execute(self.rollover_nights())
        sp = StatusPeriod
        written = select(
            func.count(case((sp.cause == "SOFT_LANDING", 1))), func.count(distinct(sp.member_id))
        ).where(
            self.ids(sp.member_id), sp.qualification_year == self.year, sp.cause.in_(WRITTEN_CAUSES)
        )
        soft, changed = (await session.execute(written)).one()
        return {
            "members_considered": int(considered),
            "requalified": int(requalified),
            "soft_landed": int(soft),
            "lifetime_granted": lifetime,
            "rollover_credited": rollover,
            "unchanged": int(considered) - int(changed),
        }

    # --- the year's totals and the tier they earn ------------------------------------------

    def totals(self) -> Subquery:
        qc = QualifyingCredit
        sums = [func.sum(qc.nights), func.sum(qc.stays), func.sum(qc.base_points)]
        return (
            select(qc.member_id, *(s.label(path) for s, path in zip(sums, PATHS, strict=True)))
            .where(qc.year == self.year, self.ids(qc.member_id))
            .group_by(qc.member_id)
            .subquery("totals")
        )

    def by_earned_tier(self, totals: Subquery, value: Callable[[Tier], int | None]) -> Any:
        return earned_tier_case(self.ladder, [totals.c[path] for path in PATHS], value)

    def targets(self) -> Subquery:
        """Per member in the batch: earned rank, held rank, the soft-landing target, and the
        rank already held through the next status year (so the landing writes no row then).

        Both held ranks come from one pass over the batch's status periods. (Asking for the
        second with NOT EXISTS per member let PostgreSQL plan from statistics that predate
        the periods this run writes, and it scanned every period once per member.)
        """
        totals, sp = self.totals(), StatusPeriod
        next_covers = _covers(sp, self.through) if self.through else (sp.valid_through.is_(None),)
        held = (
            select(
                sp.member_id,
                func.max(case((and_(*_covers(sp, self.last_day)), sp.rank))).label("rank"),
                func.max(case((and_(*next_covers), sp.rank))).label("rank_next"),
            )
            .where(sp.revoked_at.is_(None), self.ids(sp.member_id))
            .group_by(sp.member_id)
            .subquery("held")
        )
        ranked = (
            select(
                Member.id.label("member_id"),
                self.by_earned_tier(totals, lambda tier: tier.rank).label("earned"),
                func.coalesce(held.c.rank, self.base).label("held"),
                held.c.rank_next.label("held_next"),
            )
            .outerjoin(totals, totals.c.member_id == Member.id)
            .outerjoin(held, held.c.member_id == Member.id)
            .where(self.ids(Member.id), Member.enrolled_on <= self.last_day)
            .subquery("ranked")
        )
        # The floor: soft_landing_max_drop tiers below the one held, counted by position in
        # rank order as domain.tiers.soft_landing_rank does, with the highest rank tested first.
        drop, ranks = self.rules.qualification.soft_landing_max_drop, [t.rank for t in self.ladder]
        steps = [(ranked.c.held >= rank, ranks[max(0, i - drop)]) for i, rank in enumerate(ranks)]
        floor = case(*reversed(steps), else_=ranks[0])
        target = case((ranked.c.earned >= floor, ranked.c.earned), else_=floor)
        return select(ranked, target.label("target")).subquery("targets")

    # --- the statements ---------------------------------------------------------------------

    def period(self, member_id: Any, code: Any, rank: Any, through: dt.date | None) -> list[Any]:
        """The leading columns of a status period row written by this run."""
        dates = (literal(self.next_start, sa.Date()), literal(through, sa.Date()))
        return [member_id, code, rank, literal(self.year, sa.Integer()), *dates]

    def landing(self, t: Any) -> Any:
        """Status for next year where the member holds nothing as good through its end,
        including the base tier for a member whose status lapses (the soft landing's end)."""
        names = {tier.rank: tier.name for tier in self.ladder}
        soft = (
            _text(f"Soft landing after {self.year}: held ")
            + case(names, value=t.held, else_="")
            + _text(", earned ")
            + case(names, value=t.earned, else_="")
        )
        earned = and_(t.target == t.earned, t.target > self.base)  # a lapse is a landing
        rows = select(
            *self.period(
                t.member_id,
                case({tier.rank: tier.code for tier in self.ladder}, value=t.target),
                t.target,
                self.through,
            ),
            case((earned, "REQUALIFIED"), else_="SOFT_LANDING"),
            case((earned, _text(f"Requalified by {self.year} activity")), else_=soft),
            self.now,
        ).where(
            # A drop to the base tier is written too, so every change of tier has its row.
            or_(t.target > self.base, t.held > self.base),
            or_(t.held_next.is_(None), t.held_next < t.target),
        )
        return sa.insert(StatusPeriod).from_select(STATUS_COLUMNS, rows)

    def _holds_for_life(self, member_id: Any, rank: Any) -> Any:
        """A non-revoked lifetime period of ``rank`` or higher."""
        sp = aliased(StatusPeriod)
        return exists().where(
            sp.member_id == member_id,
            sp.revoked_at.is_(None),
            sp.rank >= rank,
            sp.valid_through.is_(None),
        )

    def lifetime(self, tier: Tier, rule: LifetimeRule) -> Any:
        """Lifetime ``tier`` for members with enough years at it or above, and enough nights.

        Years count QUALIFIED and REQUALIFIED periods (not soft landings); nights count every
        qualifying night up to this year except those carried over, which would count twice.
        """
        sp, qc = StatusPeriod, QualifyingCredit
        years = (
            select(sp.member_id)
            .where(self.ids(sp.member_id), sp.revoked_at.is_(None), sp.cause.in_(EARNED_CAUSES))
            .where(sp.rank >= tier.rank, sp.qualification_year <= self.year)
            .group_by(sp.member_id)
            .having(func.count(distinct(sp.qualification_year)) >= rule.years_at_tier)
            .subquery("years_at_tier")
        )
        # Summed only for the members who already have the years (a correlated subquery, run
        # per candidate): summing every member's whole history and joining each row to its
        # credit to leave out rollovers was most of this statement's time at a million members.
        nights = (
            select(func.coalesce(func.sum(qc.nights), 0))
            .join(Credit, Credit.id == qc.credit_id)
            .where(
                qc.member_id == years.c.member_id,
                qc.year <= self.year,
                Credit.kind != "ROLLOVER",
            )
            .scalar_subquery()
        )
        detail = (
            f"Lifetime {tier.name}: {rule.years_at_tier} years at {tier.name} or above and "
            f"{rule.lifetime_nights} nights by {self.year}"
        )
        rank = literal(tier.rank, sa.Integer())
        rows = (
            select(
                *self.period(years.c.member_id, _text(tier.code), rank, None),
                *(_text("LIFETIME"), _text(detail), self.now),
            )
            .where(~self._holds_for_life(years.c.member_id, tier.rank))
            .where(nights >= rule.lifetime_nights)
        )
        return sa.insert(StatusPeriod).from_select(STATUS_COLUMNS, rows)

    def excess(self) -> Subquery:
        """Nights above the nights threshold of the tier each member earned this year (none
        when that tier has no nights path, or is the base tier)."""
        totals = self.totals()
        required = self.by_earned_tier(totals, lambda tier: tier.qualifying_nights)
        return (
            select(totals.c.member_id, (totals.c.nights - required).label("excess"))
            .where(required.is_not(None), totals.c.nights > required)
            .subquery("excess")
        )

    def rollover_credits(self) -> Any:
        """One ROLLOVER credit per member with excess nights, dated the next year's start."""
        excess = self.excess()
        detail = {"from_year": str(self.year), "to_year": str(self.year + 1)}
        rows = select(
            excess.c.member_id,
            _text("ROLLOVER"),
            literal(self.next_start, sa.Date()),
            _text(self.next_version),
            literal(detail, sa.JSON()),
            self.now,
        ).where(~exists().where(*self._rollover_of(excess.c.member_id)))
        columns = ["member_id", "kind", "credit_date", "program_version", "detail", "created_at"]
        return sa.insert(Credit).from_select(columns, rows)

    def _rollover_of(self, member_id: Any) -> tuple[ColumnElement[bool], ...]:
        return (
            Credit.member_id == member_id,
            Credit.kind == "ROLLOVER",
            Credit.credit_date == self.next_start,
        )

    def rollover_nights(self) -> Any:
        """The next year's nights, joined to the rollover credits just written."""
        excess, qc, zero = self.excess(), aliased(QualifyingCredit), literal(0, sa.Integer())
        year = literal(self.year + 1, sa.Integer())
        rows = (
            select(Credit.id, Credit.member_id, year, excess.c.excess, zero, zero)
            .join(excess, excess.c.member_id == Credit.member_id)
            .where(*self._rollover_of(Credit.member_id), ~exists().where(qc.credit_id == Credit.id))
        )
        columns = ["credit_id", "member_id", "year", *PATHS]
        return sa.insert(QualifyingCredit).from_select(columns, rows)


STATUS_COLUMNS = ["member_id", "tier_code", "rank", "qualification_year", "valid_from"]
STATUS_COLUMNS += ["valid_through", "cause", "detail", "created_at"]


def earned_tier_case(
    ladder: list[Tier], totals: list[Any], value: Callable[[Tier], int | None]
) -> Any:
    """A CASE giving ``value(tier)`` for the highest tier of ``ladder`` (by rank, base first)
    that the year's ``totals`` (nights, stays, base points, as SQL expressions) reach by any
    path, a threshold left out being no path: :func:`domain.tiers.qualified_tier` in SQL
    (tests/unit/test_earned_tier_sql.py pins one to the other)."""
    whens = []
    for tier in reversed(ladder[1:]):
        needs = (tier.qualifying_nights, tier.qualifying_stays, tier.qualifying_base_points)
        paths = [
            func.coalesce(total, 0) >= need
            for total, need in zip(totals, needs, strict=True)
            if need is not None
        ]
        if paths:
            whens.append((or_(*paths), literal(value(tier), sa.Integer())))
    fallback = literal(value(ladder[0]), sa.Integer())
    return case(*whens, else_=fallback) if whens else fallback


def _text(text: str) -> Any:
    return literal(text, sa.String())


def _covers(sp: Any, day: dt.date) -> tuple[ColumnElement[bool], ...]:
    return sp.valid_from <= day, or_(sp.valid_through.is_(None), sp.valid_through >= day)
