"""Run-once bookkeeping for the date-bound jobs (requalification, expiry, birthdays,
certificate expiry).

Each run of a job has a key (a year, a day, a span of days). The run's row in ``job_runs`` is
inserted first, in the same transaction as the work, so a second run with the same key, even
a concurrent one, blocks on the unique key, then fails and reports the first run's counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from staytier.services.runtime import Runtime
from staytier.store.models import JobRun

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Summary = TypeVar("Summary", bound="DataclassInstance")


async def run_job_once(
    runtime: Runtime,
    *,
    job: str,
    run_key: str,
    due_on: dt.date,
    work: Callable[[AsyncSession], Awaitable[Summary]],
    earlier_run: Callable[..., Summary],
) -> Summary:
    """Does ``work`` once for ``(job, run_key)`` and records its summary with the run.

    When the key has run before, nothing is done and ``earlier_run(**counts,
    already_ran=True)`` is returned with the first run's counts.
    """
    try:
        async with runtime.db.transaction() as session:
            record = JobRun(job=job, run_key=run_key, due_on=due_on, ran_at=runtime.now())
            session.add(record)
            await session.flush()  # IntegrityError here: this run is done already
            summary = await work(session)
            record.summary = _counts(summary)
            return summary
    except IntegrityError:
        async with runtime.db.reading() as session:
            earlier = await session.scalar(
                select(JobRun.summary).where(JobRun.job == job, JobRun.run_key == run_key)
            )
        if earlier is None:
            raise
        return earlier_run(**earlier, already_ran=True)


async def run_daily_job(
    runtime: Runtime,
    *,
    job: str,
    day: dt.date,
    work: Callable[[AsyncSession], Awaitable[Summary]],
    earlier_run: Callable[..., Summary],
) -> Summary:
    """:func:`run_job_once` for a job that runs once a day: its run is keyed by ``day``
    and due on it."""
    return await run_job_once(
        runtime,
        job=job,
        run_key=day.isoformat(),
        due_on=day,
        work=work,
        earlier_run=earlier_run,
    )


def _counts(summary: DataclassInstance) -> dict[str, Any]:
    return {k: v for k, v in asdict(summary).items() if k != "already_ran"}


def describe(summary: DataclassInstance | dict[str, Any]) -> str:
    """A job's summary in words, for a terminal or a log line: ``members expired 3, points
    expired 1,200``, and whether it had run before (then nothing changed)."""
    counts = dict(summary) if isinstance(summary, dict) else asdict(summary)
    again = bool(counts.pop("already_ran", False))
    text = ", ".join(f"{name.replace('_', ' ')} {value:,}" for name, value in counts.items())
    if again:
        text += " (it had already run: nothing changed)"
    return text


async def days_due(
    runtime: Runtime,
    last_day: InstrumentedAttribute[dt.date],
    still_open: ColumnElement[bool],
    after: dt.date,
    until: dt.date,
    *,
    lag: dt.timedelta,
) -> list[dt.date]:
    """The days in ``(after, until]`` that fall ``lag`` after the ``last_day`` of some row
    still open: when a settling job (certificate expiry, challenge lapse, survey closing)
    has work, found with one query rather than a run per day."""
    async with runtime.db.reading() as session:
        last_days = await session.scalars(
            select(last_day)
            .distinct()
            .where(still_open, last_day > after - lag, last_day <= until - lag)
        )
        return sorted(day + lag for day in last_days)
