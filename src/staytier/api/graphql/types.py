"""The operations' object types, and where the core object types are found.

The core types live by what they describe: ``guest_types`` (``Guest``), ``tier_types`` (the
program, tiers and progress), ``stay_types`` (properties and stays) and ``points_types``
(points, the ledger and certificates). The names other modules import from here stay
importable from here.
"""

from __future__ import annotations

import datetime as dt

import strawberry

from staytier.api.graphql.guest_types import Guest
from staytier.api.graphql.points_types import LedgerEntry
from staytier.api.graphql.stay_types import Property, Stay

__all__ = ["Clock", "Guest", "JobReport", "LedgerEntry", "Property", "Stay"]


@strawberry.type
class Clock:
    now: dt.datetime
    is_test_clock: bool


@strawberry.type
class JobReport:
    job: str
    run_key: str
    due_on: dt.date
    summary: strawberry.scalars.JSON
