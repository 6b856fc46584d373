"""What-if: a candidate program replayed over a period of real history, as a job.

:func:`start_simulation` checks the request and the candidate, records a QUEUED simulation
and starts the job in this process; the API returns its id at once. :func:`run_simulation`
goes through the members in batches of ids, like requalification: per batch a handful of
set-based reads (the replica's, where one is configured), then the pure replay of
:mod:`domain.simulation` per member (both in :mod:`services.simulation_batch`), and one
short write of the batch's progress and of the members whose tier would differ. Only the
simulation's own rows are written: never a credit, a ledger entry or a status. Between
batches the job looks for a cancellation.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import tomllib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.calendar import qualification_year
from staytier.domain.errors import BusinessRuleError, ErrorCode, InvalidInput
from staytier.domain.replay_candidates import set_based_version
from staytier.domain.simulation import Comparison
from staytier.program.model import Program, ProgramVersion
from staytier.program.validation import program_mistakes
from staytier.services import simulation_summary
from staytier.services.insight import liability_on, period_mistakes
from staytier.services.runtime import Runtime
from staytier.services.simulation_batch import SimulationBatch
from staytier.store import models as m
from staytier.store.database import replica_reads

log = logging.getLogger("staytier.simulation")

BATCH_SIZE = 10_000  # as requalification; larger batches gained nothing measurable
FINAL = ("DONE", "CANCELLED", "FAILED")
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
        # The liability on the period's end is the books', whatever the candidate: its
        # cohort book (a read of the whole ledger) runs on a connection of its own while the
        # batches run, rather than after them.
        book = asyncio.create_task(liability_on(runtime, end))

    def batch(low: int) -> SimulationBatch:
        found = SimulationBatch(
            runtime, candidate.rules_on, year, start, end, low, low + BATCH_SIZE
        )
        found.in_sql = in_sql
        return found

    ids = range(int(low or 0), int(high or -1) + 1, BATCH_SIZE)
    try:
        if await _batches(runtime, simulation_id, batch, ids, comparison, progress, int(total)):
            await _finish(runtime, simulation_id, "CANCELLED", message="Cancelled on request.")
            return "CANCELLED"
        served, proposed = runtime.rules_on(end), candidate.rules_on(end)
        summary = simulation_summary.summary(served, proposed, comparison, await book)
        summary["replay"] = "SET_BASED" if in_sql is not None else "EXACT"
        await _finish(runtime, simulation_id, "DONE", summary=summary)
        return "DONE"
    finally:
        await _settled(book)


async def _settled(task: asyncio.Task[Any]) -> None:
    """Cancels ``task`` if it still runs and waits for it, its outcome retrieved."""
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def _batches(
    runtime: Runtime,
    simulation_id: int,
    batch: Callable[[int], SimulationBatch],
    starts: range,
    comparison: Comparison,
    progress: Progress | None,
    total: int,
) -> bool:
    """Runs the batches starting at ``starts`` into ``comparison``; True when asked to stop."""
    for batch_start in starts:
        if await _cancel_requested(runtime, simulation_id):
            return True
        with replica_reads():
            async with runtime.db.analysis() as session:
                moves = await batch(batch_start).compare(session, comparison)
        async with runtime.db.transaction() as session:
            session.add_all(m.SimulatedMove(simulation_id=simulation_id, **move) for move in moves)
            await session.execute(
                update(m.ProgramSimulation)
                .where(m.ProgramSimulation.id == simulation_id)
                .values(members_done=comparison.members)
            )
        if progress is not None:
            waiting = progress(comparison.members, total)
            if waiting is not None:
                await waiting
    return False


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
