"""Points expiry: a member's points lapse after the program's months without activity.

The run is set-based: one ``INSERT ... SELECT`` writes the EXPIRE entries straight from the
members table and one ``UPDATE`` zeroes the same balances, so it costs the same whether
ten members lapse or a million. Month arithmetic is done in Python, where the rule lives
(:func:`staytier.domain.calendar.add_months`), and turned into plain date comparisons that
SQLite and PostgreSQL evaluate alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from staytier.domain.calendar import add_months
from staytier.domain.errors import NotDueYet
from staytier.domain.points import LedgerKind
from staytier.services import audit
from staytier.services.job_runs import run_daily_job
from staytier.services.runtime import Runtime
from staytier.store.models import LedgerEntry, Member, StatusPeriod
from staytier.store.types import UTCDateTime

JOB = "expire-points"
ONE_DAY = dt.timedelta(days=1)
LEDGER_COLUMNS = ["member_id", "kind", "points", "balance_after", "occurred_at", "effective_on"]
LEDGER_COLUMNS += ["description", "uncollected_points"]


@dataclass(frozen=True)
class ExpirySummary:
    """What one expiry run did; a second run for the same date repeats the first one's
    counts with ``already_ran`` set, and changes nothing."""

    members_expired: int = 0
    points_expired: int = 0
    already_ran: bool = False


# Last-activity date -> the day its points lapsed, for one run (see _expire).
LAPSE_DAYS = Table(
    "expiry_lapse_days",
    MetaData(),
    Column("last_activity_on", Date, primary_key=True),
    Column("effective_on", Date, nullable=False),
    prefixes=["TEMPORARY"],
)


def expiry_cutoff(as_of: dt.date, months: int) -> dt.date:
    """The first last-activity date whose points are still valid on ``as_of``.

    Points last (through) ``add_months(last_activity, months)``, so they have expired on
    ``as_of`` exactly when that day is before ``as_of``. Because ``add_months`` clamps to
    month ends (31 January + 1 month is 28 February), several last-activity dates share one
    expiry day; this finds the latest of them and returns the day after, so that "expired"
    becomes the plain comparison ``last_activity_on < cutoff``.
    """
    last_valid = as_of - ONE_DAY  # expiry days up to this one have passed
    latest = add_months(last_valid, -months)  # its expiry day is never after last_valid
    while add_months(latest + ONE_DAY, months) <= last_valid:
        latest += ONE_DAY
    return latest + ONE_DAY


def expires_after(last_activity: dt.date, months: int) -> dt.date:
    """The first day a member's points are gone: the day after their last valid day."""
    return add_months(last_activity, months) + ONE_DAY


def points_at_risk(on: dt.date) -> list[ColumnElement[bool]]:
    """Members whose points can expire at all: a balance, a clock, and no lifetime status."""
    lifetime = exists().where(
        StatusPeriod.member_id == Member.id,
        StatusPeriod.revoked_at.is_(None),
        StatusPeriod.valid_through.is_(None),
        StatusPeriod.valid_from <= on,
    )
    return [Member.points_balance > 0, Member.last_activity_on.is_not(None), ~lifetime]


async def expire_points(runtime: Runtime, as_of: dt.date) -> ExpirySummary:
    """Expires the points of every member whose last activity is too old on ``as_of``.

    Each EXPIRE entry is dated the day after the member's own last valid day, so a run that
    catches up on missed days still dates every lapse correctly. The program's rules in
    force on ``as_of`` set the months (0: points never expire). The run is recorded as a
    job run keyed by the date, in the same transaction.
    """
    if as_of > runtime.today():
        raise NotDueYet(f"Points cannot be expired as of {as_of}, a day still to come.")
    months = runtime.rules_on(as_of).points.expiry_months

    async def expire(session: AsyncSession) -> ExpirySummary:
        if months <= 0:
            return ExpirySummary()
        return await _expire(session, runtime, as_of, months)

    return await run_daily_job(runtime, job=JOB, day=as_of, work=expire, earlier_run=ExpirySummary)


async def _expire(
    session: AsyncSession, runtime: Runtime, as_of: dt.date, months: int
) -> ExpirySummary:
    expiring = [*points_at_risk(as_of), Member.last_activity_on < expiry_cutoff(as_of, months)]
    if session.get_bind().dialect.name == "postgresql":
        # Lock the balances about to be zeroed, so a concurrent posting cannot slip in
        # between the ledger insert and the update (SQLite's writers are serialized already).
        locked = select(Member.id).where(*expiring).order_by(Member.id).with_for_update()
        await session.execute(select(func.count()).select_from(locked.subquery()))
    members, points = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Member.points_balance), 0)).where(*expiring)
        )
    ).one()
    if not members:
        return ExpirySummary()
    # Each member's lapse day follows from their last activity by month arithmetic, done in
    # Python where the rule lives; the distinct last-activity dates (a few hundred, however
    # many members) and their lapse days go into a temporary table, so one INSERT ... SELECT
    # writes every entry. (One statement per lapse day scanned the members hundreds of times.)
    last_days = await session.scalars(select(Member.last_activity_on).distinct().where(*expiring))
    lapse_days = [
        {"last_activity_on": last, "effective_on": expires_after(last, months)}
        for last in last_days
        if last is not None
    ]
    await session.run_sync(lambda sync: LAPSE_DAYS.create(sync.connection()))
    await session.execute(insert(LAPSE_DAYS), lapse_days)
    description = f"Points expired after {months} months without activity"
    await audit.record_many(
        session,
        select(
            Member.id,
            Member.member_number,
            audit.json_object(session, balance=Member.points_balance),
            audit.json_object(session, balance=literal(0), points=-Member.points_balance),
        ).where(*expiring),
        at=runtime.now(),
        subject="points",
        action=LedgerKind.EXPIRE.value,
    )
    rows = select(
        Member.id,
        literal(LedgerKind.EXPIRE.value, String()),
        -Member.points_balance,
        literal(0, Integer()),
        literal(runtime.now(), UTCDateTime()),
        LAPSE_DAYS.c.effective_on,
        literal(description, String()),
        literal(0, Integer()),
    ).join(LAPSE_DAYS, LAPSE_DAYS.c.last_activity_on == Member.last_activity_on)
    await session.execute(insert(LedgerEntry).from_select(LEDGER_COLUMNS, rows.where(*expiring)))
    await session.run_sync(lambda sync: LAPSE_DAYS.drop(sync.connection()))
    await session.execute(
        update(Member).where(*expiring).values(points_balance=0),
        execution_options={"synchronize_session": False},
    )
    return ExpirySummary(members_expired=int(members), points_expired=int(points))
