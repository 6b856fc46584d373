"""The date-bound job schedule: what falls due as (test) time passes.

When the clock moves from one instant to another, every job due in between runs once, in
date order: year-end requalification on the first day of each new qualification year,
points expiry on each day some member's points lapse, and the birthday bonus for the days
in between. Expiry is due every day in principle,
but the next day anything lapses is found with one ``MIN()`` query, so moving the clock two
years ahead costs a few queries, not 730 empty runs. Free-night certificates are expired on
each day after some certificate's last valid day, and status challenges lapse on the day
after their last day, and survey invitations close two days after theirs. Each (job, run
key) runs at most once.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select

from staytier.clock import TestClock
from staytier.domain.calendar import add_months, year_start
from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.services import (
    birthdays,
    certificates,
    challenges,
    expiry,
    requalification,
    surveys,
)
from staytier.services.birthdays import credit_birthdays
from staytier.services.expiry import expire_points, expiry_cutoff, points_at_risk
from staytier.services.requalification import requalify
from staytier.services.runtime import Runtime
from staytier.store.models import Member

ONE_DAY = dt.timedelta(days=1)
DaysDue = Callable[[Runtime, dt.date, dt.date], Awaitable[list[dt.date]]]
DailyRun = Callable[[Runtime, dt.date], Awaitable[Any]]


@dataclass(frozen=True)
class JobReport:
    """One job that fell due: its name, run key, due date and what it did."""

    job: str
    run_key: str
    due_on: dt.date
    summary: dict[str, int | bool]
    # How long the run took (the scheduler's metrics); 0 when it was not timed.
    seconds: float = 0.0


def requalifications_due(
    runtime: Runtime, after: dt.date, until: dt.date
) -> list[tuple[dt.date, int]]:
    """``(due_on, year)`` for each qualification year whose requalification falls due in
    ``(after, until]``: the first day of the following year, by the year's own rules."""
    due: list[tuple[dt.date, int]] = []
    for year in range(after.year - 1, until.year + 1):
        start_month = runtime.rules_for_year(year).qualification.year_start_month
        day = year_start(year + 1, start_month)
        if after < day <= until:
            due.append((day, year))
    return sorted(due)


async def next_expiry_day(
    runtime: Runtime, after: dt.date, *, handled_before: dt.date | None = None
) -> dt.date | None:
    """The first day after ``after`` on which some member's points lapse, or None.

    ``handled_before`` leaves out members whose last activity is before that date (an
    expiry run already dealt with them), so a run that found nothing to do is not retried
    day after day.
    """
    months = runtime.rules_on(after + ONE_DAY).points.expiry_months
    if months == 0:
        return None
    query = select(func.min(Member.last_activity_on)).where(*points_at_risk(after + ONE_DAY))
    if handled_before is not None:
        query = query.where(Member.last_activity_on >= handled_before)
    async with runtime.db.reading() as session:
        oldest = await session.scalar(query)
    if oldest is None:
        return None
    return max(add_months(oldest, months) + ONE_DAY, after + ONE_DAY)


async def move_test_clock(runtime: Runtime, now: dt.datetime) -> list[JobReport]:
    """Sets a test deployment's clock to ``now`` and runs the jobs due on the way, as a
    scheduler would have; refuses where the deployment has no test clock, or ``now`` has no
    UTC offset."""
    clock = runtime.clock
    if not isinstance(clock, TestClock):
        raise BusinessRuleError(
            ErrorCode.TEST_CLOCK_DISABLED, "This deployment was not started with --test-clock."
        )
    if now.tzinfo is None:
        raise BusinessRuleError(
            ErrorCode.INVALID_INPUT, "Give the instant with a UTC offset.", "now"
        )
    before = clock.now()
    clock.set(now)
    return await run_due_jobs(runtime, before, clock.now())


async def run_due_jobs(
    runtime: Runtime, from_instant: dt.datetime, to_instant: dt.datetime
) -> list[JobReport]:
    """Runs every job due after ``from_instant`` up to ``to_instant`` (their UTC dates).

    On a day both are due, requalification runs first: the lifetime status it grants spares
    points from expiring that same day. Birthdays are credited for the days before each of
    those runs and for the rest of the span, so a birthday bonus keeps points alive exactly
    as it would have day by day. Reports include jobs that had already run (their summary
    says ``already_ran``), so a caller sees the whole schedule for the span; a birthday run
    is reported when it credited someone.
    """
    after = from_instant.astimezone(dt.UTC).date()
    until = to_instant.astimezone(dt.UTC).date()
    pending = requalifications_due(runtime, after, until)
    reports: list[JobReport] = []
    birthdays_through = after

    async def birthdays_until(day: dt.date) -> None:
        nonlocal birthdays_through
        if day <= birthdays_through:
            return
        first, birthdays_through = birthdays_through + ONE_DAY, day
        started = time.perf_counter()
        done = await credit_birthdays(runtime, first, day)
        if done.members_credited:
            key = day.isoformat() if first == day else f"{first.isoformat()}..{day.isoformat()}"
            reports.append(JobReport(birthdays.JOB, key, day, asdict(done), _since(started)))

    expired_through, handled_before = after, None
    while True:
        day = await next_expiry_day(runtime, expired_through, handled_before=handled_before)
        if day is not None and day > until:
            day = None
        if pending and (day is None or pending[0][0] <= day):
            due_on, year = pending.pop(0)
            await birthdays_until(due_on - ONE_DAY)
            started = time.perf_counter()
            done = asdict(await requalify(runtime, year))
            reports.append(JobReport(requalification.JOB, str(year), due_on, done, _since(started)))
            continue
        if day is None:
            await birthdays_until(until)
            return reports + await _settle(runtime, after, until)
        await birthdays_until(day - ONE_DAY)
        started = time.perf_counter()
        lapsed = asdict(await expire_points(runtime, day))
        reports.append(JobReport(expiry.JOB, day.isoformat(), day, lapsed, _since(started)))
        months = runtime.rules_on(day).points.expiry_months
        expired_through, handled_before = day, expiry_cutoff(day, months)


# The jobs that settle records day by day and touch no points or status, so they run after
# the jobs that do: (name, the days due in a span, the run for one day).
SETTLING_JOBS: tuple[tuple[str, DaysDue, DailyRun], ...] = (
    # Free-night certificates past their last day.
    (certificates.JOB, certificates.expiry_days_due, certificates.expire_certificates),
    # Status challenges whose days ran out (the trial status ends by its own date).
    (challenges.JOB, challenges.lapse_days_due, challenges.lapse_challenges),
    # Survey invitations whose window has passed in every time zone.
    (surveys.JOB, surveys.close_days_due, surveys.close_surveys),
)


async def _settle(runtime: Runtime, after: dt.date, until: dt.date) -> list[JobReport]:
    """Each settling job, on each day in the span it falls due."""
    reports: list[JobReport] = []
    for job, days_due, run in SETTLING_JOBS:
        for day in await days_due(runtime, after, until):
            started = time.perf_counter()
            done = asdict(await run(runtime, day))
            reports.append(JobReport(job, day.isoformat(), day, done, _since(started)))
    return reports


def _since(started: float) -> float:
    return time.perf_counter() - started
