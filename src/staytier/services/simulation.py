"""What-if: a candidate program replayed over a period of real history, as a job.

:func:`start_simulation` checks the request and the candidate, records a QUEUED simulation
and starts the job in this process; the API returns its id at once. :func:`run_simulation`
goes through the members in batches of ids, like requalification: per batch a handful of
set-based reads (the replica's, where one is configured), then the pure replay of
:mod:`domain.simulation` per member, and one short write of the batch's progress and of the
members whose tier would differ. Only the simulation's own rows are written: never a credit,
a ledger entry or a status. Between batches the job looks for a cancellation.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import tomllib
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import and_, func, not_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.calendar import qualification_year
from staytier.domain.errors import BusinessRuleError, ErrorCode, InvalidInput
from staytier.domain.insight import liability, money
from staytier.domain.simulation import (
    MemberYear,
    PromotionBudgets,
    ReplayedActivity,
    ReplayedStay,
    replay,
)
from staytier.domain.stays import Folio
from staytier.domain.tiers import StatusPeriod, YearTotals
from staytier.program.model import Program, ProgramVersion
from staytier.program.validation import program_mistakes
from staytier.services.insight import day_after, liability_on, period_mistakes, ranks_on
from staytier.services.runtime import Runtime
from staytier.services.set_replay import SetReplay, set_based_version
from staytier.store import models as m
from staytier.store.database import replica_reads

log = logging.getLogger("staytier.simulation")

BATCH_SIZE = 5_000
FINAL = ("DONE", "CANCELLED", "FAILED")
QUALIFIED = "QUALIFIED"
STOPPED = "Stopped: the service shut down before the simulation finished; start it again."
# The jobs running in this process; a task with no reference left may be collected.
_JOBS: set[asyncio.Task[str]] = set()


@dataclass(frozen=True)
class Candidate:
    """The rules a what-if applies: a program file's versions, or one served version."""

    label: str
    rules_on: Callable[[dt.date], ProgramVersion]


def candidate_from_file(content: str) -> Candidate:
    """A candidate from a program file's content (TOML, or JSON when it starts with ``{``);
    refuses it with every mistake the loader finds, each as INVALID_PROGRAM."""
    try:
        if content.lstrip().startswith("{"):
            program = msgspec.json.decode(content.encode(), type=Program)
        else:
            document = tomllib.loads(content, parse_float=Decimal)
            program = msgspec.convert(document, type=Program)
    except tomllib.TOMLDecodeError as exc:
        raise _invalid_program([f"not valid TOML: {exc}"]) from exc
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise _invalid_program([str(exc)]) from exc
    mistakes = program_mistakes(program)
    if mistakes:
        raise _invalid_program(mistakes)
    return Candidate(label=f"file {program.code}"[:200], rules_on=program.version_on)


def candidate_from_version(runtime: Runtime, version: str) -> Candidate:
    """One version of the served program, applied to the whole period."""
    found = next((v for v in runtime.program.versions if v.version == version), None)
    if found is None:
        known = ", ".join(v.version for v in runtime.program.versions)
        raise BusinessRuleError(
            ErrorCode.INVALID_PROGRAM,
            f"The served program has no version {version!r} (it has {known}).",
            "programVersion",
        )
    return Candidate(label=f"version {version}", rules_on=lambda _day: found)


def served_program(runtime: Runtime) -> Candidate:
    """The served program itself, every version on its dates: what actually happened."""
    return Candidate(label="served program", rules_on=runtime.rules_on)


def _invalid_program(mistakes: list[str]) -> InvalidInput:
    return InvalidInput(
        [BusinessRuleError(ErrorCode.INVALID_PROGRAM, text, "programFile") for text in mistakes]
    )


def check_period(runtime: Runtime, start: dt.date, end: dt.date) -> int:
    """The qualification year a what-if period lies in; refuses a reversed or future period,
    and one that spans two years (status is earned per year)."""
    mistakes = list(period_mistakes(start, end, runtime.today()))
    month = runtime.rules_on(start).qualification.year_start_month
    year = qualification_year(start, month)
    if not mistakes and qualification_year(end, month) != year:
        mistakes.append(
            BusinessRuleError(
                ErrorCode.INVALID_DATES,
                f"A what-if covers one qualification year; {start} and {end} lie in two.",
                "to",
            )
        )
    if mistakes:
        raise InvalidInput(mistakes)
    return year


async def start_simulation(
    runtime: Runtime, candidate: Candidate, start: dt.date, end: dt.date, *, requested_by: str
) -> int:
    """Records the simulation and starts it in this process; returns its id at once."""
    simulation_id = await create_simulation(runtime, candidate, start, end, requested_by)
    task = asyncio.create_task(run_simulation(runtime, simulation_id, candidate))
    _JOBS.add(task)
    task.add_done_callback(_JOBS.discard)
    return simulation_id


async def wait_for_jobs() -> None:
    """Waits until the simulations running in this process have ended."""
    while _JOBS:
        await asyncio.gather(*list(_JOBS), return_exceptions=True)


async def stop_jobs() -> None:
    """Stops this process's running simulations (at shutdown); each is recorded FAILED."""
    for task in list(_JOBS):
        task.cancel()
    await asyncio.gather(*list(_JOBS), return_exceptions=True)


async def create_simulation(
    runtime: Runtime, candidate: Candidate, start: dt.date, end: dt.date, requested_by: str
) -> int:
    check_period(runtime, start, end)
    row = m.ProgramSimulation(
        status="QUEUED",
        candidate=candidate.label,
        period_start=start,
        period_end=end,
        requested_by=requested_by[:100],
        members_done=0,
        members_total=0,
        cancel_requested=False,
        message="",
        created_at=runtime.now(),
    )
    async with runtime.db.transaction() as session:
        session.add(row)
        await session.flush()
    return row.id


async def cancel_simulation(runtime: Runtime, simulation_id: int) -> None:
    """Asks a queued or running simulation to stop at its next batch."""
    async with runtime.db.transaction() as session:
        row = await session.get(m.ProgramSimulation, simulation_id)
        if row is None:
            raise BusinessRuleError(
                ErrorCode.SIMULATION_NOT_FOUND, f"No simulation {simulation_id}.", "id"
            )
        if row.status in FINAL:
            raise BusinessRuleError(
                ErrorCode.SIMULATION_FINISHED,
                f"Simulation {simulation_id} is already {row.status}.",
                "id",
            )
        row.cancel_requested = True


async def simulation_by_id(runtime: Runtime, simulation_id: int) -> m.ProgramSimulation | None:
    async with runtime.db.reading() as session:
        return await session.get(m.ProgramSimulation, simulation_id)


async def moves_page(
    runtime: Runtime, simulation_id: int, *, first: int, after_id: int | None, up: bool | None
) -> list[tuple[m.SimulatedMove, str]]:
    """A page of the members a simulation moves (with their member numbers), in id order;
    ``up``: only those moved up (True) or down (False)."""
    move = m.SimulatedMove
    query = (
        select(move, m.Member.member_number)
        .join(m.Member, m.Member.id == move.member_id)
        .where(move.simulation_id == simulation_id)
        .order_by(move.id)
        .limit(first + 1)
    )
    if after_id is not None:
        query = query.where(move.id > after_id)
    if up is not None:
        query = query.where(
            move.simulated_rank > move.actual_rank if up else move.simulated_rank < move.actual_rank
        )
    async with runtime.db.reading() as session:
        return [(row, number) for row, number in await session.execute(query)]


# --- the job ------------------------------------------------------------------------------


@dataclass
class Comparison:
    """What the job adds up, batch by batch: actual against simulated."""

    members: int = 0
    actual_by_tier: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    simulated_by_tier: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    moved_up: int = 0
    moved_down: int = 0
    actual_points: int = 0
    simulated_points: int = 0
    actual_benefit_cost_usd: Decimal = Decimal(0)
    simulated_benefit_cost_usd: Decimal = Decimal(0)
    # Promotion points (also part of the points above): actually given, under the candidate.
    actual_promotion_points: int = 0
    simulated_promotion_points: int = 0
    # What the candidate's promotions' budgets have given, from before the period on.
    budgets: PromotionBudgets = field(default_factory=PromotionBudgets)


Progress = Callable[[int, int], Awaitable[None] | None]


async def run_simulation(
    runtime: Runtime,
    simulation_id: int,
    candidate: Candidate,
    *,
    progress: Progress | None = None,
    set_based: bool = True,
) -> str:
    """Runs a recorded simulation to its end; returns its final status. A failure is
    recorded on the simulation (FAILED, with the reason), never raised to the caller.
    A candidate that changes only tiers' thresholds and bonuses is replayed in the database
    (:mod:`services.set_replay`) unless ``set_based`` is False; any other, in Python."""
    try:
        return await _run(runtime, simulation_id, candidate, progress, set_based)
    except asyncio.CancelledError:
        await _finish(runtime, simulation_id, "FAILED", message=STOPPED)
        raise
    except Exception as exc:  # the job must end in a final state whatever happens
        log.exception("simulation %s failed", simulation_id)
        await _finish(runtime, simulation_id, "FAILED", message=f"{type(exc).__name__}: {exc}")
        return "FAILED"


async def _run(
    runtime: Runtime,
    simulation_id: int,
    candidate: Candidate,
    progress: Progress | None,
    set_based: bool,
) -> str:
    row = await simulation_by_id(runtime, simulation_id)
    assert row is not None
    start, end = row.period_start, row.period_end
    year = check_period(runtime, start, end)
    in_sql = set_based_version(runtime.rules_on, candidate.rules_on, start, end)
    in_sql = in_sql if set_based else None
    with replica_reads():
        async with runtime.db.reading() as session:
            low, high, total = (
                await session.execute(
                    select(func.min(m.Member.id), func.max(m.Member.id), func.count()).where(
                        m.Member.enrolled_on <= end
                    )
                )
            ).one()
    async with runtime.db.transaction() as session:
        await session.execute(
            update(m.ProgramSimulation)
            .where(m.ProgramSimulation.id == simulation_id)
            .values(status="RUNNING", members_total=int(total))
        )
    comparison = Comparison()
    with replica_reads():
        async with runtime.db.reading() as session:
            comparison.budgets.spent.update(await _promotions_spent_before(session, start))
    for batch_start in range(int(low or 0), int(high or -1) + 1, BATCH_SIZE):
        if await _cancel_requested(runtime, simulation_id):
            await _finish(runtime, simulation_id, "CANCELLED", message="Cancelled on request.")
            return "CANCELLED"
        batch = _Batch(runtime, candidate, year, start, end, batch_start, batch_start + BATCH_SIZE)
        batch.in_sql = in_sql
        with replica_reads():
            async with runtime.db.analysis() as session:
                moves = await batch.compare(session, comparison)
        async with runtime.db.transaction() as session:
            session.add_all(m.SimulatedMove(simulation_id=simulation_id, **move) for move in moves)
            await session.execute(
                update(m.ProgramSimulation)
                .where(m.ProgramSimulation.id == simulation_id)
                .values(members_done=comparison.members)
            )
        if progress is not None:
            waiting = progress(comparison.members, int(total))
            if waiting is not None:
                await waiting
    summary = await _summary(runtime, candidate, start, end, comparison)
    summary["replay"] = "SET_BASED" if in_sql is not None else "EXACT"
    await _finish(runtime, simulation_id, "DONE", summary=summary)
    return "DONE"


async def _promotions_spent_before(session: AsyncSession, start: dt.date) -> dict[str, int]:
    """Per promotion code, the points given (net of reversals) before ``start``: what the
    budgets had spent when the period began."""
    award = m.PromotionAward
    query = (
        select(award.promotion_code, func.sum(award.points))
        .where(award.awarded_on < start)
        .group_by(award.promotion_code)
    )
    return {code: int(points or 0) for code, points in await session.execute(query)}


async def _cancel_requested(runtime: Runtime, simulation_id: int) -> bool:
    async with runtime.db.reading() as session:
        return bool(
            await session.scalar(
                select(m.ProgramSimulation.cancel_requested).where(
                    m.ProgramSimulation.id == simulation_id
                )
            )
        )


async def _finish(
    runtime: Runtime,
    simulation_id: int,
    status: str,
    *,
    message: str = "",
    summary: dict[str, Any] | None = None,
) -> None:
    async with runtime.db.transaction() as session:
        await session.execute(
            update(m.ProgramSimulation)
            .where(m.ProgramSimulation.id == simulation_id)
            .values(
                status=status, message=message[:500], summary=summary, finished_at=runtime.now()
            )
        )


async def _summary(
    runtime: Runtime, candidate: Candidate, start: dt.date, end: dt.date, comparison: Comparison
) -> dict[str, Any]:
    """The comparison as stored. Liability: the report's outstanding points at the period
    end (from the cohort book alone, not the whole report), moved by the difference in
    points issued, valued by each program's value per point at the report's breakage rate
    (a first-order estimate: see docs/insight.md)."""
    with replica_reads():
        report = await liability_on(runtime, end)
    served, proposed = runtime.rules_on(end), candidate.rules_on(end)
    extra = comparison.simulated_points - comparison.actual_points
    actual_value, simulated_value = served.insight.value_per_point, proposed.insight.value_per_point
    rate = report.breakage.rate
    tiers = [
        {
            "code": tier.code,
            "name": tier.name,
            "rank": tier.rank,
            "actual": comparison.actual_by_tier.get(tier.code, 0),
            "simulated": comparison.simulated_by_tier.get(tier.code, 0),
        }
        for tier in _ladder(served, proposed)
    ]
    return {
        "members": comparison.members,
        "tiers": tiers,
        "moved_up": comparison.moved_up,
        "moved_down": comparison.moved_down,
        "actual_points": comparison.actual_points,
        "simulated_points": comparison.simulated_points,
        "currency": report.currency,
        "breakage_rate": str(rate),
        "actual_liability": str(report.liability),
        "simulated_liability": str(
            liability(report.outstanding + extra, proposed.insight.value_per_point, rate)
        ),
        "actual_benefit_cost_usd": str(money(comparison.actual_benefit_cost_usd)),
        "simulated_benefit_cost_usd": str(money(comparison.simulated_benefit_cost_usd)),
        "actual_promotion_points": comparison.actual_promotion_points,
        "simulated_promotion_points": comparison.simulated_promotion_points,
        "actual_promotion_cost": str(money(comparison.actual_promotion_points * actual_value)),
        "simulated_promotion_cost": str(
            money(comparison.simulated_promotion_points * simulated_value)
        ),
    }


def candidate_promotions_run(
    rules_on: Callable[[dt.date], ProgramVersion], start: dt.date, end: dt.date
) -> bool:
    """Whether the rules in force on some day of ``start``..``end`` run a promotion then."""
    day = start
    while day <= end:
        if any(p.starts_on <= day <= p.ends_on for p in rules_on(day).promotions):
            return True
        day += dt.timedelta(days=1)
    return False


def _ladder(served: ProgramVersion, proposed: ProgramVersion) -> list[Any]:
    """The tiers of both programs, by rank, each code once (the candidate may add or drop)."""
    seen: dict[str, Any] = {}
    for tier in [*served.tiers_by_rank(), *proposed.tiers_by_rank()]:
        seen.setdefault(tier.code, tier)
    return sorted(seen.values(), key=lambda tier: tier.rank)


class _Batch:
    """The reads and the replay for the members with ids in ``[low, high)``."""

    def __init__(
        self,
        runtime: Runtime,
        candidate: Candidate,
        year: int,
        start: dt.date,
        end: dt.date,
        low: int,
        high: int,
    ) -> None:
        self.runtime, self.candidate, self.year = runtime, candidate, year
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
        served, proposed = self.runtime.rules_on(self.end), self.candidate.rules_on(self.end)
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
            outcome = replay(year, self.candidate.rules_on, self.end, budgets)
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
        return candidate_promotions_run(self.candidate.rules_on, self.start, self.end)

    async def promotions_replayed(
        self, session: AsyncSession, member_ids: list[int], budgets: PromotionBudgets
    ) -> None:
        """The candidate's promotions over the period's stays and activities, for the
        set-based replay: the candidate credits them as the books did and its promotions
        depend on no tier (:func:`services.set_replay.set_based_version`), so the replay
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
                outcome = replay(year, self.candidate.rules_on, self.end, budgets)
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
            .where(not_(self.replayed_credits()))
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
            self.replayed_credits(),
            self.enrolled(),
        )

    async def members(self, session: AsyncSession) -> list[tuple[int, int]]:
        """Each member enrolled by the end, with the rank they actually held on it (and,
        in ``enrolled_on``, when they enrolled)."""
        held = ranks_on(self.end, "held")
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
        for member_id, code, rank, valid_from, valid_through in await session.execute(self.kept()):
            if member_id in history:
                history[member_id].kept.append(StatusPeriod(code, rank, valid_from, valid_through))

    def kept(self) -> Any:
        """The status periods of the period that this year's own activity did not earn."""
        sp = m.StatusPeriod
        return select(sp.member_id, sp.tier_code, sp.rank, sp.valid_from, sp.valid_through).where(
            self.ids(sp.member_id),
            or_(sp.revoked_at.is_(None), sp.revoked_at >= day_after(self.end)),
            sp.valid_from <= self.end,
            or_(sp.valid_through.is_(None), sp.valid_through >= self.start),
            not_(and_(sp.cause == QUALIFIED, sp.qualification_year == self.year)),
        )

    def enrolled(self) -> Any:
        """The batch's members the comparison counts: those enrolled by the period end."""
        return select(m.Member.id).where(self.ids(m.Member.id), m.Member.enrolled_on <= self.end)

    def replayed_credits(self) -> Any:
        """Credits the replay makes again: those of the stays checked out and the activities
        of the period (with their reversals)."""
        stay, activity = m.Stay, m.Activity
        return or_(
            m.Credit.stay_id.in_(
                select(stay.id).where(
                    self.ids(stay.member_id), stay.departure_date.between(self.start, self.end)
                )
            ),
            m.Credit.activity_id.in_(
                select(activity.id).where(
                    self.ids(activity.member_id), activity.occurred_on.between(self.start, self.end)
                )
            ),
        )

    async def totals_before(self, session: AsyncSession, history: dict[int, MemberYear]) -> None:
        """The year's totals from every credit by the period end that is not replayed."""
        qc = m.QualifyingCredit
        query = (
            select(qc.member_id, func.sum(qc.nights), func.sum(qc.stays), func.sum(qc.base_points))
            .join(m.Credit, m.Credit.id == qc.credit_id)
            .where(self.ids(qc.member_id), qc.year == self.year)
            .where(m.Credit.credit_date <= self.end, not_(self.replayed_credits()))
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
            folio = Folio(
                row.arrival_date,
                row.departure_date,
                row.rate_code,
                row.currency,
                room_revenue=row.room_revenue,
                food_and_beverage_revenue=row.food_and_beverage_revenue,
                other_revenue=row.other_revenue,
            )
            history[row.member_id].events.append(
                ReplayedStay(folio, rate, int(order or 0), code, brand, country)
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
