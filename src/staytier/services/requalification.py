"""Year-end requalification: who keeps, loses or lands on which tier for the next year.

It runs once per qualification year over every member, so it is written as set-based SQL:
each batch of member ids is a handful of ``INSERT ... SELECT`` statements that group the
year's qualifying credits and status periods in the database. No member is loaded into
Python, and the tier thresholds become ``CASE`` expressions built from the program file, so
the same code serves any program and runs on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.calendar import year_end, year_start
from staytier.domain.errors import NotDueYet
from staytier.program.model import ProgramVersion
from staytier.services import audit
from staytier.services.job_runs import run_job_once
from staytier.services.requalification_batch import TARGETS, RequalificationBatch
from staytier.services.runtime import Runtime
from staytier.store.models import Member

JOB = "requalification"
BATCH_SIZE = 10_000


@dataclass(frozen=True)
class RequalificationSummary:
    """What one year-end run did.

    ``requalified`` counts members whose own activity earned the tier they hold next year
    (whether an upgrade during the year already granted it or this run did); ``soft_landed``
    and ``lifetime_granted`` count the periods this run wrote; ``unchanged`` counts members
    for whom it wrote no status at all. A second run for the same year changes nothing and
    returns the first run's counts with ``already_ran`` set.
    """

    members_considered: int = 0
    requalified: int = 0
    soft_landed: int = 0
    lifetime_granted: int = 0
    rollover_credited: int = 0
    unchanged: int = 0
    already_ran: bool = False


async def requalify(
    runtime: Runtime, year: int, *, progress: Callable[[int, int], None] | None = None
) -> RequalificationSummary:
    """Settles every member's status for the year after ``year``, once.

    One transaction, which starts by inserting the job's run row: a concurrent second run
    blocks on its unique key, then fails and reports the first run. Every statement is also
    guarded by ``NOT EXISTS``, so re-applying a batch would write nothing twice.
    ``progress(done, total)`` is called with member counts after each batch of ids.
    """
    rules = runtime.rules_for_year(year)
    due_on = year_start(year + 1, rules.qualification.year_start_month)
    if runtime.today() < due_on:
        raise NotDueYet(
            f"Qualification year {year} ends on {due_on - dt.timedelta(days=1)}; "
            f"requalify it on {due_on} or later."
        )

    async def settle(session: AsyncSession) -> RequalificationSummary:
        counts = await _run(session, runtime, rules, year, progress)
        # A set-based batch: one audit entry for the run, the status rows say the rest.
        audit.record(
            session,
            at=runtime.now(),
            subject="tier",
            action="YEAR_END_REQUALIFICATION",
            subject_key=str(year),
            after=dict(counts),
        )
        return RequalificationSummary(**counts)

    return await run_job_once(
        runtime,
        job=JOB,
        run_key=str(year),
        due_on=due_on,
        work=settle,
        earlier_run=RequalificationSummary,
    )


async def _run(
    session: AsyncSession,
    runtime: Runtime,
    rules: ProgramVersion,
    year: int,
    progress: Callable[[int, int], None] | None,
) -> dict[str, Any]:
    last_day = year_end(year, rules.qualification.year_start_month)
    low, high, total = (
        await session.execute(
            select(func.min(Member.id), func.max(Member.id), func.count()).where(
                Member.enrolled_on <= last_day
            )
        )
    ).one()
    counts = {name: 0 for name in asdict(RequalificationSummary()) if name != "already_ran"}
    await session.run_sync(lambda sync: TARGETS.create(sync.connection()))
    for start in range(int(low or 0), int(high or -1) + 1, BATCH_SIZE):
        batch = RequalificationBatch(runtime, rules, year, start, start + BATCH_SIZE)
        for name, value in (await batch.run(session)).items():
            counts[name] += value
        if progress is not None:
            progress(counts["members_considered"], int(total))
    await session.run_sync(lambda sync: TARGETS.drop(sync.connection()))
    return counts
