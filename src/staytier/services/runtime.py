"""What every use case needs: the database, the clock and the rules in force."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from staytier.clock import Clock
from staytier.program.model import ExchangeRates, Program, ProgramVersion
from staytier.store.database import Database


@dataclass(frozen=True)
class Runtime:
    """The service's collaborators, built once by the app factory or the CLI."""

    db: Database
    clock: Clock
    program: Program
    rates: ExchangeRates

    def rules_on(self, day: dt.date) -> ProgramVersion:
        """The program version in force on ``day``."""
        return self.program.version_on(day)

    def now(self) -> dt.datetime:
        return self.clock.now()

    def today(self) -> dt.date:
        """Today in UTC; use :func:`staytier.clock.local_date` where a place matters."""
        return self.clock.now().date()
