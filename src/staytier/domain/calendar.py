"""Qualification years and the dates status and points run to.

A qualification year is labelled by the calendar year it starts in; with a start month of 1
it is the calendar year itself.
"""

from __future__ import annotations

import calendar
import datetime as dt

from staytier.program.model import Program, ProgramVersion


def qualification_year(day: dt.date, start_month: int) -> int:
    """The label of the qualification year that ``day`` falls in."""
    return day.year if day.month >= start_month else day.year - 1


def year_start(year: int, start_month: int) -> dt.date:
    return dt.date(year, start_month, 1)


def year_end(year: int, start_month: int) -> dt.date:
    return year_start(year + 1, start_month) - dt.timedelta(days=1)


def status_valid_through(earned_in: int, rules: ProgramVersion) -> dt.date:
    """Status earned in ``earned_in`` lasts through the next qualification year and the grace."""
    q = rules.qualification
    return year_end(earned_in + 1, q.year_start_month) + dt.timedelta(days=q.status_grace_days)


def rules_for_year(program: Program, year: int) -> ProgramVersion:
    """The rules that settle qualification year ``year``: those in force on its last day."""
    start_month = program.version_on(dt.date(year, 12, 31)).qualification.year_start_month
    return program.version_on(year_end(year, start_month))


def rules_judging(program: Program, year: int, on: dt.date) -> ProgramVersion:
    """The rules that judge qualification year ``year`` on ``on``: those in force then, or,
    once the year is over, :func:`rules_for_year`; so a late correction never judges a past
    year by rules announced after it."""
    settling = rules_for_year(program, year)
    if on > year_end(year, settling.qualification.year_start_month):
        return settling
    return program.version_on(on)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, landing on the month's last day when it is shorter
    (29 February plus 12 months is 28 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
