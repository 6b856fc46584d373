"""The birthday bonus: the program's points, once a year, on the member's own birthday.

The job runs for UTC days. Each day is judged at its 00:00 UTC: whoever is on their birthday
at that instant, in their own time zone, is credited. Every local day (24 hours) holds
exactly one UTC midnight, so each member is credited during their local birthday, whichever
zone they live in (a 23-hour day at a daylight-saving change may miss it; the next run then
credits the day after, still once). A 29 February birthday falls on 28 February in other years.

Members are found by zone: one query for the zones in use, one per zone for the birthdays
falling on that zone's local dates; so a run costs the same for ten members or a million.
A ``birthday_bonuses`` row per member and year makes the bonus once a year however often
the job runs; the run itself is recorded in ``job_runs``.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.errors import NotDueYet
from staytier.domain.points import LedgerKind
from staytier.domain.preferences import SpecialDateKind, occurrence
from staytier.services.job_runs import run_job_once
from staytier.services.ledger import post_entry
from staytier.services.runtime import Runtime
from staytier.store.models import BirthdayBonus, Member, SpecialDate

JOB = "birthday-bonus"
ONE_DAY = dt.timedelta(days=1)
# A run catching up on a long span looks back at most a year: one birthday per member.
MAX_SPAN_DAYS = 366


@dataclass(frozen=True)
class BirthdaySummary:
    """What one run did; a second run for the same days repeats its counts, ``already_ran``."""

    members_credited: int = 0
    points_credited: int = 0
    already_ran: bool = False


def local_days(zone: str, first: dt.date, last: dt.date) -> list[dt.date]:
    """The local date in ``zone`` at 00:00 UTC of each UTC day from ``first`` to ``last``."""
    here = ZoneInfo(zone)
    days, day = [], first
    while day <= last:
        days.append(dt.datetime.combine(day, dt.time(), dt.UTC).astimezone(here).date())
        day += ONE_DAY
    return days


def _birthday_on(days: list[dt.date]) -> list[tuple[int, int]]:
    """The (month, day) of birth that fall on any of ``days`` (29 February on 28 February
    of a common year)."""
    pairs = {(d.month, d.day) for d in days}
    pairs |= {(2, 29) for d in days if (d.month, d.day) == (2, 28) and not calendar.isleap(d.year)}
    return sorted(pairs)


async def credit_birthdays(
    runtime: Runtime,
    first: dt.date,
    last: dt.date,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> BirthdaySummary:
    """Credits the birthday bonus for the UTC days ``first`` to ``last``, once.

    A birthday earns the bonus of the rules in force on it, when it falls on or after the
    day the member enrolled and the day the birthday was recorded (no bonus for a birthday
    told after it passed), and the member has no bonus for that year yet.
    """
    if last > runtime.today():
        raise NotDueYet(f"Birthdays cannot be credited for {last}, a day still to come.")
    first = max(first, last - dt.timedelta(days=MAX_SPAN_DAYS - 1))
    if first > last:
        return BirthdaySummary()
    key = last.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()}"

    async def credit(session: AsyncSession) -> BirthdaySummary:
        return await _credit(session, runtime, first, last, progress)

    return await run_job_once(
        runtime, job=JOB, run_key=key, due_on=last, work=credit, earlier_run=BirthdaySummary
    )


async def _birthdays_between(
    session: AsyncSession, first: dt.date, last: dt.date
) -> dict[int, dt.date]:
    """The members whose birthday falls on a local day between ``first`` and ``last`` in
    their own time zone, each with that day; a birthday before the date was recorded or the
    member enrolled does not count."""
    birthday = SpecialDate.kind == SpecialDateKind.BIRTHDAY.value
    zones = await session.scalars(
        select(Member.time_zone)
        .distinct()
        .join(SpecialDate, SpecialDate.member_id == Member.id)
        .where(birthday)
    )
    due: dict[int, dt.date] = {}
    for zone in list(zones):
        days = local_days(zone, first, last)
        born = [and_(SpecialDate.month == m, SpecialDate.day == d) for m, d in _birthday_on(days)]
        rows = await session.execute(
            select(SpecialDate.member_id, SpecialDate.month, SpecialDate.day)
            .add_columns(SpecialDate.recorded_on, Member.enrolled_on)
            .join(Member, Member.id == SpecialDate.member_id)
            # A merged account's date stays behind only where the survivor has its own.
            .where(birthday, Member.time_zone == zone, or_(*born), Member.merged_into_id.is_(None))
        )
        for member_id, month, day, recorded_on, enrolled_on in rows:
            falls_on = max(d for d in days if occurrence(month, day, d.year) == d)
            if falls_on >= max(recorded_on, enrolled_on):
                due[member_id] = falls_on
    return due


async def _credit(
    session: AsyncSession,
    runtime: Runtime,
    first: dt.date,
    last: dt.date,
    progress: Callable[[int, int], None] | None = None,
) -> BirthdaySummary:
    due = await _birthdays_between(session, first, last)
    if not due:
        return BirthdaySummary()
    credited = set(
        await session.execute(
            select(BirthdayBonus.member_id, BirthdayBonus.year).where(
                BirthdayBonus.member_id.in_(due)
            )
        )
    )
    due = {m: on for m, on in due.items() if (m, on.year) not in credited}
    members = list(
        await session.scalars(
            select(Member).where(Member.id.in_(due)).order_by(Member.id).with_for_update()
        )
    )
    count = total = 0
    for done, member in enumerate(members, start=1):
        if progress is not None:
            progress(done, len(members))
        on = due[member.id]
        points = runtime.rules_on(on).birthday.bonus_points
        if points <= 0:
            continue
        post_entry(
            session,
            member,
            kind=LedgerKind.BONUS,
            points=points,
            occurred_at=runtime.now(),
            effective_on=on,
            description=f"Birthday bonus {on.year}",
            keeps_points_alive=False,  # a gift, not activity: points still expire
        )
        session.add(
            BirthdayBonus(
                member_id=member.id,
                year=on.year,
                birthday=on,
                points=points,
                credited_at=runtime.now(),
            )
        )
        count, total = count + 1, total + points
    await session.flush()
    return BirthdaySummary(members_credited=count, points_credited=total)
