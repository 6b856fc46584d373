"""Runs the date-bound jobs when they fall due, without cron: ``staytier scheduler``.

Every minute (by default) the scheduler asks :func:`staytier.services.jobs.run_due_jobs`
for the jobs due between a few days ago and now: requalification on the first day of each
qualification year, points expiry, birthdays, certificate expiry. A job that already ran for
its day or year is recorded in ``job_runs`` and is not run again, so looking back is free
and a scheduler that was down for a few days catches up when it returns.

Several schedulers may run (for availability): one leads at a time, holding a lease row
in ``scheduler_leases`` that it renews at each pass. The others stand by and take over when
the lease lapses (the leader stopped or hung). Even two leaders at once would run each job
once, since ``job_runs`` refuses a second run of a key; the lease only spares them the work.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from staytier.services.jobs import JobReport, run_due_jobs
from staytier.services.runtime import Runtime
from staytier.store.models import SchedulerLease
from staytier.store.queries import rows_changed

log = logging.getLogger("staytier.scheduler")

LEASE = "date-bound-jobs"
# How far back each pass looks: a scheduler down for up to this long misses nothing.
CATCH_UP = dt.timedelta(days=7)
LEASE_TIME = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Pass:
    """One pass of the scheduler: whether it led, and the jobs it ran or found done."""

    led: bool
    reports: tuple[JobReport, ...] = ()


def scheduler_name() -> str:
    """``host-pid-random``: tells the schedulers apart in the lease and the logs."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:4]}"


class Scheduler:
    """One scheduler process (see the module docstring)."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        name: str | None = None,
        catch_up: dt.timedelta = CATCH_UP,
        lease_time: dt.timedelta = LEASE_TIME,
        on_report: Callable[[JobReport], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.runtime = runtime
        self.name = name or scheduler_name()
        self.catch_up = catch_up
        self.lease_time = lease_time
        self.on_report = on_report
        self.on_failure = on_failure

    async def run_once(self) -> Pass:
        """Runs what is due now if this scheduler leads; otherwise does nothing."""
        if not await self._lead():
            return Pass(led=False)
        now = self.runtime.now()
        reports = await run_due_jobs(self.runtime, now - self.catch_up, now)
        for report in reports:
            if self.on_report is not None:
                self.on_report(report)
        return Pass(led=True, reports=tuple(reports))

    async def run(self, stop: asyncio.Event, *, interval_seconds: float = 60.0) -> None:
        """Passes every ``interval_seconds`` until ``stop`` is set. A failed pass is logged
        and retried at the next one: the jobs are idempotent."""
        log.info("scheduler %s started", self.name)
        try:
            while not stop.is_set():
                try:
                    await self.run_once()
                except Exception as exc:  # keep scheduling; the failure is logged and counted
                    log.exception("scheduler %s: a pass failed; retrying next pass", self.name)
                    if self.on_failure is not None:
                        self.on_failure(exc)
                with contextlib.suppress(TimeoutError):  # the interval passed
                    await asyncio.wait_for(stop.wait(), timeout=interval_seconds)
        finally:
            await self.release()
            log.info("scheduler %s stopped", self.name)

    async def _lead(self) -> bool:
        """Takes or renews the lease; False while another scheduler holds it."""
        now = self.runtime.now()
        until = now + self.lease_time
        async with self.runtime.db.transaction() as session:
            taken = await rows_changed(
                session,
                update(SchedulerLease)
                .where(
                    SchedulerLease.name == LEASE,
                    (SchedulerLease.holder == self.name) | (SchedulerLease.expires_at < now),
                )
                .values(holder=self.name, expires_at=until),
            )
            if taken:
                return True
            held = await session.scalar(
                select(SchedulerLease.holder).where(SchedulerLease.name == LEASE)
            )
        if held is not None:
            return False
        try:
            async with self.runtime.db.transaction() as session:
                await session.execute(
                    insert(SchedulerLease).values(name=LEASE, holder=self.name, expires_at=until)
                )
        except IntegrityError:  # another scheduler created it first
            return False
        return True

    async def release(self) -> None:
        """Gives the lease up at once, so a standby takes over at its next pass."""
        async with self.runtime.db.transaction() as session:
            await session.execute(
                update(SchedulerLease)
                .where(SchedulerLease.name == LEASE, SchedulerLease.holder == self.name)
                .values(expires_at=self.runtime.now() - dt.timedelta(seconds=1))
            )
